/**
 * Paging (DESIGN decision 11): settled units leave memory and come back when a late record
 * needs them. A fold that keeps no settled unit in memory reaches the same state hash, and
 * the same processes, as one that holds everything, whatever the order and chunking.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { bulkProcessId } from '../../src/protocol/bulk-fold.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { ProcessState } from '../../src/protocol/state.js'
import { PagedFold } from '../helpers/pager.js'
import { shuffle, World } from '../helpers/world.js'

type Op =
  | { k: 'submit', maxexectime: number }
  | { k: 'bulk', n: number }
  | { k: 'claim', p: number, e: number, attempt: number, site: number }
  | { k: 'close', p: number, e: number, ok: boolean }
  | { k: 'expire', p: number, what: 'wait' | 'exec', attempt: number }
  | { k: 'cancel', p: number }
  | { k: 'log', p: number, e: number }
  | { k: 'remove', p: number }
  | { k: 'removeall', state: number }
  | { k: 'removeexec', e: number }
  | { k: 'approve', e: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('submit' as const), maxexectime: fc.constantFrom(-1, 2) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('bulk' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('claim' as const), p: fc.constantFrom(0, 0, 1, 2, 5), e: fc.nat(2), attempt: fc.constantFrom(1, 1, 2), site: fc.constantFrom(0, 0, 1) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('close' as const), p: fc.constantFrom(0, 0, 1, 2, 5), e: fc.nat(2), ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('expire' as const), p: fc.constantFrom(0, 1, 5), what: fc.constantFrom('wait' as const, 'exec' as const), attempt: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), p: fc.constantFrom(0, 1, 2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('log' as const), p: fc.constantFrom(0, 1, 2), e: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('remove' as const), p: fc.constantFrom(0, 1, 2, 5, 8) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeall' as const), state: fc.constantFrom(-1, 2, 3, 4) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeexec' as const), e: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('approve' as const), e: fc.nat(2) }) }
)

/** Two sites, three executors, then the operations (mostly on the newest processes, as live). */
function history (ops: Op[]): { w: World, entries: FoldEntry[], pids: string[] } {
  const w = new World()
  const { sites, entries } = w.twoSites()
  const pids: string[] = []
  const exec = (i: number): string => `e${i % 3}`
  for (const op of ops) {
    const pid = pids.length === 0 ? undefined : pids[Math.max(0, pids.length - 1 - ('p' in op ? op.p : 0) % pids.length)]
    switch (op.k) {
      case 'submit': {
        const e = w.submit({ maxexectime: op.maxexectime, maxwaittime: 3 })
        pids.push(e.id)
        entries.push(e)
        break
      }
      case 'bulk': {
        // its processes settle, leave memory and come back one by one
        const e = w.submitMany(Array.from({ length: op.n }, (_, i) => ({ args: [String(i)], maxexectime: i % 2 === 0 ? -1 : 2, maxwaittime: 3 })))
        for (let i = 0; i < op.n; i++) pids.push(bulkProcessId(e.id, i))
        entries.push(e)
        break
      }
      case 'claim':
        if (pid !== undefined) entries.push(w.claim(pid, exec(op.e), op.attempt, { origin: sites[op.site] }))
        break
      case 'close':
        if (pid !== undefined) entries.push(op.ok ? w.close(pid, exec(op.e), ['out']) : w.fail(pid, exec(op.e), ['err']))
        break
      case 'expire':
        if (pid !== undefined) entries.push(w.expire(pid, op.what, op.attempt, { at: w.t + 5000 }))
        break
      case 'cancel':
        if (pid !== undefined) entries.push(w.env({ msgtype: 'cancelprocessmsg', processid: pid }, w.user('u1')))
        break
      case 'log':
        if (pid !== undefined) entries.push(w.env({ msgtype: 'addlogmsg', processid: pid, message: 'line' }, w.exec(exec(op.e))))
        break
      case 'remove':
        if (pid !== undefined) entries.push(w.env({ msgtype: 'removeprocessmsg', processid: pid, all: false }, w.user('u1')))
        break
      case 'removeall':
        entries.push(w.env({ msgtype: 'removeallprocessesmsg', colonyname: w.colony, state: op.state }, w.owner))
        break
      case 'removeexec':
        entries.push(w.removeExecutor(exec(op.e)))
        break
      case 'approve':
        entries.push(w.addExecutor(exec(op.e)), w.approve(exec(op.e)))
        break
    }
  }
  return { w, entries, pids }
}

