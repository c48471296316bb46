/**
 * The store's side of paging (DESIGN decision 11): settled units leave memory once their
 * projections are written; a colony-level record reaches only the units that left before
 * it was folded (a sweep), and units a sweep brings back leave again; a restart holds
 * what was live, not the history.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signBatch } from '../../src/protocol/records.js'
import { ProcessState } from '../../src/protocol/state.js'
import { Ledger } from '../../src/store/ledger.js'
import { newKey, World, type WorldEntry } from '../helpers/world.js'

const dirs: string[] = []
async function tempDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'colonynet-paging-'))
  dirs.push(d)
  return d
}
test.after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

/** Another site's ledger receiving the world's node's batches, one record per batch. */
async function receiver (w: World): Promise<{ l: Ledger, ingest: (es: WorldEntry[]) => Promise<void> }> {
  const l = await Ledger.open({ dir: await tempDir(), nodeKey: newKey().prv })
  let seq = 0
  return { l, ingest: async es => { for (const e of es) await l.ingest([signBatch(w.node.id, ++seq, [e.record], w.node.prv)]) } }
}

test('an in-order colony-level record brings nothing back; a late one only what left before it, which leaves again', async () => {
  const w = new World()
  const { l, ingest } = await receiver(w)
  await ingest(w.setup())
  const runs = Array.from({ length: 30 }, () => w.submit())
  await ingest(runs.flatMap(s => [s, w.claim(s.id, 'e1'), w.close(s.id, 'e1', ['x'])]))
  await l.settled()
  assert.is(l.fold.resident().processes, 0, 'every settled process left memory')
  const before = l.memoryStats().pagedIn
  // in order: an executor added and approved after everything
  await ingest([w.addExecutor('e9'), w.approve('e9')])
  await l.settled()
  assert.is(l.memoryStats().pagedIn, before, 'nothing came back for an in-order record')
  // a remove-all of successful processes reaches every one that left, and frees them
  await ingest([w.env({ msgtype: 'removeallprocessesmsg', colonyname: w.colony, state: ProcessState.SUCCESS }, w.owner)])
  await l.settled()
  assert.ok(l.memoryStats().pagedIn >= before + 30, 'the sweep brought the settled processes back to fold the remove-all')
  assert.is(l.fold.resident().processes, 0, 'and they left again')
  for (const s of runs) assert.is(await l.reads.process(s.id), undefined, 'removed')
  await l.close()
})

test('a restart holds the live processes, not the settled ones', async () => {
  const w = new World()
  const dir = await tempDir()
  let l = await Ledger.open({ dir, nodeKey: newKey().prv })
  let seq = 0
  const ingest = async (es: WorldEntry[]): Promise<void> => { await l.ingest([signBatch(w.node.id, ++seq, es.map(e => e.record), w.node.prv)]) }
  await ingest(w.setup())
  const done = Array.from({ length: 20 }, () => w.submit())
  await ingest(done.flatMap(s => [s, w.claim(s.id, 'e1'), w.close(s.id, 'e1', ['x'])]))
  const waiting = w.submit()
  await ingest([waiting])
  const hash = (await l.settled(), l.fold.stateHash())
  await l.close()
  l = await Ledger.open({ dir, nodeKey: newKey().prv })
  assert.is(l.fold.resident().processes, 1, 'only the waiting process is in memory')
  assert.is(l.fold.stateHash(), hash)
  assert.is((await l.reads.process(done[0]!.id))?.state, ProcessState.SUCCESS, 'a settled one is read from the store')
  await l.close()
})

test.run()
