/**
 * Lifecycle and rights rules of the fold (COLONYOS.md "Roles", "Processes"; DESIGN 3, 6, 7),
 * one behaviour per test. Entries are real signed records built by the World fixture.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords, LedgerFold } from '../../src/protocol/fold.js'
import type { Refusal, RefusalCode } from '../../src/protocol/refusal.js'
import type { LedgerRecord } from '../../src/protocol/records.js'
import {
  AttributeType, EXEC_TIMEOUT_ERROR, ExecutorState, type ProcessInfo, ProcessState, WAIT_TIMEOUT_ERROR
} from '../../src/protocol/state.js'
import { entryFromRecord } from '../../src/protocol/verify.js'
import { type Key, newKey, World } from '../helpers/world.js'

const DAY_MS = 86_400_000

// ---- helpers ------------------------------------------------------------------------------

/** A world after setup, with T a clean time well after the setup records. */
function start (): { w: World, base: FoldEntry[], T: number } {
  const w = new World()
  const base = w.setup()
  const T = w.t + 1000
  w.t = T
  return { w, base, T }
}

/** The state without the refusal list: what a refused record must not change. */
function stateOf (f: LedgerFold): string {
  const s = f.canonicalState() as Record<string, unknown>
  return JSON.stringify({ ...s, refusals: undefined })
}

/** Asserts that `e` is refused when added to `before` (matching `why`) and changes nothing. */
function refusedNoChange (before: readonly FoldEntry[], e: FoldEntry, why?: RegExp, code?: RefusalCode): string {
  const f0 = foldRecords(before)
  const f1 = foldRecords([...before, e])
  const r = f1.refusal(e.id)
  if (r === undefined) assert.unreachable(`expected a refusal, the record was applied (${e.msg?.msgtype ?? e.rec.b.k})`)
  const reason = (r as Refusal).reason
  if (why !== undefined) assert.match(reason, why)
  if (code !== undefined) assert.is((r as Refusal).code, code, reason)
  // authorization refusals read as ColonyOS's do (its SDKs match the text)
  if ((r as Refusal).code === 'forbidden') assert.ok(reason.startsWith('Access denied, '), reason)
  assert.is(stateOf(f1), stateOf(f0), 'a refused record changes nothing')
  return reason
}

function accepted (f: LedgerFold, e: FoldEntry): void {
  assert.is(f.refusal(e.id), undefined, `expected ${e.msg?.msgtype ?? e.rec.b.k} to be applied`)
}

function proc (f: LedgerFold, id: string): ProcessInfo {
  const p = f.process(id)
  if (p === undefined) assert.unreachable('the process should exist')
  return p as ProcessInfo
}

/** A second approved executor (default e2, type cli). */
function approved (w: World, name = 'e2', type = 'cli', extra: Record<string, unknown> = {}): FoldEntry[] {
  return [w.addExecutor(name, type, w.owner, extra), w.approve(name)]
}

function cancel (w: World, pid: string, by: Key, opts: { at?: number } = {}): FoldEntry {
  return w.env({ msgtype: 'cancelprocessmsg', processid: pid }, by, opts)
}

function remove (w: World, pid: string, by: Key): FoldEntry {
  return w.env({ msgtype: 'removeprocessmsg', processid: pid, all: false }, by)
}

function removeAll (w: World, state: number, by: Key = w.owner): FoldEntry {
  return w.env({ msgtype: 'removeallprocessesmsg', colonyname: w.colony, state }, by)
}

function setOutput (w: World, pid: string, by: Key, out: unknown[]): FoldEntry {
  return w.env({ msgtype: 'setoutputmsg', processid: pid, out }, by)
}

function addAttribute (w: World, pid: string, by: Key, key = 'k', value = 'v'): FoldEntry {
  return w.env({
    msgtype: 'addattributemsg',
    attribute: { targetid: pid, targetcolonyname: w.colony, targetprocessgraphid: '', attributetype: AttributeType.OUT, key, value }
  }, by)
}

function addLog (w: World, pid: string, by: Key, message: string): FoldEntry {
  return w.env({ msgtype: 'addlogmsg', processid: pid, message }, by)
}

function pause (w: World, by: Key = w.owner): FoldEntry {
  return w.env({ msgtype: 'pauseassignmentsmsg', colonyname: w.colony }, by)
}

function resume (w: World, by: Key = w.owner): FoldEntry {
  return w.env({ msgtype: 'resumeassignmentsmsg', colonyname: w.colony }, by)
}

function addFunction (w: World, executorname: string, by: Key, funcname = 'echo'): FoldEntry {
  return w.env({ msgtype: 'addfunctionmsg', fun: { executorname, colonyname: w.colony, funcname } }, by)
}

/** A running process: submit by u1, claimed by e1 (attempt 1). */
function running (spec: Record<string, unknown> = {}): { w: World, base: FoldEntry[], T: number, pid: string, recs: FoldEntry[] } {
  const { w, base, T } = start()
  const s = w.submit(spec, undefined, { at: T })
  const c = w.claim(s.id, 'e1', 1, { at: T + 1 })
  return { w, base, T, pid: s.id, recs: [...base, s, c] }
}

// ---- colonies ----------------------------------------------------------------------------

test('addcolony by the origin node operator creates the colony with that node as its only site', () => {
  const w = new World()
  const f = foldRecords([w.site(), w.addColony()])
  const c = f.colony('dev')
  assert.ok(c)
  assert.is(c?.colonyid, w.owner.id)
  assert.equal(c?.sites, [w.node.id])
  assert.is(c?.paused, false)
})

test('addcolony by a key that is not the origin node operator is refused', () => {
  const w = new World()
  const site = w.site()
  const add = w.addColony(newKey())
  refusedNoChange([site], add, /operator/, 'forbidden')
  assert.is(foldRecords([site, add]).colony('dev'), undefined)
})

test('addcolony from a node that never declared itself is refused', () => {
  const w = new World()
  refusedNoChange([], w.addColony(), /declared/, 'forbidden')
})

