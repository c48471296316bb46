/**
 * Workflows, crons and generators on one real node, through the RPC as the SDKs send it:
 * dependencies, inputs from parents, failure and cancel rules, added children, cron
 * firings with previous outputs, and generators consuming packs in order.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { call } from '../helpers/raw-rpc.js'
import { assignMsg, eventually, startColony, type TestColony } from '../helpers/colony-node.js'
import { advanceUntil, ManualClock } from '../helpers/manual-clock.js'

let tc: TestColony

test.before.each(async () => {
  tc = await startColony({ executors: 2 })
})

test.after.each(async () => {
  await tc.stop()
})

const node = (nodename: string, deps: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ nodename, funcname: nodename, ...extra, conditions: { executortype: 'cli', dependencies: deps } })

const wf = (...functionspecs: Array<Record<string, unknown>>): Record<string, unknown> => ({ colonyname: tc.colony, functionspecs })

async function rpc (msg: Record<string, unknown>, prv = tc.user.prv): Promise<{ status: number, value: any }> {
  return await call(tc.node.url, msg, prv)
}

async function ok (msg: Record<string, unknown>, prv = tc.user.prv): Promise<any> {
  const r = await rpc(msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)}: ${r.status} ${JSON.stringify(r.value)}`)
  return r.value
}

const graph = async (id: string): Promise<any> => await ok({ msgtype: 'getprocessgraphmsg', processgraphid: id })
const proc = async (id: string): Promise<any> => await ok({ msgtype: 'getprocessmsg', processid: id })
const x = (i: number): string => tc.executors[i]!.prv
const assign = async (i = 0, timeout = -1): Promise<{ status: number, value: any }> => await rpc(assignMsg(tc.colony, timeout), x(i))
const close = async (pid: string, out: unknown[], i = 0): Promise<{ status: number, value: any }> =>
  await rpc({ msgtype: 'closesuccessfulmsg', processid: pid, out }, x(i))

/** Assigns once and checks which node came: returns the process. */
async function run (name: string, i = 0): Promise<any> {
  const r = await assign(i)
  assert.is(r.status, 200, `expected ${name} to be assignable: ${JSON.stringify(r.value)}`)
  assert.is(r.value.spec.nodename, name)
  return r.value
}

