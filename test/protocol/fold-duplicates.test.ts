/**
 * Duplicate executions in the fold: both sides of a partition claimed the same attempt;
 * the lower claim wins, and the other side's executor, which ran it all the same, shows in
 * the process's `dups` once a record it wrote for that attempt turns up. From records
 * alone: the same in any order of arrival, at every site.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { duplicateRuns } from '../../src/protocol/duplicates.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { type ProcessInfo, ProcessState } from '../../src/protocol/state.js'
import { assertOrderFree, shuffle, World } from '../helpers/world.js'

/** Site A (this world's node) claims for e0 at T+1, site B for e1 at T+2, each unaware of the other. */
function cutClaims (): { w: World, T: number, pid: string, recs: FoldEntry[], sites: string[], a: FoldEntry, b: FoldEntry } {
  const w = new World()
  const { sites, entries } = w.twoSites()
  const T = w.t + 1000
  const s = w.submit({}, undefined, { at: T })
  const a = w.claim(s.id, 'e0', 1, { at: T + 1 })
  const b = w.claim(s.id, 'e1', 1, { at: T + 2, origin: sites[1] })
  return { w, T, pid: s.id, recs: [...entries, s, a, b], sites, a, b }
}

function proc (recs: readonly FoldEntry[], id: string): ProcessInfo {
  const p = foldRecords(recs).process(id)
  if (p === undefined) assert.unreachable('the process should exist')
  return p as ProcessInfo
}

test('a losing claim is noted but not counted as run until its executor shows it ran', () => {
  const { pid, recs, b, sites } = cutClaims()
  const p = proc(recs, pid)
  assert.is(p.state, ProcessState.RUNNING)
  assert.equal(p.dups, [{ attempt: 1, site: sites[1], executorid: p.dups?.[0]?.executorid, claim: b.id, ran: false }])
  assert.equal(duplicateRuns(p), [], 'a claim that lost in the settle window never reached its executor')
})

test('the losing side\'s close for that attempt marks its execution: the process ran twice', () => {
  const { w, T, pid, recs, sites, b } = cutClaims()
  const winner = w.close(pid, 'e0', ['a'], { at: T + 10, att: 1 })
  const loser = w.close(pid, 'e1', ['b'], { at: T + 11, att: 1, origin: sites[1] })
  const f = foldRecords([...recs, winner, loser])
  assert.is(f.refusal(loser.id)?.code, 'forbidden', 'the losing side\'s result is refused: one result')
  const p = f.process(pid) as ProcessInfo
  assert.is(p.state, ProcessState.SUCCESS)
  assert.equal(p.out, ['a'])
  assert.equal(duplicateRuns(p), [{ attempt: 1, site: sites[1], executorid: w.exec('e1').id, claim: b.id, ran: true }])
})

test('a log line of the losing executor counts too; a record of another executor or attempt does not', () => {
  const { w, T, pid, recs, sites } = cutClaims()
  const other = w.close(pid, 'e2', ['x'], { at: T + 5, att: 1, origin: sites[1] })
  const wrongAttempt = w.close(pid, 'e1', ['x'], { at: T + 6, att: 2, origin: sites[1] })
  const noAtt = w.close(pid, 'e1', ['x'], { at: T + 7, origin: sites[1] })
  assert.equal(duplicateRuns(proc([...recs, other, wrongAttempt, noAtt], pid)), [])
  const log = w.env({ msgtype: 'addlogmsg', processid: pid, message: 'hi' }, w.exec('e1'), { at: T + 8, att: 1, origin: sites[1] })
  assert.is(duplicateRuns(proc([...recs, log], pid)).length, 1)
})

test('the same executor claiming again, or a claim of a later attempt, is no duplicate', () => {
  const w = new World()
  const { entries } = w.twoSites()
  const T = w.t + 1000
  const s = w.submit({}, undefined, { at: T })
  const a = w.claim(s.id, 'e0', 1, { at: T + 1 })
  const again = w.claim(s.id, 'e0', 1, { at: T + 2 })
  const ahead = w.claim(s.id, 'e1', 2, { at: T + 3 })
  const p = proc([...entries, s, a, again, ahead], s.id)
  assert.is(p.dups, undefined)
})

test('a claim that lost to an earlier attempt\'s winner is noted after the process was requeued', () => {
  const { w, T, pid, recs, sites } = cutClaims()
  const x = w.expire(pid, 'lease', 1, { at: T + 60_000 })
  const late = w.close(pid, 'e1', ['b'], { at: T + 60_001, att: 1, origin: sites[1] })
  const p = proc([...recs, x, late], pid)
  assert.is(p.attempt, 2)
  assert.is(duplicateRuns(p).length, 1)
})

test('every order of arrival gives the same duplicates and the same state hash', () => {
  const { w, T, pid, recs, sites } = cutClaims()
  const all = [...recs, w.close(pid, 'e0', ['a'], { at: T + 10, att: 1 }), w.close(pid, 'e1', ['b'], { at: T + 11, att: 1, origin: sites[1] })]
  const expected = duplicateRuns(proc(all, pid))
  assert.is(expected.length, 1)
  for (let seed = 1; seed <= 20; seed++) {
    assert.equal(duplicateRuns(proc(shuffle(all, seed), pid)), expected)
    assertOrderFree(all, seed)
  }
})

test('a process that ran once has no dups field: its hash is as before', () => {
  const w = new World()
  const recs = w.setup()
  const s = w.submit({}, undefined)
  const c = w.claim(s.id, 'e1', 1)
  const done = w.close(s.id, 'e1', ['ok'], { att: 1 })
  const p = proc([...recs, s, c, done], s.id)
  assert.is(p.state, ProcessState.SUCCESS)
  assert.not.ok('dups' in p)
})

test.run()