test('a second colony with the same name is refused', () => {
  const w = new World()
  const first = [w.site(), w.addColony()]
  const again = w.env({ msgtype: 'addcolonymsg', colony: { colonyid: newKey().id, name: 'dev' } }, w.operator)
  refusedNoChange(first, again, /already exists/, 'conflict')
  assert.is(foldRecords([...first, again]).colony('dev')?.colonyid, w.owner.id)
})

// ---- executors ---------------------------------------------------------------------------

test('addexecutor by the colony owner adds the executor in state PENDING', () => {
  const w = new World()
  const f = foldRecords([w.site(), w.addColony(), w.addExecutor('e1')])
  const xs = f.executors('dev')
  assert.is(xs.length, 1)
  assert.is(xs[0]?.executorname, 'e1')
  assert.is(xs[0]?.state, ExecutorState.PENDING)
})

test('addexecutor by someone other than the colony owner is refused', () => {
  const w = new World()
  const before = [w.site(), w.addColony()]
  refusedNoChange(before, w.addExecutor('e1', 'cli', w.operator), /colony owner/, 'forbidden')
})

test('addexecutor with a name already taken in the colony is refused', () => {
  const w = new World()
  const before = [w.site(), w.addColony(), w.addExecutor('e1')]
  // a different key under the same name
  const dup = w.env({
    msgtype: 'addexecutormsg',
    executor: { executorid: newKey().id, executortype: 'cli', executorname: 'e1', colonyname: 'dev' }
  }, w.owner)
  refusedNoChange(before, dup, /already exists/, 'conflict')
})

test('approve by the colony owner makes the executor APPROVED', () => {
  const w = new World()
  const f = foldRecords([w.site(), w.addColony(), w.addExecutor('e1'), w.approve('e1')])
  assert.is(f.executor('dev', w.exec('e1').id)?.state, ExecutorState.APPROVED)
})

test('approve by someone other than the colony owner is refused and the executor stays PENDING', () => {
  const w = new World()
  const before = [w.site(), w.addColony(), w.addExecutor('e1')]
  const ap = w.approve('e1', w.exec('e1'))
  refusedNoChange(before, ap, /colony owner/, 'forbidden')
  assert.is(foldRecords([...before, ap]).executor('dev', w.exec('e1').id)?.state, ExecutorState.PENDING)
})

test('reject by the colony owner makes the executor REJECTED', () => {
  const w = new World()
  const f = foldRecords([w.site(), w.addColony(), w.addExecutor('e1'), w.reject('e1')])
  assert.is(f.executor('dev', w.exec('e1').id)?.state, ExecutorState.REJECTED)
})

test('reject by someone other than the colony owner is refused', () => {
  const w = new World()
  const before = [w.site(), w.addColony(), w.addExecutor('e1'), w.approve('e1')]
  refusedNoChange(before, w.reject('e1', w.operator), /colony owner/, 'forbidden')
})

// ---- submit ------------------------------------------------------------------------------

test('submit by a user is accepted: WAITING, attempt 1, the user as initiator', () => {
  const { w, base, T } = start()
  const s = w.submit({}, w.user('u1'), { at: T })
  const f = foldRecords([...base, s])
  accepted(f, s)
  const p = proc(f, s.id)
  assert.is(p.state, ProcessState.WAITING)
  assert.is(p.attempt, 1)
  assert.is(p.initiatorid, w.user('u1').id)
  assert.is(p.initiatorname, 'u1')
  assert.is(p.submissiontime, T)
  assert.is(p.isassigned, false)
  assert.is(p.retries, 0)
})

test('submit by an approved executor is accepted with the executor as initiator', () => {
  const { w, base } = start()
  const s = w.submit({}, w.exec('e1'))
  const f = foldRecords([...base, s])
  accepted(f, s)
  assert.is(proc(f, s.id).initiatorname, 'e1')
})

test('submit by a stranger is refused and the process does not exist', () => {
  const { w, base } = start()
  const s = w.submit({}, newKey())
  refusedNoChange(base, s, /members/, 'forbidden')
  assert.is(foldRecords([...base, s]).process(s.id), undefined)
})

test('submit by a pending executor is refused', () => {
  const { w, base } = start()
  const add = w.addExecutor('e2')
  const s = w.submit({}, w.exec('e2'))
  refusedNoChange([...base, add], s, /members/, 'forbidden')
  assert.is(foldRecords([...base, add, s]).process(s.id), undefined)
})

test('submit by the colony owner who is not a member is refused', () => {
  const { w, base } = start()
  const s = w.submit({}, w.owner)
  refusedNoChange(base, s, /members/, 'forbidden')
  assert.is(foldRecords([...base, s]).process(s.id), undefined)
})

test('submit to an unknown colony is refused', () => {
  const { w, base } = start()
  const s = w.submit({ conditions: { colonyname: 'nowhere' } })
  refusedNoChange(base, s, /does not exist/, 'not-found')
  assert.is(foldRecords([...base, s]).process(s.id), undefined)
})

test('submit written by a node that is not a site of the colony is refused', () => {
  const { w, base } = start()
  const other = newKey()
  const decl = w.site(other, w.operator)
  const s = w.submit({}, undefined, { origin: other.id })
  refusedNoChange([...base, decl], s, /not a site/, 'forbidden')
})

test('prioritytime is the submission time minus priority days', () => {
  const { w, base, T } = start()
  const s = w.submit({ priority: 3 }, undefined, { at: T })
  const p = proc(foldRecords([...base, s]), s.id)
  assert.is(p.prioritytime, T - 3 * DAY_MS)
})

test('a higher priority gives a lower prioritytime at the same submission time', () => {
  const { w, base, T } = start()
  const lo = w.submit({ priority: -5 }, undefined, { at: T })
  const hi = w.submit({ priority: 5 }, undefined, { at: T })
  const f = foldRecords([...base, lo, hi])
  assert.ok(proc(f, hi.id).prioritytime < proc(f, lo.id).prioritytime)
  assert.is(proc(f, lo.id).prioritytime, T + 5 * DAY_MS)
})

