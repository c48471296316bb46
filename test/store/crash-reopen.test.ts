/**
 * What a reopen after SIGKILL makes of processes that had just settled: each one is still
 * there, in the fold's hash and in the projections (its view, its state listing, the
 * counts), whether it had left memory before the kill or not yet.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { killWhen } from '../helpers/kill-child.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { ProcessState } from '../../src/protocol/state.js'
import { Ledger } from '../../src/store/ledger.js'
import { Projections } from '../../src/store/projections.js'

const settler = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'settler.ts')

const dirs: string[] = []
test.after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

/** Runs the settler (see fixtures/settler.ts) until it is ready, kills it with SIGKILL; returns its processes. */
async function settleAndKill (dir: string, nodeKey: string, n: number, mode: 'written' | 'checkpointed', deadlineMs = 60_000): Promise<string[]> {
  const lines = await killWhen(settler, [dir, nodeKey, String(n), mode], got => got.includes('ready'), 'the settler being ready', deadlineMs)
  return lines.filter(x => x.length === 64)
}

/** Every process settled successfully, read from wherever it is, counted once, projections as a rebuild makes them. */
async function assertAllThere (l: Ledger, colony: string, pids: readonly string[]): Promise<void> {
  await l.settled()
  for (const pid of pids) assert.is((await l.reads.process(pid))?.state, ProcessState.SUCCESS, `process ${pid.slice(0, 12)} readable`)
  assert.is(l.reads.counts(colony).processes[ProcessState.SUCCESS], pids.length, 'counted once each')
  const listed = await l.processesByState(colony, ProcessState.SUCCESS, 1000)
  assert.equal([...listed].sort(), [...pids].sort(), 'listed as successful')
  const hash = l.fold.stateHash()
  const projected = await l.projectionHash()
  assert.is((await l.rebuildProjections()).hash, projected, 'projections after the crash differ from a rebuild')
  assert.is(l.fold.stateHash(), hash, 'and the fold from a rebuild')
}

test('settled processes the replay brings back keep their projections, whenever a projection write fires', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-crash-reopen-'))
  dirs.push(dir)
  const nodeKey = generatePrivateKey()
  // Settled and sent out of memory, then the kill: no checkpoint since the store opened,
  // so the reopen replays their records and brings each unit back from the store.
  const pids = await settleAndKill(dir, nodeKey, 3, 'written')
  assert.is(pids.length, 3)
  // Each unit brought back sets off a projection write on a 25 ms timer. Here it fires
  // just as the open reads back what the store holds for the first process in memory (as
  // it did in the chaos run, nat-relay-killed): that write may send the unit out of memory.
  const readBack = Projections.prototype.readBack
  Projections.prototype.readBack = async function (this: Projections, p) {
    this.flush().catch(() => {})
    await readBack.call(this, p)
  }
  let l: Ledger
  try {
    l = await Ledger.open({ dir, nodeKey })
  } finally {
    Projections.prototype.readBack = readBack
  }
  await assertAllThere(l, 'dev', pids)
  await l.close()
})

test('processes settled but not yet written when a checkpoint is taken survive a crash', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-crash-reopen-'))
  dirs.push(dir)
  const nodeKey = generatePrivateKey()
  // The checkpoint's vector covers their records; their units, settled, waited in memory
  // for their projections to be written when the kill came. The reopen replays nothing of
  // them: the checkpoint must have kept them.
  const pids = await settleAndKill(dir, nodeKey, 3, 'checkpointed')
  assert.is(pids.length, 3)
  const l = await Ledger.open({ dir, nodeKey })
  for (const pid of pids) assert.ok(l.fold.process(pid) ?? await l.reads.process(pid), `process ${pid.slice(0, 12)} lost`)
  await assertAllThere(l, 'dev', pids)
  await l.close()
})

test.run()
