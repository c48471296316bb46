/**
 * Workflows (process graphs), cron firings and generators in the fold (COLONYOS.md
 * "Workflows", "Cron and generators"; graph-fold.ts, gen-fold.ts). Entries are real
 * signed records built by the World fixture, with chosen clocks.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { compareEntries, type FoldEntry } from '../../src/protocol/entry.js'
import { signEnvelope } from '../../src/protocol/envelope.js'
import { foldRecords, LedgerFold } from '../../src/protocol/fold.js'
import type { Refusal, RefusalCode } from '../../src/protocol/refusal.js'
import { type GraphState, nodeProcessId } from '../../src/protocol/graph-fold.js'
import { type FireBody, type GenFireBody, graphIdOfFire, graphIdOfGenFire } from '../../src/protocol/records.js'
import { EXEC_TIMEOUT_ERROR, type ProcessInfo, ProcessState, WAIT_TIMEOUT_ERROR } from '../../src/protocol/state.js'
import { PagedFold } from '../helpers/pager.js'
import { assertOrderFree, type Key, newKey, shuffle, World } from '../helpers/world.js'

const { WAITING, RUNNING, SUCCESS, FAILED, CANCELLED } = ProcessState

// ---- helpers ------------------------------------------------------------------------------

/** A world after setup plus a second approved executor e2; T a clean time after the setup. */
function start (): { w: World, base: FoldEntry[], T: number } {
  const w = new World()
  const base = [...w.setup(), w.addExecutor('e2'), w.approve('e2')]
  const T = w.t + 1000
  w.t = T
  return { w, base, T }
}

/** A workflow node: `deps` are the node names it depends on, in that order. */
function fn (nodename: string, deps: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { conditions, ...rest } = extra
  return {
    nodename,
    funcname: nodename,
    ...rest,
    conditions: { executortype: 'cli', dependencies: deps, ...(conditions as object ?? {}) }
  }
}

function workflow (w: World, nodes: Array<Record<string, unknown>>): Record<string, unknown> {
  return { colonyname: w.colony, functionspecs: nodes }
}

function submitWf (w: World, nodes: Array<Record<string, unknown>>, by?: Key, opts: { at?: number, origin?: string } = {}): FoldEntry {
  return w.env({ msgtype: 'submitworkflowspecmsg', spec: workflow(w, nodes) }, by ?? w.user('u1'), opts)
}

const DIAMOND = [fn('a'), fn('b', ['a']), fn('c', ['a']), fn('d', ['c', 'b'])]

/** The node process ids of a workflow created with `n` nodes. */
function nodeIds (gid: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => nodeProcessId(gid, i))
}

function cancelWf (w: World, gid: string, by: Key, opts: { at?: number } = {}): FoldEntry {
  return w.env({ msgtype: 'cancelprocessgraphmsg', processgraphid: gid }, by, opts)
}

function removeWf (w: World, gid: string, by: Key, opts: { at?: number } = {}): FoldEntry {
  return w.env({ msgtype: 'removeprocessgraphmsg', processgraphid: gid, all: false }, by, opts)
}

function addChild (w: World, gid: string, parent: string, executor: string,
  o: { insert?: boolean, child?: string, nodename?: string, at?: number } = {}): FoldEntry {
  return w.env({
    msgtype: 'addchildmsg',
    processgraphid: gid,
    parentprocessid: parent,
    childprocessid: o.child ?? '',
    insert: o.insert ?? false,
    spec: { nodename: o.nodename ?? 'x', funcname: 'added', conditions: { colonyname: w.colony, executortype: 'cli' } }
  }, w.exec(executor), o.at === undefined ? {} : { at: o.at })
}

function addCron (w: World, nodes: Array<Record<string, unknown>>, o: { interval?: number, expr?: string, name?: string, at?: number, by?: Key } = {}): FoldEntry {
  return w.env({
    msgtype: 'addcronmsg',
    cron: {
      colonyname: w.colony,
      name: o.name ?? 'nightly',
      cronexpression: o.expr ?? '',
      interval: o.interval ?? 60,
      random: false,
      workflowspec: JSON.stringify(workflow(w, nodes)),
      waitforprevprocessgraph: false
    }
  }, o.by ?? w.user('u1'), o.at === undefined ? {} : { at: o.at })
}

function fireBody (w: World, cronid: string, at: number, inp: unknown[] = []): FireBody {
  return { k: 'fire', colonyname: w.colony, cronid, at, in: inp }
}

function fire (w: World, cronid: string, at: number, o: { in?: unknown[], origin?: string, recAt?: number } = {}): FoldEntry {
  const opts: { at?: number, origin?: string } = {}
  if (o.recAt !== undefined) opts.at = o.recAt
  if (o.origin !== undefined) opts.origin = o.origin
  return w.entry(fireBody(w, cronid, at, o.in), opts)
}

/** A client's runcronmsg as its site writes it, with the previous run's leaf outputs as `in`. */
function runCron (w: World, cronid: string, by: Key, inp?: unknown[]): FoldEntry {
  const env = signEnvelope({ msgtype: 'runcronmsg', cronid }, by.prv)
  return w.entry(inp === undefined ? { k: 'env', env } : { k: 'env', env, in: inp })
}

function addGen (w: World, nodes: Array<Record<string, unknown>>, trigger: number, timeout: number, name = 'gen'): FoldEntry {
  return w.env({
    msgtype: 'addgeneratormsg',
    generator: { colonyname: w.colony, name, workflowspec: JSON.stringify(workflow(w, nodes)), trigger, timeout }
  }, w.user('u1'))
}

function pack (w: World, generatorid: string, arg: string, o: { at?: number, by?: Key } = {}): FoldEntry {
  return w.env({ msgtype: 'packgeneratormsg', generatorid, arg }, o.by ?? w.user('u1'), o.at === undefined ? {} : { at: o.at })
}

function argOf (p: FoldEntry): string {
  return p.msg?.msgtype === 'packgeneratormsg' ? p.msg.arg : ''
}

function genBody (w: World, generatorid: string, packs: FoldEntry[], args?: string[]): GenFireBody {
  return { k: 'genfire', colonyname: w.colony, generatorid, packs: packs.map(p => p.id), args: args ?? packs.map(argOf) }
}

function genfire (w: World, generatorid: string, packs: FoldEntry[], o: { at?: number, origin?: string, args?: string[] } = {}): FoldEntry {
  const opts: { at?: number, origin?: string } = {}
  if (o.at !== undefined) opts.at = o.at
  if (o.origin !== undefined) opts.origin = o.origin
  return w.entry(genBody(w, generatorid, packs, o.args), opts)
}

/** A second node, declared and admitted as a site of the colony. */
function secondSite (w: World): { site2: Key, recs: FoldEntry[] } {
  const site2 = newKey()
  return {
    site2,
    recs: [w.site(site2, w.operator), w.env({ msgtype: 'addsitemsg', colonyname: w.colony, nodeid: site2.id, name: 'b' }, w.owner)]
  }
}

function accepted (f: LedgerFold, e: FoldEntry): void {
  assert.is(f.refusal(e.id), undefined, `expected ${e.msg?.msgtype ?? e.rec.b.k} to be applied, refused: ${f.refusal(e.id)?.reason ?? ''}`)
}

function refused (f: LedgerFold, e: FoldEntry, why: RegExp, code?: RefusalCode): void {
  const r = f.refusal(e.id)
  if (r === undefined) assert.unreachable(`expected ${e.msg?.msgtype ?? e.rec.b.k} to be refused (${String(why)}), it was applied`)
  const { reason } = r as Refusal
  assert.match(reason, why)
  if (code !== undefined) assert.is((r as Refusal).code, code, reason)
  // authorization refusals read as ColonyOS's do (its SDKs match the text)
  if ((r as Refusal).code === 'forbidden') assert.ok(reason.startsWith('Access denied, '), reason)
}

function proc (f: LedgerFold, id: string): ProcessInfo {
  const p = f.process(id)
  if (p === undefined) assert.unreachable(`process ${id.slice(0, 8)} should exist`)
  return p as ProcessInfo
}

function graphOf (f: LedgerFold, gid: string): GraphState {
  const g = f.graph(gid)
  if (g === undefined) assert.unreachable(`workflow ${gid.slice(0, 8)} should exist`)
  return g as GraphState
}

function states (f: LedgerFold, ids: string[]): number[] {
  return ids.map(id => proc(f, id).state)
}

/** Folds `entries` one record at a time in a shuffled order. */
function oneByOne (entries: readonly FoldEntry[], seed: number): LedgerFold {
  const f = new LedgerFold()
  for (const e of shuffle(entries, seed)) f.add([e])
  return f
}

