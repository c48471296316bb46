/**
 * `colonies fs sync | get | snapshot download | clean | label remove` as a user types
 * them: the real CLI as child processes against one real node, with content in the
 * node's blob store. A tree (with sub-directories, an empty file) goes up and comes back
 * down byte for byte; a changed file becomes a new revision; --dry changes nothing; the
 * conflict rules both ways (and upstream's --keeplocal=false); a cut download resumes from
 * its .part; a hostile file name is skipped, never written outside the directory.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { ColoniesClient } from '../../src/client/index.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')
const MiB = 1024 * 1024

let tc: TestColony
let env: Env
let user: ColoniesClient
let tmp: string

/** Every regular file under `dir` (but .cfs) by its path from `dir`, with its content's SHA-256. */
async function tree (dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const visit = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) await visit(p)
      else if (e.name !== '.cfs') out[relative(dir, p)] = sha(await readFile(p))
    }
  }
  await visit(dir)
  return out
}

async function put (dir: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), content)
  }
}

function oneLine (stderr: string): void {
  assert.is(stderr.trim().split('\n').length, 1, `one error line, got: ${stderr}`)
  assert.not.match(stderr, /\n\s+at /, 'no stack trace')
}

test.before(async () => {
  tc = await startColony({ executors: 0 })
  env = colonyEnv(tc)
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  tmp = await mkdtemp(join(tmpdir(), 'colonynet-fs-sync-'))
})
test.after(async () => {
  await tc.stop()
  await rm(tmp, { recursive: true, force: true })
})

const src = (): string => join(tmp, 'src')
const dst = (): string => join(tmp, 'dst')

test('fs sync uploads a tree with sub-directories; synced into an empty directory it comes back byte for byte', async () => {
  await put(src(), {
    'a.txt': 'alpha\n',
    'big.bin': randomBytes(3 * MiB + 17),
    'empty.txt': '',
    'sub/c.txt': 'sea\n',
    'sub/deeper/d.bin': randomBytes(40_000)
  })
  const up = await cli(['fs', 'sync', '-l', '/proj', '-d', src(), '--yes'], env, 60_000)
  assert.is(up.code, 0, up.stderr)
  assert.match(up.stdout, /^Synchronized label \/proj and directory .*src: uploaded 5 files \(3\.\d MiB\), downloaded 0 files/)
  // progress on stderr: a line per file, with files and bytes so far
  assert.match(up.stderr, /uploaded \/proj\/big\.bin \(3\.0 MiB\)\s+\[\d\/5 files, [\d.]+ \w+ of 3\.\d MiB\]/)
  assert.match(up.stderr, /uploaded \/proj\/sub\/deeper\/d\.bin/)
  // recorded as colonynet files, one label per directory
  const labels = (await user.getFileLabelsByName(tc.colony, '/proj', true)).map(l => [l.name, l.files])
  assert.equal(labels, [['/proj', 3], ['/proj/sub', 1], ['/proj/sub/deeper', 1]])
  const [big] = await user.getLatestFileByName(tc.colony, '/proj', 'big.bin')
  assert.is(big?.ref.protocol, 'colonynet')
  assert.is(big?.checksumalg, 'SHA256')
  assert.is(big?.checksum, sha(await readFile(join(src(), 'big.bin'))))
  assert.is(await tc.node.blobs.store.sizeOf(tc.colony, big?.checksum as string), 3 * MiB + 17)
  assert.equal(JSON.parse(await readFile(join(src(), '.cfs'), 'utf8')), { label: '/proj' })

  const down = await cli(['fs', 'sync', '-l', 'proj/', '-d', dst(), '--yes', '--json'], env, 60_000)
  assert.is(down.code, 0, down.stderr)
  const summary = JSON.parse(down.stdout) as { applied: boolean, download: number, upload: number, downloaded: Array<{ name: string }>, moved: number, label: string }
  assert.is(summary.applied, true)
  assert.is(summary.label, '/proj')
  assert.equal([summary.download, summary.upload, summary.downloaded.length], [5, 0, 5])
  assert.is(summary.moved, 3 * MiB + 17 + 40_000 + 6 + 4)
  assert.equal(await tree(dst()), await tree(src()))
  assert.is((await stat(join(dst(), 'empty.txt'))).size, 0)
  assert.equal(JSON.parse(await readFile(join(dst(), 'sub', 'deeper', '.cfs'), 'utf8')), { label: '/proj/sub/deeper' })

  // again, with the label from .cfs: nothing to do
  const again = await cli(['fs', 'sync', '-d', dst(), '--yes'], env)
  assert.is(again.code, 0, again.stderr)
  assert.match(again.stdout, /^Nothing to do: label \/proj and directory .*dst are already synchronized/)
})