test('env entries of the spec become ENV attributes targeting the process', () => {
  const { w, base } = start()
  const s = w.submit({ env: { B: '2', A: '1' } })
  const p = proc(foldRecords([...base, s]), s.id)
  assert.is(p.attributes.length, 2)
  const byKey = new Map(p.attributes.map(a => [a.key, a]))
  for (const [k, v] of [['A', '1'], ['B', '2']] as const) {
    const a = byKey.get(k)
    assert.is(a?.attributetype, AttributeType.ENV)
    assert.is(a?.value, v)
    assert.is(a?.targetid, s.id)
    assert.is(a?.targetcolonyname, 'dev')
  }
})

// ---- claims ------------------------------------------------------------------------------

test('claim moves WAITING to RUNNING with the executor, isassigned, starttime and the claiming site', () => {
  const { w, base, T } = start()
  const s = w.submit({}, undefined, { at: T })
  const c = w.claim(s.id, 'e1', 1, { at: T + 7 })
  const f = foldRecords([...base, s, c])
  accepted(f, c)
  const p = proc(f, s.id)
  assert.is(p.state, ProcessState.RUNNING)
  assert.is(p.assignedexecutorid, w.exec('e1').id)
  assert.is(p.isassigned, true)
  assert.is(p.starttime, T + 7)
  assert.is(p.site, w.node.id)
  assert.is(p.attempt, 1)
})

test('claim written by a declared node that is not a site of the colony is refused', () => {
  const { w, base } = start()
  const other = newKey()
  const decl = w.site(other, newKey())
  const s = w.submit()
  refusedNoChange([...base, decl, s], w.claim(s.id, 'e1', 1, { origin: other.id }), /not a site/, 'forbidden')
})

test('claim written by an undeclared node is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  refusedNoChange([...base, s], w.claim(s.id, 'e1', 1, { origin: newKey().id }), /not a site/, 'forbidden')
})

test('claim for a pending executor is refused', () => {
  const { w, base } = start()
  const add = w.addExecutor('e2')
  const s = w.submit()
  refusedNoChange([...base, add, s], w.claim(s.id, 'e2'), /not approved/, 'forbidden')
})

test('claim for a rejected executor is refused', () => {
  const { w, base } = start()
  const recs = [w.addExecutor('e2'), w.reject('e2')]
  const s = w.submit()
  refusedNoChange([...base, ...recs, s], w.claim(s.id, 'e2'), /not approved/, 'forbidden')
})

test('claim for an executor that is not in the colony is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  const stranger = w.entry({ k: 'claim', processid: s.id, attempt: 1, executorid: newKey().id })
  refusedNoChange([...base, s], stranger, /not in the colony/, 'not-found')
})

test('claim for an executor of another executortype is refused', () => {
  const { w, base } = start()
  const x = approved(w, 'g1', 'gpu')
  const s = w.submit()
  refusedNoChange([...base, ...x, s], w.claim(s.id, 'g1'), /conditions/, 'conflict')
})

test('claim for an executor missing from executornames is refused', () => {
  const { w, base } = start()
  const s = w.submit({ conditions: { executornames: ['e9', 'e8'] } })
  refusedNoChange([...base, s], w.claim(s.id, 'e1'), /conditions/, 'conflict')
})

test('claim for an executor listed in executornames is accepted', () => {
  const { w, base } = start()
  const s = w.submit({ conditions: { executornames: ['e9', 'e1'] } })
  const c = w.claim(s.id, 'e1')
  const f = foldRecords([...base, s, c])
  accepted(f, c)
  assert.is(proc(f, s.id).state, ProcessState.RUNNING)
})

test('claim with executornames ["*"] is accepted for any executor of the type', () => {
  const { w, base } = start()
  const s = w.submit({ conditions: { executornames: ['*'] } })
  const c = w.claim(s.id, 'e1')
  const f = foldRecords([...base, s, c])
  accepted(f, c)
  assert.is(proc(f, s.id).state, ProcessState.RUNNING)
})

test('claim for an executor at another location is refused', () => {
  const { w, base } = start()
  const x = approved(w, 'e2', 'cli', { locationname: 'paris' })
  const s = w.submit({ conditions: { locationname: 'berlin' } })
  refusedNoChange([...base, ...x, s], w.claim(s.id, 'e2'), /conditions/, 'conflict')
})

test('claim for an executor without a location when the spec names one is refused', () => {
  const { w, base } = start()
  const s = w.submit({ conditions: { locationname: 'berlin' } })
  refusedNoChange([...base, s], w.claim(s.id, 'e1'), /conditions/, 'conflict')
})

test('claim for an executor whose location differs only in case is accepted', () => {
  const { w, base } = start()
  const x = approved(w, 'e2', 'cli', { locationname: 'Berlin' })
  const s = w.submit({ conditions: { locationname: 'bERLIN' } })
  const c = w.claim(s.id, 'e2')
  const f = foldRecords([...base, ...x, s, c])
  accepted(f, c)
  assert.is(proc(f, s.id).assignedexecutorid, w.exec('e2').id)
})

test('claim while assignments are paused is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  const p = pause(w)
  const before = [...base, s, p]
  assert.is(foldRecords(before).colony('dev')?.paused, true)
  refusedNoChange(before, w.claim(s.id, 'e1'), /paused/, 'conflict')
})

test('claim after assignments are resumed is accepted', () => {
  const { w, base } = start()
  const s = w.submit()
  const recs = [...base, s, pause(w), resume(w)]
  const c = w.claim(s.id, 'e1')
  const f = foldRecords([...recs, c])
  accepted(f, c)
  assert.is(f.colony('dev')?.paused, false)
  assert.is(proc(f, s.id).state, ProcessState.RUNNING)
})

test('pause by someone other than the colony owner is refused', () => {
  const { w, base } = start()
  refusedNoChange(base, pause(w, w.exec('e1')), /colony owner/, 'forbidden')
})

test('claim of an attempt that is not the current one is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  refusedNoChange([...base, s], w.claim(s.id, 'e1', 2), /attempt/, 'conflict')
})