/** The state every order and chunking must give; asserts it for a few of them. */
function sameInEveryOrder (entries: readonly FoldEntry[], seeds = 6): LedgerFold {
  const f = foldRecords(entries)
  const expected = f.stateHash()
  for (let seed = 1; seed <= seeds; seed++) {
    assert.is(foldRecords(shuffle(entries, seed)).stateHash(), expected, `all at once, order ${seed}`)
    assert.is(oneByOne(entries, seed * 7919).stateHash(), expected, `one by one, order ${seed}`)
  }
  return f
}

// ---- a diamond ----------------------------------------------------------------------------

test('a diamond a→{b,c}→d: nodes, parents and children as specified, the graph WAITING with only the root eligible', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, DIAMOND, undefined, { at: T })
  const [a, b, c, d] = nodeIds(wf.id, 4) as [string, string, string, string]
  const f = foldRecords([...base, wf])
  accepted(f, wf)
  const g = graphOf(f, wf.id).graph
  assert.is(g.state, WAITING)
  assert.is(g.submissiontime, T)
  assert.is(g.starttime, 0)
  assert.is(g.endtime, 0)
  assert.is(g.colonyname, w.colony)
  assert.is(g.initiatorid, w.user('u1').id)
  assert.is(g.initiatorname, 'u1')
  assert.equal(g.processids, [a, b, c, d])
  assert.equal(g.rootprocessids, [a])
  assert.equal(g.source, { kind: 'submit' })
  assert.equal(proc(f, a).children, [b, c])
  assert.equal(proc(f, a).parents, [])
  assert.is(proc(f, a).waitforparents, false)
  assert.equal(proc(f, d).parents, [c, b], 'parents follow the dependencies order')
  for (const id of [b, c, d]) assert.is(proc(f, id).waitforparents, true)
  for (const id of [a, b, c, d]) {
    assert.is(proc(f, id).processgraphid, wf.id)
    assert.is(proc(f, id).state, WAITING)
  }
  assert.equal(new Set([...f.processes(w.colony)].map(p => p.processid)), new Set([a, b, c, d]))
  assert.equal(new Set([...f.processes()].map(p => p.processid)), new Set([a, b, c, d]))
  assert.equal([...f.graphs(w.colony)].map(x => x.graph.processgraphid), [wf.id])
})

test('a diamond a→{b,c}→d runs to SUCCESS: only a is claimable first, in = parents\' out in parents order, start and end times', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, DIAMOND, undefined, { at: T })
  const [a, b, c, d] = nodeIds(wf.id, 4) as [string, string, string, string]
  const f = new LedgerFold()
  f.add([...base, wf])
  assert.ok(new Set(f.drainChanges().processes).has(d), 'a new workflow reports its nodes')

  const early = [w.claim(b, 'e1'), w.claim(c, 'e1'), w.claim(d, 'e1')]
  f.add(early)
  for (const e of early) refused(f, e, /waits for its parents/, 'conflict')

  const claimA = w.claim(a, 'e1', 1, { at: T + 100 })
  f.add([claimA])
  accepted(f, claimA)
  assert.ok(f.drainChanges().processes.includes(a))
  assert.is(graphOf(f, wf.id).graph.state, RUNNING)
  assert.is(graphOf(f, wf.id).graph.starttime, T + 100)

  const closeA = w.close(a, 'e1', ['A1', 'A2'], { at: T + 200 })
  f.add([closeA])
  accepted(f, closeA)
  const changed = new Set(f.drainChanges().processes)
  for (const id of [a, b, c]) assert.ok(changed.has(id), 'the closed node and the children it released are reported')
  assert.is(graphOf(f, wf.id).graph.state, RUNNING, 'a succeeded node keeps the graph RUNNING')
  for (const id of [b, c]) {
    assert.is(proc(f, id).waitforparents, false)
    assert.equal(proc(f, id).in, ['A1', 'A2'])
  }
  assert.is(proc(f, d).waitforparents, true, 'd still waits for b and c')
  assert.equal(proc(f, d).in, [])

  const claimD = w.claim(d, 'e1', 1, { at: T + 250 })
  f.add([claimD])
  refused(f, claimD, /waits for its parents/, 'conflict')

  // c finishes before b: d's in still follows its parents order [c, b]
  const rest1 = [w.claim(b, 'e1', 1, { at: T + 300 }), w.claim(c, 'e2', 1, { at: T + 301 }),
    w.close(c, 'e2', ['C'], { at: T + 400 }), w.close(b, 'e1', ['B'], { at: T + 500 })]
  f.add(rest1)
  for (const e of rest1) accepted(f, e)
  assert.ok(f.drainChanges().processes.includes(d))
  assert.is(proc(f, d).waitforparents, false)
  assert.equal(proc(f, d).in, ['C', 'B'])
  assert.equal(proc(f, d).spec.args, [], 'args are unchanged')

  const rest2 = [w.claim(d, 'e2', 1, { at: T + 600 }), w.close(d, 'e2', ['D'], { at: T + 700 })]
  f.add(rest2)
  for (const e of rest2) accepted(f, e)
  const g = graphOf(f, wf.id).graph
  assert.is(g.state, SUCCESS)
  assert.is(g.starttime, T + 100)
  assert.is(g.endtime, T + 700)
  assert.equal(states(f, [a, b, c, d]), [SUCCESS, SUCCESS, SUCCESS, SUCCESS])

  const all = [...base, wf, ...early, claimA, closeA, claimD, ...rest1, ...rest2]
  assert.is(sameInEveryOrder(all).stateHash(), f.stateHash())
})

// ---- validation and rights ----------------------------------------------------------------

test('a workflow with a cycle, an unknown or duplicate node name is invalid at the message boundary and refused by the fold', () => {
  const { w, base } = start()
  const cycle = submitWf(w, [fn('a', ['c']), fn('b', ['a']), fn('c', ['b'])])
  const self = submitWf(w, [fn('a', ['a'])])
  const unknown = submitWf(w, [fn('a'), fn('b', ['zz'])])
  const dup = submitWf(w, [fn('a'), fn('a')])
  const unnamed = submitWf(w, [fn('')])
  const empty = w.env({ msgtype: 'submitworkflowspecmsg', spec: { colonyname: w.colony, functionspecs: [] } }, w.user('u1'))
  assert.match(cycle.invalid ?? '', /cycle/)
  assert.match(self.invalid ?? '', /cycle/)
  assert.match(unknown.invalid ?? '', /unknown nodename "zz"/)
  assert.match(dup.invalid ?? '', /duplicate nodename "a"/)
  assert.match(unnamed.invalid ?? '', /nodename/)
  assert.match(empty.invalid ?? '', /at least one/)
  const bad = [cycle, self, unknown, dup, unnamed, empty]
  const f = foldRecords([...base, ...bad])
  for (const e of bad) {
    assert.equal(f.refusal(e.id), { code: 'invalid', reason: e.invalid })
    assert.is(f.graph(e.id), undefined)
    assert.is(f.process(nodeProcessId(e.id, 0)), undefined)
  }
  assert.is([...f.processes()].length, 0)
})

test('a workflow from a non-member, a pending executor or the colony owner is refused; nothing is created', () => {
  const { w, base } = start()
  const pending = w.addExecutor('p1')
  const fromStranger = submitWf(w, DIAMOND, newKey())
  const fromPending = submitWf(w, DIAMOND, w.exec('p1'))
  const fromOwner = submitWf(w, DIAMOND, w.owner)
  const elsewhere = w.env({ msgtype: 'submitworkflowspecmsg', spec: { colonyname: 'nowhere', functionspecs: [fn('a')] } }, w.user('u1'))
  const notSite = submitWf(w, DIAMOND, w.user('u1'), { origin: newKey().id })
  const byExecutor = submitWf(w, DIAMOND, w.exec('e1'))
  const f = foldRecords([...base, pending, fromStranger, fromPending, fromOwner, elsewhere, notSite, byExecutor])
  for (const e of [fromStranger, fromPending, fromOwner]) refused(f, e, /only members/, 'forbidden')
  refused(f, elsewhere, /does not exist/, 'not-found')
  refused(f, notSite, /not a site/, 'forbidden')
  for (const e of [fromStranger, fromPending, fromOwner, elsewhere, notSite]) {
    assert.is(f.graph(e.id), undefined)
    for (const id of nodeIds(e.id, 4)) assert.is(f.process(id), undefined)
  }
  accepted(f, byExecutor)
  assert.is(graphOf(f, byExecutor.id).graph.initiatorname, 'e1')
  assert.equal([...f.graphs(w.colony)].map(g => g.graph.processgraphid), [byExecutor.id])
})

