/**
 * What the official SDKs send or expect that a stricter reading than upstream's would break,
 * checked end to end on a real node with hand-built envelopes:
 * - field names matched case-insensitively, as Go decodes (colonies-ts's reconciler example
 *   adds its executor with `executorId`), also when the fold reads the ledger back;
 * - getlogsmsg with `since` -1 (pycolonies' get_process_log / get_executor_log) means no
 *   lower bound;
 * - every refused right answers 403 "Access denied, …" (pycolonies' tests match the words).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { ForbiddenError, SignatureError } from '../../src/protocol/errors.js'
import { toResult } from '../../src/node/rpc-service.js'
import { assertError, call } from '../helpers/raw-rpc.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony

test.before(async () => {
  tc = await startColony({ executors: 1 })
})

test.after(async () => {
  await tc.stop()
})

const url = (): string => tc.node.url

test('an executor added with executorId (colonies-ts reconciler) is that executor, after a restart too', async () => {
  const prv = generatePrivateKey()
  const added = await call(url(), {
    msgtype: 'addexecutormsg',
    executor: { executorname: 'home-reconciler', executortype: 'home-reconciler', colonyname: tc.colony, executorId: idFromPrivateKey(prv) }
  }, tc.owner.prv)
  assert.is(added.status, 200, JSON.stringify(added.value))
  assert.is(added.value.executorid, idFromPrivateKey(prv))
  const approved = await call(url(), { msgtype: 'approveexecutormsg', ColonyName: tc.colony, ExecutorName: 'home-reconciler' }, tc.owner.prv)
  assert.is(approved.status, 200, JSON.stringify(approved.value))
  // the ledger holds the envelope as sent; the fold reads it the same way when it replays it
  await tc.restart()
  const got = await call(url(), { msgtype: 'getexecutormsg', colonyname: tc.colony, executorname: 'home-reconciler' }, prv)
  assert.is(got.status, 200, JSON.stringify(got.value))
  assert.is(got.value.executorid, idFromPrivateKey(prv))
  assert.is(got.value.state, 1)
})

test('getlogsmsg with since -1 (pycolonies) returns the logs from the start, by process and by executor', async () => {
  const x = tc.executors[0]
  assert.ok(x !== undefined)
  const spec = { funcname: 'echo', conditions: { colonyname: tc.colony, executortype: 'cli' }, maxexectime: -1 }
  assert.is((await call(url(), { msgtype: 'submitfuncspecmsg', spec }, tc.user.prv)).status, 200)
  const p = await call(url(), { msgtype: 'assignprocessmsg', colonyname: tc.colony, timeout: 10 }, x.prv)
  assert.is(p.status, 200, JSON.stringify(p.value))
  for (const message of ['one', 'two']) assert.is((await call(url(), { msgtype: 'addlogmsg', processid: p.value.processid, message }, x.prv)).status, 200)
  const byProcess = await call(url(), { msgtype: 'getlogsmsg', colonyname: tc.colony, processid: p.value.processid, executorname: '', count: 100, since: -1 }, x.prv)
  assert.is(byProcess.status, 200, JSON.stringify(byProcess.value))
  assert.equal(byProcess.value.map((l: { message: string }) => l.message), ['one', 'two'])
  const byExecutor = await call(url(), { msgtype: 'getlogsmsg', colonyname: tc.colony, processid: '', executorname: x.name, count: 100, since: -1 }, x.prv)
  assert.equal(byExecutor.value.map((l: { message: string }) => l.message), ['one', 'two'])
  // a since that is no integer is still refused, naming the field
  assertError(await call(url(), { msgtype: 'getlogsmsg', colonyname: tc.colony, processid: p.value.processid, count: 10, since: 'yesterday' }, x.prv), 400, /^since: /)
})

test('refused rights answer 403 beginning "Access denied": operator, owner, member and subscription checks', async () => {
  const stranger = generatePrivateKey()
  const id = idFromPrivateKey(stranger)
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ msgtype: 'addcolonymsg', colony: { colonyid: id, name: 'mine' } }, stranger],
    [{ msgtype: 'getcoloniesmsg' }, stranger],
    [{ msgtype: 'addexecutormsg', executor: { executorid: id, executortype: 'cli', executorname: 'sneak', colonyname: tc.colony } }, stranger],
    [{ msgtype: 'getprocessesmsg', colonyname: tc.colony, count: 10, state: 0 }, stranger],
    [{ msgtype: 'getusersmsg', colonyname: tc.colony }, tc.operator.prv],
    [{ msgtype: 'addusermsg', user: { colonyname: tc.colony, userid: id, name: 'sneak', email: '', phone: '' } }, tc.operator.prv],
    [{ msgtype: 'assignprocessmsg', colonyname: tc.colony, timeout: -1 }, tc.user.prv]
  ]
  for (const [msg, prv] of cases) assertError(await call(url(), msg, prv), 403, /^Access denied, /)
})

test('the reply for any refused right begins "Access denied, " once; a bad signature keeps its words', () => {
  const plain = toResult(new ForbiddenError('only the blueprint owner may do this'))
  assert.is(plain.status, 403)
  const message = (r: ReturnType<typeof toResult>): string => JSON.parse(Buffer.from(r.reply.payload, 'base64').toString()).message
  assert.is(message(plain), 'Access denied, only the blueprint owner may do this')
  assert.is(message(toResult(new ForbiddenError('Access denied, not colony owner'))), 'Access denied, not colony owner')
  assert.is(message(toResult(new SignatureError('signature s is zero'))), 'signature s is zero')
})

test.run()
