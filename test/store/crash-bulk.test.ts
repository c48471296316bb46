/**
 * A bulk submit's processes after SIGKILL and a reopen: the record is replayed (no
 * checkpoint since it was written) while some of its processes had left memory for the
 * store and one had not. Every process must be there again, with the state a rebuild from
 * the batches gives (the chaos scenario kill-9 lost part 0 this way).
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

const settler = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'bulk-settler.ts')

const dirs: string[] = []
test.after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

async function crashed (mode: 'live' | 'unwritten'): Promise<{ dir: string, nodeKey: string, pids: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-crash-bulk-'))
  dirs.push(dir)
  const nodeKey = generatePrivateKey()
  const lines = await killWhen(settler, [dir, nodeKey, mode], got => got.includes('ready'), 'the bulk settler being ready')
  const pids = lines.filter(x => x.length === 64)
  assert.is(pids.length, 4)
  return { dir, nodeKey, pids }
}

/** Each process in `states` readable with that state, and fold and projections as a rebuild from the batches makes them. */
async function assertAsRebuilt (l: Ledger, states: ReadonlyMap<string, number>): Promise<void> {
  await l.settled()
  for (const [pid, state] of states) {
    const p = l.fold.process(pid) ?? await l.reads.process(pid)
    assert.ok(p !== undefined, `process ${pid.slice(0, 12)} lost`)
    assert.is(p?.state, state, `process ${pid.slice(0, 12)} state`)
  }
  assert.is(l.fold.orphanEntries().length, 0, 'no record waits for a process')
  const hash = l.fold.stateHash()
  const projected = await l.projectionHash()
  assert.is((await l.rebuildProjections()).hash, projected, 'projections after the crash differ from a rebuild')
  assert.is(l.fold.stateHash(), hash, 'and the fold from a rebuild')
}

test('a bulk process never checkpointed comes back when its siblings had left memory', async () => {
  const { dir, nodeKey, pids } = await crashed('live')
  const l = await Ledger.open({ dir, nodeKey })
  await assertAsRebuilt(l, new Map(pids.map((pid, i) => [pid, i === 0 ? ProcessState.RUNNING : ProcessState.SUCCESS])))
  await l.close()
})

test('a bulk process settled but not yet sent out comes back when its siblings had left memory', async () => {
  const { dir, nodeKey, pids } = await crashed('unwritten')
  const l = await Ledger.open({ dir, nodeKey })
  await assertAsRebuilt(l, new Map(pids.map(pid => [pid, ProcessState.SUCCESS])))
  await l.close()
})

test.run()