// ---- failure ------------------------------------------------------------------------------

test('a failed node fails every unfinished node of its workflow; succeeded nodes stay SUCCESS; late closes are refused', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, DIAMOND, undefined, { at: T })
  const [a, b, c, d] = nodeIds(wf.id, 4) as [string, string, string, string]
  const run = [
    w.claim(a, 'e1', 1, { at: T + 10 }), w.close(a, 'e1', ['A'], { at: T + 20 }),
    w.claim(b, 'e1', 1, { at: T + 30 }), w.claim(c, 'e2', 1, { at: T + 31 })
  ]
  const failB = w.fail(b, 'e1', ['b broke'], { at: T + 40 })
  const closeC = w.close(c, 'e2', ['late'], { at: T + 50 })
  const failC = w.fail(c, 'e2', ['late'], { at: T + 51 })
  const claimD = w.claim(d, 'e1', 1, { at: T + 52 })
  const all = [...base, wf, ...run, failB, closeC, failC, claimD]
  const f = sameInEveryOrder(all)
  for (const e of [...run, failB]) accepted(f, e)
  assert.equal(states(f, [a, b, c, d]), [SUCCESS, FAILED, FAILED, FAILED])
  assert.equal(proc(f, b).errors, ['b broke'])
  assert.is(proc(f, c).endtime, T + 40, 'the running node failed with b')
  refused(f, closeC, /failed/, 'conflict')
  refused(f, failC, /failed/, 'conflict')
  refused(f, claimD, /failed/, 'conflict')
  assert.equal(proc(f, c).out, [], 'a refused close leaves no output')
  const g = graphOf(f, wf.id).graph
  assert.is(g.state, FAILED)
  assert.is(g.endtime, T + 40)
})

test('a failed root fails the waiting nodes at once; a failed leaf fails the graph while succeeded nodes keep SUCCESS', () => {
  const { w, base, T } = start()
  const wf1 = submitWf(w, DIAMOND, undefined, { at: T })
  const [a1, b1, c1, d1] = nodeIds(wf1.id, 4) as [string, string, string, string]
  const wf2 = submitWf(w, [fn('a'), fn('b', ['a'])], undefined, { at: T + 1 })
  const [a2, b2] = nodeIds(wf2.id, 2) as [string, string]
  const recs = [
    w.claim(a1, 'e1', 1, { at: T + 10 }), w.fail(a1, 'e1', ['x'], { at: T + 20 }),
    w.claim(a2, 'e2', 1, { at: T + 30 }), w.close(a2, 'e2', [], { at: T + 40 }),
    w.claim(b2, 'e2', 1, { at: T + 50 }), w.fail(b2, 'e2', ['y'], { at: T + 60 })
  ]
  const f = sameInEveryOrder([...base, wf1, wf2, ...recs])
  for (const e of recs) accepted(f, e)
  assert.equal(states(f, [a1, b1, c1, d1]), [FAILED, FAILED, FAILED, FAILED])
  assert.is(graphOf(f, wf1.id).graph.state, FAILED)
  assert.is(graphOf(f, wf1.id).graph.starttime, T + 10)
  assert.equal(states(f, [a2, b2]), [SUCCESS, FAILED])
  assert.is(graphOf(f, wf2.id).graph.state, FAILED)
  assert.is(graphOf(f, wf2.id).graph.endtime, T + 60)
})

// ---- cancel and remove --------------------------------------------------------------------

test('cancelling a workflow cancels its waiting and running nodes; cancel and remove of a single node are refused', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, DIAMOND, undefined, { at: T })
  const [a, b, c, d] = nodeIds(wf.id, 4) as [string, string, string, string]
  const claimA = w.claim(a, 'e1', 1, { at: T + 10 })
  const cancelNode = w.env({ msgtype: 'cancelprocessmsg', processid: a }, w.user('u1'), { at: T + 20 })
  const removeNode = w.env({ msgtype: 'removeprocessmsg', processid: b, all: false }, w.user('u1'), { at: T + 21 })
  const removeRunning = removeWf(w, wf.id, w.user('u1'), { at: T + 22 })
  const strangerCancel = cancelWf(w, wf.id, newKey(), { at: T + 23 })
  const cancel = cancelWf(w, wf.id, w.user('u1'), { at: T + 30 })
  const lateClose = w.close(a, 'e1', ['late'], { at: T + 40 })
  const cancelAgain = cancelWf(w, wf.id, w.exec('e2'), { at: T + 41 })
  const all = [...base, wf, claimA, cancelNode, removeNode, removeRunning, strangerCancel, cancel, lateClose, cancelAgain]
  const f = sameInEveryOrder(all)
  accepted(f, claimA)
  refused(f, cancelNode, /cancelled with its workflow/, 'invalid')
  refused(f, removeNode, /removed with its workflow/, 'invalid')
  refused(f, removeRunning, /running workflow cannot be removed/, 'conflict')
  refused(f, strangerCancel, /only members/, 'forbidden')
  accepted(f, cancel)
  assert.equal(states(f, [a, b, c, d]), [CANCELLED, CANCELLED, CANCELLED, CANCELLED])
  for (const id of [a, b, c, d]) assert.is(proc(f, id).endtime, T + 30)
  const g = graphOf(f, wf.id).graph
  assert.is(g.state, CANCELLED)
  assert.is(g.endtime, T + 30)
  refused(f, lateClose, /cancelled/, 'conflict')
  refused(f, cancelAgain, /cannot be cancelled/, 'conflict')
})

test('a workflow may be removed when waiting or finished, not while running; removal takes its nodes; a finished workflow cannot be cancelled', () => {
  const { w, base, T } = start()
  const waiting = submitWf(w, DIAMOND, undefined, { at: T })
  const done = submitWf(w, [fn('only')], undefined, { at: T + 1 })
  const [only] = nodeIds(done.id, 1) as [string]
  const finish = [w.claim(only, 'e1', 1, { at: T + 10 }), w.close(only, 'e1', [], { at: T + 11 })]
  const cancelDone = cancelWf(w, done.id, w.user('u1'), { at: T + 20 })
  const rmWaiting = removeWf(w, waiting.id, w.user('u1'), { at: T + 21 })
  const rmDone = removeWf(w, done.id, w.exec('e2'), { at: T + 22 })
  const rmStranger = removeWf(w, done.id, newKey(), { at: T + 19 })
  const claimAfter = w.claim(nodeProcessId(waiting.id, 0), 'e1', 1, { at: T + 30 })
  const rmAgain = removeWf(w, waiting.id, w.user('u1'), { at: T + 31 })
  const all = [...base, waiting, done, ...finish, cancelDone, rmWaiting, rmDone, rmStranger, claimAfter, rmAgain]
  const f = sameInEveryOrder(all)
  refused(f, cancelDone, /successful workflow cannot be cancelled/, 'conflict')
  refused(f, rmStranger, /only members/, 'forbidden')
  accepted(f, rmWaiting)
  accepted(f, rmDone)
  refused(f, claimAfter, /removed/, 'not-found')
  assert.ok(f.refusal(rmAgain.id) !== undefined, 'a second remove is refused')
  assert.is(f.graph(waiting.id), undefined)
  assert.is(f.graph(done.id), undefined)
  for (const id of [...nodeIds(waiting.id, 4), only]) assert.is(f.process(id), undefined)
  assert.is([...f.processes()].length, 0)
  assert.is([...f.graphs(w.colony)].length, 0)
})

test('removeallprocessgraphsmsg by the owner removes the workflows in that state, never a running one', () => {
  const { w, base, T } = start()
  const waiting = submitWf(w, [fn('a')], undefined, { at: T })
  const running = submitWf(w, [fn('a')], undefined, { at: T + 1 })
  const done = submitWf(w, [fn('a')], undefined, { at: T + 2 })
  const progress = [
    w.claim(nodeProcessId(running.id, 0), 'e1', 1, { at: T + 10 }),
    w.claim(nodeProcessId(done.id, 0), 'e2', 1, { at: T + 11 }), w.close(nodeProcessId(done.id, 0), 'e2', [], { at: T + 12 })
  ]
  const rmAll = (state: number, by: Key, at: number): FoldEntry =>
    w.env({ msgtype: 'removeallprocessgraphsmsg', colonyname: w.colony, state }, by, { at })
  const byUser = rmAll(-1, w.user('u1'), T + 19)
  const running1 = rmAll(1, w.owner, T + 20)
  const successOnly = rmAll(SUCCESS, w.owner, T + 21)
  const pre = [...base, waiting, running, done, ...progress, byUser, running1, successOnly]
  const f1 = sameInEveryOrder(pre)
  refused(f1, byUser, /owner/, 'forbidden')
  refused(f1, running1, /running/, 'invalid')
  accepted(f1, successOnly)
  assert.ok(f1.graph(waiting.id))
  assert.ok(f1.graph(running.id))
  assert.is(f1.graph(done.id), undefined)
  const everything = rmAll(-1, w.owner, T + 30)
  const f2 = sameInEveryOrder([...pre, everything])
  assert.is(f2.graph(waiting.id), undefined)
  assert.is(f2.process(nodeProcessId(waiting.id, 0)), undefined)
  assert.ok(f2.graph(running.id), 'a running workflow survives remove-all')
  assert.is(proc(f2, nodeProcessId(running.id, 0)).state, RUNNING)
})

