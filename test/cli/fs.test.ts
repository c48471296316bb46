/**
 * `colonies fs ...` as a user types it: the real CLI as child processes against a real
 * node. Files are recorded through the client (content transfer is `fs sync`'s, not
 * here); the CLI lists, shows and removes them, lists labels, and manages snapshots,
 * with tables for people and the replies under --json.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { ColoniesClient } from '../../src/client/index.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

let tc: TestColony
let env: Env
let user: ColoniesClient

test.before(async () => {
  tc = await startColony({ executors: 0 })
  env = colonyEnv(tc)
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  const add = async (label: string, name: string, content: string): Promise<void> => {
    await user.addFile({ colonyname: tc.colony, label, name, size: content.length, checksum: sha(content) })
  }
  await add('/data', 'a.csv', 'x'.repeat(3000))
  await add('/data', 'a.csv', 'y'.repeat(5000))
  await add('/data', 'b.txt', 'bee')
  await add('/data/raw', 'c.bin', 'sea')
})
test.after(async () => { await tc.stop() })

function oneLine (stderr: string): void {
  assert.is(stderr.trim().split('\n').length, 1, `one error line, got: ${stderr}`)
  assert.not.match(stderr, /\n\s+at /, 'no stack trace')
}

test('fs ls -l LABEL: each name\'s latest revision, its size and revision count; --json; an empty label says so', async () => {
  const ls = await cli(['fs', 'ls', '-l', '/data'], env)
  assert.is(ls.code, 0, ls.stderr)
  const lines = ls.stdout.trim().split('\n')
  assert.match(lines[0] as string, /^FILENAME\s+SIZE\s+LATEST ID\s+ADDED\s+REVISIONS\s+STORED$/)
  assert.match(lines[1] as string, /^a\.csv\s+4\.9 KiB\s+[0-9a-f]{64}\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+2\s+colonynet$/)
  assert.match(lines[2] as string, /^b\.txt\s+3 B\s+[0-9a-f]{64}\s+.*\s+1\s+colonynet$/)
  assert.is(lines.length, 3, 'the file below /data/raw is not listed under /data')
  const json = await cli(['fs', 'ls', '--label', '/data', '--json'], env)
  const list = JSON.parse(json.stdout) as Array<{ name: string, revisions: number, size: number, sequencenr: number }>
  assert.equal(list.map(f => [f.name, f.revisions, f.size, f.sequencenr]), [['a.csv', 2, 5000, 2], ['b.txt', 1, 3, 1]])
  const empty = await cli(['fs', 'ls', '-l', '/nothing'], env)
  assert.is(empty.stdout.trim(), 'No files found with label /nothing')
})

test('fs label ls: labels and counts, or below one label; fs info by name shows every revision', async () => {
  const labels = await cli(['fs', 'label', 'ls'], env)
  assert.is(labels.code, 0, labels.stderr)
  assert.equal(labels.stdout.trim().split('\n').map(l => l.split(/\s+/)), [['LABEL', 'FILES'], ['/data', '3'], ['/data/raw', '1']])
  const below = await cli(['fs', 'label', 'ls', '-l', '/data/raw', '--json'], env)
  assert.equal(JSON.parse(below.stdout), [{ name: '/data/raw', files: 1 }])
  const info = await cli(['fs', 'info', '-l', '/data', '-n', 'a.csv'], env)
  assert.is(info.code, 0, info.stderr)
  assert.is(info.stdout.match(/^File$/gm)?.length, 2, `two revisions: ${info.stdout}`)
  assert.match(info.stdout, /Revision\s+2/)
  assert.match(info.stdout, /Checksum\s+[0-9a-f]{64}/)
  const noTarget = await cli(['fs', 'info', '-l', '/data'], env)
  assert.is(noTarget.code, 2, noTarget.stderr)
  oneLine(noTarget.stderr)
  assert.match(noTarget.stderr, /give --fileid, or --label and --name/)
})

test('fs snapshot create | ls | info (and get) | remove | removeall', async () => {
  const create = await cli(['fs', 'snapshot', 'create', '-l', 'data/', '-n', 'v1'], env)
  assert.is(create.code, 0, create.stderr)
  assert.match(create.stdout, /^Snapshot v1 created/)
  assert.match(create.stdout, /Label\s+\/data\n/)
  assert.match(create.stdout, /\/data\/a\.csv\s+[0-9a-f]{64}\s+4\.9 KiB/)
  assert.match(create.stdout, /\/data\/raw\/c\.bin/)
  const taken = await cli(['fs', 'snapshot', 'create', '-l', '/data', '-n', 'v1'], env)
  assert.is(taken.code, 2, taken.stderr)
  oneLine(taken.stderr)
  assert.match(taken.stderr, /a snapshot named "v1" already exists/)
  const ls = await cli(['fs', 'snapshot', 'ls'], env)
  assert.match(ls.stdout, /^NAME\s+SNAPSHOTID\s+LABEL\s+FILES\s+ADDED\nv1\s+[0-9a-f]{64}\s+\/data\s+3\s+/)
  const got = JSON.parse((await cli(['fs', 'snapshot', 'get', '-n', 'v1', '--json'], env)).stdout) as { snapshotid: string, fileids: string[] }
  assert.is(got.fileids.length, 3)
  const info = await cli(['fs', 'snapshot', 'info', '-i', got.snapshotid], env)
  assert.match(info.stdout, new RegExp(`SnapshotId\\s+${got.snapshotid}`))
  const missing = await cli(['fs', 'snapshot', 'info', '-n', 'nope'], env)
  assert.is(missing.code, 5)
  oneLine(missing.stderr)
  assert.match(missing.stderr, /Snapshot named "nope" does not exist/)
  const rm = await cli(['fs', 'snapshot', 'remove', '-n', 'v1', '--yes'], env)
  assert.is(rm.stdout.trim(), 'Snapshot v1 removed')
  await cli(['fs', 'snapshot', 'create', '-l', '/data', '-n', 'v2'], env)
  const refused = await cli(['fs', 'snapshot', 'removeall'], env)
  assert.is(refused.code, 2, 'no terminal and no --yes: refused, nothing removed')
  assert.match(refused.stderr, /Remove every snapshot in colony test\? This cannot be undone\. Not done: no terminal to ask on; pass --yes/)
  assert.is((await user.getSnapshots(tc.colony)).length, 1)
  const all = await cli(['fs', 'snapshot', 'removeall', '--yes'], env)
  assert.is(all.code, 0, all.stderr)
  assert.is((await cli(['fs', 'snapshot', 'ls'], env)).stdout.trim(), `No snapshots found in colony ${tc.colony}`)
})

test('fs remove by name and by id; a stranger\'s key is denied in one line', async () => {
  const [b] = await user.getLatestFileByName(tc.colony, '/data', 'b.txt')
  const byId = await cli(['fs', 'remove', '-i', b?.fileid as string, '-y'], env)
  assert.is(byId.code, 0, byId.stderr)
  assert.match(byId.stdout, /^Removed file [0-9a-f]{64}/)
  const byName = await cli(['fs', 'remove', '-l', '/data', '-n', 'a.csv', '--json', '--yes'], env)
  assert.equal(JSON.parse(byName.stdout), { colonyname: tc.colony, label: '/data', name: 'a.csv', removed: true })
  assert.is((await cli(['fs', 'ls', '-l', '/data'], env)).stdout.trim(), 'No files found with label /data')
  const stranger = await cli(['fs', 'label', 'ls'], { ...env, COLONIES_PRVKEY: 'ab'.repeat(32) })
  assert.is(stranger.code, 4, stranger.stderr)
  oneLine(stranger.stderr)
  assert.match(stranger.stderr, /Access denied/)
})

test.run()