test('two claims for one attempt: the earlier clock wins whatever order they are added in', () => {
  const { w, base, T } = start()
  const x = approved(w)
  const s = w.submit({}, undefined, { at: T })
  const early = w.claim(s.id, 'e2', 1, { at: T + 10 })
  const late = w.claim(s.id, 'e1', 1, { at: T + 11 })
  const all = [...base, ...x, s, early, late]
  const batch = foldRecords(all)
  for (const order of [[early, late], [late, early]]) {
    const f = new LedgerFold()
    f.add([...base, ...x, s])
    for (const c of order) f.add([c])
    const p = proc(f, s.id)
    assert.is(p.assignedexecutorid, w.exec('e2').id)
    assert.is(p.starttime, T + 10)
    assert.is(f.refusal(early.id), undefined)
    assert.type(f.refusal(late.id)?.reason, 'string')
    assert.is(f.stateHash(), batch.stateHash())
  }
})

test('two claims for one attempt with the same clock: the lower record id wins', () => {
  const { w, base } = start()
  const x = approved(w)
  const s = w.submit()
  const t = { w: w.t + 5, l: 0 }
  const mk = (name: string): FoldEntry => {
    const rec: LedgerRecord = { o: w.node.id, t, b: { k: 'claim', processid: s.id, attempt: 1, executorid: w.exec(name).id } }
    return entryFromRecord(rec)
  }
  const a = mk('e1')
  const b = mk('e2')
  const [win, lose] = a.id < b.id ? [a, b] : [b, a]
  for (const order of [[a, b], [b, a]]) {
    const f = new LedgerFold()
    f.add([...base, ...x, s])
    for (const c of order) f.add([c])
    const claimBody = win.rec.b as { executorid: string }
    assert.is(proc(f, s.id).assignedexecutorid, claimBody.executorid)
    assert.is(f.refusal(win.id), undefined)
    assert.type(f.refusal(lose.id)?.reason, 'string')
  }
})

// ---- closing -----------------------------------------------------------------------------

test('close successful by the assigned executor: SUCCESS with out and endtime', () => {
  const { w, pid, recs, T } = running()
  const cl = w.close(pid, 'e1', ['hello', 42], { at: T + 50 })
  const f = foldRecords([...recs, cl])
  accepted(f, cl)
  const p = proc(f, pid)
  assert.is(p.state, ProcessState.SUCCESS)
  assert.equal(p.out, ['hello', 42])
  assert.is(p.endtime, T + 50)
})

test('close successful by another approved executor is refused', () => {
  const { w, pid, recs } = running()
  const x = approved(w)
  refusedNoChange([...recs, ...x], w.close(pid, 'e2'), /assigned executor/, 'forbidden')
})

test('close successful by a user of the colony is refused', () => {
  const { w, pid, recs } = running()
  const cl = w.env({ msgtype: 'closesuccessfulmsg', processid: pid, out: [] }, w.user('u1'))
  refusedNoChange(recs, cl, /assigned executor/, 'forbidden')
})

test('close successful of a WAITING process is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  refusedNoChange([...base, s], w.close(s.id, 'e1'))
})

test('a second close of a successful process is refused', () => {
  const { w, pid, recs } = running()
  const done = [...recs, w.close(pid, 'e1', ['first'])]
  refusedNoChange(done, w.close(pid, 'e1', ['second']), /successful/, 'conflict')
})

test('close failed by the assigned executor: FAILED with its errors and endtime', () => {
  const { w, pid, recs, T } = running()
  const fl = w.fail(pid, 'e1', ['it broke', 'badly'], { at: T + 9 })
  const f = foldRecords([...recs, fl])
  accepted(f, fl)
  const p = proc(f, pid)
  assert.is(p.state, ProcessState.FAILED)
  assert.equal(p.errors, ['it broke', 'badly'])
  assert.is(p.endtime, T + 9)
})

test('close failed by another approved executor is refused', () => {
  const { w, pid, recs } = running()
  const x = approved(w)
  refusedNoChange([...recs, ...x], w.fail(pid, 'e2'), /assigned executor/, 'forbidden')
})

test('an explicit fail is not retried: a later exec expiry is refused', () => {
  const { w, pid, recs, T } = running({ maxexectime: 10, maxretries: 5 })
  const failed = [...recs, w.fail(pid, 'e1', ['x'], { at: T + 2 })]
  refusedNoChange(failed, w.expire(pid, 'exec', 1, { at: T + 60_000 }), /not running/, 'conflict')
  const p = proc(foldRecords(failed), pid)
  assert.is(p.state, ProcessState.FAILED)
  assert.is(p.retries, 0)
})

// ---- attempt fencing ---------------------------------------------------------------------

/** e1 holds attempt 1, it expires (retries left), e1 claims attempt 2. */
function secondAttempt (): { w: World, pid: string, recs: FoldEntry[], T: number } {
  const { w, base, T } = start()
  const s = w.submit({ maxexectime: 10, maxretries: 3 }, undefined, { at: T })
  const recs = [
    ...base, s,
    w.claim(s.id, 'e1', 1, { at: T + 1 }),
    w.expire(s.id, 'exec', 1, { at: T + 20_000 }),
    w.claim(s.id, 'e1', 2, { at: T + 20_001 })
  ]
  return { w, pid: s.id, recs, T }
}

test('a close from a superseded attempt is refused even though the same executor holds the new one', () => {
  const { w, pid, recs, T } = secondAttempt()
  const f0 = foldRecords(recs)
  assert.is(proc(f0, pid).attempt, 2)
  assert.is(proc(f0, pid).state, ProcessState.RUNNING)
  refusedNoChange(recs, w.close(pid, 'e1', ['stale'], { at: T + 20_002, att: 1 }), /superseded/, 'conflict')
})

test('a close carrying the current attempt is accepted', () => {
  const { w, pid, recs, T } = secondAttempt()
  const cl = w.close(pid, 'e1', ['fresh'], { at: T + 20_002, att: 2 })
  const f = foldRecords([...recs, cl])
  accepted(f, cl)
  assert.is(proc(f, pid).state, ProcessState.SUCCESS)
  assert.equal(proc(f, pid).out, ['fresh'])
})