// ---- addchild -----------------------------------------------------------------------------

test('addchild insert=true: the new node takes over the parent\'s children and runs between them', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, [fn('a'), fn('b', ['a']), fn('c', ['a'])], undefined, { at: T })
  const [a, b, c] = nodeIds(wf.id, 3) as [string, string, string]
  const f = new LedgerFold()
  const claimA = w.claim(a, 'e1', 1, { at: T + 10 })
  f.add([...base, wf, claimA])
  f.drainChanges()
  const ins = addChild(w, wf.id, a, 'e1', { insert: true, nodename: 'x', at: T + 20 })
  f.add([ins])
  accepted(f, ins)
  const x = ins.id
  const changed = new Set(f.drainChanges().processes)
  for (const id of [a, x, b, c]) assert.ok(changed.has(id), 'parent, new node and re-parented children are reported')
  const nx = proc(f, x)
  assert.is(nx.processgraphid, wf.id)
  assert.is(nx.state, WAITING)
  assert.is(nx.waitforparents, true)
  assert.equal(nx.parents, [a])
  assert.equal(nx.children, [b, c])
  assert.is(nx.spec.conditions.colonyname, w.colony)
  assert.equal(proc(f, a).children, [x])
  assert.equal(proc(f, b).parents, [x])
  assert.equal(proc(f, c).parents, [x])
  assert.equal(graphOf(f, wf.id).graph.processids, [a, b, c, x])
  assert.equal(graphOf(f, wf.id).graph.rootprocessids, [a])
  assert.ok([...f.processes()].some(p => p.processid === x))

  const tail = [
    w.close(a, 'e1', ['A'], { at: T + 30 }),
    w.claim(x, 'e2', 1, { at: T + 40 }), w.close(x, 'e2', ['X'], { at: T + 50 }),
    w.claim(b, 'e1', 1, { at: T + 60 })
  ]
  const tooEarly = w.claim(b, 'e1', 1, { at: T + 31 })
  f.add([tail[0] as FoldEntry, tooEarly])
  refused(f, tooEarly, /waits for its parents/, 'conflict')
  assert.equal(proc(f, x).in, ['A'])
  assert.is(proc(f, x).waitforparents, false)
  f.add(tail.slice(1))
  for (const e of tail) accepted(f, e)
  assert.equal(proc(f, b).in, ['X'])
  assert.equal(proc(f, c).in, ['X'])
  assert.is(proc(f, b).state, RUNNING)
  assert.is(sameInEveryOrder([...base, wf, claimA, ins, ...tail, tooEarly]).stateHash(), f.stateHash())
})

test('addchild insert=false appends a child, and with childprocessid also becomes a parent of that child', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, [fn('a'), fn('b', ['a'])], undefined, { at: T })
  const [a, b] = nodeIds(wf.id, 2) as [string, string]
  const claimA = w.claim(a, 'e1', 1, { at: T + 10 })
  const y = addChild(w, wf.id, a, 'e1', { nodename: 'y', at: T + 20 })
  const z = addChild(w, wf.id, a, 'e1', { nodename: 'z', child: b, at: T + 21 })
  const closeA = w.close(a, 'e1', ['A'], { at: T + 30 })
  const all = [...base, wf, claimA, y, z, closeA]
  const f = sameInEveryOrder(all)
  accepted(f, y)
  accepted(f, z)
  assert.equal(proc(f, a).children, [b, y.id, z.id])
  assert.equal(proc(f, y.id).parents, [a])
  assert.equal(proc(f, y.id).children, [])
  assert.equal(proc(f, z.id).parents, [a])
  assert.equal(proc(f, z.id).children, [b])
  assert.equal(proc(f, b).parents, [a, z.id])
  // after a succeeds, y and z are eligible; b still waits for z
  assert.is(proc(f, y.id).waitforparents, false)
  assert.is(proc(f, z.id).waitforparents, false)
  assert.equal(proc(f, z.id).in, ['A'])
  assert.is(proc(f, b).waitforparents, true)
  const more = [w.claim(z.id, 'e2', 1, { at: T + 40 }), w.close(z.id, 'e2', ['Z'], { at: T + 50 })]
  const f2 = sameInEveryOrder([...all, ...more])
  assert.is(proc(f2, b).waitforparents, false)
  assert.equal(proc(f2, b).in, ['A', 'Z'])
  assert.is(graphOf(f2, wf.id).graph.state, RUNNING)
})

test('addchild is refused from an executor not assigned to the parent, or when the parent is not running', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, [fn('a'), fn('b', ['a'])], undefined, { at: T })
  const [a, b] = nodeIds(wf.id, 2) as [string, string]
  const beforeClaim = addChild(w, wf.id, a, 'e1', { nodename: 'p', at: T + 5 })
  const claimA = w.claim(a, 'e1', 1, { at: T + 10 })
  const byOther = addChild(w, wf.id, a, 'e2', { nodename: 'q', at: T + 20 })
  const unknownParent = addChild(w, wf.id, nodeProcessId(wf.id, 7), 'e1', { nodename: 'r', at: T + 21 })
  const waitingParent = addChild(w, wf.id, b, 'e1', { nodename: 's', at: T + 22 })
  const closeA = w.close(a, 'e1', [], { at: T + 30 })
  const afterClose = addChild(w, wf.id, a, 'e1', { nodename: 't', at: T + 40 })
  const all = [...base, wf, beforeClaim, claimA, byOther, unknownParent, waitingParent, closeA, afterClose]
  const f = sameInEveryOrder(all)
  refused(f, beforeClaim, /assigned/, 'forbidden')
  refused(f, byOther, /only the executor assigned to the parent/, 'forbidden')
  refused(f, unknownParent, /not a node/, 'not-found')
  refused(f, waitingParent, /assigned|not running/)
  refused(f, afterClose, /not running/, 'conflict')
  for (const e of [beforeClaim, byOther, unknownParent, waitingParent, afterClose]) assert.is(f.process(e.id), undefined)
  assert.equal(proc(f, a).children, [b])
  assert.equal(graphOf(f, wf.id).graph.processids, [a, b])
})

// ---- deadlines ----------------------------------------------------------------------------

test('a lease expiry of a workflow node requeues only that node, without counting a retry', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, [fn('a', [], { maxretries: 0 }), fn('c'), fn('b', ['a'])], undefined, { at: T })
  const [a, c, b] = nodeIds(wf.id, 3) as [string, string, string]
  const recs = [w.claim(a, 'e1', 1, { at: T + 100 }), w.claim(c, 'e2', 1, { at: T + 101 })]
  const lease = w.expire(a, 'lease', 1, { at: T + 200 })
  const stale = w.close(a, 'e1', ['stale'], { at: T + 201, att: 1 })
  const f = sameInEveryOrder([...base, wf, ...recs, lease, stale])
  accepted(f, lease)
  refused(f, stale, /superseded|assigned/)
  const pa = proc(f, a)
  assert.is(pa.state, WAITING)
  assert.is(pa.attempt, 2)
  assert.is(pa.retries, 0)
  assert.is(proc(f, c).state, RUNNING, 'the other running node is untouched')
  assert.is(proc(f, b).state, WAITING)
  assert.is(proc(f, b).waitforparents, true)
  assert.is(graphOf(f, wf.id).graph.state, RUNNING)
})

