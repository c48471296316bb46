import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import {
  MSGTYPES, MUTATIONS, SUBSCRIPTIONS, UNSIGNED, encodeMessage, parseMessage,
  type MessageOf, type MsgType
} from '../../src/protocol/messages.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const C = 'C'.repeat(64) // upper case: accepted, lower-cased

function refused (json: Record<string, unknown>, field: string, messagePart?: string): void {
  const label = String((json as Record<string, unknown> | null)?.msgtype)
  try {
    parseMessage(json)
  } catch (err) {
    const e = err as { name?: string, field?: string, message?: string }
    assert.is(e.name, 'ValidationError', `${label}: ${String(e.message)}`)
    assert.is(e.field, field, `${label}: ${String(e.message)}`)
    if (messagePart !== undefined) assert.ok(e.message?.includes(messagePart), e.message)
    return
  }
  assert.unreachable(`${label}: expected a ValidationError on ${field}`)
}

const spec = { funcname: 'echo', args: ['hi'], conditions: { colonyname: 'dev', executortype: 'cli' } }
const workflow = { colonyname: 'dev', functionspecs: [{ nodename: 'a', conditions: { executortype: 'cli' } }] }
const capabilities = {
  hardware: [{ model: 'x', nodes: 1, cpu: '8000m', cores: 8, mem: '32Gi', storage: '1Ti', gpu: { name: 'h200', mem: '141Gi', count: 1, nodecount: 1 }, platform: 'linux', architecture: 'amd64', network: ['10.0.0.1'] }],
  software: [{ name: 'python', type: 'runtime', version: '3.12' }]
}