test('a fail from a superseded attempt is refused', () => {
  const { w, pid, recs, T } = secondAttempt()
  refusedNoChange(recs, w.fail(pid, 'e1', ['old'], { at: T + 20_002, att: 1 }), /superseded/, 'conflict')
})

// ---- max execution time ------------------------------------------------------------------

test('exec expiry before the execution deadline is refused', () => {
  const { w, pid, recs, T } = running({ maxexectime: 10, maxretries: 1 })
  refusedNoChange(recs, w.expire(pid, 'exec', 1, { at: T + 5 }), /deadline/, 'conflict')
})

test('exec expiry after the deadline with retries left: WAITING, retries+1, attempt+1, unassigned', () => {
  const { w, pid, recs, T } = running({ maxexectime: 10, maxretries: 1 })
  const f0 = foldRecords(recs)
  assert.is(proc(f0, pid).execdeadline, T + 1 + 10_000)
  const x = w.expire(pid, 'exec', 1, { at: T + 20_000 })
  const f = foldRecords([...recs, x])
  accepted(f, x)
  const p = proc(f, pid)
  assert.is(p.state, ProcessState.WAITING)
  assert.is(p.retries, 1)
  assert.is(p.attempt, 2)
  assert.is(p.assignedexecutorid, '')
  assert.is(p.isassigned, false)
  assert.is(p.execdeadline, 0)
})

test('exec expiry once retries reach maxretries: FAILED with "Maximum execution time limit exceeded"', () => {
  const { w, pid, recs, T } = running({ maxexectime: 10, maxretries: 1 })
  const more = [
    w.expire(pid, 'exec', 1, { at: T + 20_000 }),
    w.claim(pid, 'e1', 2, { at: T + 20_001 })
  ]
  const last = w.expire(pid, 'exec', 2, { at: T + 40_000 })
  const f = foldRecords([...recs, ...more, last])
  accepted(f, last)
  const p = proc(f, pid)
  assert.is(p.state, ProcessState.FAILED)
  assert.equal(p.errors, [EXEC_TIMEOUT_ERROR])
  assert.is(p.errors[0], 'Maximum execution time limit exceeded')
  assert.is(p.endtime, T + 40_000)
})

test('exec expiry with maxretries 0 fails the process at once', () => {
  const { w, pid, recs, T } = running({ maxexectime: 10, maxretries: 0 })
  const f = foldRecords([...recs, w.expire(pid, 'exec', 1, { at: T + 20_000 })])
  assert.is(proc(f, pid).state, ProcessState.FAILED)
  assert.is(proc(f, pid).retries, 0)
})

test('maxretries -1 retries without limit', () => {
  const { w, pid, recs, T } = running({ maxexectime: 1, maxretries: -1 })
  const more: FoldEntry[] = []
  let t = T + 1
  for (let a = 1; a <= 6; a++) {
    if (a > 1) more.push(w.claim(pid, 'e1', a, { at: ++t }))
    t += 5_000
    more.push(w.expire(pid, 'exec', a, { at: t }))
  }
  const f = foldRecords([...recs, ...more])
  for (const e of more) accepted(f, e)
  const p = proc(f, pid)
  assert.is(p.state, ProcessState.WAITING)
  assert.is(p.retries, 6)
  assert.is(p.attempt, 7)
})

test('maxexectime 0 means no limit: an exec expiry is refused', () => {
  const { w, pid, recs, T } = running({ maxexectime: 0 })
  assert.is(proc(foldRecords(recs), pid).execdeadline, 0)
  refusedNoChange(recs, w.expire(pid, 'exec', 1, { at: T + 10 * DAY_MS }), /deadline/, 'conflict')
})

test('maxexectime -1 means no limit: an exec expiry is refused', () => {
  const { w, pid, recs, T } = running({ maxexectime: -1 })
  refusedNoChange(recs, w.expire(pid, 'exec', 1, { at: T + 10 * DAY_MS }), /deadline/, 'conflict')
})

test('exec expiry of a WAITING process is refused', () => {
  const { w, base, T } = start()
  const s = w.submit({ maxexectime: 1 }, undefined, { at: T })
  refusedNoChange([...base, s], w.expire(s.id, 'exec', 1, { at: T + 60_000 }), /not running/, 'conflict')
})

test('a duplicate exec expiry for the same attempt is refused and changes nothing', () => {
  const { w, pid, recs, T } = running({ maxexectime: 10, maxretries: 5 })
  const first = [...recs, w.expire(pid, 'exec', 1, { at: T + 20_000 })]
  refusedNoChange(first, w.expire(pid, 'exec', 1, { at: T + 20_001 }), /attempt/, 'conflict')
  assert.is(proc(foldRecords(first), pid).retries, 1)
})

// ---- max waiting time --------------------------------------------------------------------

test('wait expiry before the waiting deadline is refused', () => {
  const { w, base, T } = start()
  const s = w.submit({ maxwaittime: 10 }, undefined, { at: T })
  assert.is(proc(foldRecords([...base, s]), s.id).waitdeadline, T + 10_000)
  refusedNoChange([...base, s], w.expire(s.id, 'wait', 1, { at: T + 5 }), /deadline/, 'conflict')
})

test('wait expiry after the deadline: FAILED with "Maximum waiting time limit exceeded"', () => {
  const { w, base, T } = start()
  const s = w.submit({ maxwaittime: 10 }, undefined, { at: T })
  const x = w.expire(s.id, 'wait', 1, { at: T + 20_000 })
  const f = foldRecords([...base, s, x])
  accepted(f, x)
  const p = proc(f, s.id)
  assert.is(p.state, ProcessState.FAILED)
  assert.equal(p.errors, [WAIT_TIMEOUT_ERROR])
  assert.is(p.errors[0], 'Maximum waiting time limit exceeded')
  assert.is(p.endtime, T + 20_000)
})

test('wait expiry of a RUNNING process is refused', () => {
  const { w, pid, recs, T } = running({ maxwaittime: 10 })
  refusedNoChange(recs, w.expire(pid, 'wait', 1, { at: T + 20_000 }), /not waiting/, 'conflict')
})