test('an exec timeout of a node with retries left requeues only that node', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, [fn('a', [], { maxexectime: 2, maxretries: 1 }), fn('c'), fn('b', ['a'])], undefined, { at: T })
  const [a, c, b] = nodeIds(wf.id, 3) as [string, string, string]
  const recs = [w.claim(a, 'e1', 1, { at: T + 100 }), w.claim(c, 'e2', 1, { at: T + 101 })]
  const tooSoon = w.expire(a, 'exec', 1, { at: T + 2099 })
  const expire = w.expire(a, 'exec', 1, { at: T + 2100 })
  const f = sameInEveryOrder([...base, wf, ...recs, tooSoon, expire])
  refused(f, tooSoon, /not passed/, 'conflict')
  accepted(f, expire)
  const pa = proc(f, a)
  assert.is(pa.state, WAITING)
  assert.is(pa.attempt, 2)
  assert.is(pa.retries, 1)
  assert.is(pa.assignedexecutorid, '')
  assert.is(proc(f, c).state, RUNNING, 'the other running node is untouched')
  assert.is(proc(f, c).attempt, 1)
  assert.is(proc(f, b).state, WAITING)
  assert.is(proc(f, b).waitforparents, true)
  assert.is(graphOf(f, wf.id).graph.state, RUNNING)

  // the second timeout exhausts the retries: a fails, and with it the workflow
  const again = [w.claim(a, 'e1', 2, { at: T + 3000 }), w.expire(a, 'exec', 2, { at: T + 5000 })]
  const f2 = sameInEveryOrder([...base, wf, ...recs, tooSoon, expire, ...again])
  for (const e of again) accepted(f2, e)
  assert.equal(proc(f2, a).errors, [EXEC_TIMEOUT_ERROR])
  assert.equal(states(f2, [a, c, b]), [FAILED, FAILED, FAILED])
  assert.is(graphOf(f2, wf.id).graph.state, FAILED)
})

test('a child\'s wait deadline counts from when it became eligible, not from submission', () => {
  const { w, base, T } = start()
  const wf = submitWf(w, [fn('a'), fn('b', ['a'], { maxwaittime: 5 }), fn('c')], undefined, { at: T })
  const [a, b, c] = nodeIds(wf.id, 3) as [string, string, string]
  const claimA = w.claim(a, 'e1', 1, { at: T + 100 })
  const claimC = w.claim(c, 'e2', 1, { at: T + 101 })
  const fromSubmission = w.expire(b, 'wait', 1, { at: T + 6000 })
  const closeA = w.close(a, 'e1', ['A'], { at: T + 7000 })
  const early = w.expire(b, 'wait', 1, { at: T + 11_999 })
  const due = w.expire(b, 'wait', 1, { at: T + 12_000 })
  const pre = [...base, wf, claimA, claimC, fromSubmission, closeA]
  const f1 = foldRecords(pre)
  assert.is(proc(f1, b).waitdeadline, T + 12_000)
  const f = sameInEveryOrder([...pre, early, due])
  refused(f, fromSubmission, /waits for its parents/, 'conflict')
  refused(f, early, /not passed/, 'conflict')
  accepted(f, due)
  assert.is(proc(f, b).state, FAILED)
  assert.equal(proc(f, b).errors, [WAIT_TIMEOUT_ERROR])
  assert.equal(states(f, [a, b, c]), [SUCCESS, FAILED, FAILED])
  assert.is(graphOf(f, wf.id).graph.state, FAILED)
})

test('a waiting node that addchild gives a new parent waits for it without a running wait deadline', () => {
  // r is a root with maxwaittime 5 s; a's executor makes a new node z a parent of r, so r
  // waits for z again. Its wait deadline should count from when it is eligible again.
  const { w, base, T } = start()
  const wf = submitWf(w, [fn('a'), fn('r', [], { maxwaittime: 5 })], undefined, { at: T })
  const [a, r] = nodeIds(wf.id, 2) as [string, string]
  const claimA = w.claim(a, 'e1', 1, { at: T + 100 })
  const z = addChild(w, wf.id, a, 'e1', { child: r, nodename: 'z', at: T + 200 })
  const expire = w.expire(r, 'wait', 1, { at: T + 5000 })
  const f = sameInEveryOrder([...base, wf, claimA, z, expire])
  accepted(f, z)
  assert.equal(proc(f, r).parents, [z.id])
  assert.is(proc(f, r).waitforparents, true)
  refused(f, expire, /not passed|wait/)
  assert.is(proc(f, r).state, WAITING)
  assert.is(proc(f, r).waitdeadline, 0, 'no wait deadline while it waits for its parents')
})

// ---- cron ---------------------------------------------------------------------------------

const CRON_WF = [fn('r1'), fn('r2'), fn('j', ['r1', 'r2'])]

/** A colony with a second site and a 60 s interval cron created at a time off the whole second. */
function cronWorld (): { w: World, base: FoldEntry[], site2: Key, cron: FoldEntry, tick: (k: number) => number } {
  const { w, base, T } = start()
  const { site2, recs } = secondSite(w)
  const created = T + 500
  const cron = addCron(w, CRON_WF, { interval: 60, at: created })
  const anchor = Math.floor(created / 1000)
  return { w, base: [...base, ...recs], site2, cron, tick: k => (anchor + 60 * k) * 1000 }
}

test('two sites\' fires of the same cron tick start one workflow; the later copy is refused', () => {
  const { w, base, site2, cron, tick } = cronWorld()
  const fire1 = fire(w, cron.id, tick(1), { recAt: tick(1) + 3, in: ['prev'] })
  const fire2 = fire(w, cron.id, tick(1), { recAt: tick(1) + 7, origin: site2.id, in: ['prev'] })
  const all = [...base, cron, fire1, fire2]
  const f = sameInEveryOrder([...all, fire2, fire1])
  const gid = graphIdOfFire(fireBody(w, cron.id, tick(1), ['prev']))
  accepted(f, cron)
  accepted(f, fire1)
  refused(f, fire2, /already started/, 'conflict')
  const runs = f.cronRunsOf(cron.id)
  assert.is(runs.length, 1)
  const g = graphOf(f, gid)
  assert.is(runs[0]?.graph.processgraphid, gid)
  assert.equal(g.graph.source, { kind: 'cron', cronid: cron.id, at: tick(1) })
  assert.is(g.graph.initiatorid, w.user('u1').id, 'the cron\'s creator initiates its runs')
  assert.is(g.graph.submissiontime, tick(1) + 3)
  const [r1, r2, j] = nodeIds(gid, 3) as [string, string, string]
  assert.equal(proc(f, r1).in, ['prev'], '`in` lands on the roots')
  assert.equal(proc(f, r2).in, ['prev'])
  assert.equal(proc(f, j).in, [])
  assert.equal(g.graph.rootprocessids, [r1, r2])
  assert.is([...f.processes()].length, 3)
})

test('a fire off the schedule, not after the cron\'s creation, or later than its own clock is refused', () => {
  const { w, base, site2, cron, tick } = cronWorld()
  const offSchedule = fire(w, cron.id, tick(1) + 1000, { recAt: tick(1) + 2000 })
  const atCreation = fire(w, cron.id, tick(0), { recAt: tick(1) + 2001 })
  const beforeCreation = fire(w, cron.id, tick(-1), { recAt: tick(1) + 2002 })
  const ahead = fire(w, cron.id, tick(3), { recAt: tick(2) + 10, origin: site2.id })
  const notSite = fire(w, cron.id, tick(4), { recAt: tick(4) + 20, origin: newKey().id })
  const unknownCron = fire(w, newKey().id, tick(2), { recAt: tick(2) + 30 })
  const onTime = fire(w, cron.id, tick(2), { recAt: tick(2) })
  const bad = [offSchedule, atCreation, beforeCreation, ahead, notSite, unknownCron]
  const f = sameInEveryOrder([...base, cron, ...bad, onTime])
  refused(f, offSchedule, /schedule/, 'invalid')
  refused(f, atCreation, /not due/, 'invalid')
  refused(f, beforeCreation, /not due/, 'invalid')
  refused(f, ahead, /not due/, 'invalid')
  refused(f, notSite, /not a site/, 'forbidden')
  refused(f, unknownCron, /does not exist/, 'not-found')
  accepted(f, onTime)
  assert.equal(f.cronRunsOf(cron.id).map(g => g.graph.processgraphid), [graphIdOfFire(fireBody(w, cron.id, tick(2)))])
  for (const e of bad) assert.is(f.graph(graphIdOfFire(e.rec.b as FireBody)), undefined)
})