/** One valid example per msgtype, written as upstream's Go client would send it. */
const VALID: { [T in MsgType]: Record<string, unknown> } = {
  addcolonymsg: { colony: { colonyid: A, name: 'dev' } },
  removecolonymsg: { colonyname: 'dev' },
  getcoloniesmsg: {},
  getcolonymsg: { colonyname: 'dev' },
  getcolonystatsmsg: { colonyname: 'dev' },
  changecolonyidmsg: { colonyname: 'dev', colonyid: B },
  addexecutormsg: {
    executor: {
      executorid: A, executortype: 'cli', executorname: 'e1', colonyname: 'dev', state: 0, requirefuncreg: false,
      commissiontime: '0001-01-01T00:00:00Z', lastheardfromtime: '0001-01-01T00:00:00Z', capabilities, allocations: { projects: {} }
    }
  },
  approveexecutormsg: { colonyname: 'dev', executorname: 'e1' },
  rejectexecutormsg: { colonyname: 'dev', executorname: 'e1' },
  removeexecutormsg: { colonyname: 'dev', executorname: 'e1' },
  getexecutorsmsg: { colonyname: 'dev' },
  getexecutormsg: { colonyname: 'dev', executorname: 'e1' },
  getexecutorbyidmsg: { colonyname: 'dev', executorid: A },
  updateexecutormsg: { colonyname: 'dev', executorname: 'e1', capabilities },
  changeexecutoridmsg: { colonyname: 'dev', executorid: B },
  addusermsg: { user: { colonyname: 'dev', userid: A, name: 'alice', email: 'a@x', phone: '' } },
  removeusermsg: { colonyname: 'dev', name: 'alice' },
  getusersmsg: { colonyname: 'dev' },
  getusermsg: { colonyname: 'dev', name: 'alice' },
  getuserbyidmsg: { colonyname: 'dev', userid: A },
  changeuseridmsg: { colonyname: 'dev', userid: B },
  versionmsg: { buildversion: '', buildtime: '' },
  getserverinfomsg: {},
  getstatisticsmsg: {},
  changeserveridmsg: { serverid: A },
  submitfuncspecmsg: { spec },
  submitfuncspecsmsg: { specs: [spec, { ...spec, funcname: 'other' }] },
  assignprocessmsg: { colonyname: 'dev', timeout: 10, availablecpu: '1000m', availablemem: '4Gi' },
  closesuccessfulmsg: { processid: A, out: ['result', 42, { k: [1] }] },
  closeandassignmsg: { processid: A, successful: true, out: ['r'], errors: [], colonyname: 'dev', timeout: 10, availablecpu: '', availablemem: '' },
  closefailedmsg: { processid: A, errors: ['boom'] },
  setoutputmsg: { processid: A, out: [1, 2] },
  cancelprocessmsg: { processid: A },
  getprocessmsg: { processid: A },
  getprocessesmsg: { colonyname: 'dev', count: 10, state: 0, executortype: 'cli', label: '', initiator: '' },
  getprocesshistmsg: { colonyname: 'dev', executorid: '', seconds: 60, state: 2 },
  removeprocessmsg: { processid: A, all: false },
  removeallprocessesmsg: { colonyname: 'dev', state: -1 },
  pauseassignmentsmsg: { colonyname: 'dev' },
  resumeassignmentsmsg: { colonyname: 'dev' },
  getpausestatusmsg: { colonyname: 'dev' },
  addattributemsg: { attribute: { attributeid: '', targetid: A, targetcolonyname: 'dev', targetprocessgraphid: '', state: 0, attributetype: 1, key: 'k', value: 'v' } },
  getattributemsg: { attributeid: A },
  addlogmsg: { processid: A, message: 'hello' },
  addexecutorlogmsg: { colonyname: 'dev', executorname: 'e1', message: 'started' },
  getlogsmsg: { colonyname: 'dev', processid: A, executorname: '', count: 100, since: 1739370000123456789, latest: false },
  searchlogsmsg: { colonyname: 'dev', text: 'err', days: 1, count: 10 },
  addfunctionmsg: { fun: { functionid: '', executorname: 'e1', executortype: 'cli', colonyname: 'dev', funcname: 'echo', args: [{ name: 'msg', type: 'string', required: true }], counter: 0 } },
  getfunctionsmsg: { colonyname: 'dev', executorname: '' },
  removefunctionmsg: { functionid: A },
  submitworkflowspecmsg: { spec: workflow },
  getprocessgraphmsg: { processgraphid: A },
  getprocessgraphsmsg: { colonyname: 'dev', count: 5, state: 1 },
  removeprocessgraphmsg: { processgraphid: A, all: false },
  removeallprocessgraphsmsg: { colonyname: 'dev', state: 3 },
  cancelprocessgraphmsg: { processgraphid: A },
  addchildmsg: { processgraphid: A, parentprocessid: B, childprocessid: '', spec, insert: true },
  addcronmsg: { cron: { colonyname: 'dev', name: 'nightly', cronexpression: '0 0 3 * * *', interval: -1, random: false, workflowspec: JSON.stringify(workflow), waitforprevprocessgraph: true } },
  getcronmsg: { cronid: A },
  getcronsmsg: { colonyname: 'dev', count: 10 },
  runcronmsg: { cronid: A },
  removecronmsg: { cronid: A, all: false },
  addgeneratormsg: { generator: { colonyname: 'dev', name: 'g', workflowspec: JSON.stringify(workflow), trigger: 10, timeout: -1 } },
  getgeneratormsg: { generatorid: A },
  getgeneratorsmsg: { colonyname: 'dev', count: 10 },
  resolvegeneratormsg: { colonyname: 'dev', generatorname: 'g' },
  packgeneratormsg: { generatorid: A, arg: 'x' },
  removegeneratormsg: { generatorid: A, all: false },
  subscribeprocessmsg: { colonyname: 'dev', processid: A, executortype: 'cli', state: 2, timeout: 30 },
  subscribeprocessesmsg: { colonyname: 'dev', executortype: 'cli', state: 0, timeout: 30 },
  addsitemsg: { colonyname: 'dev', nodeid: A, name: 'edge-1' },
  removesitemsg: { colonyname: 'dev', nodeid: A },
  getsitesmsg: { colonyname: 'dev' },
  getprocesspagemsg: { colonyname: 'dev', state: -1, executortype: '', label: '', initiator: '', offset: 200, count: 50 },
  getprocesshistorymsg: { processid: A },
  getthroughputmsg: { colonyname: 'dev', seconds: 600, bucket: 10 },
  getexecutorsitesmsg: { colonyname: 'dev' },
  subscribecolonymsg: { colonyname: 'dev', timeout: 0 },
  addfilemsg: { file: { colonyname: 'dev', label: '/data', name: 'a.txt', size: 3, checksum: A, checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: { server: '', port: 0, tls: false, accesskey: '', secretkey: '', region: '', encryptionkey: '', encryptionalg: '', object: '', bucket: '' } } } },
  getfilemsg: { colonyname: 'dev', fileid: '', label: '/data', name: 'a.txt', latest: true },
  getfilesmsg: { colonyname: 'dev', label: '/data' },
  getfilelabelsmsg: { colonyname: 'dev', name: '', exact: false },
  removefilemsg: { colonyname: 'dev', fileid: A, label: '', name: '' },
  createsnapshotmsg: { colonyname: 'dev', label: '/data', name: 's1' },
  getsnapshotmsg: { colonyname: 'dev', snapshotid: '', name: 's1' },
  getsnapshotsmsg: { colonyname: 'dev' },
  removesnapshotmsg: { colonyname: 'dev', snapshotid: A, name: '' },
  removeallsnapshotmsg: { colonyname: 'dev' },
  addblueprintdefinitionmsg: {
    blueprintdefinition: {
      kind: 'BlueprintDefinition',
      metadata: { name: 'home-device-def', colonyname: 'dev' },
      spec: {
        group: 'home.io', version: 'v1', names: { kind: 'HomeDevice', plural: 'homedevices' }, scope: 'Namespaced',
        schema: { type: 'object', properties: { power: { type: 'boolean' }, mode: { type: 'string', enum: ['a', 'b'] } }, required: ['power'] },
        handler: { executorType: 'home-reconciler', functionName: 'reconcile' }
      }
    }
  },
  getblueprintdefinitionmsg: { colonyname: 'dev', name: 'home-device-def' },
  getblueprintdefinitionsmsg: { colonyname: 'dev' },
  removeblueprintdefinitionmsg: { namespace: 'dev', name: 'home-device-def' },
  addblueprintmsg: { blueprint: { kind: 'HomeDevice', metadata: { name: 'lamp', colonyname: 'dev', labels: { room: 'hall' } }, spec: { power: true } } },
  getblueprintmsg: { namespace: 'dev', name: 'lamp' },
  getblueprintsmsg: { namespace: 'dev', kind: 'HomeDevice', locationname: '' },
  updateblueprintmsg: { blueprint: { kind: 'HomeDevice', metadata: { name: 'lamp', colonyname: 'dev' }, spec: { power: false } }, forcegeneration: false },
  removeblueprintmsg: { namespace: 'dev', name: 'lamp' },
  updateblueprintstatusmsg: { colonyname: 'dev', blueprintname: 'lamp', status: { power: false } },
  getblueprinthistorymsg: { blueprintid: A, limit: 10 },
  reconcileblueprintmsg: { namespace: 'dev', name: 'lamp', force: true },
  channelappendmsg: { processid: A, name: 'chat', sequence: 1, inreplyto: 0, payload: 'aGk=', payloadtype: '' },
  channelreadmsg: { processid: A, name: 'chat', afterseq: 0, limit: 10 },
  subscribechannelmsg: { processid: A, name: 'chat', afterseq: 0, timeout: 10 }
}