test('a changed file: --dry shows the conflict and changes nothing; applied, it is a new revision', async () => {
  await writeFile(join(src(), 'a.txt'), 'alpha, changed\n')
  const dry = await cli(['fs', 'sync', '-d', src(), '--dry', '--json'], env)
  assert.is(dry.code, 0, dry.stderr)
  const plan = JSON.parse(dry.stdout) as { applied: boolean, conflicts: number, upload: number, download: number, plans: Array<{ label: string, conflicts: Array<{ name: string, checksum: string }> }> }
  assert.equal([plan.applied, plan.conflicts, plan.upload, plan.download], [false, 1, 0, 0])
  assert.equal(plan.plans.map(p => [p.label, p.conflicts.map(c => c.name)]), [['/proj', ['a.txt']]])
  assert.is(plan.plans[0]?.conflicts[0]?.checksum, sha('alpha, changed\n'), 'keeplocal: the local file is the one to upload')
  const human = await cli(['fs', 'sync', '-d', src(), '--dry', '--syncplans'], env)
  assert.match(human.stdout, /^Sync plan for label \/proj and directory .*src\n {2}download {3}0 files \(0 B\)\n {2}upload {5}0 files \(0 B\) to the sites' blob stores\n {2}conflicts {2}1: the local file replaces the remote one/)
  assert.match(human.stdout, /\nACTION\s+LABEL\s+NAME\s+SIZE\s+DIRECTORY\nconflict: upload\s+\/proj\s+a\.txt\s+15 B\s+\S+src\n?$/)
  assert.is((await user.getFileByName(tc.colony, '/proj', 'a.txt')).length, 1, '--dry uploaded nothing')

  // no --yes and no terminal to ask: nothing happens
  const asked = await cli(['fs', 'sync', '-d', src()], env)
  assert.is(asked.code, 2, 'refused as bad usage')
  assert.match(asked.stderr, /Sync plan for label \/proj[\s\S]*Apply this plan\? Not done: no terminal to ask on; pass --yes/)
  assert.is((await user.getFileByName(tc.colony, '/proj', 'a.txt')).length, 1)
  const quiet = await cli(['fs', 'sync', '-d', src(), '--quite'], env)
  assert.is(quiet.code, 2)
  oneLine(quiet.stderr)
  assert.match(quiet.stderr, /--quite and --yes must be used together: add --yes/)

  const apply = await cli(['fs', 'sync', '-d', src(), '--yes', '--quiet'], env)
  assert.is(apply.code, 0, apply.stderr)
  assert.is(apply.stdout + apply.stderr, '', '--quiet prints nothing')
  const revisions = await user.getFileByName(tc.colony, '/proj', 'a.txt')
  assert.equal(revisions.map(r => [r.sequencenr, r.checksum]), [[2, sha('alpha, changed\n')], [1, sha('alpha\n')]])
})

test('conflict rules: --keeplocal=false (or --no-keeplocal) takes the remote file; the default uploads the local one', async () => {
  // dst still holds the first a.txt: with the remote kept, it is replaced
  const remote = await cli(['fs', 'sync', '-d', dst(), '--keeplocal=false', '--yes', '--json'], env)
  assert.is(remote.code, 0, remote.stderr)
  const s = JSON.parse(remote.stdout) as { conflictresolution: string, downloaded: Array<{ name: string }>, uploaded: unknown[] }
  assert.equal([s.conflictresolution, s.downloaded.map(d => d.name), s.uploaded.length], ['replace-local', ['a.txt'], 0])
  assert.is(await readFile(join(dst(), 'a.txt'), 'utf8'), 'alpha, changed\n')
  assert.is((await user.getFileByName(tc.colony, '/proj', 'a.txt')).length, 2, 'no new revision')

  // a local change in dst, synced with the default: a new revision of the remote file
  await writeFile(join(dst(), 'sub', 'c.txt'), 'sea, edited at dst\n')
  const local = await cli(['fs', 'sync', '-d', dst(), '--yes'], env)
  assert.is(local.code, 0, local.stderr)
  assert.match(local.stdout, /uploaded 1 file \(19 B\), downloaded 0 files/)
  const [c] = await user.getLatestFileByName(tc.colony, '/proj/sub', 'c.txt')
  assert.equal([c?.sequencenr, c?.checksum], [2, sha('sea, edited at dst\n')])
  // and src, with --no-keeplocal, follows
  const follow = await cli(['fs', 'sync', '-d', src(), '--no-keeplocal', '--yes'], env)
  assert.is(follow.code, 0, follow.stderr)
  assert.equal(await tree(src()), await tree(dst()))
})

test('a cut download resumes from its .part; a .part of other bytes is replaced; sync does not upload a .part', async () => {
  const [big] = await user.getLatestFileByName(tc.colony, '/proj', 'big.bin')
  const content = await readFile(join(src(), 'big.bin'))
  const into = join(tmp, 'resume')
  await mkdir(into)
  // what a download killed after 1 MiB leaves
  await writeFile(join(into, 'big.bin.part'), content.subarray(0, MiB))
  const got = await cli(['fs', 'get', '-l', '/proj', '-n', 'big.bin', '-d', into, '--json'], env)
  assert.is(got.code, 0, got.stderr)
  const r = JSON.parse(got.stdout) as { status: string, resumed: number, path: string, fileid: string }
  assert.equal([r.status, r.resumed, r.fileid], ['downloaded', MiB, big?.fileid])
  assert.match(got.stderr, /downloaded \/proj\/big\.bin \(3\.0 MiB, resumed at 1\.0 MiB\)/)
  assert.ok((await readFile(r.path)).equals(content))
  assert.is(await stat(join(into, 'big.bin.part')).then(() => 'there', () => 'gone'), 'gone')

  // a part whose bytes are not a prefix of the content (another file's): started over
  await rm(r.path)
  await writeFile(join(into, 'big.bin.part'), randomBytes(MiB))
  const over = await cli(['fs', 'get', '-i', big?.fileid as string, '-d', into, '--json'], env)
  assert.is(over.code, 0, over.stderr)
  assert.is((JSON.parse(over.stdout) as { resumed: number }).resumed, 0)
  assert.ok((await readFile(r.path)).equals(content))
  const present = await cli(['fs', 'get', '-i', big?.fileid as string, '-d', into], env)
  assert.match(present.stdout, /already holds big\.bin \(same checksum\): nothing downloaded/)

  // a synced directory with a cut download in it: the part is not a file of the label
  await rm(join(dst(), 'big.bin'))
  await writeFile(join(dst(), 'big.bin.part'), content.subarray(0, 2 * MiB))
  const plan = JSON.parse((await cli(['fs', 'sync', '-d', dst(), '--dry', '--json'], env)).stdout) as { upload: number, download: number }
  assert.equal([plan.upload, plan.download], [0, 1])
  const resumed = await cli(['fs', 'sync', '-d', dst(), '--yes'], env)
  assert.is(resumed.code, 0, resumed.stderr)
  assert.match(resumed.stderr, /downloaded \/proj\/big\.bin \(3\.0 MiB, resumed at 2\.0 MiB\)/)
  assert.ok((await readFile(join(dst(), 'big.bin'))).equals(content))
})

test('fs get: an old revision by id; errors say what to do', async () => {
  const [, first] = await user.getFileByName(tc.colony, '/proj', 'a.txt')
  const into = join(tmp, 'old')
  const got = await cli(['fs', 'get', '-i', first?.fileid as string, '-d', into], env)
  assert.is(got.code, 0, got.stderr)
  assert.match(got.stdout, /^Downloaded a\.txt \(6 B, revision 1\) to .*old\/a\.txt/)
  assert.is(await readFile(join(into, 'a.txt'), 'utf8'), 'alpha\n')
  const noDir = await cli(['fs', 'get', '-l', '/proj', '-n', 'a.txt'], env)
  assert.is(noDir.code, 2)
  oneLine(noDir.stderr)
  assert.match(noDir.stderr, /Missing required flag dir/)
  const noTarget = await cli(['fs', 'get', '-l', '/proj', '-d', into], env)
  assert.is(noTarget.code, 2)
  assert.match(noTarget.stderr, /give --fileid, or --label and --name/)
  const missing = await cli(['fs', 'get', '-l', '/proj', '-n', 'nope.txt', '-d', into], env)
  assert.is(missing.code, 5, missing.stderr)
  oneLine(missing.stderr)
})

test('fs snapshot download: the snapshot\'s revisions, sub-labels as directories, later changes not included', async () => {
  const snap = await cli(['fs', 'snapshot', 'create', '-l', '/proj', '-n', 'v1'], env)
  assert.is(snap.code, 0, snap.stderr)
  const expected = await tree(dst())
  await writeFile(join(src(), 'a.txt'), 'after the snapshot\n')
  assert.is((await cli(['fs', 'sync', '-d', src(), '--yes'], env)).code, 0)
  const into = join(tmp, 'snap')
  const dl = await cli(['fs', 'snapshot', 'download', '-n', 'v1', '-d', into], env, 60_000)
  assert.is(dl.code, 0, dl.stderr)
  assert.match(dl.stdout, /^Downloaded snapshot v1 \(label \/proj\) to .*snap: 5 of 5 files/)
  assert.equal(await tree(into), expected)
  const again = await cli(['fs', 'snapshot', 'download', '-n', 'v1', '-d', into, '--json'], env)
  const r = JSON.parse(again.stdout) as { files: Array<{ status: string }> }
  assert.equal(r.files.map(f => f.status), ['present', 'present', 'present', 'present', 'present'])
  const none = await cli(['fs', 'snapshot', 'download', '-d', into], env)
  assert.is(none.code, 2)
  assert.match(none.stderr, /give --snapshotid or --snapshotname/)
})

test('a hostile name or label from the ledger is skipped, never written outside the directory', async () => {
  const bytes = 'outside\n'
  const up = join(tmp, 'up.bin')
  await writeFile(up, bytes)
  const { BlobClient } = await import('../../src/client/blobs.js')
  const blob = await new BlobClient({ url: tc.node.url, prvkey: tc.user.prv }).uploadBlob(tc.colony, up)
  await user.addFile({ colonyname: tc.colony, label: '/evil', name: '../escaped.txt', size: blob.size, checksum: blob.checksum })
  await user.addFile({ colonyname: tc.colony, label: '/evil/../..', name: 'escaped2.txt', size: blob.size, checksum: blob.checksum })
  await user.addFile({ colonyname: tc.colony, label: '/evil', name: 'fine.txt', size: blob.size, checksum: blob.checksum })
  const into = join(tmp, 'evil', 'inside')
  const r = await cli(['fs', 'sync', '-l', '/evil', '-d', into, '--yes', '--json'], env)
  assert.is(r.code, 0, r.stderr)
  const s = JSON.parse(r.stdout) as { skipped: Array<{ label: string, name: string }>, downloaded: Array<{ name: string }> }
  assert.equal(s.downloaded.map(d => d.name), ['fine.txt'])
  assert.equal(s.skipped.map(k => [k.label, k.name]).sort(), [['/evil', '../escaped.txt'], ['/evil/../..', '']])
  assert.equal(await readdir(join(tmp, 'evil')), ['inside'])
  assert.equal((await readdir(into)).sort(), ['.cfs', 'fine.txt'])
})

test('fs clean removes what the label lacks; fs label remove drops a label and those below it, not look-alikes', async () => {
  await put(dst(), { 'stray.txt': 'not in the label', 'junk/x.txt': 'nor this' })
  const dry = await cli(['fs', 'clean', '-d', dst(), '--dry', '--json'], env)
  assert.is(dry.code, 0, dry.stderr)
  const plan = JSON.parse(dry.stdout) as { files: string[], dirs: string[], removed: boolean }
  assert.equal([plan.files.map(f => relative(dst(), f)), plan.dirs.map(d => relative(dst(), d)), plan.removed], [['stray.txt'], ['junk'], false])
  const before = await tree(dst())
  const clean = await cli(['fs', 'clean', '-d', dst(), '--yes'], env)
  assert.is(clean.code, 0, clean.stderr)
  assert.match(clean.stdout, /Removed 1 files and 1 directories/)
  const after = await tree(dst())
  delete before['stray.txt']
  delete before['junk/x.txt']
  assert.equal(after, before)

  await put(join(tmp, 'lookalike'), { 'p.txt': 'projects' })
  assert.is((await cli(['fs', 'sync', '-l', '/projects', '-d', join(tmp, 'lookalike'), '--yes'], env)).code, 0)
  const refused = await cli(['fs', 'label', 'remove', '-l', '/proj/sub'], env)
  assert.is(refused.code, 2)
  assert.is((await user.getFileLabelsByName(tc.colony, '/proj/sub', true)).length, 2)
  const removed = await cli(['fs', 'label', 'remove', '-l', '/proj/sub', '--yes', '--json'], env)
  assert.is(removed.code, 0, removed.stderr)
  assert.equal((JSON.parse(removed.stdout) as { files: unknown[] }).files, [{ label: '/proj/sub', name: 'c.txt' }, { label: '/proj/sub/deeper', name: 'd.bin' }])
  const left = (await user.getFileLabels(tc.colony)).map(l => l.name)
  assert.ok(left.includes('/proj') && left.includes('/projects'), left.join(' '))
  assert.not.ok(left.some(l => l.startsWith('/proj/sub')), left.join(' '))
  assert.ok(await stat(join(dst(), 'sub', 'c.txt')), 'local files stay')
})

test.run()