test('a fire of a removed cron is refused; the workflows it started before stay', () => {
  const { w, base, cron, tick } = cronWorld()
  const before = fire(w, cron.id, tick(1), { recAt: tick(1) + 1 })
  const removeByStranger = w.env({ msgtype: 'removecronmsg', cronid: cron.id, all: false }, newKey(), { at: tick(1) + 50 })
  const remove = w.env({ msgtype: 'removecronmsg', cronid: cron.id, all: false }, w.exec('e1'), { at: tick(1) + 100 })
  const after = fire(w, cron.id, tick(2), { recAt: tick(2) + 1 })
  const lateCopy = fire(w, cron.id, tick(1), { recAt: tick(1) + 200 })
  const run = runCron(w, cron.id, w.user('u1'), [])
  const f = sameInEveryOrder([...base, cron, before, removeByStranger, remove, after, lateCopy, run])
  refused(f, removeByStranger, /only members/, 'forbidden')
  accepted(f, remove)
  accepted(f, before)
  refused(f, after, /does not exist/, 'not-found')
  refused(f, lateCopy, /already started|does not exist/)
  refused(f, run, /does not exist/, 'not-found')
  assert.is(f.cron(cron.id), undefined)
  assert.ok(f.graph(graphIdOfFire(fireBody(w, cron.id, tick(1)))), 'the earlier run stays')
  assert.is(f.graph(graphIdOfFire(fireBody(w, cron.id, tick(2)))), undefined)
})

test('runcronmsg starts a workflow now with the `in` its site supplies on the roots; non-members are refused', () => {
  const { w, base, cron } = cronWorld()
  const run = runCron(w, cron.id, w.exec('e2'), ['last', 2])
  const plain = runCron(w, cron.id, w.user('u1'))
  const stranger = runCron(w, cron.id, newKey(), ['x'])
  const unknown = runCron(w, newKey().id, w.user('u1'))
  const f = sameInEveryOrder([...base, cron, run, plain, stranger, unknown])
  accepted(f, run)
  accepted(f, plain)
  refused(f, stranger, /only members/, 'forbidden')
  refused(f, unknown, /does not exist/, 'not-found')
  const g = graphOf(f, run.id)
  assert.equal(g.graph.source, { kind: 'cron', cronid: cron.id, at: 0 })
  assert.is(g.graph.initiatorname, 'e2', 'a run-now is initiated by its caller')
  const [r1, r2, j] = nodeIds(run.id, 3) as [string, string, string]
  assert.equal(proc(f, r1).in, ['last', 2])
  assert.equal(proc(f, r2).in, ['last', 2])
  assert.equal(proc(f, j).in, [])
  assert.equal(proc(f, nodeProcessId(plain.id, 0)).in, [])
  assert.equal(f.cronRunsOf(cron.id).map(x => x.graph.processgraphid), [run, plain].sort(compareEntries).map(e => e.id), 'oldest first')
  assert.is(f.graph(stranger.id), undefined)
})

// ---- generators ---------------------------------------------------------------------------

const GEN_WF = [fn('g', [], { args: ['orig'], kwargs: { k: 'v' } }), fn('h', ['g'], { args: ['keep'], kwargs: { k: 'v' } })]

test('a firing of `trigger` packs starts a workflow whose roots get the pack args in order and kwargs {}', () => {
  const { w, base } = start()
  const gen = addGen(w, GEN_WF, 2, -1)
  const p1 = pack(w, gen.id, 'x')
  const p2 = pack(w, gen.id, 'y')
  const p3 = pack(w, gen.id, 'z')
  const strangerPack = pack(w, gen.id, 'evil', { by: newKey() })
  const gf = genfire(w, gen.id, [p1, p2])
  const f = sameInEveryOrder([...base, gen, p1, p2, p3, strangerPack, gf])
  accepted(f, gen)
  accepted(f, gf)
  refused(f, strangerPack, /only members/, 'forbidden')
  const gid = graphIdOfGenFire(genBody(w, gen.id, [p1, p2]))
  const g = graphOf(f, gid)
  assert.equal(g.graph.source, { kind: 'generator', generatorid: gen.id, packs: 2 })
  assert.is(g.graph.initiatorname, 'u1')
  const [root, child] = nodeIds(gid, 2) as [string, string]
  assert.equal(proc(f, root).spec.args, ['x', 'y'])
  assert.equal(proc(f, root).spec.kwargs, {})
  assert.equal(proc(f, child).spec.args, ['keep'], 'non-root nodes keep their args')
  assert.equal(proc(f, child).spec.kwargs, { k: 'v' })
  const q = f.generatorQueue(gen.id)
  assert.equal(q?.packs.map(p => [p.arg, p.consumedBy]), [['x', gid], ['y', gid], ['z', undefined]])
})

test('two firings sharing a pack: exactly one is accepted (the first in ledger order), whatever the arrival order', () => {
  const { w, base } = start()
  const { site2, recs } = secondSite(w)
  const gen = addGen(w, GEN_WF, 2, -1)
  const p1 = pack(w, gen.id, 'x')
  const p2 = pack(w, gen.id, 'y')
  const p3 = pack(w, gen.id, 'z')
  const fa = genfire(w, gen.id, [p1, p2])
  const fb = genfire(w, gen.id, [p2, p3], { origin: site2.id })
  const gidA = graphIdOfGenFire(genBody(w, gen.id, [p1, p2]))
  const gidB = graphIdOfGenFire(genBody(w, gen.id, [p2, p3]))
  const all = [...base, ...recs, gen, p1, p2, p3, fa, fb]
  const expected = foldRecords(all).stateHash()
  for (let seed = 1; seed <= 25; seed++) {
    for (const f of [foldRecords(shuffle(all, seed)), oneByOne(all, seed)]) {
      assert.is(f.stateHash(), expected)
      accepted(f, fa)
      refused(f, fb, /already consumed/, 'conflict')
      assert.ok(f.graph(gidA))
      assert.is(f.graph(gidB), undefined)
      assert.is(f.process(nodeProcessId(gidB, 0)), undefined)
      assert.equal(f.generatorQueue(gen.id)?.packs.map(p => p.consumedBy), [gidA, gidA, undefined])
    }
  }
  // the loser arriving first, then the winner: the loser's workflow is withdrawn
  const f = new LedgerFold()
  f.add([...base, ...recs, gen, p1, p2, p3, fb])
  accepted(f, fb)
  assert.ok(f.graph(gidB))
  f.drainChanges()
  f.add([fa])
  refused(f, fb, /already consumed/, 'conflict')
  assert.is(f.graph(gidB), undefined)
  assert.ok(f.graph(gidA))
  const changed = new Set(f.drainChanges().processes)
  for (const id of [...nodeIds(gidA, 2), ...nodeIds(gidB, 2)]) assert.ok(changed.has(id), 'both workflows\' nodes are reported')
  assert.is(f.stateHash(), expected)
})

test('the same firing written by two sites starts one workflow and consumes its packs once', () => {
  const { w, base } = start()
  const { site2, recs } = secondSite(w)
  const gen = addGen(w, GEN_WF, 2, -1)
  const p1 = pack(w, gen.id, 'x')
  const p2 = pack(w, gen.id, 'y')
  const f1 = genfire(w, gen.id, [p1, p2])
  const f2 = genfire(w, gen.id, [p1, p2], { origin: site2.id })
  const f = sameInEveryOrder([...base, ...recs, gen, p1, p2, f1, f2])
  const gid = graphIdOfGenFire(genBody(w, gen.id, [p1, p2]))
  accepted(f, f1)
  refused(f, f2, /already started/, 'conflict')
  assert.equal([...f.graphs(w.colony)].map(g => g.graph.processgraphid), [gid])
  assert.equal(f.generatorQueue(gen.id)?.packs.map(p => p.consumedBy), [gid, gid])
})

test('a firing naming a pack not (yet) seen is refused, and accepted once the pack arrives with an earlier clock', () => {
  const { w, base } = start()
  const gen = addGen(w, GEN_WF, 2, -1)
  const p1 = pack(w, gen.id, 'x')
  const p2 = pack(w, gen.id, 'y')
  const gf = genfire(w, gen.id, [p1, p2])
  const pLate = pack(w, gen.id, 'late')
  const gLate = genfire(w, gen.id, [p1, pLate], { at: pLate.rec.t.w - 1 })
  const f = new LedgerFold()
  f.add([...base, gen, p1, gf])
  refused(f, gf, /not \(yet\) known/, 'not-found')
  const gid = graphIdOfGenFire(genBody(w, gen.id, [p1, p2]))
  assert.is(f.graph(gid), undefined)
  f.drainChanges()
  f.add([p2])
  accepted(f, gf)
  assert.equal(proc(f, nodeProcessId(gid, 0)).spec.args, ['x', 'y'])
  assert.ok(f.drainChanges().processes.includes(nodeProcessId(gid, 0)), 'the new workflow\'s nodes are reported')
  assert.is(f.stateHash(), foldRecords([...base, gen, p1, p2, gf]).stateHash())
  // a pack later in the order than the firing never counts for it
  const f2 = sameInEveryOrder([...base, gen, p1, p2, pLate, gLate])
  refused(f2, gLate, /not \(yet\) known/, 'not-found')
  assert.is(f2.generatorQueue(gen.id)?.packs.every(p => p.consumedBy === undefined), true)
})