const msg = <T extends MsgType>(t: T, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ msgtype: t, ...VALID[t], ...extra })

test('every msgtype has a valid example that parses and keeps its msgtype', () => {
  assert.equal([...MSGTYPES].sort(), Object.keys(VALID).sort())
  for (const t of MSGTYPES) {
    const m = parseMessage(msg(t))
    assert.is(m.msgtype, t)
    // re-parsing the encoded message gives the same message
    assert.equal(parseMessage(JSON.parse(JSON.stringify(encodeMessage(m))) as Record<string, unknown>), m, t)
  }
})

test('simple messages come back field for field (unknown fields dropped)', () => {
  const simple: MsgType[] = ['removecolonymsg', 'getcolonymsg', 'approveexecutormsg', 'getexecutorbyidmsg', 'removeusermsg',
    'getuserbyidmsg', 'versionmsg', 'assignprocessmsg', 'closefailedmsg', 'getprocessesmsg', 'removeallprocessesmsg',
    'addlogmsg', 'searchlogsmsg', 'getprocessgraphsmsg', 'getcronsmsg', 'packgeneratormsg', 'subscribeprocessmsg',
    'subscribeprocessesmsg', 'getlogsmsg', 'removeprocessmsg', 'closesuccessfulmsg', 'closeandassignmsg']
  for (const t of simple) assert.equal(parseMessage(msg(t, { bogus: 1 })), { msgtype: t, ...VALID[t] }, t)
})