test('a diamond workflow runs in dependency order, parents\' outputs becoming the child\'s input', async () => {
  const g = await ok({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a'), node('b', ['a']), node('c', ['a']), node('d', ['c', 'b'])) })
  assert.is(g.state, 0)
  assert.is(g.processids.length, 4)
  assert.is(g.rootprocessids.length, 1)
  // only the root may run
  const a = await run('a')
  assert.is((await assign(1)).status, 404)
  assert.is((await graph(g.processgraphid)).state, 1)
  assert.is((await close(a.processid, ['from-a'])).status, 200)
  const first = await run('b')
  const second = await run('c', 1)
  assert.equal(first.in, ['from-a'])
  assert.equal(second.in, ['from-a'])
  assert.is((await assign(0)).status, 404, 'd waits for both parents')
  await close(first.processid, ['from-b'])
  assert.is((await assign(0)).status, 404, 'd still waits for c')
  await close(second.processid, ['from-c'], 1)
  const d = await run('d')
  // d's dependencies are [c, b]: its input follows that order
  assert.equal(d.in, ['from-c', 'from-b'])
  assert.equal(d.parents, [second.processid, first.processid])
  await close(d.processid, ['done'])
  const done = await graph(g.processgraphid)
  assert.is(done.state, 2)
  assert.ok(done.endtime > done.starttime)
  // the drawable graph: four nodes in three rows, four edges
  assert.is(done.nodes.length, 4)
  assert.is(done.edges.length, 4)
  assert.equal([...new Set(done.nodes.map((n: any) => n.position.y))].sort(), [0, 160, 80].sort())
  const listed = await ok({ msgtype: 'getprocessgraphsmsg', colonyname: tc.colony, count: 10, state: 2 })
  assert.equal(listed.map((l: any) => l.processgraphid), [g.processgraphid])
  const stats = await ok({ msgtype: 'getcolonystatsmsg', colonyname: tc.colony })
  assert.is(stats.successfulworkflows, 1)
  assert.is(stats.successfulprocesses, 4)
})

test('a workflow with a cycle, an unknown or a duplicate node is refused with the field named, and nothing is written', async () => {
  const before = tc.node.ledger.fold.size
  const cycle = await rpc({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a', ['b']), node('b', ['a'])) })
  assert.is(cycle.status, 400)
  assert.match(cycle.value.message, /cycle/)
  const unknown = await rpc({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a', ['nope'])) })
  assert.is(unknown.status, 400)
  assert.match(unknown.value.message, /dependencies\[0\].*unknown nodename "nope"/)
  const dup = await rpc({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a'), node('a')) })
  assert.match(dup.value.message, /duplicate nodename "a"/)
  const outsider = await rpc({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a')) }, tc.operator.prv)
  assert.is(outsider.status, 403)
  assert.is(tc.node.ledger.fold.size, before)
})

test('one failed node fails the workflow: the other nodes fail, running ones too, and their late closes are refused', async () => {
  const g = await ok({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a'), node('b', ['a']), node('c', ['a']), node('d', ['b', 'c'])) })
  const a = await run('a')
  await close(a.processid, [1])
  const b = await run('b')
  const c = await run('c', 1)
  assert.is((await rpc({ msgtype: 'closefailedmsg', processid: b.processid, errors: ['boom'] }, x(0))).status, 200)
  const failed = await graph(g.processgraphid)
  assert.is(failed.state, 3)
  assert.is((await proc(c.processid)).state, 3)
  assert.is((await proc(a.processid)).state, 2, 'a finished before the failure and keeps its result')
  const late = await close(c.processid, ['late'], 1)
  assert.is(late.status, 400)
  assert.match(late.value.message, /failed, not running/)
  assert.is((await assign(0)).status, 404, 'nothing of a failed workflow runs')
})

test('cancelling a workflow cancels its waiting and running nodes; nodes cannot be cancelled or removed alone', async () => {
  const g = await ok({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a'), node('b', ['a'])) })
  const a = await run('a')
  const single = await rpc({ msgtype: 'cancelprocessmsg', processid: a.processid })
  assert.is(single.status, 400)
  assert.match(single.value.message, /cancelled with its workflow/)
  assert.match((await rpc({ msgtype: 'removeprocessmsg', processid: a.processid, all: false })).value.message, /removed with its workflow/)
  const running = await rpc({ msgtype: 'removeprocessgraphmsg', processgraphid: g.processgraphid, all: false })
  assert.is(running.status, 400)
  assert.match(running.value.message, /running workflow cannot be removed/)
  await ok({ msgtype: 'cancelprocessgraphmsg', processgraphid: g.processgraphid })
  const cancelled = await graph(g.processgraphid)
  assert.is(cancelled.state, 4)
  for (const pid of cancelled.processids) assert.is((await proc(pid)).state, 4)
  assert.is((await close(a.processid, ['late'])).status, 400)
  assert.is((await rpc({ msgtype: 'cancelprocessgraphmsg', processgraphid: g.processgraphid })).status, 400, 'a final workflow is not cancelled again')
  await ok({ msgtype: 'removeprocessgraphmsg', processgraphid: g.processgraphid, all: false })
  assert.is((await rpc({ msgtype: 'getprocessgraphmsg', processgraphid: g.processgraphid })).status, 404)
  assert.is((await rpc({ msgtype: 'getprocessmsg', processid: a.processid })).status, 404)
})

test('the running node\'s executor adds children: inserted before the old children, or appended', async () => {
  const g = await ok({ msgtype: 'submitworkflowspecmsg', spec: wf(node('a'), node('z', ['a'])) })
  const a = await run('a')
  const spec = { nodename: 'mid', funcname: 'mid', conditions: { colonyname: tc.colony, executortype: 'cli' } }
  const other = await rpc({ msgtype: 'addchildmsg', processgraphid: g.processgraphid, parentprocessid: a.processid, childprocessid: '', spec, insert: true }, x(1))
  assert.is(other.status, 403, 'only the parent\'s executor adds children')
  const mid = await ok({ msgtype: 'addchildmsg', processgraphid: g.processgraphid, parentprocessid: a.processid, childprocessid: '', spec, insert: true }, x(0))
  assert.equal(mid.parents, [a.processid])
  assert.is(mid.waitforparents, true)
  const side = await ok({
    msgtype: 'addchildmsg', processgraphid: g.processgraphid, parentprocessid: a.processid, childprocessid: '',
    spec: { ...spec, nodename: 'side', funcname: 'side' }, insert: false
  }, x(0))
  const parent = await proc(a.processid)
  assert.equal(parent.children, [mid.processid, side.processid])
  const z = await proc(g.processids[1])
  assert.equal(z.parents, [mid.processid], 'z now follows the inserted node')
  await close(a.processid, ['a-out'])
  const ran = new Set([(await assign(0)).value.spec.nodename, (await assign(1)).value.spec.nodename])
  assert.equal([...ran].sort(), ['mid', 'side'])
  assert.is((await graph(g.processgraphid)).processids.length, 4)
  const late = await rpc({ msgtype: 'addchildmsg', processgraphid: g.processgraphid, parentprocessid: a.processid, childprocessid: '', spec, insert: false }, x(0))
  assert.is(late.status, 400, 'a finished parent takes no children')
})

test('a cron on an interval fires on its own; each run\'s roots get the previous run\'s leaf outputs', async () => {
  const spec = JSON.stringify(wf(node('tick')))
  const cron = await ok({ msgtype: 'addcronmsg', cron: { colonyname: tc.colony, name: 'every-second', cronexpression: '', interval: 1, random: false, workflowspec: spec, waitforprevprocessgraph: false } })
  assert.is(cron.prevprocessgraphid, '')
  const first = await eventually(async () => { const r = await assign(0, 5); return r.status === 200 ? r.value : undefined }, 'the first firing', 5000)
  assert.is(first.spec.nodename, 'tick')
  assert.equal(first.in, [])
  await close(first.processid, ['carry'])
  const second = await eventually(async () => { const r = await assign(0, 5); return r.status === 200 ? r.value : undefined }, 'the second firing', 5000)
  assert.equal(second.in, ['carry'])
  const got = await ok({ msgtype: 'getcronmsg', cronid: cron.cronid })
  assert.is(got.prevprocessgraphid, second.processgraphid)
  assert.ok(Date.parse(got.nextrun) > Date.parse(got.lastrun))
  assert.is(got.checkerperiod > 0, true)
  await ok({ msgtype: 'removecronmsg', cronid: cron.cronid, all: false })
  assert.is((await rpc({ msgtype: 'getcronmsg', cronid: cron.cronid })).status, 404)
  // no firing after the removal: one more scheduled second passes with nothing new to assign
  await close(second.processid, [])
  assert.is((await assign(0, 2)).status, 404)
})

test('a node that was down over several cron ticks fires one catch-up run, not a burst, then keeps the schedule', async () => {
  // a node on a manual clock: its schedules look (and its records are stamped) as the test moves the time
  const clock = new ManualClock()
  const mc = await startColony({ executors: 1, clock })
  try {
    const spec = JSON.stringify({ colonyname: mc.colony, functionspecs: [node('tick')] })
    const added = await call(mc.node.url, { msgtype: 'addcronmsg', cron: { colonyname: mc.colony, name: 'steady', cronexpression: '', interval: 1, random: false, workflowspec: spec, waitforprevprocessgraph: false } }, mc.user.prv)
    assert.is(added.status, 200, JSON.stringify(added.value))
    const cronid = added.value.cronid as string
    const runsOf = (n: typeof mc.node): number[] =>
      n.ledger.fold.cronRunsOf(cronid).map(g => g.graph.source.kind === 'cron' ? g.graph.source.at : 0).sort((a, b) => a - b)
    await advanceUntil(clock, () => runsOf(mc.node).length >= 1 ? true : undefined, 'first firing', { limitMs: 3000 })
    const old = mc.node
    await mc.restart(3500) // offline over three ticks
    // the last tick the node fired before it stopped (its fold stays readable after the stop);
    // the ticks are whole seconds, and the node was down 3.5 s, so at least L+1 s and L+2 s were missed
    const last = Math.max(...runsOf(old))
    const after = async (t: number, what: string): Promise<number> =>
      await advanceUntil(clock, () => runsOf(mc.node).find(at => at > t), what, { limitMs: 3000 })
    const catchUp = await after(last, 'firing after the restart')
    const next = await after(catchUp, 'next scheduled firing')
    const all = runsOf(mc.node)
    assert.equal(all.filter(at => at > last && at < catchUp), [], 'no run for an older missed tick')
    assert.ok(catchUp - last >= 3000, `the catch-up is the most recent missed tick, not the first: ${catchUp - last} ms after the last run`)
    assert.is(catchUp % 1000, 0)
    assert.is(next - catchUp, 1000, 'then the schedule goes on from there')
    assert.is(new Set(all).size, all.length)
  } finally {
    await mc.stop()
  }
})

test('a cron that waits for its previous run does not fire while it runs; run-now refuses too, then fires', async () => {
  const spec = JSON.stringify(wf(node('slow')))
  const cron = await ok({ msgtype: 'addcronmsg', cron: { colonyname: tc.colony, name: 'careful', cronexpression: '0 0 0 1 1 *', interval: -1, random: false, workflowspec: spec, waitforprevprocessgraph: true } })
  const ran = await ok({ msgtype: 'runcronmsg', cronid: cron.cronid })
  assert.ok(ran.prevprocessgraphid !== '')
  const p = await run('slow')
  const refused = await rpc({ msgtype: 'runcronmsg', cronid: cron.cronid })
  assert.is(refused.status, 409)
  assert.match(refused.value.message, /has not finished/)
  await close(p.processid, ['x'])
  const again = await ok({ msgtype: 'runcronmsg', cronid: cron.cronid })
  assert.ok(again.prevprocessgraphid !== ran.prevprocessgraphid)
  assert.equal((await run('slow')).in, ['x'])
  const before = tc.node.ledger.fold.size
  const bad = await rpc({ msgtype: 'addcronmsg', cron: { colonyname: tc.colony, name: 'bad', cronexpression: '0 0 25 * * *', interval: -1, random: false, workflowspec: spec, waitforprevprocessgraph: false } })
  assert.is(bad.status, 400)
  assert.match(bad.value.message, /hour/)
  assert.is(tc.node.ledger.fold.size, before, 'a refused cron is not written')
})

test('a generator turns every `trigger` packs into one workflow, args in pack order, and the rest on timeout', async () => {
  const spec = JSON.stringify(wf(node('batch'), node('after', ['batch'])))
  const gen = await ok({ msgtype: 'addgeneratormsg', generator: { colonyname: tc.colony, name: 'batcher', workflowspec: spec, trigger: 3, timeout: 1 } })
  for (let i = 1; i <= 7; i++) await ok({ msgtype: 'packgeneratormsg', generatorid: gen.generatorid, arg: `p${i}` })
  const batches: string[][] = []
  for (let i = 0; i < 3; i++) {
    const p = await eventually(async () => { const r = await assign(0, 5); return r.status === 200 ? r.value : undefined }, `batch ${i}`, 6000)
    assert.is(p.spec.nodename, 'batch')
    batches.push(p.spec.args)
    await close(p.processid, [])
    const after = await run('after')
    assert.equal(after.spec.args, [], 'only the roots get the packs')
    await close(after.processid, [])
  }
  assert.equal(batches, [['p1', 'p2', 'p3'], ['p4', 'p5', 'p6'], ['p7']])
  const g = await ok({ msgtype: 'getgeneratormsg', generatorid: gen.generatorid })
  assert.is(g.queuesize, 0)
  assert.is((await ok({ msgtype: 'resolvegeneratormsg', colonyname: tc.colony, generatorname: 'batcher' })).generatorid, gen.generatorid)
  await ok({ msgtype: 'removegeneratormsg', generatorid: gen.generatorid, all: false })
  assert.is((await rpc({ msgtype: 'packgeneratormsg', generatorid: gen.generatorid, arg: 'late' })).status, 404)
})

test.run()