test('fewer packs than trigger fire only after the generator\'s timeout from the first pack; more, mismatched or without timeout are refused', () => {
  const { w, base, T } = start()
  const gen = addGen(w, GEN_WF, 3, 10, 'withTimeout')
  const noTimeout = addGen(w, GEN_WF, 3, -1, 'noTimeout')
  const t0 = T + 1000
  const p1 = pack(w, gen.id, 'x', { at: t0 })
  const p2 = pack(w, gen.id, 'y', { at: t0 + 2000 })
  const q1 = pack(w, noTimeout.id, 'x', { at: t0 + 2001 })
  const q2 = pack(w, noTimeout.id, 'y', { at: t0 + 2002 })
  const q3 = pack(w, noTimeout.id, 'z', { at: t0 + 2003 })
  const q4 = pack(w, noTimeout.id, 'w', { at: t0 + 2004 })
  const early = genfire(w, gen.id, [p1, p2], { at: t0 + 9999 })
  const due = genfire(w, gen.id, [p1, p2], { at: t0 + 10_000 })
  const never = genfire(w, noTimeout.id, [q1, q2], { at: t0 + 1_000_000 })
  const tooMany = genfire(w, noTimeout.id, [q1, q2, q3, q4], { at: t0 + 1_000_001 })
  const mismatch = genfire(w, noTimeout.id, [q1, q2, q3], { at: t0 + 1_000_002, args: ['x', 'y', 'forged'] })
  const full = genfire(w, noTimeout.id, [q1, q2, q3], { at: t0 + 1_000_003 })
  const all = [...base, gen, noTimeout, p1, p2, q1, q2, q3, q4, early, due, never, tooMany, mismatch, full]
  const f = sameInEveryOrder(all)
  refused(f, early, /timeout has not passed/, 'conflict')
  accepted(f, due)
  refused(f, never, /no timeout/, 'invalid')
  refused(f, tooMany, /at most trigger/, 'invalid')
  refused(f, mismatch, /differs/, 'invalid')
  accepted(f, full)
  const gid = graphIdOfGenFire(genBody(w, gen.id, [p1, p2]))
  assert.equal(proc(f, nodeProcessId(gid, 0)).spec.args, ['x', 'y'])
  assert.equal(graphOf(f, gid).graph.source, { kind: 'generator', generatorid: gen.id, packs: 2 })
  const fullId = graphIdOfGenFire(genBody(w, noTimeout.id, [q1, q2, q3]))
  assert.equal(proc(f, nodeProcessId(fullId, 0)).spec.args, ['x', 'y', 'z'])
  assert.equal(f.generatorQueue(noTimeout.id)?.packs.map(p => p.consumedBy), [fullId, fullId, fullId, undefined])
})

test('a firing after its generator was removed is refused', () => {
  const { w, base } = start()
  const gen = addGen(w, GEN_WF, 1, -1)
  const p1 = pack(w, gen.id, 'x')
  const rm = w.env({ msgtype: 'removegeneratormsg', generatorid: gen.id, all: false }, w.user('u1'))
  const gf = genfire(w, gen.id, [p1])
  const p2 = pack(w, gen.id, 'y')
  const f = sameInEveryOrder([...base, gen, p1, rm, gf, p2])
  accepted(f, rm)
  refused(f, gf, /does not exist/, 'not-found')
  refused(f, p2, /does not exist/, 'not-found')
  assert.is([...f.graphs(w.colony)].length, 0)
})

// ---- convergence --------------------------------------------------------------------------

type Op =
  | { k: 'submit' }
  | { k: 'wf', shape: number }
  | { k: 'claim', t: number, e: number, attempt: number, site: number }
  | { k: 'close', t: number, e: number, own: boolean, ok: boolean }
  | { k: 'expire', t: number, what: 'wait' | 'exec', attempt: number }
  | { k: 'addchild', t: number, insert: boolean, withChild: boolean, own: boolean }
  | { k: 'cancelwf', g: number }
  | { k: 'removewf', g: number }
  | { k: 'tick', dt: number }
  | { k: 'fire', both: boolean, withIn: boolean, offSchedule: boolean }
  | { k: 'runcron' }
  | { k: 'removecron', really: number }
  | { k: 'pack' }
  | { k: 'genfire', from: number, n: number, site: number, dt: number }
  | { k: 'removeexec', e: number }
  | { k: 'approve', e: number }
  | { k: 'removeallwf', state: number }
  | { k: 'removegen', really: number }

const targetArb = fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 5, 8)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ k: fc.constant('submit' as const) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('wf' as const), shape: fc.nat(2) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('claim' as const), t: targetArb, e: fc.nat(2), attempt: fc.constantFrom(1, 1, 1, 2), site: fc.nat(1) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('close' as const), t: targetArb, e: fc.nat(2), own: fc.constantFrom(true, true, true, false), ok: fc.constantFrom(true, true, true, false) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('expire' as const), t: targetArb, what: fc.constantFrom('wait' as const, 'exec' as const), attempt: fc.constantFrom(1, 1, 2) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('addchild' as const), t: targetArb, insert: fc.boolean(), withChild: fc.boolean(), own: fc.constantFrom(true, true, true, false) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancelwf' as const), g: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removewf' as const), g: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('tick' as const), dt: fc.integer({ min: 300, max: 4000 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('fire' as const), both: fc.constantFrom(true, true, false), withIn: fc.boolean(), offSchedule: fc.constantFrom(false, false, false, true) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('runcron' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removecron' as const), really: fc.nat(3) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('pack' as const) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('genfire' as const), from: fc.nat(6), n: fc.constantFrom(1, 2, 2, 2, 3), site: fc.nat(1), dt: fc.constantFrom(0, 0, 4000) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeexec' as const), e: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('approve' as const), e: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeallwf' as const), state: fc.constantFrom(-1, 0, 2, 3, 4) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removegen' as const), really: fc.nat(4) }) }
)

const SHAPES = [
  DIAMOND.map((n, i) => i === 0 ? fn('a', [], { maxexectime: 2, maxretries: 1 }) : n),
  [fn('a', [], { maxwaittime: 3 }), fn('b', ['a'], { maxwaittime: 2 })],
  [fn('a', [], { maxexectime: 1, maxretries: 0 }), fn('b'), fn('c', ['b', 'a'])]
]

interface History { world: World, entries: FoldEntry[], genfires: FoldEntry[], cronid: string, genid: string }

/**
 * A colony with two sites, executors e0..e2, a user, a 2 s interval cron and a generator
 * (trigger 2, timeout 3 s), then the random operations. The generator consults a live
 * fold of what it wrote so far, so most claims, closes and addchilds hit a process in the
 * right state (the rest are deliberately wrong: other executors, stale attempts).
 */
