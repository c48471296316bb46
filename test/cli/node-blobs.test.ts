/**
 * The blob store's settings as an operator types them, the real CLI as child processes:
 * `node start --keep-label COLONY:/label --max-blob-mib N` runs them (its /health and
 * `node status` say so), and a malformed label is refused before the node starts, in one
 * line naming the flag.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, CliProcess } from '../helpers/cli.js'

let dir: string

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-cli-blobs-'))
})

test.after(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('node start keeps the labels it is given and takes blobs up to --max-blob-mib', async () => {
  const node = new CliProcess(['node', 'start', '--data', join(dir, 'start'), '--port', '0', '--no-dashboard',
    '--keep-label', 'dev:/models', '--keep-label', 'dev:data', '--max-blob-mib', '8'], {})
  try {
    const [, url] = await node.waitFor(/^URL\s+(http:\/\/\S+)$/m) as unknown as [string, string]
    await node.waitFor(/Serving/)
    const u = new URL(url)
    const r = await cli(['node', 'status', '--json'], { COLONIES_SERVER_HOST: u.hostname, COLONIES_SERVER_PORT: u.port })
    assert.is(r.code, 0, r.stderr)
    const blobs = JSON.parse(r.stdout).health.blobs
    assert.equal(blobs.keep, ['dev:/models', 'dev:/data'])
    assert.is(blobs.limit, 8 * 1024 * 1024)
    const people = await cli(['node', 'status'], { COLONIES_SERVER_HOST: u.hostname, COLONIES_SERVER_PORT: u.port })
    assert.match(people.stdout, /^Blobs\s+0 blobs, 0 KiB; fetched 0 from other sites \(0 KiB\), served 0 \(0 KiB\); keeping dev:\/models dev:\/data: 0 of 0 held; at most 8\.0 MiB each$/m)
  } finally {
    assert.is(await node.stop('SIGINT'), 0, node.output)
  }
})

test('a malformed --keep-label is refused before the node starts, in one line naming the flag', async () => {
  const data = join(dir, 'refused')
  const r = await cli(['node', 'start', '--data', data, '--port', '0', '--keep-label', 'nocolon'])
  assert.is(r.code, 2, r.stderr)
  assert.match(r.stderr, /--keep-label "nocolon" must be COLONY:\/label, e\.g\. dev:\/data/)
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.equal(await readdir(dir).then(d => d.filter(f => f === 'refused')), [], 'nothing was written')
})

test.run()