test('missing fields take Go zero values', () => {
  assert.equal(parseMessage({ msgtype: 'getprocessesmsg', colonyname: 'dev' }),
    { msgtype: 'getprocessesmsg', colonyname: 'dev', count: 0, state: 0, executortype: '', label: '', initiator: '' })
  assert.equal(parseMessage({ msgtype: 'closesuccessfulmsg', processid: A }), { msgtype: 'closesuccessfulmsg', processid: A, out: [] })
  assert.equal(parseMessage({ msgtype: 'closefailedmsg', processid: A, errors: null }), { msgtype: 'closefailedmsg', processid: A, errors: [] })
  assert.equal(parseMessage({ msgtype: 'removeallprocessesmsg', colonyname: 'dev' }), { msgtype: 'removeallprocessesmsg', colonyname: 'dev', state: 0 })
  assert.equal(parseMessage({ msgtype: 'assignprocessmsg', colonyname: 'dev', timeout: -1 }),
    { msgtype: 'assignprocessmsg', colonyname: 'dev', timeout: -1, availablecpu: '', availablemem: '' })
})

test('nested payloads are validated and normalised', () => {
  const e = parseMessage(msg('addexecutormsg')) as MessageOf<'addexecutormsg'>
  assert.equal(Object.keys(e.executor).sort(), ['capabilities', 'colonyname', 'executorid', 'executorname', 'executortype', 'locationname', 'requirefuncreg'])
  assert.is(e.executor.capabilities.hardware[0]?.gpu.mem, '141Gi')
  const u = parseMessage({ msgtype: 'addusermsg', user: { colonyname: 'dev', userid: C, name: 'bob' } }) as MessageOf<'addusermsg'>
  assert.equal(u.user, { colonyname: 'dev', userid: 'c'.repeat(64), name: 'bob', email: '', phone: '' })
  const s = parseMessage(msg('submitfuncspecmsg')) as MessageOf<'submitfuncspecmsg'>
  assert.is(s.spec.maxexectime, -1)
  assert.equal(s.spec.args, ['hi'])
  const w = parseMessage(msg('submitworkflowspecmsg')) as MessageOf<'submitworkflowspecmsg'>
  assert.is(w.spec.functionspecs[0]?.conditions.colonyname, 'dev')
  const f = parseMessage(msg('addfunctionmsg')) as MessageOf<'addfunctionmsg'>
  assert.equal(f.fun.args, [{ name: 'msg', type: 'string', required: true }])
  const a = parseMessage(msg('addattributemsg')) as MessageOf<'addattributemsg'>
  assert.equal(a.attribute, { targetid: A, targetcolonyname: 'dev', targetprocessgraphid: '', attributetype: 1, key: 'k', value: 'v' })
})

test('capabilities as one object (v1.9.0 clients) become one-element arrays', () => {
  const m = parseMessage(msg('updateexecutormsg', { capabilities: { hardware: { cores: 4, mem: '8Gi' }, software: { name: 'py' } } })) as MessageOf<'updateexecutormsg'>
  assert.is(m.capabilities.hardware.length, 1)
  assert.is(m.capabilities.hardware[0]?.cores, 4)
  assert.equal(m.capabilities.software, [{ name: 'py', type: '', version: '' }])
  refused(msg('updateexecutormsg', { capabilities: { hardware: 'x' } }), 'capabilities.hardware')
  refused(msg('updateexecutormsg', { capabilities: { hardware: { cores: -1 } } }), 'capabilities.hardware.cores')
})

test('envelope errors: msgtype missing, wrong type, unknown, not an object', () => {
  refused({}, 'msgtype', 'is required')
  refused({ msgtype: 5 }, 'msgtype', 'must be a string')
  refused({ msgtype: 'nosuchmsg' }, 'msgtype', 'unknown message type "nosuchmsg"')
  refused({ msgtype: 'constructor' }, 'msgtype', 'unknown message type')
  refused({ msgtype: '__proto__' }, 'msgtype', 'unknown message type')
  refused({ msgtype: 'toString' }, 'msgtype', 'unknown message type')
  refused([] as unknown as Record<string, unknown>, '')
  refused(null as unknown as Record<string, unknown>, '')
})

