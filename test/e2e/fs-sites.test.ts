/**
 * File content across three real sites over libp2p on 127.0.0.1 (A, B, C; C keeps the
 * label /edge): a directory synced up at A with `colonies fs sync` is read at C by a real
 * Unix executor process (`colonies executor start --shell` against C), whose process runs
 * `colonies fs get` against C and prints the SHA-256 of what it got: the blob crossed from
 * A to C over libp2p. And with A cut off, C still serves the files of /edge it kept, while
 * a file it did not keep is not to be had (one clear line).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ColoniesClient } from '../../src/client/index.js'
import { ProcessState } from '../../src/protocol/state.js'
import { cli, CliProcess, type Env, ROOT } from '../helpers/cli.js'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { cutOff, type Federation, healCut, type Site, startFederation } from '../helpers/federation.js'

const MiB = 1024 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

let fed: Federation
let a: Site
let c: Site
let dir: string

const envAt = (s: Site, prv = fed.user.prv): Env => ({
  COLONIES_SERVER_HOST: '127.0.0.1',
  COLONIES_SERVER_PORT: String(s.node.port),
  COLONIES_COLONY_NAME: fed.colony,
  COLONIES_PRVKEY: prv
})

/** Resolves once site `s` has file `name` of `label` in its ledger. */
async function known (s: Site, label: string, name: string): Promise<void> {
  const at = new ColoniesClient({ url: s.node.url, prvkey: fed.user.prv })
  await eventually(async () => (await at.getLatestFileByName(fed.colony, label, name).catch(() => [])).length === 1 ? true : undefined, `${s.name} to know ${label}/${name}`, 20_000)
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-fs-sites-'))
  fed = await startFederation(3, {
    blobs: i => ({ keepRetryMs: 1000, ...(i === 2 ? { keepLabels: [{ colonyname: 'fed', label: '/edge' }] } : {}) })
  })
  a = fed.sites[0] as Site
  c = fed.sites[2] as Site
  await eventually(() => c.node.federation?.host.connectedPeers().length === 2 ? true : undefined, 'C to connect to A and B', 20_000)
})

test.after(async () => {
  await fed.stop()
  await rm(dir, { recursive: true, force: true })
})

test('synced up at A with fs sync, read at C by a Unix executor process through C\'s node: the bytes crossed A→C', async () => {
  const model = randomBytes(2 * MiB + 5)
  const up = join(dir, 'up')
  await mkdir(join(up, 'v1'), { recursive: true })
  await writeFile(join(up, 'v1', 'model.bin'), model)
  const sync = await cli(['fs', 'sync', '-l', '/shared', '-d', up, '--yes'], envAt(a), 60_000)
  assert.is(sync.code, 0, sync.stderr)
  assert.match(sync.stdout, /uploaded 1 file \(2\.0 MiB\)/)
  assert.is(await c.node.blobs.store.sizeOf(fed.colony, sha(model)), undefined, 'C does not hold it yet')
  await known(c, '/shared/v1', 'model.bin')

  // a real executor process at C, running commands through /bin/sh
  const x = await addExecutor(c.node.url, fed.colony, fed.owner, 'reader-at-c', 'fsreader')
  const executor = new CliProcess(['executor', 'start', '--type', 'fsreader', '--shell'], envAt(c, x.prv))
  try {
    await executor.waitFor(/Waiting for processes/)
    const out = join(dir, 'at-c')
    const q = (s: string): string => `'${s}'`
    const command = `${q(process.execPath)} ${q(join(ROOT, 'bin', 'run.js'))} fs get -l /shared/v1 -n model.bin -d ${q(out)} > /dev/null && sha256sum ${q(join(out, 'model.bin'))}`
    const atA = new ColoniesClient({ url: a.node.url, prvkey: fed.user.prv })
    const p = await atA.submitFunctionSpec({ funcname: command, conditions: { colonyname: fed.colony, executortype: 'fsreader' }, maxexectime: 60 })
    const done = await eventually(async () => {
      const got = await atA.getProcess(p.processid)
      return got.state === ProcessState.SUCCESS || got.state === ProcessState.FAILED ? got : undefined
    }, 'the process to end', 60_000)
    assert.is(done.state, ProcessState.SUCCESS, `${JSON.stringify(done.errors)}\n${executor.output}`)
    const [line] = done.out as string[]
    assert.is(line?.split(/\s+/)[0], sha(model), 'the executor at C read the bytes uploaded at A')
    assert.is(done.assignedexecutorid, x.id)
  } finally {
    await executor.stop()
  }
  // C fetched it from another site (A, the only one that had it), checked, and keeps it
  assert.is(c.node.blobs.stats().fetches.fetched, 1)
  assert.is(c.node.blobs.stats().fetches.forged, 0)
  assert.ok(a.node.blobs.stats().serves.served >= 1)
  assert.is(await c.node.blobs.store.sizeOf(fed.colony, sha(model)), model.length)
})

