/**
 * assignprocessmsg as a long-poll: waiting executors are woken by events, one per new
 * process, in priority order, and matched by the ColonyOS conditions.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { within } from '../helpers/deadline.js'
import { assertError, call } from '../helpers/raw-rpc.js'
import { addExecutor, assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony

test.before.each(async () => {
  tc = await startColony({ executors: 5 })
})

test.after.each(async () => {
  await tc.stop()
})

test('one new process wakes exactly one of five waiting executors', async () => {
  const polls = tc.executors.map(x => call(tc.node.url, assignMsg(tc.colony, 20), x.prv))
  await eventually(() => tc.node.waitingExecutors() === 5 ? true : undefined, 'five executors parked')
  const p = await submit(tc)
  const winner = await Promise.race(polls)
  assert.is(winner.status, 200)
  assert.is(winner.value.processid, p.processid)
  // the other four are still parked, not woken to find nothing
  assert.is(tc.node.waitingExecutors(), 4)
  const more = [await submit(tc), await submit(tc), await submit(tc), await submit(tc)]
  const rest = (await Promise.all(polls)).map(r => r.value.processid)
  assert.equal(new Set(rest), new Set([p.processid, ...more.map(m => m.processid)]))
})

test('a parked executor gets a process submitted later, long before its timeout', async () => {
  const x = tc.executors[0]!
  const poll = call(tc.node.url, assignMsg(tc.colony, 30), x.prv)
  await eventually(() => tc.node.waitingExecutors() === 1 ? true : undefined, 'executor parked')
  const p = await submit(tc)
  // woken by the submit: a poll that ran into its timeout answers 404, not the process
  const r = await within(10_000, 'the parked executor to be woken', poll)
  assert.is(r.status, 200)
  assert.is(r.value.processid, p.processid)
})

test('waiting processes are assigned in priority order', async () => {
  const low = await submit(tc, { priority: -5 })
  const high = await submit(tc, { priority: 10 })
  const mid = await submit(tc, { priority: 0 })
  const x = tc.executors[0]!
  const order = []
  for (let i = 0; i < 3; i++) order.push((await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)).value.processid)
  assert.equal(order, [high.processid, mid.processid, low.processid])
})

test('conditions decide who may run what: type, names, cpu and memory', async () => {
  const gpu = await addExecutor(tc.node.url, tc.colony, tc.owner, 'g0', 'gpu')
  const named = await submit(tc, { conditions: { executornames: ['x3'] } })
  const big = await submit(tc, { conditions: { cpu: '4000m', mem: '8Gi' } })
  const forGpu = await submit(tc, { conditions: { executortype: 'gpu' } })
  const x0 = tc.executors[0]!
  const x3 = tc.executors[3]!
  // x0 offers too little for `big` and is not named by `named`
  assertError(await call(tc.node.url, { ...assignMsg(tc.colony, -1), availablecpu: '1000m', availablemem: '1Gi' }, x0.prv), 404, /No process/)
  assert.is((await call(tc.node.url, { ...assignMsg(tc.colony, -1), availablecpu: '8', availablemem: '16Gi' }, x0.prv)).value.processid, big.processid)
  assert.is((await call(tc.node.url, assignMsg(tc.colony, -1), x3.prv)).value.processid, named.processid)
  assert.is((await call(tc.node.url, assignMsg(tc.colony, -1), gpu.prv)).value.processid, forGpu.processid)
})

test('timeout 0 is a bad request; a stranger may not assign', async () => {
  assertError(await call(tc.node.url, assignMsg(tc.colony, 0), tc.executors[0]!.prv), 400, /timeout/)
  assertError(await call(tc.node.url, assignMsg(tc.colony, -1), tc.user.prv), 403, /not an executor/)
})

test('while assignments are paused nothing is handed out; resume hands it to the waiting executor', async () => {
  assert.is((await call(tc.node.url, { msgtype: 'pauseassignmentsmsg', colonyname: tc.colony }, tc.owner.prv)).status, 200)
  const p = await submit(tc)
  assertError(await call(tc.node.url, assignMsg(tc.colony, -1), tc.executors[0]!.prv), 404, /paused/)
  const poll = call(tc.node.url, assignMsg(tc.colony, 20), tc.executors[1]!.prv)
  await eventually(() => tc.node.waitingExecutors() === 1 ? true : undefined, 'executor parked')
  assert.is((await call(tc.node.url, { msgtype: 'resumeassignmentsmsg', colonyname: tc.colony }, tc.owner.prv)).status, 200)
  assert.is((await poll).value.processid, p.processid)
})

test('an executor that disconnects stops waiting', async () => {
  const ac = new AbortController()
  const poll = call(tc.node.url, assignMsg(tc.colony, 30), tc.executors[0]!.prv, ac.signal).catch(err => err)
  await eventually(() => tc.node.waitingExecutors() === 1 ? true : undefined, 'executor parked')
  ac.abort()
  await poll
  await eventually(() => tc.node.waitingExecutors() === 0 ? true : undefined, 'the parked request to go away')
  // the next process is not lost to the departed executor
  const p = await submit(tc)
  assert.is((await call(tc.node.url, assignMsg(tc.colony, -1), tc.executors[1]!.prv)).value.processid, p.processid)
})

test.run()
