/**
 * Wire compatibility: raw HTTP against a real node with hand-built ColonyOS envelopes
 * (base64 JSON payload, r‖s‖v signature over SHA3-256 of the base64 text), checking
 * replies field by field as a ColonyOS SDK would read them.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cryptoBackend, generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { ColonyNode } from '../../src/node/index.js'
import { assertError, call as callAt, raw as rawAt, type Reply } from '../helpers/raw-rpc.js'

const HEX64 = /^[0-9a-f]{64}$/
const GO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/
const ZERO_TIME = '0001-01-01T00:00:00Z'

let node: ColonyNode
let dir: string
const operator = generatePrivateKey()
const owner = generatePrivateKey()
const user = generatePrivateKey()
const executor = generatePrivateKey()

const raw = async (body: string): Promise<Reply> => await rawAt(node.url, body)
const call = async (msg: Record<string, unknown>, prvkey: string): Promise<Reply> => await callAt(node.url, msg, prvkey)

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-compat-'))
  node = await ColonyNode.start({ dataDir: dir, port: 0, operatorPrvkey: operator })
})

test.after(async () => {
  await node.stop()
  await rm(dir, { recursive: true, force: true })
})

test('versionmsg needs no valid signature and replies with the build', async () => {
  const payload = Buffer.from(JSON.stringify({ msgtype: 'versionmsg', buildversion: '', buildtime: '' })).toString('base64')
  const r = await raw(JSON.stringify({ signature: '', payloadtype: 'versionmsg', payload }))
  assert.is(r.status, 200)
  assert.is(r.error, false)
  assert.is(r.payloadtype, 'versionmsg')
  assert.type(r.value.buildversion, 'string')
  assert.type(r.value.buildtime, 'string')
})

test('GET /health answers 200, naming the signature backend in use', async () => {
  const res = await fetch(`${node.url}/health`)
  assert.is(res.status, 200)
  const h = await res.json() as { status: string, crypto: string }
  assert.is(h.status, 'ok')
  assert.is(h.crypto, cryptoBackend().name)
})

test('addcolonymsg by the server owner returns the colony; by anyone else 403', async () => {
  const colony = { colonyid: idFromPrivateKey(owner), name: 'compat' }
  const denied = await call({ msgtype: 'addcolonymsg', colony }, user)
  assertError(denied, 403, /^Access denied, not server owner/)
  const r = await call({ msgtype: 'addcolonymsg', colony }, operator)
  assert.is(r.status, 200)
  assert.is(r.payloadtype, 'addcolonymsg')
  assert.equal(r.value, colony)
})

test('addexecutormsg returns the executor in ColonyOS shape, PENDING until approved', async () => {
  const r = await call({
    msgtype: 'addexecutormsg',
    executor: { executorid: idFromPrivateKey(executor), executortype: 'cli', executorname: 'x1', colonyname: 'compat' }
  }, owner)
  assert.is(r.status, 200)
  const x = r.value
  assert.is(x.executorid, idFromPrivateKey(executor))
  assert.is(x.executortype, 'cli')
  assert.is(x.executorname, 'x1')
  assert.is(x.colonyname, 'compat')
  assert.is(x.state, 0)
  assert.is(x.requirefuncreg, false)
  assert.match(x.commissiontime, GO_TIME)
  assert.is(x.lastheardfromtime, ZERO_TIME)
  assert.equal(x.capabilities, { hardware: [], software: [] })
  assert.equal(x.allocations, { projects: {} })
  // an unapproved executor may not assign
  assertError(await call({ msgtype: 'assignprocessmsg', colonyname: 'compat', timeout: -1, availablecpu: '', availablemem: '' }, executor), 403, /^Access denied, .*not approved/)
  const ok = await call({ msgtype: 'approveexecutormsg', colonyname: 'compat', executorname: 'x1' }, owner)
  assert.is(ok.status, 200)
  assert.equal(ok.value, {})
})

test('addusermsg returns the user', async () => {
  const u = { colonyname: 'compat', userid: idFromPrivateKey(user), name: 'alice', email: 'a@example.com', phone: '1' }
  const r = await call({ msgtype: 'addusermsg', user: u }, owner)
  assert.is(r.status, 200)
  assert.equal(r.value, u)
})

let pid = ''

test('submitfuncspecmsg returns a WAITING process with every ColonyOS field', async () => {
  const spec = { funcname: 'echo', args: ['hi'], conditions: { colonyname: 'compat', executortype: 'cli' }, maxexectime: 30, env: { A: '1' } }
  const r = await call({ msgtype: 'submitfuncspecmsg', spec }, user)
  assert.is(r.status, 200)
  assert.is(r.payloadtype, 'submitfuncspecmsg')
  const p = r.value
  for (const f of ['processid', 'initiatorid', 'initiatorname', 'assignedexecutorid', 'isassigned', 'state', 'prioritytime',
    'submissiontime', 'starttime', 'endtime', 'waitdeadline', 'execdeadline', 'retries', 'attributes', 'spec',
    'waitforparents', 'parents', 'children', 'processgraphid', 'in', 'out', 'errors']) {
    assert.ok(f in p, `process field ${f} missing`)
  }
  assert.match(p.processid, HEX64)
  assert.is(p.initiatorid, idFromPrivateKey(user))
  assert.is(p.initiatorname, 'alice')
  assert.is(p.state, 0)
  assert.is(p.isassigned, false)
  assert.match(p.submissiontime, GO_TIME)
  assert.is(p.starttime, ZERO_TIME)
  assert.type(p.prioritytime, 'number')
  assert.is(p.spec.funcname, 'echo')
  assert.equal(p.spec.args, ['hi'])
  assert.is(p.spec.conditions.colonyname, 'compat')
  assert.is(p.spec.conditions.executortype, 'cli')
  assert.is(p.spec.maxexectime, 30)
  assert.equal(p.attributes.map((a: any) => [a.key, a.value, a.attributetype]), [['A', '1', 3]])
  pid = p.processid
})

test('a spec with a wrong field type is refused with 400 naming the field', async () => {
  const r = await call({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'x', maxretries: 'three', conditions: { colonyname: 'compat', executortype: 'cli' } } }, user)
  assertError(r, 400, /spec\.maxretries/)
})

test('assignprocessmsg hands the process to the executor RUNNING', async () => {
  const r = await call({ msgtype: 'assignprocessmsg', colonyname: 'compat', timeout: 5, availablecpu: '', availablemem: '' }, executor)
  assert.is(r.status, 200)
  assert.is(r.payloadtype, 'assignprocessmsg')
  assert.is(r.value.processid, pid)
  assert.is(r.value.state, 1)
  assert.is(r.value.isassigned, true)
  assert.is(r.value.assignedexecutorid, idFromPrivateKey(executor))
  assert.match(r.value.starttime, GO_TIME)
  assert.match(r.value.execdeadline, GO_TIME)
})

test('logs come back with processid, colonyname, executorname, message and a ns timestamp', async () => {
  assert.is((await call({ msgtype: 'addlogmsg', processid: pid, message: 'line 1\n' }, executor)).status, 200)
  const r = await call({ msgtype: 'getlogsmsg', colonyname: 'compat', processid: pid, executorname: '', count: 10, since: 0, latest: false }, user)
  assert.is(r.status, 200)
  assert.is(r.value.length, 1)
  const l = r.value[0]
  assert.equal([l.processid, l.colonyname, l.executorname, l.message], [pid, 'compat', 'x1', 'line 1\n'])
  assert.ok(l.timestamp > 1e18, 'timestamp in nanoseconds')
})

test('only the assigned executor closes; the close sets out and SUCCESS', async () => {
  assertError(await call({ msgtype: 'closesuccessfulmsg', processid: pid, out: ['forged'] }, user), 403, /^Access denied, .*assigned executor/)
  const r = await call({ msgtype: 'closesuccessfulmsg', processid: pid, out: ['hi'] }, executor)
  assert.is(r.status, 200)
  assert.equal(r.value, {})
  const g = await call({ msgtype: 'getprocessmsg', processid: pid }, user)
  assert.is(g.value.state, 2)
  assert.equal(g.value.out, ['hi'])
  assert.match(g.value.endtime, GO_TIME)
  const list = await call({ msgtype: 'getprocessesmsg', colonyname: 'compat', count: 10, state: 2, executortype: '', label: '', initiator: '' }, user)
  assert.equal(list.value.map((p: any) => p.processid), [pid])
})

test('a refusal answers by its kind as ColonyOS does: 403 "Access denied, …" for rights, 404 for what is missing, 400 for the state', async () => {
  const stranger = generatePrivateKey()
  // rights: judged by the fold before the write, and worded as ColonyOS's SDKs expect
  assertError(await call({ msgtype: 'approveexecutormsg', colonyname: 'compat', executorname: 'x1' }, user), 403, /^Access denied, only the colony owner/)
  const spec = { funcname: 'echo', conditions: { colonyname: 'compat', executortype: 'cli' } }
  assertError(await call({ msgtype: 'submitfuncspecmsg', spec }, stranger), 403, /^Access denied, only members/)
  assertError(await call({ msgtype: 'getprocessmsg', processid: pid }, stranger), 403, /^Access denied, not a member of colony "compat"/)
  // missing things
  assertError(await call({ msgtype: 'approveexecutormsg', colonyname: 'compat', executorname: 'ghost' }, owner), 404, /"ghost" does not exist/)
  // what the current state does not allow: ColonyOS answers these with 400
  const alice = { colonyname: 'compat', userid: idFromPrivateKey(stranger), name: 'alice', email: '', phone: '' }
  assertError(await call({ msgtype: 'addusermsg', user: alice }, owner), 400, /already exists/)
  assertError(await call({ msgtype: 'closesuccessfulmsg', processid: pid, out: ['again'] }, executor), 400, /not running/)
})

test('assign with nothing to do answers 404', async () => {
  const r = await call({ msgtype: 'assignprocessmsg', colonyname: 'compat', timeout: -1, availablecpu: '', availablemem: '' }, executor)
  assertError(r, 404, /No process/)
})

test('colony statistics count processes by state', async () => {
  const r = await call({ msgtype: 'getcolonystatsmsg', colonyname: 'compat' }, user)
  assert.is(r.status, 200)
  assert.is(r.value.successfulprocesses, 1)
  assert.is(r.value.waitingprocesses, 0)
  assert.is(r.value.executors, 1)
  assert.is(r.value.activeexecutors, 1)
})

test('garbage bodies, bad signatures and unknown colonies get clear errors', async () => {
  assertError(await raw('not json'), 400, /body|JSON/i)
  assertError(await raw(JSON.stringify({ signature: 'ab', payloadtype: 'getcolonymsg', payload: Buffer.from('{"msgtype":"getcolonymsg","colonyname":"compat"}').toString('base64') })), 403, /signature/i)
  assertError(await call({ msgtype: 'getprocessmsg', processid: 'f'.repeat(64) }, user), 404, /does not exist/)
  assertError(await call({ msgtype: 'getcolonymsg', colonyname: 'nope' }, user), 404, /does not exist/)
  const res = await fetch(`${node.url}/api`)
  assert.is(res.status, 405)
})

test.run()