test('a fold that keeps no settled unit in memory converges to the state of one that holds everything', () => {
  let restoredSome = false
  fc.assert(fc.property(fc.array(opArb, { minLength: 15, maxLength: 60 }), fc.integer(), fc.integer({ min: 1, max: 6 }), (ops, seed, chunk) => {
    const { entries, pids } = history(ops)
    const all = foldRecords(entries)
    const paged = new PagedFold(0)
    const order = shuffle(entries, seed)
    for (let i = 0; i < order.length; i += chunk) paged.add(order.slice(i, i + chunk))
    paged.add(entries.slice(0, 4)) // re-delivery changes nothing
    assert.is(paged.stateHash(), all.stateHash())
    for (const pid of pids) assert.equal(paged.process(pid), all.processRaw(pid), `process ${pid.slice(0, 8)}`)
    if (paged.restored > 0) restoredSome = true
  }), { seed: 20261207, numRuns: 60 })
  assert.ok(restoredSome, 'some runs brought units back: late records met settled units')
})

test('records in ledger order: every settled unit leaves memory, and the state hash is the one of the whole fold', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 30, maxLength: 80 }), (ops) => {
    const { entries } = history(ops)
    const paged = new PagedFold(0)
    for (const e of entries) paged.add([e])
    const resident = paged.fold.resident().processes
    const live = [...paged.fold.processesRaw()].filter(p => !p.removed && p.state <= ProcessState.RUNNING).length
    assert.is(resident, live, 'only waiting and running processes stay in memory')
    assert.is(paged.stateHash(), foldRecords(entries).stateHash())
  }), { seed: 7, numRuns: 30 })
})

test('a late claim with an earlier clock brings a settled process back and wins its attempt', () => {
  const w = new World()
  const base = [...w.setup(), w.addExecutor('e2'), w.approve('e2')]
  const s = w.submit()
  const t = w.t
  const late = w.claim(s.id, 'e2', 1, { at: t + 1 })
  w.t = t + 10
  const won = w.claim(s.id, 'e1', 1)
  const close = w.close(s.id, 'e1', ['done'])
  const paged = new PagedFold(0)
  paged.add([...base, s, won, close])
  assert.is(paged.fold.holds(s.id), false, 'the successful process left memory')
  assert.is(paged.process(s.id)?.state, ProcessState.SUCCESS)
  paged.add([late])
  assert.is(paged.fold.holds(s.id), true, 'running again: it stays in memory')
  const p = paged.process(s.id)
  assert.is(p?.state, ProcessState.RUNNING)
  assert.is(p?.assignedexecutorid, w.exec('e2').id)
  assert.is(paged.stateHash(), foldRecords([...base, s, won, close, late]).stateHash())
})

test('a remove-all reaches processes away from memory', () => {
  const w = new World()
  const base = w.setup()
  const done = Array.from({ length: 5 }, () => w.submit())
  const recs = done.flatMap(s => [s, w.claim(s.id, 'e1', 1), w.close(s.id, 'e1', ['x'])])
  const paged = new PagedFold(0)
  paged.add([...base, ...recs])
  assert.is(paged.fold.resident().processes, 0)
  const removeall = w.env({ msgtype: 'removeallprocessesmsg', colonyname: w.colony, state: ProcessState.SUCCESS }, w.owner)
  paged.add([removeall])
  for (const s of done) assert.is(paged.process(s.id)?.removed, true)
  assert.is(paged.stateHash(), foldRecords([...base, ...recs, removeall]).stateHash())
})

test('a unit evicted and brought back leaves the state hash as it was', () => {
  const w = new World()
  const base = w.setup()
  const s = w.submit()
  const recs = [...base, s, w.claim(s.id, 'e1', 1), w.close(s.id, 'e1', ['x'])]
  const f = foldRecords(recs)
  const before = f.stateHash()
  const u = f.evict(s.id)
  assert.ok(u)
  assert.is(f.holds(s.id), false)
  assert.is(f.stateHash(), before, 'its hash stays while it is away')
  f.restore(u)
  assert.is(f.stateHash(), before)
  assert.equal(f.processRaw(s.id), u.processes[0])
})

test('a live unit cannot be evicted', () => {
  const w = new World()
  const base = w.setup()
  const s = w.submit()
  const f = foldRecords([...base, s, w.claim(s.id, 'e1', 1)])
  assert.is(f.evictable(s.id), false)
  assert.is(f.evict(s.id), undefined)
  assert.is(f.processRaw(s.id)?.state, ProcessState.RUNNING)
})

test.run()
