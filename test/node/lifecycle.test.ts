/**
 * Timeouts and persistence on a real node: deadlines are enforced by the node's own
 * expiry records, and everything survives a restart on the same data directory.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { call } from '../helpers/raw-rpc.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony

test.before.each(async () => {
  tc = await startColony({ executors: 1 })
})

test.after.each(async () => {
  await tc.stop()
})

const get = async (pid: string): Promise<any> => (await call(tc.node.url, { msgtype: 'getprocessmsg', processid: pid }, tc.user.prv)).value

test('a process nobody runs fails after maxwaittime with the ColonyOS message', async () => {
  const p = await submit(tc, { maxwaittime: 1 })
  const failed = await eventually(async () => { const g = await get(p.processid); return g.state === 3 ? g : undefined }, 'the wait deadline', 5000)
  assert.equal(failed.errors, ['Maximum waiting time limit exceeded'])
})

test('a running process past maxexectime is retried, then failed once retries run out', async () => {
  const p = await submit(tc, { maxexectime: 1, maxretries: 1 })
  const x = tc.executors[0]!
  assert.is((await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)).value.processid, p.processid)
  // the executor never closes: after a second the node puts the process back
  const requeued = await eventually(async () => { const g = await get(p.processid); return g.state === 0 ? g : undefined }, 'the requeue', 5000)
  assert.is(requeued.retries, 1)
  assert.is((await call(tc.node.url, assignMsg(tc.colony, 5), x.prv)).value.processid, p.processid)
  const failed = await eventually(async () => { const g = await get(p.processid); return g.state === 3 ? g : undefined }, 'the final failure', 5000)
  assert.equal(failed.errors, ['Maximum execution time limit exceeded'])
  // a late close from the timed-out attempt is refused
  const late = await call(tc.node.url, { msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['late'] }, x.prv)
  assert.is(late.status, 400)
  assert.match(late.value.message, /not running/)
  assert.equal((await get(p.processid)).out, [])
})

test('a node restarted on the same data directory still has every process and log', async () => {
  const x = tc.executors[0]!
  const done = await submit(tc)
  await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)
  await call(tc.node.url, { msgtype: 'addlogmsg', processid: done.processid, message: 'before restart' }, x.prv)
  await call(tc.node.url, { msgtype: 'closesuccessfulmsg', processid: done.processid, out: ['ok'] }, x.prv)
  const waiting = await submit(tc, { priority: 3 })
  await tc.restart()
  assert.is((await get(done.processid)).state, 2)
  assert.equal((await get(done.processid)).out, ['ok'])
  const logs = await call(tc.node.url, { msgtype: 'getlogsmsg', colonyname: tc.colony, processid: done.processid, executorname: '', count: 10, since: 0, latest: false }, tc.user.prv)
  assert.equal(logs.value.map((l: any) => l.message), ['before restart'])
  // the waiting one is still queued and assignable
  assert.is((await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)).value.processid, waiting.processid)
})

test.run()