test('wrong fields are refused with the field named', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    // ids
    [msg('getprocessmsg', { processid: '' }), 'processid'],
    [msg('getprocessmsg', { processid: 'abc' }), 'processid'],
    [msg('getprocessmsg', { processid: 'g'.repeat(64) }), 'processid'],
    [msg('getprocessmsg', { processid: 7 }), 'processid'],
    [{ msgtype: 'cancelprocessmsg' }, 'processid'],
    [msg('getattributemsg', { attributeid: A + 'a' }), 'attributeid'],
    [msg('changeserveridmsg', { serverid: null }), 'serverid'],
    // names
    [msg('getcolonymsg', { colonyname: '' }), 'colonyname'],
    [msg('getcolonymsg', { colonyname: ['dev'] }), 'colonyname'],
    [msg('approveexecutormsg', { executorname: '' }), 'executorname'],
    [msg('removeusermsg', { name: 3 }), 'name'],
    [msg('resolvegeneratormsg', { generatorname: '' }), 'generatorname'],
    [msg('subscribeprocessesmsg', { executortype: '' }), 'executortype'],
    // nested objects
    [{ msgtype: 'addcolonymsg' }, 'colony'],
    [msg('addcolonymsg', { colony: 'dev' }), 'colony'],
    [msg('addcolonymsg', { colony: { colonyid: 'short', name: 'dev' } }), 'colony.colonyid'],
    [msg('addcolonymsg', { colony: { colonyid: A, name: '' } }), 'colony.name'],
    [msg('addexecutormsg', { executor: { executorid: A, executorname: 'e', colonyname: 'dev' } }), 'executor.executortype'],
    [msg('addexecutormsg', { executor: { executorid: A, executortype: 't', colonyname: 'dev' } }), 'executor.executorname'],
    [msg('addexecutormsg', { executor: { executorid: A, executortype: 't', executorname: 'e', colonyname: 'dev', requirefuncreg: 'no' } }), 'executor.requirefuncreg'],
    [msg('addexecutormsg', { executor: { executorid: A, executortype: 't', executorname: 'e', colonyname: 'dev', capabilities: { hardware: [{ cpu: 'x' }] } } }), 'executor.capabilities.hardware[0].cpu'],
    [msg('updateexecutormsg', { capabilities: { software: [{ version: 3 }] } }), 'capabilities.software[0].version'],
    [msg('addusermsg', { user: { colonyname: 'dev', userid: A, name: 'a', email: 1 } }), 'user.email'],
    [msg('addattributemsg', { attribute: { targetid: A, attributetype: 4, key: 'k' } }), 'attribute.attributetype'],
    [msg('addattributemsg', { attribute: { targetid: A, attributetype: 0, key: '' } }), 'attribute.key'],
    [msg('addfunctionmsg', { fun: { executorname: 'e', colonyname: 'dev' } }), 'fun.funcname'],
    [msg('addfunctionmsg', { fun: { executorname: 'e', colonyname: 'dev', funcname: 'f', args: [{ type: 'x' }] } }), 'fun.args[0].name'],
    [msg('addfunctionmsg', { fun: { functionid: 'x', executorname: 'e', colonyname: 'dev', funcname: 'f' } }), 'fun.functionid'],
    // specs
    [{ msgtype: 'submitfuncspecmsg' }, 'spec'],
    [msg('submitfuncspecmsg', { spec: { conditions: { executortype: 'cli' } } }), 'spec.conditions.colonyname'],
    [msg('submitfuncspecmsg', { spec: { conditions: { colonyname: 'dev' } } }), 'spec.conditions.executortype'],
    [msg('submitfuncspecmsg', { spec: { ...spec, priority: 60000 } }), 'spec.priority'],
    [msg('submitfuncspecmsg', { spec: { ...spec, maxretries: 'x' } }), 'spec.maxretries'],
    [{ msgtype: 'submitfuncspecsmsg' }, 'specs'],
    [msg('submitfuncspecsmsg', { specs: [] }), 'specs'],
    [msg('submitfuncspecsmsg', { specs: Array.from({ length: 1001 }, () => spec) }), 'specs'],
    [msg('submitfuncspecsmsg', { specs: [spec, { ...spec, priority: 60000 }] }), 'specs[1].priority'],
    [msg('submitfuncspecsmsg', { specs: [spec, { ...spec, conditions: { colonyname: 'other', executortype: 'cli' } }] }), 'specs[1].conditions.colonyname'],
    [msg('submitfuncspecsmsg', { specs: [spec, { ...spec, conditions: { executortype: 'cli' } }] }), 'specs[1].conditions.colonyname'],
    [msg('addchildmsg', { spec: { conditions: { executortype: 'cli' } } }), 'spec.conditions.colonyname'],
    [msg('addchildmsg', { childprocessid: 'x' }), 'childprocessid'],
    [msg('addchildmsg', { insert: 1 }), 'insert'],
    [msg('submitworkflowspecmsg', { spec: { colonyname: 'dev', functionspecs: [] } }), 'spec.functionspecs'],
    [msg('submitworkflowspecmsg', { spec: { functionspecs: workflow.functionspecs } }), 'spec.colonyname'],
    // numbers
    [msg('assignprocessmsg', { timeout: 0 }), 'timeout'],
    [msg('assignprocessmsg', { timeout: 1.5 }), 'timeout'],
    [msg('assignprocessmsg', { availablecpu: 'lots' }), 'availablecpu'],
    [msg('assignprocessmsg', { availablemem: '4gb' }), 'availablemem'],
    [msg('getprocessesmsg', { count: 101 }), 'count'],
    [msg('getprocessesmsg', { count: -1 }), 'count'],
    [msg('getprocessesmsg', { state: 5 }), 'state'],
    [msg('getprocessesmsg', { state: -1 }), 'state'],
    [msg('getprocessesmsg', { state: '0' }), 'state'],
    [msg('getprocessesmsg', { label: 1 }), 'label'],
    [msg('getprocessgraphsmsg', { count: 1000 }), 'count'],
    [msg('removeallprocessesmsg', { state: 1 }), 'state'],
    [msg('removeallprocessesmsg', { state: -2 }), 'state'],
    [msg('removeallprocessgraphsmsg', { state: 1 }), 'state'],
    [msg('getlogsmsg', { count: 501 }), 'count'],
    [msg('getlogsmsg', { since: '1' }), 'since'],
    [msg('getlogsmsg', { since: 0.5 }), 'since'],
    [msg('getlogsmsg', { latest: 'yes' }), 'latest'],
    [{ msgtype: 'getlogsmsg', colonyname: 'dev' }, 'processid'],
    [{ msgtype: 'getlogsmsg', executorname: 'e1' }, 'colonyname'],
    [msg('searchlogsmsg', { days: 31 }), 'days'],
    [msg('searchlogsmsg', { count: 101 }), 'count'],
    [msg('getprocesshistmsg', { seconds: -5 }), 'seconds'],
    [msg('subscribeprocessmsg', { timeout: 'x' }), 'timeout'],
    [msg('subscribeprocessmsg', { state: 9 }), 'state'],
    // booleans and lists
    [msg('removeprocessmsg', { all: 'true' }), 'all'],
    [msg('closefailedmsg', { errors: 'boom' }), 'errors'],
    [msg('closefailedmsg', { errors: [1] }), 'errors[0]'],
    [msg('closesuccessfulmsg', { out: 'x' }), 'out'],
    [msg('closeandassignmsg', { successful: false }), 'out'],
    [msg('closeandassignmsg', { errors: ['boom'] }), 'errors'],
    [msg('closeandassignmsg', { successful: 'yes' }), 'successful'],
    [msg('closeandassignmsg', { timeout: 0 }), 'timeout'],
    [msg('closeandassignmsg', { colonyname: '' }), 'colonyname'],
    [msg('setoutputmsg', { out: { a: 1 } }), 'out'],
    [msg('addlogmsg', { message: 5 }), 'message'],
    [msg('packgeneratormsg', { arg: 5 }), 'arg'],
    // cron and generator
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), interval: 0 } }), 'cron.interval'],
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), cronexpression: '' } }), 'cron.cronexpression'],
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), random: true } }), 'cron.random'],
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), name: '' } }), 'cron.name'],
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), workflowspec: '' } }), 'cron.workflowspec'],
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), workflowspec: '{' } }), 'cron.workflowspec'],
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), workflowspec: JSON.stringify({ ...workflow, colonyname: 'other' }) } }), 'cron.workflowspec.colonyname'],
    [msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), workflowspec: JSON.stringify({ colonyname: 'dev', functionspecs: [{ nodename: 'a' }] }) } }), 'cron.workflowspec.functionspecs[0].conditions.executortype'],
    [msg('addgeneratormsg', { generator: { ...(VALID.addgeneratormsg.generator as object), trigger: 0 } }), 'generator.trigger'],
    [msg('addgeneratormsg', { generator: { ...(VALID.addgeneratormsg.generator as object), timeout: -2 } }), 'generator.timeout'],
    [msg('addgeneratormsg', { generator: { ...(VALID.addgeneratormsg.generator as object), workflowspec: 3 } }), 'generator.workflowspec']
  ]
  for (const [json, field] of cases) refused(json, field)
})