test('wait expiry without a maxwaittime is refused', () => {
  const { w, base, T } = start()
  const s = w.submit({}, undefined, { at: T })
  refusedNoChange([...base, s], w.expire(s.id, 'wait', 1, { at: T + 10 * DAY_MS }), /deadline/, 'conflict')
})

test('a second wait expiry is refused and changes nothing', () => {
  const { w, base, T } = start()
  const s = w.submit({ maxwaittime: 10 }, undefined, { at: T })
  const first = [...base, s, w.expire(s.id, 'wait', 1, { at: T + 20_000 })]
  const dup = w.expire(s.id, 'wait', 1, { at: T + 30_000 })
  refusedNoChange(first, dup)
  assert.is(proc(foldRecords([...first, dup]), s.id).endtime, T + 20_000)
})

// ---- cancel ------------------------------------------------------------------------------

test('cancel of a WAITING process makes it CANCELLED', () => {
  const { w, base, T } = start()
  const s = w.submit({}, undefined, { at: T })
  const c = cancel(w, s.id, w.user('u1'), { at: T + 3 })
  const f = foldRecords([...base, s, c])
  accepted(f, c)
  assert.is(proc(f, s.id).state, ProcessState.CANCELLED)
  assert.is(proc(f, s.id).endtime, T + 3)
})

test('cancel of a RUNNING process makes it CANCELLED', () => {
  const { w, pid, recs } = running()
  const c = cancel(w, pid, w.user('u1'))
  const f = foldRecords([...recs, c])
  accepted(f, c)
  assert.is(proc(f, pid).state, ProcessState.CANCELLED)
})

test('a cancelled process can no longer be closed', () => {
  const { w, pid, recs } = running()
  const cancelled = [...recs, cancel(w, pid, w.user('u1'))]
  refusedNoChange(cancelled, w.close(pid, 'e1', ['late']))
})

test('a cancelled process can no longer be failed', () => {
  const { w, pid, recs } = running()
  const cancelled = [...recs, cancel(w, pid, w.user('u1'))]
  refusedNoChange(cancelled, w.fail(pid, 'e1'))
})

test('cancelling a finished process is refused', () => {
  const { w, pid, recs } = running()
  const done = [...recs, w.close(pid, 'e1')]
  refusedNoChange(done, cancel(w, pid, w.user('u1')), /cannot be cancelled/, 'conflict')
})

test('cancel by someone who is not a member is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  refusedNoChange([...base, s], cancel(w, s.id, newKey()), /members/, 'forbidden')
})

// ---- remove ------------------------------------------------------------------------------

test('remove of a RUNNING process is refused', () => {
  const { w, pid, recs } = running()
  refusedNoChange(recs, remove(w, pid, w.user('u1')), /running/, 'conflict')
})

test('remove of a WAITING process is accepted and the process is gone', () => {
  const { w, base } = start()
  const s = w.submit()
  const r = remove(w, s.id, w.user('u1'))
  const f = foldRecords([...base, s, r])
  accepted(f, r)
  assert.is(f.process(s.id), undefined)
  assert.is([...f.processes('dev')].length, 0)
})

test('remove of a SUCCESS process is accepted and the process is gone', () => {
  const { w, pid, recs } = running()
  const cl = w.close(pid, 'e1')
  const r = remove(w, pid, w.user('u1'))
  const f = foldRecords([...recs, cl, r])
  accepted(f, r)
  assert.is(f.process(pid), undefined)
})

test('remove by someone who is not a member is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  refusedNoChange([...base, s], remove(w, s.id, newKey()), /members/, 'forbidden')
})

test('a claim after the process was removed is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  const gone = [...base, s, remove(w, s.id, w.user('u1'))]
  refusedNoChange(gone, w.claim(s.id, 'e1'), /removed/, 'not-found')
})

// ---- remove all --------------------------------------------------------------------------

/** One WAITING, one RUNNING, one SUCCESS and one FAILED process. */
function mixed (): { w: World, recs: FoldEntry[], waiting: string, runningId: string, success: string, failed: string } {
  const { w, base } = start()
  const a = w.submit()
  const b = w.submit()
  const c = w.submit()
  const d = w.submit()
  const recs = [
    ...base, a, b, c, d,
    w.claim(b.id, 'e1'),
    w.claim(c.id, 'e1'), w.close(c.id, 'e1'),
    w.claim(d.id, 'e1'), w.fail(d.id, 'e1')
  ]
  return { w, recs, waiting: a.id, runningId: b.id, success: c.id, failed: d.id }
}

test('removeallprocesses with state -1 removes every process except running ones', () => {
  const m = mixed()
  const r = removeAll(m.w, -1)
  const f = foldRecords([...m.recs, r])
  accepted(f, r)
  assert.is(f.process(m.waiting), undefined)
  assert.is(f.process(m.success), undefined)
  assert.is(f.process(m.failed), undefined)
  assert.is(f.process(m.runningId)?.state, ProcessState.RUNNING)
})

test('removeallprocesses with a given state removes only processes in that state', () => {
  const m = mixed()
  const r = removeAll(m.w, ProcessState.SUCCESS)
  const f = foldRecords([...m.recs, r])
  accepted(f, r)
  assert.is(f.process(m.success), undefined)
  assert.ok(f.process(m.waiting))
  assert.ok(f.process(m.failed))
  assert.ok(f.process(m.runningId))
})

test('removeallprocesses with state RUNNING is refused', () => {
  const m = mixed()
  refusedNoChange(m.recs, removeAll(m.w, ProcessState.RUNNING))
})

test('removeallprocesses by someone other than the colony owner is refused', () => {
  const m = mixed()
  refusedNoChange(m.recs, removeAll(m.w, -1, m.w.user('u1')), /colony owner/, 'forbidden')
})

test('removeallprocesses does not reach processes submitted after it', () => {
  const { w, base } = start()
  const r = removeAll(w, -1)
  const s = w.submit()
  const f = foldRecords([...base, r, s])
  assert.ok(f.process(s.id))
})

