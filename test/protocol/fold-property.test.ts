/**
 * Convergence properties of the fold: the state is a function of the record *set*.
 * Random histories (competing claims, late closes, expiries, cancels, executor churn)
 * fold to the same canonical state hash in every order, with any duplication, and
 * whether added at once or in chunks; records by unauthorised authors change nothing.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { bulkProcessId } from '../../src/protocol/bulk-fold.js'
import { canonicalJson } from '../../src/protocol/canonical.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords, LedgerFold } from '../../src/protocol/fold.js'
import { assertOrderFree, newKey, shuffle, World } from '../helpers/world.js'

type Op =
  | { k: 'submit', maxexectime: number, maxretries: number, priority: number }
  | { k: 'bulk', n: number, maxexectime: number, maxretries: number }
  | { k: 'claim', p: number, e: number, attempt: number, site: number }
  | { k: 'close', p: number, e: number, own: boolean, ok: boolean, att: number }
  | { k: 'expire', p: number, what: 'wait' | 'exec' | 'lease', attempt: number, dt: number, site: number }
  | { k: 'cancel', p: number }
  | { k: 'log', p: number, e: number }
  | { k: 'removeexec', e: number }
  | { k: 'approve', e: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('submit' as const), maxexectime: fc.constantFrom(-1, 0, 2), maxretries: fc.constantFrom(-1, 0, 1), priority: fc.integer({ min: -2, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('bulk' as const), n: fc.integer({ min: 1, max: 4 }), maxexectime: fc.constantFrom(-1, 0, 2), maxretries: fc.constantFrom(-1, 0, 1) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('claim' as const), p: fc.constantFrom(0, 0, 0, 1, 2, 5), e: fc.nat(2), attempt: fc.constantFrom(1, 1, 1, 2, 3), site: fc.constantFrom(0, 0, 0, 1) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('close' as const), p: fc.constantFrom(0, 0, 0, 1, 2, 5), e: fc.nat(2), own: fc.constantFrom(true, true, true, false), ok: fc.boolean(), att: fc.constantFrom(0, 0, 1, 2) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('expire' as const), p: fc.constantFrom(0, 0, 0, 1, 2, 5), what: fc.constantFrom('wait' as const, 'exec' as const, 'lease' as const), attempt: fc.integer({ min: 1, max: 3 }), dt: fc.constantFrom(0, 5000), site: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), p: fc.constantFrom(0, 0, 0, 1, 2, 5) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('log' as const), p: fc.constantFrom(0, 0, 0, 1, 2, 5), e: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeexec' as const), e: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('approve' as const), e: fc.nat(2) }) }
)

/** A colony with two sites and three executors, then the random operations. */
function history (ops: Op[]): { world: World, entries: FoldEntry[] } {
  const w = new World()
  const { sites, entries } = w.twoSites()
  const pids: string[] = []
  const claimedBy = new Map<string, number>()
  const exec = (i: number): string => `e${i % 3}`
  for (const op of ops) {
    // Operations mostly reach the newest processes, as in a live colony.
    const pid = pids.length === 0 ? undefined : pids[Math.max(0, pids.length - 1 - ('p' in op ? op.p : 0) % pids.length)]
    switch (op.k) {
      case 'submit': {
        const e = w.submit({ maxexectime: op.maxexectime, maxretries: op.maxretries, maxwaittime: 3, priority: op.priority })
        pids.push(e.id)
        entries.push(e)
        break
      }
      case 'bulk': {
        // one record, n processes: each as independent as a submit of its own
        const specs = Array.from({ length: op.n }, (_, i) => ({ args: [String(i)], maxexectime: op.maxexectime, maxretries: op.maxretries, maxwaittime: 3, priority: i - 1 }))
        const e = w.submitMany(specs)
        for (let i = 0; i < op.n; i++) pids.push(bulkProcessId(e.id, i))
        entries.push(e)
        break
      }
      case 'claim':
        if (pid !== undefined) {
          entries.push(w.claim(pid, exec(op.e), op.attempt, { origin: sites[op.site] }))
          claimedBy.set(pid, op.e)
        }
        break
      case 'close':
        if (pid !== undefined) {
          const opts = op.att === 0 ? {} : { att: op.att }
          const e = exec(op.own ? (claimedBy.get(pid) ?? op.e) : op.e)
          entries.push(op.ok ? w.close(pid, e, ['out'], opts) : w.fail(pid, e, ['err'], opts))
        }
        break
      case 'expire':
        // a lease expiry stands only from the site holding the attempt: from either site here
        if (pid !== undefined) entries.push(w.expire(pid, op.what, op.attempt, { at: w.t + op.dt, ...(op.what === 'lease' ? { origin: sites[op.site] } : {}) }))
        break
      case 'cancel':
        if (pid !== undefined) entries.push(w.env({ msgtype: 'cancelprocessmsg', processid: pid }, w.user('u1')))
        break
      case 'log':
        if (pid !== undefined) entries.push(w.env({ msgtype: 'addlogmsg', processid: pid, message: 'line' }, w.exec(exec(op.e))))
        break
      case 'removeexec':
        entries.push(w.removeExecutor(exec(op.e)))
        break
      case 'approve':
        entries.push(w.addExecutor(exec(op.e)), w.approve(exec(op.e)))
        break
    }
  }
  return { world: w, entries }
}