test('cron with an interval needs no expression', () => {
  const m = parseMessage(msg('addcronmsg', { cron: { ...(VALID.addcronmsg.cron as object), interval: 60, cronexpression: '', random: true } })) as MessageOf<'addcronmsg'>
  assert.is(m.cron.interval, 60)
  assert.is(m.cron.random, true)
})

test('getlogsmsg by executor needs no processid', () => {
  const m = parseMessage({ msgtype: 'getlogsmsg', colonyname: 'dev', executorname: 'e1', count: 5 })
  assert.equal(m, { msgtype: 'getlogsmsg', colonyname: 'dev', processid: '', executorname: 'e1', count: 5, since: 0, latest: false })
})

test('encodeMessage writes specs in upstream shape', () => {
  const m = parseMessage(msg('submitfuncspecmsg'))
  const wire = encodeMessage(m) as { spec: Record<string, unknown> & { conditions: Record<string, unknown> } }
  assert.not.ok('channels' in wire.spec)
  assert.not.ok('locationname' in wire.spec.conditions)
  assert.is(wire.spec.funcname, 'echo')
  assert.equal(encodeMessage(parseMessage(msg('getprocessmsg'))), { msgtype: 'getprocessmsg', processid: A })
})

test('MUTATIONS, UNSIGNED, SUBSCRIPTIONS', () => {
  for (const t of MUTATIONS) assert.ok((MSGTYPES as readonly string[]).includes(t), t)
  for (const t of ['submitfuncspecmsg', 'assignprocessmsg', 'closesuccessfulmsg', 'closefailedmsg', 'closeandassignmsg', 'addcolonymsg',
    'approveexecutormsg', 'addlogmsg', 'cancelprocessmsg', 'packgeneratormsg', 'pauseassignmentsmsg', 'runcronmsg']) {
    assert.ok(MUTATIONS.has(t), t)
  }
  for (const t of MSGTYPES.filter(t => t.startsWith('get') || t.startsWith('subscribe') || t === 'versionmsg' || t === 'searchlogsmsg' || t === 'resolvegeneratormsg')) {
    assert.not.ok(MUTATIONS.has(t), t)
  }
  assert.equal([...UNSIGNED].sort(), ['getserverinfomsg', 'versionmsg'])
  assert.equal([...SUBSCRIPTIONS].sort(), ['subscribechannelmsg', 'subscribecolonymsg', 'subscribeprocessesmsg', 'subscribeprocessmsg'])
})

