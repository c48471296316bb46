/**
 * Lease expiry in the fold: the site holding a running attempt says its executor is gone
 * (`expire` with `what: 'lease'`), and the process goes back to WAITING with a new attempt.
 * Decided from the records alone, so every site agrees; results of the lost attempt are fenced.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { parseBatch } from '../../src/protocol/records.js'
import { type ProcessInfo, ProcessState } from '../../src/protocol/state.js'
import { shuffle, World } from '../helpers/world.js'

function running (spec: Record<string, unknown> = {}): { w: World, T: number, pid: string, recs: FoldEntry[], sites: string[] } {
  const w = new World()
  const { sites, entries } = w.twoSites()
  const T = w.t + 1000
  w.t = T
  const s = w.submit(spec, undefined, { at: T })
  // claimed by the first site (this world's node) for e1
  const c = w.claim(s.id, 'e1', 1, { at: T + 1 })
  return { w, T, pid: s.id, recs: [...entries, s, c], sites }
}

function proc (recs: readonly FoldEntry[], id: string): ProcessInfo {
  const p = foldRecords(recs).process(id)
  if (p === undefined) assert.unreachable('the process should exist')
  return p as ProcessInfo
}

test('a lease expiry by the holding site requeues the attempt: WAITING, attempt 2, retries untouched', () => {
  const { w, pid, recs, T } = running({ maxretries: 0 })
  const x = w.expire(pid, 'lease', 1, { at: T + 60_001 })
  const f = foldRecords([...recs, x])
  assert.is(f.refusal(x.id), undefined)
  const p = f.process(pid) as ProcessInfo
  assert.is(p.state, ProcessState.WAITING)
  assert.is(p.attempt, 2)
  assert.is(p.retries, 0, 'a lost executor does not use the retry budget')
  assert.is(p.assignedexecutorid, '')
  assert.is(p.site, '')
  assert.is(p.history.at(-1)?.record, x.id)
})

test('a lease expiry needs no deadline: the holding site alone judges its executor', () => {
  const { w, pid, recs, T } = running()
  const x = w.expire(pid, 'lease', 1, { at: T + 2 })
  assert.is(proc([...recs, x], pid).state, ProcessState.WAITING)
})

test('a lease expiry from another site is refused and changes nothing', () => {
  const { w, pid, recs, T, sites } = running()
  const x = w.expire(pid, 'lease', 1, { at: T + 60_001, origin: sites[1] })
  const f = foldRecords([...recs, x])
  assert.match(f.refusal(x.id)?.reason ?? '', /holding the attempt/)
  assert.is(f.refusal(x.id)?.code, 'forbidden')
  const p = f.process(pid) as ProcessInfo
  assert.is(p.state, ProcessState.RUNNING)
  assert.is(p.attempt, 1)
})

test('a lease expiry of a superseded attempt, or of a waiting or closed process, is refused', () => {
  const { w, pid, recs, T } = running()
  const first = w.expire(pid, 'lease', 1, { at: T + 10 })
  const again = w.expire(pid, 'lease', 1, { at: T + 11 })
  let f = foldRecords([...recs, first, again])
  assert.match(f.refusal(again.id)?.reason ?? '', /not the current attempt/)
  const waiting = w.expire(pid, 'lease', 2, { at: T + 12 })
  f = foldRecords([...recs, first, waiting])
  assert.match(f.refusal(waiting.id)?.reason ?? '', /not running/)
  const close = w.close(pid, 'e1', ['done'], { at: T + 5, att: 1 })
  const late = w.expire(pid, 'lease', 1, { at: T + 10 })
  f = foldRecords([...recs, close, late])
  assert.match(f.refusal(late.id)?.reason ?? '', /not running/)
  assert.is((f.process(pid) as ProcessInfo).state, ProcessState.SUCCESS)
})

test('the lost attempt cannot close after its lease ended; the next attempt closes once', () => {
  const { w, pid, recs, T } = running()
  const x = w.expire(pid, 'lease', 1, { at: T + 60_001 })
  const stale = w.close(pid, 'e1', ['stale'], { at: T + 60_002, att: 1 })
  const c2 = w.claim(pid, 'e0', 2, { at: T + 60_003 })
  const stale2 = w.close(pid, 'e1', ['stale again'], { at: T + 60_004, att: 1 })
  const good = w.close(pid, 'e0', ['fresh'], { at: T + 60_005, att: 2 })
  const all = [...recs, x, stale, c2, stale2, good]
  const f = foldRecords(all)
  assert.ok(f.refusal(stale.id), 'a close of the lost attempt is refused')
  assert.ok(f.refusal(stale2.id), 'so is one after the new claim')
  const p = f.process(pid) as ProcessInfo
  assert.is(p.state, ProcessState.SUCCESS)
  assert.equal(p.out, ['fresh'])
  assert.is(p.attempt, 2)
  // every order of arrival folds to the same state (records sort by clock, not arrival)
  const want = JSON.stringify(f.canonicalState())
  for (const seed of [1, 2, 3, 4, 5]) assert.is(JSON.stringify(foldRecords(shuffle(all, seed)).canonicalState()), want)
})

test('the same executor may hold the new attempt; a close fenced to the old one is still refused', () => {
  const { w, pid, recs, T } = running()
  const x = w.expire(pid, 'lease', 1, { at: T + 100 })
  const c2 = w.claim(pid, 'e1', 2, { at: T + 101 })
  const old = w.close(pid, 'e1', ['old'], { at: T + 102, att: 1 })
  const f = foldRecords([...recs, x, c2, old])
  assert.match(f.refusal(old.id)?.reason ?? '', /superseded/)
  assert.is((f.process(pid) as ProcessInfo).state, ProcessState.RUNNING)
})

test('removing a site from the colony returns the attempts it held; the other site\'s stay', () => {
  const { w, pid, recs, T, sites } = running()
  const s2 = w.submit({}, undefined, { at: T + 2 })
  const c2 = w.claim(s2.id, 'e0', 1, { at: T + 3, origin: sites[1] })
  const before = foldRecords([...recs, s2, c2])
  assert.is((before.process(s2.id) as ProcessInfo).site, sites[1])
  const rm = w.env({ msgtype: 'removesitemsg', colonyname: w.colony, nodeid: sites[1] }, w.owner, { at: T + 10 })
  // a close its executor sends through the removed site afterwards is refused
  const late = w.close(s2.id, 'e0', ['late'], { at: T + 11, att: 1, origin: sites[1] })
  const all = [...recs, s2, c2, rm, late]
  const f = foldRecords(all)
  assert.is(f.refusal(rm.id), undefined)
  const gone = f.process(s2.id) as ProcessInfo
  assert.is(gone.state, ProcessState.WAITING)
  assert.is(gone.attempt, 2)
  assert.is(gone.site, '')
  assert.ok(f.refusal(late.id), 'the removed site can no longer close it')
  assert.is((f.process(pid) as ProcessInfo).state, ProcessState.RUNNING, 'the remaining site keeps its attempt')
  const want = JSON.stringify(f.canonicalState())
  for (const seed of [7, 8, 9]) assert.is(JSON.stringify(foldRecords(shuffle(all, seed)).canonicalState()), want)
})

test('a batch carrying a lease expiry parses; an unknown expiry kind names the field', () => {
  const w = new World()
  const rec = w.record({ k: 'expire', processid: 'a'.repeat(64), attempt: 1, what: 'lease' })
  const b = parseBatch({ origin: rec.o, seq: 1, sig: 'x', records: [rec] })
  assert.equal(b.records[0]?.b, { k: 'expire', processid: 'a'.repeat(64), attempt: 1, what: 'lease' })
  assert.throws(() => parseBatch({ origin: rec.o, seq: 1, sig: 'x', records: [{ ...rec, b: { ...rec.b, what: 'nap' } }] }), /batch\.records\[0\]\.b\.what/)
})

test.run()