test('removeallprocesses added incrementally after the processes gives the same state as one fold', () => {
  const m = mixed()
  const r = removeAll(m.w, -1)
  const f = new LedgerFold()
  f.add(m.recs)
  f.add([r])
  assert.is(f.process(m.waiting), undefined)
  assert.ok(f.process(m.runningId))
  assert.is(f.stateHash(), foldRecords([...m.recs, r]).stateHash())
})

// ---- removing an executor ----------------------------------------------------------------

test('removing an executor sends its RUNNING process back to WAITING with attempt+1 and no retry', () => {
  const { w, pid, recs } = running({ maxretries: 0 })
  const rm = w.removeExecutor('e1')
  const f = foldRecords([...recs, rm])
  accepted(f, rm)
  const p = proc(f, pid)
  assert.is(p.state, ProcessState.WAITING)
  assert.is(p.attempt, 2)
  assert.is(p.retries, 0)
  assert.is(p.assignedexecutorid, '')
  assert.is(p.isassigned, false)
  assert.is(f.executor('dev', w.exec('e1').id), undefined)
})

test('the close of a removed executor is refused', () => {
  const { w, pid, recs } = running()
  const gone = [...recs, w.removeExecutor('e1')]
  refusedNoChange(gone, w.close(pid, 'e1', ['late']))
})

test('removing an executor leaves the processes of other executors running', () => {
  const { w, base } = start()
  const x = approved(w)
  const s = w.submit()
  const recs = [...base, ...x, s, w.claim(s.id, 'e2'), w.removeExecutor('e1')]
  const p = proc(foldRecords(recs), s.id)
  assert.is(p.state, ProcessState.RUNNING)
  assert.is(p.attempt, 1)
})

test('the requeued process can be claimed for the next attempt by another executor', () => {
  const { w, base } = start()
  const x = approved(w)
  const s = w.submit()
  const before = [...base, ...x, s, w.claim(s.id, 'e1'), w.removeExecutor('e1')]
  const c2 = w.claim(s.id, 'e2', 2)
  const f = foldRecords([...before, c2])
  accepted(f, c2)
  assert.is(proc(f, s.id).assignedexecutorid, w.exec('e2').id)
})

test('removing an executor by someone other than the colony owner is refused', () => {
  const { w, pid, recs } = running()
  refusedNoChange(recs, w.removeExecutor('e1', w.user('u1')), /colony owner/, 'forbidden')
  assert.is(proc(foldRecords(recs), pid).state, ProcessState.RUNNING)
})

// ---- output, attributes, logs ------------------------------------------------------------

test('set output by the assigned executor of a running process sets out', () => {
  const { w, pid, recs } = running()
  const so = setOutput(w, pid, w.exec('e1'), [1, 'two'])
  const f = foldRecords([...recs, so])
  accepted(f, so)
  assert.equal(proc(f, pid).out, [1, 'two'])
  assert.is(proc(f, pid).state, ProcessState.RUNNING)
})

test('set output by an executor that is not assigned is refused', () => {
  const { w, pid, recs } = running()
  const x = approved(w)
  refusedNoChange([...recs, ...x], setOutput(w, pid, w.exec('e2'), [1]), /assigned executor/, 'forbidden')
})

test('set output on a finished process is refused', () => {
  const { w, pid, recs } = running()
  refusedNoChange([...recs, w.close(pid, 'e1', ['final'])], setOutput(w, pid, w.exec('e1'), ['changed']))
})

test('add attribute by the assigned executor targets the process', () => {
  const { w, pid, recs } = running()
  const at = addAttribute(w, pid, w.exec('e1'), 'result', 'ok')
  const f = foldRecords([...recs, at])
  accepted(f, at)
  const attrs = proc(f, pid).attributes
  assert.is(attrs.length, 1)
  assert.is(attrs[0]?.targetid, pid)
  assert.is(attrs[0]?.targetcolonyname, 'dev')
  assert.is(attrs[0]?.key, 'result')
  assert.is(attrs[0]?.value, 'ok')
  assert.is(attrs[0]?.attributetype, AttributeType.OUT)
})

test('add attribute by a member who is not the assigned executor is refused', () => {
  const { w, pid, recs } = running()
  refusedNoChange(recs, addAttribute(w, pid, w.user('u1')), /assigned executor/, 'forbidden')
})

test('add attribute on a WAITING process is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  refusedNoChange([...base, s], addAttribute(w, s.id, w.exec('e1')))
})

test('logs of the assigned executor keep their order and the executor name', () => {
  const { w, pid, recs } = running()
  const logs = ['one', 'two', 'three'].map(m => addLog(w, pid, w.exec('e1'), m))
  const f = foldRecords([...recs, ...[...logs].reverse()])
  const p = proc(f, pid)
  assert.equal(p.logs.map(l => l.message), ['one', 'two', 'three'])
  assert.ok(p.logs.every(l => l.executorname === 'e1' && l.processid === pid))
})

test('add log by someone who is not the assigned executor is refused', () => {
  const { w, pid, recs } = running()
  refusedNoChange(recs, addLog(w, pid, w.user('u1'), 'hi'), /assigned executor/, 'forbidden')
})

test('add log on a WAITING process is refused', () => {
  const { w, base } = start()
  const s = w.submit()
  refusedNoChange([...base, s], addLog(w, s.id, w.exec('e1'), 'hi'))
})

// ---- records ahead of their process ------------------------------------------------------

test('records for a process that never arrived are refused: the process does not exist', () => {
  const { w, base } = start()
  const s = w.submit()
  const c = w.claim(s.id, 'e1')
  const l = addLog(w, s.id, w.exec('e1'), 'x')
  const f = foldRecords([...base, c, l])
  assert.equal(f.refusal(c.id), { code: 'not-found', reason: 'the process does not exist' })
  assert.equal(f.refusal(l.id), { code: 'not-found', reason: 'the process does not exist' })
  assert.equal(f.refusals().get(c.id), { code: 'not-found', reason: 'the process does not exist' })
  assert.is(f.process(s.id), undefined)
})