test('A cut off: C still serves what it kept for /edge to fs get and fs sync; what it did not keep fails in one line', async () => {
  const up = join(dir, 'edge-up')
  const kept = randomBytes(MiB + 3)
  await mkdir(join(up, 'models'), { recursive: true })
  await writeFile(join(up, 'models', 'kept.bin'), kept)
  await writeFile(join(up, 'readme.txt'), 'edge files\n')
  assert.is((await cli(['fs', 'sync', '-l', '/edge', '-d', up, '--yes'], envAt(a), 60_000)).code, 0)
  const other = join(dir, 'other-up')
  await mkdir(other)
  await writeFile(join(other, 'lost.bin'), randomBytes(1000))
  assert.is((await cli(['fs', 'sync', '-l', '/other', '-d', other, '--yes'], envAt(a))).code, 0)
  // C keeps /edge's blobs as soon as it learns of them, without being asked
  await eventually(async () => await c.node.blobs.store.sizeOf(fed.colony, sha(kept)), 'C to keep /edge/models/kept.bin', 30_000)
  await eventually(async () => await c.node.blobs.store.sizeOf(fed.colony, sha(Buffer.from('edge files\n'))), 'C to keep /edge/readme.txt', 30_000)
  await known(c, '/other', 'lost.bin')

  await cutOff(fed, 0)()
  const peerA = a.node.federation?.peerId as string
  await eventually(() => c.node.federation?.host.connectedPeers().includes(peerA) === false ? true : undefined, 'C to lose A', 20_000)
  try {
    const into = join(dir, 'edge-at-c')
    const got = await cli(['fs', 'get', '-l', '/edge/models', '-n', 'kept.bin', '-d', into], envAt(c))
    assert.is(got.code, 0, got.stderr)
    assert.ok((await readFile(join(into, 'kept.bin'))).equals(kept))
    const synced = join(dir, 'edge-sync-at-c')
    const sync = await cli(['fs', 'sync', '-l', '/edge', '-d', synced, '--yes'], envAt(c))
    assert.is(sync.code, 0, sync.stderr)
    assert.match(sync.stdout, /downloaded 2 files/)
    assert.is(await readFile(join(synced, 'readme.txt'), 'utf8'), 'edge files\n')

    const lost = await cli(['fs', 'get', '-l', '/other', '-n', 'lost.bin', '-d', join(dir, 'lost')], envAt(c))
    assert.is(lost.code, 5, lost.stderr)
    assert.match(lost.stderr, /the content of \/other\/lost\.bin is neither at this site nor at a site it can reach: try again once a site that holds it is reachable/)
    assert.not.match(lost.stderr, /COLONIES_COLONY_NAME/)
    assert.is(lost.stderr.trim().split('\n').filter(l => l.startsWith('Error:')).length, 1, lost.stderr)
    assert.not.match(lost.stderr, /\n\s+at /)
  } finally {
    healCut(fed, 0)
  }
})

test.run()
