/**
 * One valid example of every RPC message, aimed at a live test colony (its name, a real
 * waiting process, a running one, a workflow, a cron, a generator, a blueprint of a defined
 * kind), with the key a real
 * client would sign it with. The fuzz properties mutate these, so random edits land deep
 * inside validation and rights checks instead of failing at the first field.
 */
import { MSGTYPES, type MsgType } from '../../src/protocol/messages.js'

export interface ExampleContext {
  readonly colony: string
  /** a waiting process of the colony */
  readonly waiting: string
  /** a process running on executor x0 */
  readonly running: string
  readonly graph: string
  readonly cron: string
  readonly generator: string
  /** a blueprint (by name) of kind "Lamp", whose definition "lamp-def" names a reconciler */
  readonly blueprint: string
  readonly blueprintid: string
  /** any 64-hex id that names nothing */
  readonly nobody: string
  readonly userId: string
  readonly executorId: string
}

/** Who would sign the message: the role whose key a well-behaved client uses. */
export type Role = 'operator' | 'owner' | 'user' | 'executor' | 'stranger'

export interface Example { readonly msg: Record<string, unknown>, readonly role: Role }

export function examples (c: ExampleContext): Record<MsgType, Example> {
  const wf = JSON.stringify({ colonyname: c.colony, functionspecs: [{ nodename: 'a', funcname: 'a', conditions: { executortype: 'cli' } }] })
  const spec = { funcname: 'echo', args: ['hi'], kwargs: { k: 1 }, maxwaittime: -1, maxexectime: -1, conditions: { colonyname: c.colony, executortype: 'cli' } }
  const hardware = [{ model: 'x', nodes: 1, cpu: '8000m', cores: 8, mem: '32Gi', storage: '1Ti', gpu: { name: 'h200', mem: '141Gi', count: 1, nodecount: 1 }, platform: 'linux', architecture: 'amd64', network: ['10.0.0.1'] }]
  const capabilities = { hardware, software: [{ name: 'python', type: 'runtime', version: '3.12' }] }
  const e = (role: Role, msg: Record<string, unknown>): Example => ({ msg, role })
  const all: Record<MsgType, Example> = {
    addcolonymsg: e('operator', { colony: { colonyid: c.nobody, name: 'fuzz-colony' } }),
    removecolonymsg: e('owner', { colonyname: c.colony }),
    getcoloniesmsg: e('operator', {}),
    getcolonymsg: e('user', { colonyname: c.colony }),
    getcolonystatsmsg: e('user', { colonyname: c.colony }),
    changecolonyidmsg: e('owner', { colonyname: c.colony, colonyid: c.nobody }),
    addexecutormsg: e('owner', { executor: { executorid: c.nobody, executortype: 'cli', executorname: 'fuzz-x', colonyname: c.colony, requirefuncreg: false, capabilities } }),
    approveexecutormsg: e('owner', { colonyname: c.colony, executorname: 'x1' }),
    rejectexecutormsg: e('owner', { colonyname: c.colony, executorname: 'x1' }),
    removeexecutormsg: e('owner', { colonyname: c.colony, executorname: 'x1' }),
    getexecutorsmsg: e('user', { colonyname: c.colony }),
    getexecutormsg: e('user', { colonyname: c.colony, executorname: 'x0' }),
    getexecutorbyidmsg: e('user', { colonyname: c.colony, executorid: c.executorId }),
    updateexecutormsg: e('owner', { colonyname: c.colony, executorname: 'x0', capabilities }),
    changeexecutoridmsg: e('owner', { colonyname: c.colony, executorid: c.nobody }),
    addusermsg: e('owner', { user: { colonyname: c.colony, userid: c.nobody, name: 'fuzz-user', email: 'f@x', phone: '' } }),
    removeusermsg: e('owner', { colonyname: c.colony, name: 'user' }),
    getusersmsg: e('user', { colonyname: c.colony }),
    getusermsg: e('user', { colonyname: c.colony, name: 'user' }),
    getuserbyidmsg: e('user', { colonyname: c.colony, userid: c.userId }),
    changeuseridmsg: e('owner', { colonyname: c.colony, userid: c.nobody }),
    versionmsg: e('stranger', { buildversion: '', buildtime: '' }),
    getserverinfomsg: e('stranger', {}),
    getstatisticsmsg: e('operator', {}),
    changeserveridmsg: e('operator', { serverid: c.nobody }),
    submitfuncspecmsg: e('user', { spec }),
    submitfuncspecsmsg: e('user', { specs: [spec, spec] }),
    assignprocessmsg: e('executor', { colonyname: c.colony, timeout: -1, availablecpu: '', availablemem: '' }),
    closesuccessfulmsg: e('executor', { processid: c.running, out: ['result', 42, { k: [1] }] }),
    closeandassignmsg: e('executor', { processid: c.running, successful: true, out: ['r'], errors: [], colonyname: c.colony, timeout: -1, availablecpu: '', availablemem: '' }),
    closefailedmsg: e('executor', { processid: c.running, errors: ['boom'] }),
    setoutputmsg: e('executor', { processid: c.running, out: [1, 2] }),
    cancelprocessmsg: e('user', { processid: c.waiting }),
    getprocessmsg: e('user', { processid: c.waiting }),
    getprocessesmsg: e('user', { colonyname: c.colony, count: 10, state: 0, executortype: 'cli', label: '', initiator: '' }),
    getprocesshistmsg: e('user', { colonyname: c.colony, executorid: '', seconds: 60, state: 1 }),
    removeprocessmsg: e('user', { processid: c.waiting, all: false }),
    removeallprocessesmsg: e('owner', { colonyname: c.colony, state: 0 }),
    pauseassignmentsmsg: e('owner', { colonyname: c.colony }),
    resumeassignmentsmsg: e('owner', { colonyname: c.colony }),
    getpausestatusmsg: e('user', { colonyname: c.colony }),
    addattributemsg: e('executor', { attribute: { targetid: c.running, targetcolonyname: c.colony, targetprocessgraphid: '', attributetype: 1, key: 'k', value: 'v' } }),
    getattributemsg: e('user', { attributeid: c.nobody }),
    addlogmsg: e('executor', { processid: c.running, message: 'hello' }),
    addexecutorlogmsg: e('executor', { colonyname: c.colony, executorname: 'x0', message: 'started' }),
    getlogsmsg: e('user', { colonyname: c.colony, processid: c.running, executorname: '', count: 100, since: 0, latest: false }),
    searchlogsmsg: e('user', { colonyname: c.colony, text: 'hel', days: 1, count: 10 }),
    addfunctionmsg: e('executor', { fun: { functionid: '', executorname: 'x0', executortype: 'cli', colonyname: c.colony, funcname: 'echo', description: '', args: [{ name: 'msg', type: 'string', required: true }] } }),
    getfunctionsmsg: e('user', { colonyname: c.colony, executorname: '' }),
    removefunctionmsg: e('owner', { functionid: c.nobody }),
    submitworkflowspecmsg: e('user', { spec: JSON.parse(wf) }),
    getprocessgraphmsg: e('user', { processgraphid: c.graph }),
    getprocessgraphsmsg: e('user', { colonyname: c.colony, count: 5, state: 0 }),
    removeprocessgraphmsg: e('user', { processgraphid: c.graph, all: false }),
    removeallprocessgraphsmsg: e('owner', { colonyname: c.colony, state: 0 }),
    cancelprocessgraphmsg: e('user', { processgraphid: c.graph }),
    addchildmsg: e('executor', { processgraphid: c.graph, parentprocessid: c.running, childprocessid: '', spec, insert: true }),
    addcronmsg: e('user', { cron: { colonyname: c.colony, name: 'fuzz-cron', cronexpression: '0 0 0 1 1 *', interval: -1, random: false, workflowspec: wf, waitforprevprocessgraph: true } }),
    getcronmsg: e('user', { cronid: c.cron }),
    getcronsmsg: e('user', { colonyname: c.colony, count: 10 }),
    runcronmsg: e('user', { cronid: c.cron }),
    removecronmsg: e('user', { cronid: c.cron, all: false }),
    addgeneratormsg: e('user', { generator: { colonyname: c.colony, name: 'fuzz-gen', workflowspec: wf, trigger: 1000, timeout: -1 } }),
    getgeneratormsg: e('user', { generatorid: c.generator }),
    getgeneratorsmsg: e('user', { colonyname: c.colony, count: 10 }),
    resolvegeneratormsg: e('user', { colonyname: c.colony, generatorname: 'gen' }),
    packgeneratormsg: e('user', { generatorid: c.generator, arg: 'x' }),
    removegeneratormsg: e('user', { generatorid: c.generator, all: false }),
    subscribeprocessmsg: e('user', { colonyname: c.colony, processid: c.waiting, executortype: 'cli', state: 2, timeout: 1 }),
    subscribeprocessesmsg: e('user', { colonyname: c.colony, executortype: 'cli', state: 2, timeout: 1 }),
    addsitemsg: e('owner', { colonyname: c.colony, nodeid: c.nobody, name: 'edge-1' }),
    removesitemsg: e('owner', { colonyname: c.colony, nodeid: c.nobody }),
    getsitesmsg: e('user', { colonyname: c.colony }),
    getprocesspagemsg: e('user', { colonyname: c.colony, state: -1, executortype: '', label: '', initiator: '', offset: 0, count: 50 }),
    getprocesshistorymsg: e('user', { processid: c.running }),
    getthroughputmsg: e('user', { colonyname: c.colony, seconds: 600, bucket: 10 }),
    getexecutorsitesmsg: e('user', { colonyname: c.colony }),
    subscribecolonymsg: e('user', { colonyname: c.colony, timeout: 1 }),
    // files and snapshots: the target holds a colonynet file "/fuzz" "f" and a snapshot "snap" (target.ts)
    addfilemsg: e('user', { file: { fileid: '', colonyname: c.colony, label: '/fuzz', name: 'f', size: 5, sequencenr: 1, checksum: 'ab'.repeat(32), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} }, added: null } }),
    getfilemsg: e('user', { colonyname: c.colony, fileid: '', label: '/fuzz', name: 'f', latest: true }),
    getfilesmsg: e('user', { colonyname: c.colony, label: '/fuzz' }),
    getfilelabelsmsg: e('user', { colonyname: c.colony, name: '/fu', exact: false }),
    removefilemsg: e('user', { colonyname: c.colony, fileid: '', label: '/fuzz', name: 'f' }),
    createsnapshotmsg: e('user', { colonyname: c.colony, label: '/fuzz', name: 'fuzz-snap' }),
    getsnapshotmsg: e('user', { colonyname: c.colony, snapshotid: '', name: 'snap' }),
    getsnapshotsmsg: e('user', { colonyname: c.colony }),
    removesnapshotmsg: e('user', { colonyname: c.colony, snapshotid: '', name: 'snap' }),
    removeallsnapshotmsg: e('user', { colonyname: c.colony }),
    addblueprintdefinitionmsg: e('owner', { blueprintdefinition: { kind: 'BlueprintDefinition', metadata: { name: 'fuzz-def', colonyname: c.colony }, spec: { group: 'fuzz.io', version: 'v1', names: { kind: 'Fuzz', plural: 'fuzzes' }, scope: 'Namespaced', schema: { type: 'object', properties: { on: { type: 'boolean' }, mode: { type: 'string', enum: ['a', 'b'] }, list: { type: 'array', items: { type: 'number' } } }, required: ['on'] }, handler: { executorType: 'fuzz-reconciler', functionName: 'reconcile' } } } }),
    getblueprintdefinitionmsg: e('user', { colonyname: c.colony, name: 'lamp-def' }),
    getblueprintdefinitionsmsg: e('user', { colonyname: c.colony }),
    removeblueprintdefinitionmsg: e('owner', { namespace: c.colony, name: 'lamp-def' }),
    addblueprintmsg: e('user', { blueprint: { kind: 'Lamp', metadata: { name: 'fuzz-lamp', colonyname: c.colony, labels: { room: 'x' } }, spec: { on: true, level: 3 } } }),
    getblueprintmsg: e('user', { namespace: c.colony, name: c.blueprint }),
    getblueprintsmsg: e('user', { namespace: c.colony, kind: 'Lamp', locationname: '' }),
    updateblueprintmsg: e('user', { blueprint: { kind: 'Lamp', metadata: { name: c.blueprint, colonyname: c.colony }, spec: { on: false, level: 1 } }, forcegeneration: false }),
    removeblueprintmsg: e('user', { namespace: c.colony, name: c.blueprint }),
    updateblueprintstatusmsg: e('executor', { colonyname: c.colony, blueprintname: c.blueprint, status: { on: true } }),
    getblueprinthistorymsg: e('user', { blueprintid: c.blueprintid, limit: 5 }),
    reconcileblueprintmsg: e('user', { namespace: c.colony, name: c.blueprint, force: false }),
    // the running process declares channel "chat"; its executor writes, its submitter reads
    channelappendmsg: e('executor', { processid: c.running, name: 'chat', sequence: 1, inreplyto: 0, payload: [104, 105], payloadtype: '' }),
    channelreadmsg: e('user', { processid: c.running, name: 'chat', afterseq: 0, limit: 10 }),
    subscribechannelmsg: e('user', { processid: c.running, name: 'chat', afterseq: 0, timeout: 1 })
  }
  for (const t of MSGTYPES) all[t] = { ...all[t], msg: { msgtype: t, ...all[t].msg } }
  return all
}