test('property: parseMessage throws nothing but ValidationError', () => {
  // Keys the parsers read, so random objects often reach deep validation paths.
  const keys = new Set<string>()
  const collect = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(collect)
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) { keys.add(k); collect(x) }
  }
  collect(VALID)
  collect(spec)
  collect(capabilities)
  const key = fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString'))
  const leaf = fc.oneof(
    fc.constantFrom(A, C, '', '1000m', '4Gi', 'dev', -1, 0, 1, 2, 4, 5, 100, 501, 1.5, 2 ** 60, true, false, null),
    fc.jsonValue({ maxDepth: 2 })
  )
  const { value } = fc.letrec(tie => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 6 }))
  }))
  const message = fc.tuple(
    fc.oneof(fc.constantFrom(...MSGTYPES), fc.string(), fc.integer(), fc.constant(undefined)),
    fc.dictionary(key, value, { maxKeys: 8 }),
    fc.constantFrom(...MSGTYPES)
  ).map(([t, body, base]) => {
    // half the time start from a valid example so the random fields hit deeper checks
    const o: Record<string, unknown> = Math.abs(Object.keys(body).length % 2) === 0 ? { ...VALID[base], ...body } : { ...body }
    if (t !== undefined) o.msgtype = t
    return o
  })
  fc.assert(fc.property(message, (o) => {
    try {
      parseMessage(o)
    } catch (err) {
      if ((err as Error).name !== 'ValidationError') throw err
    }
  }), { seed: 20240601, numRuns: 3000 })

  // the same through a JSON round trip, as bodies really arrive
  fc.assert(fc.property(message, (o) => {
    const json = JSON.parse(JSON.stringify(o)) as Record<string, unknown>
    try {
      parseMessage(json)
    } catch (err) {
      if ((err as Error).name !== 'ValidationError') throw err
    }
  }), { seed: 7, numRuns: 1000 })
})

test.run()