const RUNS = { seed: 20261129, numRuns: 40 }

test('every permutation and duplication of a history folds to the same state hash', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 20, maxLength: 60 }), fc.integer(), (ops, seed) => {
    assertOrderFree(history(ops).entries, seed)
  }), RUNS)
})

test('adding a history in random chunks, in random order, converges to the all-at-once state', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 20, maxLength: 60 }), fc.integer(), fc.integer({ min: 1, max: 7 }), (ops, seed, chunk) => {
    const { entries } = history(ops)
    const expected = foldRecords(entries).stateHash()
    const f = new LedgerFold()
    const order = shuffle(entries, seed)
    for (let i = 0; i < order.length; i += chunk) f.add(order.slice(i, i + chunk))
    f.add(entries.slice(0, 3)) // re-delivery changes nothing
    assert.is(f.stateHash(), expected)
  }), RUNS)
})

/** The state without the list of refused records. */
function effect (entries: FoldEntry[]): string {
  const s = foldRecords(entries).canonicalState() as { refusals: unknown }
  return canonicalJson({ ...s, refusals: undefined })
}

test('records from unauthorised authors never change the state', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.integer(), (ops, seed) => {
    const { world: w, entries } = history(ops)
    const stranger = newKey()
    const pids = entries.filter(e => e.msg?.msgtype === 'submitfuncspecmsg').map(e => e.id)
    const pid = pids[Math.abs(seed) % Math.max(1, pids.length)] ?? '0'.repeat(64)
    const hostile: FoldEntry[] = [
      w.submit({}, stranger),
      w.submitMany([{}, {}], stranger),
      w.env({ msgtype: 'closesuccessfulmsg', processid: pid, out: ['forged'] }, stranger),
      w.env({ msgtype: 'closefailedmsg', processid: pid, errors: ['forged'] }, stranger),
      w.env({ msgtype: 'cancelprocessmsg', processid: pid }, stranger),
      w.env({ msgtype: 'addlogmsg', processid: pid, message: 'forged' }, stranger),
      w.approve('e2', stranger),
      w.removeExecutor('e0', stranger),
      w.env({ msgtype: 'addexecutormsg', executor: { executorid: stranger.id, executortype: 'cli', executorname: 'evil', colonyname: w.colony } }, stranger),
      w.env({ msgtype: 'addcolonymsg', colony: { colonyid: stranger.id, name: 'evil' } }, stranger),
      w.env({ msgtype: 'removecolonymsg', colonyname: w.colony }, stranger),
      // a node that never joined the colony claims and expires
      w.claim(pid, 'e0', 1, { origin: stranger.id }),
      w.expire(pid, 'wait', 1, { origin: stranger.id, at: w.t + 10_000 })
    ]
    const mixed = shuffle([...entries, ...hostile], seed)
    assert.is(effect(mixed), effect(entries))
    const f = foldRecords(mixed)
    for (const h of hostile) assert.ok(f.refusal(h.id) !== undefined, `hostile record applied: ${h.msg?.msgtype ?? h.rec.b.k}`)
  }), { seed: 7, numRuns: 25 })
})

test('a close from a superseded attempt is rejected, whatever the arrival order', () => {
  const w = new World()
  const base = w.setup()
  const s = w.submit({ maxexectime: 1, maxretries: 3 })
  const claim1 = w.claim(s.id, 'e1', 1)
  const expire = w.expire(s.id, 'exec', 1, { at: w.t + 2000 })
  const claim2 = w.claim(s.id, 'e1', 2)
  const lateClose = w.close(s.id, 'e1', ['stale'], { att: 1 })
  const all = [...base, s, claim1, expire, claim2, lateClose]
  for (let seed = 1; seed <= 10; seed++) {
    const f = foldRecords(shuffle(all, seed))
    assert.match(f.refusal(lateClose.id)?.reason ?? '', /superseded/)
    assert.is(f.process(s.id)?.state, 1)
    assert.is(f.process(s.id)?.attempt, 2)
    assert.equal(f.process(s.id)?.out, [])
  }
})

test.run()