function history (ops: Op[]): History {
  const w = new World()
  const site2 = newKey()
  const sites = [w.node.id, site2.id]
  const entries: FoldEntry[] = []
  const live = new LedgerFold()
  const push = (...es: FoldEntry[]): void => {
    entries.push(...es)
    live.add(es)
  }
  push(
    w.site(), w.site(site2, w.operator), w.addColony(),
    w.env({ msgtype: 'addsitemsg', colonyname: w.colony, nodeid: site2.id, name: 'b' }, w.owner),
    w.addExecutor('e0'), w.approve('e0'), w.addExecutor('e1'), w.approve('e1'), w.addExecutor('e2'), w.approve('e2'),
    w.addUser('u1')
  )
  const cron = addCron(w, CRON_WF, { interval: 2 })
  const gen = addGen(w, GEN_WF, 2, 3)
  push(cron, gen)
  const anchor = Math.floor(cron.rec.t.w / 1000)
  const exec = (i: number): string => `e${i % 3}`
  const nameOf = (id: string): string => ['e0', 'e1', 'e2'].find(n => w.executors.get(n)?.id === id) ?? 'e0'
  const targets: string[] = [] // standalone processes and workflow nodes, newest last
  const graphs: string[] = []
  const packs: FoldEntry[] = []
  const genfires: FoldEntry[] = []
  const addGraph = (gid: string, n: number): void => {
    graphs.push(gid)
    targets.push(...nodeIds(gid, n))
  }
  const pick = <T>(list: readonly T[], t: number): T | undefined => list.length === 0 ? undefined : list[Math.max(0, list.length - 1 - t % list.length)]
  const liveProcs = (pred: (p: ProcessInfo) => boolean): ProcessInfo[] =>
    [...live.processes()].filter(pred).sort((a, b) => a.submitkey < b.submitkey ? -1 : 1)
  for (const op of ops) {
    switch (op.k) {
      case 'submit': {
        const e = w.submit({ maxexectime: 2, maxretries: 1, maxwaittime: 3 })
        targets.push(e.id)
        push(e)
        break
      }
      case 'wf': {
        const nodes = SHAPES[op.shape % SHAPES.length] as Array<Record<string, unknown>>
        const e = submitWf(w, nodes)
        push(e)
        addGraph(e.id, nodes.length)
        break
      }
      case 'claim': {
        const p = pick(liveProcs(x => x.state === WAITING && !x.waitforparents), op.t)
        const pid = p?.processid ?? pick(targets, op.t)
        if (pid === undefined) break
        push(w.claim(pid, exec(op.e), op.attempt === 1 ? (p?.attempt ?? 1) : op.attempt, { origin: sites[op.site] }))
        break
      }
      case 'close': {
        const p = pick(liveProcs(x => x.state === RUNNING), op.t)
        if (p === undefined) break
        const e = op.own ? nameOf(p.assignedexecutorid) : exec(op.e)
        push(op.ok ? w.close(p.processid, e, [`out-${entries.length}`]) : w.fail(p.processid, e, ['err']))
        break
      }
      case 'expire': {
        const pid = pick(targets, op.t)
        if (pid !== undefined) push(w.expire(pid, op.what, op.attempt, { at: w.t + 3500 }))
        break
      }
      case 'addchild': {
        const p = pick(liveProcs(x => x.state === RUNNING && x.processgraphid !== ''), op.t)
        if (p === undefined) break
        const gid = p.processgraphid
        const waiting = liveProcs(x => x.processgraphid === gid && x.state === WAITING && x.processid !== p.processid)
        const child = op.withChild && !op.insert ? waiting[waiting.length - 1]?.processid : undefined
        const by = op.own ? nameOf(p.assignedexecutorid) : exec(op.t)
        const e = addChild(w, gid, p.processid, by, { insert: op.insert, nodename: `n${entries.length}`, ...(child === undefined ? {} : { child }) })
        push(e)
        targets.push(e.id)
        break
      }
      case 'cancelwf': {
        const gid = pick(graphs, op.g)
        if (gid !== undefined) push(cancelWf(w, gid, w.user('u1')))
        break
      }
      case 'removewf': {
        const gid = pick(graphs, op.g)
        if (gid !== undefined) push(removeWf(w, gid, w.user('u1')))
        break
      }
      case 'tick':
        w.t += op.dt
        break
      case 'fire': {
        const k = Math.floor((Math.floor(w.t / 1000) - anchor) / 2)
        if (k < 1) break
        const at = (anchor + 2 * k) * 1000 + (op.offSchedule ? 1000 : 0)
        if (at > w.t) break
        const inp = op.withIn ? ['prev'] : []
        push(fire(w, cron.id, at, { in: inp }))
        if (op.both) push(fire(w, cron.id, at, { in: inp, origin: site2.id }))
        addGraph(graphIdOfFire(fireBody(w, cron.id, at, inp)), CRON_WF.length)
        break
      }
      case 'runcron': {
        const e = runCron(w, cron.id, w.user('u1'), ['now'])
        push(e)
        addGraph(e.id, CRON_WF.length)
        break
      }
      case 'removecron':
        if (op.really === 0) push(w.env({ msgtype: 'removecronmsg', cronid: cron.id, all: false }, w.user('u1')))
        break
      case 'pack': {
        const p = pack(w, gen.id, `arg${packs.length}`)
        packs.push(p)
        push(p)
        break
      }
      case 'genfire': {
        if (packs.length === 0) break
        const from = Math.max(0, packs.length - 1 - op.from % packs.length)
        const chosen = packs.slice(from, from + op.n)
        const e = genfire(w, gen.id, chosen, { origin: sites[op.site], at: w.t + 1 + op.dt })
        push(e)
        genfires.push(e)
        addGraph(graphIdOfGenFire(e.rec.b as GenFireBody), GEN_WF.length)
        break
      }
      case 'removeexec':
        push(w.removeExecutor(exec(op.e)))
        break
      case 'approve':
        push(w.addExecutor(exec(op.e)), w.approve(exec(op.e)))
        break
      case 'removeallwf':
        push(w.env({ msgtype: 'removeallprocessgraphsmsg', colonyname: w.colony, state: op.state }, w.owner))
        break
      case 'removegen':
        if (op.really === 0) push(w.env({ msgtype: 'removegeneratormsg', generatorid: gen.id, all: false }, w.user('u1')))
        break
    }
  }
  return { world: w, entries, genfires, cronid: cron.id, genid: gen.id }
}

const RUNS = { seed: 20260214, numRuns: 40 }
const histories = fc.array(opArb, { minLength: 25, maxLength: 70 })

test('property: workflows, cron fires and generator firings fold to the same state in every order and with duplicates', () => {
  fc.assert(fc.property(histories, fc.integer(), (ops, seed) => {
    assertOrderFree(history(ops).entries, seed)
  }), RUNS)
})

test('property: adding such a history in random chunks converges, and drainChanges reports every process that changed', () => {
  fc.assert(fc.property(histories, fc.integer(), fc.integer({ min: 1, max: 6 }), (ops, seed, chunk) => {
    const { entries } = history(ops)
    const expected = foldRecords(entries).stateHash()
    const f = new LedgerFold()
    const snapshot = (): Map<string, string> => new Map([...f.processesRaw()].map(p => [p.processid, JSON.stringify(p)]))
    const order = shuffle(entries, seed)
    let before = snapshot()
    for (let i = 0; i < order.length; i += chunk) {
      f.add(order.slice(i, i + chunk))
      const drained = new Set(f.drainChanges().processes)
      const after = snapshot()
      for (const [id, json] of after) {
        if (before.get(id) !== json) assert.ok(drained.has(id), `process ${id.slice(0, 8)} changed but was not reported`)
      }
      for (const id of before.keys()) {
        if (!after.has(id)) assert.ok(drained.has(id), `process ${id.slice(0, 8)} vanished but was not reported`)
      }
      before = after
    }
    f.add(entries.slice(0, 5)) // re-delivery changes nothing
    assert.is(f.stateHash(), expected)
  }), RUNS)
})

test('property: a fold that keeps no settled workflow in memory converges to the state of one that holds everything', () => {
  let restored = 0
  fc.assert(fc.property(histories, fc.integer(), fc.integer({ min: 1, max: 6 }), (ops, seed, chunk) => {
    const { entries } = history(ops)
    const all = foldRecords(entries)
    const paged = new PagedFold(0)
    const order = shuffle(entries, seed)
    for (let i = 0; i < order.length; i += chunk) paged.add(order.slice(i, i + chunk))
    assert.is(paged.stateHash(), all.stateHash())
    for (const p of all.processesRaw()) assert.equal(paged.process(p.processid), p)
    restored += paged.restored
  }), RUNS)
  assert.ok(restored > 0, 'late records brought settled workflows back')
})

test('property: every pack is consumed by at most one workflow, and the accepted firings are exactly the generator\'s workflows', () => {
  fc.assert(fc.property(histories, fc.integer(), (ops, seed) => {
    const { entries, genfires, genid, world: w } = history(ops)
    const f = foldRecords(shuffle(entries, seed))
    const consumer = new Map<string, string>()
    const started = new Map<string, GenFireBody>() // workflow → the firing that started it
    for (const e of genfires) {
      if (f.refusal(e.id) !== undefined) continue
      const b = e.rec.b as GenFireBody
      const gid = graphIdOfGenFire(b)
      assert.not.ok(started.has(gid), 'one accepted firing per workflow')
      started.set(gid, b)
      for (const p of b.packs) {
        assert.not.ok(consumer.has(p), `pack ${p.slice(0, 8)} consumed twice`)
        consumer.set(p, gid)
      }
    }
    for (const p of f.generatorQueue(genid)?.packs ?? []) assert.is(p.consumedBy, consumer.get(p.id))
    for (const g of f.graphs(w.colony)) {
      if (g.graph.source.kind !== 'generator') continue
      const b = started.get(g.graph.processgraphid)
      if (b === undefined) return assert.unreachable('every generator workflow comes from an accepted firing')
      assert.equal(proc(f, g.graph.rootprocessids[0] as string).spec.args, b.args)
    }
  }), RUNS)
})

test.run()