test('when the submit arrives later, the records that came before it apply', () => {
  const { w, base } = start()
  const s = w.submit()
  const c = w.claim(s.id, 'e1')
  const l = addLog(w, s.id, w.exec('e1'), 'x')
  const cl = w.close(s.id, 'e1', ['done'])
  const f = new LedgerFold()
  f.add(base)
  f.add([c, l])
  f.add([cl])
  assert.is(f.process(s.id), undefined)
  f.add([s])
  for (const e of [s, c, l, cl]) accepted(f, e)
  const p = proc(f, s.id)
  assert.is(p.state, ProcessState.SUCCESS)
  assert.is(p.logs.length, 1)
  assert.is(f.stateHash(), foldRecords([...base, s, c, l, cl]).stateHash())
})

test('records of a refused submit are refused as the process does not exist', () => {
  const { w, base } = start()
  const s = w.submit({}, newKey())
  const c = w.claim(s.id, 'e1')
  const f = foldRecords([...base, s, c])
  assert.type(f.refusal(s.id)?.reason, 'string')
  assert.equal(f.refusal(c.id), { code: 'not-found', reason: 'the process does not exist' })
})

// ---- late colony-level records -----------------------------------------------------------

test('an approve arriving after a later claim re-judges the claim: same state as folding all at once', () => {
  const w = new World()
  const base = [w.site(), w.addColony(), w.addExecutor('e1'), w.addUser('u1')]
  const T = w.t + 1000
  const s = w.submit({}, undefined, { at: T })
  const ap = w.approve('e1') // clock T+1
  const c = w.claim(s.id, 'e1', 1, { at: T + 2 })
  const f = new LedgerFold()
  f.add([...base, s, c])
  assert.match(f.refusal(c.id)?.reason ?? '', /not approved/)
  assert.is(proc(f, s.id).state, ProcessState.WAITING)
  f.add([ap])
  accepted(f, c)
  assert.is(proc(f, s.id).state, ProcessState.RUNNING)
  const all = foldRecords([...base, s, ap, c])
  assert.is(f.stateHash(), all.stateHash())
})

test('an approve with a clock after the claim does not validate the claim', () => {
  const w = new World()
  const base = [w.site(), w.addColony(), w.addExecutor('e1'), w.addUser('u1')]
  const T = w.t + 1000
  const s = w.submit({}, undefined, { at: T })
  const c = w.claim(s.id, 'e1', 1, { at: T + 1 })
  const ap = w.approve('e1', w.owner) // clock T+2
  const f = new LedgerFold()
  f.add([...base, s, c])
  f.add([ap])
  assert.match(f.refusal(c.id)?.reason ?? '', /not approved/)
  assert.is(proc(f, s.id).state, ProcessState.WAITING)
  assert.is(f.stateHash(), foldRecords([...base, s, c, ap]).stateHash())
})

test('an executor removal arriving late with an earlier clock requeues the process and refuses its close', () => {
  const { w, base, T } = start()
  const s = w.submit({}, undefined, { at: T })
  const c = w.claim(s.id, 'e1', 1, { at: T + 1 })
  const rm = w.removeExecutor('e1') // T+2
  const cl = w.close(s.id, 'e1', ['x'], { at: T + 3 })
  const f = new LedgerFold()
  f.add([...base, s, c, cl])
  assert.is(proc(f, s.id).state, ProcessState.SUCCESS)
  f.add([rm])
  assert.type(f.refusal(cl.id)?.reason, 'string')
  const p = proc(f, s.id)
  assert.is(p.state, ProcessState.WAITING)
  assert.is(p.attempt, 2)
  assert.is(f.stateHash(), foldRecords([...base, s, c, rm, cl]).stateHash())
})

test('a pause arriving late with a clock before a claim refuses the claim', () => {
  const { w, base, T } = start()
  const s = w.submit({}, undefined, { at: T })
  const pa = pause(w) // T+1
  const c = w.claim(s.id, 'e1', 1, { at: T + 2 })
  const f = new LedgerFold()
  f.add([...base, s, c])
  assert.is(proc(f, s.id).state, ProcessState.RUNNING)
  f.add([pa])
  assert.match(f.refusal(c.id)?.reason ?? '', /paused/)
  assert.is(proc(f, s.id).state, ProcessState.WAITING)
  assert.is(f.stateHash(), foldRecords([...base, s, pa, c]).stateHash())
})

test('a colony-level record arriving before older ones (timeline rebuild) gives the same state as one fold', () => {
  const w = new World()
  const site = w.site()
  const colony = w.addColony()
  const add = w.addExecutor('e1')
  const ap = w.approve('e1')
  const user = w.addUser('u1')
  const s = w.submit()
  const c = w.claim(s.id, 'e1')
  const f = new LedgerFold()
  f.add([site, colony, user, s, c])
  f.add([ap])
  f.add([add])
  accepted(f, c)
  assert.is(f.stateHash(), foldRecords([site, colony, add, ap, user, s, c]).stateHash())
})

// ---- functions ---------------------------------------------------------------------------

test('addfunction by the executor itself is accepted and listed', () => {
  const { w, base } = start()
  const fn = addFunction(w, 'e1', w.exec('e1'), 'echo')
  const f = foldRecords([...base, fn])
  accepted(f, fn)
  const fns = f.functions('dev')
  assert.is(fns.length, 1)
  assert.is(fns[0]?.executorname, 'e1')
  assert.is(fns[0]?.funcname, 'echo')
  assert.is(fns[0]?.executortype, 'cli')
})

test('addfunction for another executor is refused', () => {
  const { w, base } = start()
  const x = approved(w)
  refusedNoChange([...base, ...x], addFunction(w, 'e1', w.exec('e2')), /itself/, 'forbidden')
})

test('addfunction by a pending executor is refused', () => {
  const { w, base } = start()
  const add = w.addExecutor('e2')
  refusedNoChange([...base, add], addFunction(w, 'e2', w.exec('e2')), /not approved/, 'forbidden')
})

test('functions of a removed executor go with it', () => {
  const { w, base } = start()
  const f = foldRecords([...base, addFunction(w, 'e1', w.exec('e1')), w.removeExecutor('e1')])
  assert.is(f.functions('dev').length, 0)
})

test.run()
