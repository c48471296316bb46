/**
 * The ColonyOS RPC messages (pkg/rpc/*.go, about v1.9.12), one interface per `msgtype`,
 * validated at the boundary by parseMessage. TypeScript field names are the JSON names.
 *
 * Where upstream and COLONYOS.md disagree (the code is the reference; notes here):
 * - Pause/resume are `pauseassignmentsmsg` / `resumeassignmentsmsg` (plus
 *   `getpausestatusmsg`), not "pause/resume colony".
 * - Cancel exists (`cancelprocessmsg`, `cancelprocessgraphmsg`); upstream refuses to
 *   cancel a single process that belongs to a workflow (cancel the graph instead).
 * - Colony statistics are `getcolonystatsmsg` (not ...statisticsmsg); server statistics
 *   `getstatisticsmsg`. Both reply with the same Statistics shape.
 * - Addfunction's payload field is `fun`, not `function`.
 * - getlogsmsg also has `colonyname` and `latest`; `since` and log timestamps are Unix
 *   nanoseconds (the CLI says so; core/log.go's comment says seconds, the code writes ns).
 *   Nanosecond timestamps exceed 2^53, so they lose their last bits as JS numbers.
 * - getprocessesmsg counts are capped at 100 (MAX_COUNT), getlogsmsg at 500,
 *   searchlogsmsg at 100 results and 30 days.
 * - removeprocessmsg / removeprocessgraphmsg / removecronmsg / removegeneratormsg carry an
 *   `all` flag that upstream's handlers ignore (kept for compatibility, no meaning here).
 * - removeall*msg `state`: -1 = every state, RUNNING is refused; a missing state reads as
 *   0 = WAITING, as it does upstream.
 * - assignprocessmsg with an empty availablecpu/availablemem means "unlimited" upstream
 *   (not 0 as in a spec's conditions); quantities themselves: see quantity.ts.
 * - Upstream accepts a spec with no executortype when executornames is set (CLI `function
 *   exec --targetid`), but such a process can never match; we require executortype.
 * - Upstream lets a cron's workflowspec name another colony than the cron itself (it then
 *   submits there); we require them equal.
 * Not implemented here (no COLONYOS.md need): files, snapshots, locations, nodes,
 * blueprints, channels, cluster, reportallocationmsg.
 */
import { parseCronExpression } from './cron.js'
import { ValidationError } from './errors.js'
import {
  type JsonValue, expectObject, getField, joinPath, readBool, readId, readInt, readJsonArray, readNonEmptyString,
  readObjectArray, readQuantity, readString, readStringArray
} from './json.js'
import {
  type FunctionSpec, type WorkflowSpec, functionSpecToJson, parseFunctionSpec, parseWorkflowSpec,
  parseWorkflowSpecText, workflowSpecToJson
} from './spec.js'
import { type AttributeTypeValue, STATE_NOTSET } from './state.js'
import type { Capabilities, Colony, FunctionArg, Hardware, Software, User } from './wire-types.js'

type Obj = Record<string, unknown>

/** Upstream list limits (pkg/constants). */
export const MAX_COUNT = 100
export const MAX_LOG_COUNT = 500
export const MAX_DAYS = 30
/** colonynet's paged listing (getprocesspagemsg) and throughput window limits */
export const MAX_PAGE_COUNT = 500
export const MAX_THROUGHPUT_SECONDS = 86_400
export const MAX_THROUGHPUT_BUCKETS = 1_000

// ---------------------------------------------------------------------------------------
// Nested payloads that clients send (server-assigned fields such as state or times are
// not part of them: upstream overwrites them, we drop them).
// ---------------------------------------------------------------------------------------

export interface ExecutorInput {
  executorid: string
  executortype: string
  executorname: string
  colonyname: string
  locationname: string
  requirefuncreg: boolean
  capabilities: Capabilities
}

export interface AttributeInput {
  targetid: string
  targetcolonyname: string
  targetprocessgraphid: string
  attributetype: AttributeTypeValue
  key: string
  value: string
}

export interface FunctionInput {
  /** "" = let the node pick one */
  functionid: string
  executorname: string
  executortype: string
  colonyname: string
  funcname: string
  description: string
  args: FunctionArg[]
  locationname: string
}

export interface CronInput {
  colonyname: string
  name: string
  cronexpression: string
  /** seconds > 0, or -1 to use cronexpression */
  interval: number
  random: boolean
  /** JSON text of a WorkflowSpec (validated) */
  workflowspec: string
  waitforprevprocessgraph: boolean
}

export interface GeneratorInput {
  colonyname: string
  name: string
  /** JSON text of a WorkflowSpec (validated) */
  workflowspec: string
  trigger: number
  /** seconds; ≤ 0 = never fire on timeout */
  timeout: number
}

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

// colonies
export interface AddColonyMsg { msgtype: 'addcolonymsg', colony: Colony }
export interface RemoveColonyMsg { msgtype: 'removecolonymsg', colonyname: string }
export interface GetColoniesMsg { msgtype: 'getcoloniesmsg' }
export interface GetColonyMsg { msgtype: 'getcolonymsg', colonyname: string }
export interface GetColonyStatisticsMsg { msgtype: 'getcolonystatsmsg', colonyname: string }
export interface ChangeColonyIdMsg { msgtype: 'changecolonyidmsg', colonyname: string, colonyid: string }

// executors
export interface AddExecutorMsg { msgtype: 'addexecutormsg', executor: ExecutorInput }
export interface ApproveExecutorMsg { msgtype: 'approveexecutormsg', colonyname: string, executorname: string }
export interface RejectExecutorMsg { msgtype: 'rejectexecutormsg', colonyname: string, executorname: string }
export interface RemoveExecutorMsg { msgtype: 'removeexecutormsg', colonyname: string, executorname: string }
export interface GetExecutorsMsg { msgtype: 'getexecutorsmsg', colonyname: string }
export interface GetExecutorMsg { msgtype: 'getexecutormsg', colonyname: string, executorname: string }
export interface GetExecutorByIdMsg { msgtype: 'getexecutorbyidmsg', colonyname: string, executorid: string }
export interface UpdateExecutorMsg { msgtype: 'updateexecutormsg', colonyname: string, executorname: string, capabilities: Capabilities }
export interface ChangeExecutorIdMsg { msgtype: 'changeexecutoridmsg', colonyname: string, executorid: string }

// users
export interface AddUserMsg { msgtype: 'addusermsg', user: User }
export interface RemoveUserMsg { msgtype: 'removeusermsg', colonyname: string, name: string }
export interface GetUsersMsg { msgtype: 'getusersmsg', colonyname: string }
export interface GetUserMsg { msgtype: 'getusermsg', colonyname: string, name: string }
export interface GetUserByIdMsg { msgtype: 'getuserbyidmsg', colonyname: string, userid: string }
export interface ChangeUserIdMsg { msgtype: 'changeuseridmsg', colonyname: string, userid: string }

// server
export interface VersionMsg { msgtype: 'versionmsg', buildversion: string, buildtime: string }
export interface GetServerInfoMsg { msgtype: 'getserverinfomsg' }
export interface GetStatisticsMsg { msgtype: 'getstatisticsmsg' }
export interface ChangeServerIdMsg { msgtype: 'changeserveridmsg', serverid: string }

// processes
export interface SubmitFunctionSpecMsg { msgtype: 'submitfuncspecmsg', spec: FunctionSpec }
export interface AssignProcessMsg {
  msgtype: 'assignprocessmsg'
  colonyname: string
  /** seconds to long-poll; < 0 = try once; never 0 */
  timeout: number
  /** CPU quantity the executor offers; "" = unlimited */
  availablecpu: string
  /** memory quantity the executor offers; "" = unlimited */
  availablemem: string
}
export interface CloseSuccessfulMsg { msgtype: 'closesuccessfulmsg', processid: string, out: JsonValue[] }
export interface CloseFailedMsg { msgtype: 'closefailedmsg', processid: string, errors: string[] }
export interface SetOutputMsg { msgtype: 'setoutputmsg', processid: string, out: JsonValue[] }
export interface CancelProcessMsg { msgtype: 'cancelprocessmsg', processid: string }
export interface GetProcessMsg { msgtype: 'getprocessmsg', processid: string }
export interface GetProcessesMsg {
  msgtype: 'getprocessesmsg'
  colonyname: string
  count: number
  state: number
  /** filters; "" = any */
  executortype: string
  label: string
  /** initiator (user) name */
  initiator: string
}
export interface GetProcessHistMsg {
  msgtype: 'getprocesshistmsg'
  colonyname: string
  /** "" = every executor */
  executorid: string
  seconds: number
  state: number
}
export interface RemoveProcessMsg { msgtype: 'removeprocessmsg', processid: string, all: boolean }
export interface RemoveAllProcessesMsg { msgtype: 'removeallprocessesmsg', colonyname: string, state: number }
export interface PauseAssignmentsMsg { msgtype: 'pauseassignmentsmsg', colonyname: string }
export interface ResumeAssignmentsMsg { msgtype: 'resumeassignmentsmsg', colonyname: string }
export interface GetPauseStatusMsg { msgtype: 'getpausestatusmsg', colonyname: string }

// attributes
export interface AddAttributeMsg { msgtype: 'addattributemsg', attribute: AttributeInput }
export interface GetAttributeMsg { msgtype: 'getattributemsg', attributeid: string }

// logs
export interface AddLogMsg { msgtype: 'addlogmsg', processid: string, message: string }
export interface AddExecutorLogMsg { msgtype: 'addexecutorlogmsg', colonyname: string, executorname: string, message: string }
export interface GetLogsMsg {
  msgtype: 'getlogsmsg'
  colonyname: string
  /** one of processid / executorname; executorname wins when both are set (as upstream) */
  processid: string
  executorname: string
  count: number
  /** Unix ns; 0 = from the start */
  since: number
  /** newest `count` logs instead of the oldest */
  latest: boolean
}
export interface SearchLogsMsg { msgtype: 'searchlogsmsg', colonyname: string, text: string, days: number, count: number }

// functions
export interface AddFunctionMsg { msgtype: 'addfunctionmsg', fun: FunctionInput }
export interface GetFunctionsMsg { msgtype: 'getfunctionsmsg', colonyname: string, /** "" = all in the colony */ executorname: string }
export interface RemoveFunctionMsg { msgtype: 'removefunctionmsg', functionid: string }

// workflows
export interface SubmitWorkflowSpecMsg { msgtype: 'submitworkflowspecmsg', spec: WorkflowSpec }
export interface GetProcessGraphMsg { msgtype: 'getprocessgraphmsg', processgraphid: string }
export interface GetProcessGraphsMsg { msgtype: 'getprocessgraphsmsg', colonyname: string, count: number, state: number }
export interface RemoveProcessGraphMsg { msgtype: 'removeprocessgraphmsg', processgraphid: string, all: boolean }
export interface RemoveAllProcessGraphsMsg { msgtype: 'removeallprocessgraphsmsg', colonyname: string, state: number }
export interface CancelProcessGraphMsg { msgtype: 'cancelprocessgraphmsg', processgraphid: string }
export interface AddChildMsg {
  msgtype: 'addchildmsg'
  processgraphid: string
  parentprocessid: string
  /** "" = none; with insert false the new process becomes a parent of this one too */
  childprocessid: string
  spec: FunctionSpec
  /** true: the new node goes between the parent and its children; false: appended */
  insert: boolean
}

// cron
export interface AddCronMsg { msgtype: 'addcronmsg', cron: CronInput }
export interface GetCronMsg { msgtype: 'getcronmsg', cronid: string }
export interface GetCronsMsg { msgtype: 'getcronsmsg', colonyname: string, count: number }
export interface RunCronMsg { msgtype: 'runcronmsg', cronid: string }
export interface RemoveCronMsg { msgtype: 'removecronmsg', cronid: string, all: boolean }

// generators
export interface AddGeneratorMsg { msgtype: 'addgeneratormsg', generator: GeneratorInput }
export interface GetGeneratorMsg { msgtype: 'getgeneratormsg', generatorid: string }
export interface GetGeneratorsMsg { msgtype: 'getgeneratorsmsg', colonyname: string, count: number }
export interface ResolveGeneratorMsg { msgtype: 'resolvegeneratormsg', colonyname: string, generatorname: string }
export interface PackGeneratorMsg { msgtype: 'packgeneratormsg', generatorid: string, arg: string }
export interface RemoveGeneratorMsg { msgtype: 'removegeneratormsg', generatorid: string, all: boolean }

// subscriptions (WebSocket /pubsub)
export interface SubscribeProcessMsg {
  msgtype: 'subscribeprocessmsg'
  colonyname: string
  processid: string
  executortype: string
  /** the state to wait for */
  state: number
  /** seconds */
  timeout: number
}
export interface SubscribeProcessesMsg {
  msgtype: 'subscribeprocessesmsg'
  colonyname: string
  executortype: string
  state: number
  timeout: number
}

// sites: colonynet's extension (ColonyOS has one server; a colony here has several sites)
/** The colony owner admits a node (by its node id) as a site of the colony. */
export interface AddSiteMsg { msgtype: 'addsitemsg', colonyname: string, nodeid: string, name: string }
/** The colony owner revokes a site: its later records are refused and it is no longer served. */
export interface RemoveSiteMsg { msgtype: 'removesitemsg', colonyname: string, nodeid: string }
export interface GetSitesMsg { msgtype: 'getsitesmsg', colonyname: string }

// dashboard reads: colonynet's extension (what a live web view needs beyond ColonyOS's messages)
/** One page of a colony's processes, any state or one, with the total that match. */
export interface GetProcessPageMsg {
  msgtype: 'getprocesspagemsg'
  colonyname: string
  /** -1 = every state */
  state: number
  /** filters; "" = any */
  executortype: string
  label: string
  initiator: string
  /** processes to skip, in the listing's order */
  offset: number
  /** at most MAX_PAGE_COUNT; 0 = MAX_COUNT */
  count: number
}
/** A process's state changes: which site and executor held each attempt, and when. */
export interface GetProcessHistoryMsg { msgtype: 'getprocesshistorymsg', processid: string }
/** Processes submitted and ended per `bucket` seconds over the last `seconds`. */
export interface GetThroughputMsg { msgtype: 'getthroughputmsg', colonyname: string, seconds: number, bucket: number }
/** Where each executor of a colony was last seen working: its site and when. */
export interface GetExecutorSitesMsg { msgtype: 'getexecutorsitesmsg', colonyname: string }
/** WebSocket /pubsub: every change to the colony's processes (and colony-level changes), coalesced. */
export interface SubscribeColonyMsg {
  msgtype: 'subscribecolonymsg'
  colonyname: string
  /** seconds; ≤ 0 = until the socket closes */
  timeout: number
}

export type Message =
  | AddSiteMsg | RemoveSiteMsg | GetSitesMsg
  | GetProcessPageMsg | GetProcessHistoryMsg | GetThroughputMsg | GetExecutorSitesMsg | SubscribeColonyMsg
  | AddColonyMsg | RemoveColonyMsg | GetColoniesMsg | GetColonyMsg | GetColonyStatisticsMsg | ChangeColonyIdMsg
  | AddExecutorMsg | ApproveExecutorMsg | RejectExecutorMsg | RemoveExecutorMsg | GetExecutorsMsg | GetExecutorMsg
  | GetExecutorByIdMsg | UpdateExecutorMsg | ChangeExecutorIdMsg
  | AddUserMsg | RemoveUserMsg | GetUsersMsg | GetUserMsg | GetUserByIdMsg | ChangeUserIdMsg
  | VersionMsg | GetServerInfoMsg | GetStatisticsMsg | ChangeServerIdMsg
  | SubmitFunctionSpecMsg | AssignProcessMsg | CloseSuccessfulMsg | CloseFailedMsg | SetOutputMsg | CancelProcessMsg
  | GetProcessMsg | GetProcessesMsg | GetProcessHistMsg | RemoveProcessMsg | RemoveAllProcessesMsg
  | PauseAssignmentsMsg | ResumeAssignmentsMsg | GetPauseStatusMsg
  | AddAttributeMsg | GetAttributeMsg
  | AddLogMsg | AddExecutorLogMsg | GetLogsMsg | SearchLogsMsg
  | AddFunctionMsg | GetFunctionsMsg | RemoveFunctionMsg
  | SubmitWorkflowSpecMsg | GetProcessGraphMsg | GetProcessGraphsMsg | RemoveProcessGraphMsg
  | RemoveAllProcessGraphsMsg | CancelProcessGraphMsg | AddChildMsg
  | AddCronMsg | GetCronMsg | GetCronsMsg | RunCronMsg | RemoveCronMsg
  | AddGeneratorMsg | GetGeneratorMsg | GetGeneratorsMsg | ResolveGeneratorMsg | PackGeneratorMsg | RemoveGeneratorMsg
  | SubscribeProcessMsg | SubscribeProcessesMsg

export type MsgType = Message['msgtype']
export type MessageOf<T extends MsgType> = Extract<Message, { msgtype: T }>

// ---------------------------------------------------------------------------------------
// Field readers for message roots (paths are bare field names: "processid")
// ---------------------------------------------------------------------------------------

const ROOT = ''
const str = (o: Obj, k: string): string => readString(o, k, ROOT)
const name = (o: Obj, k: string): string => readNonEmptyString(o, k, ROOT)
const id = (o: Obj, k: string): string => readId(o, k, ROOT)
const bool = (o: Obj, k: string): boolean => readBool(o, k, ROOT)
const count = (o: Obj, max: number): number => readInt(o, 'count', ROOT, 0, max)
const state = (o: Obj, k = 'state'): number => readInt(o, k, ROOT, 0, 4)

/** removeall*: -1 (every state) or a state that is not RUNNING. */
function removeAllState (o: Obj): number {
  const s = readInt(o, 'state', ROOT, STATE_NOTSET, 4)
  if (s === 1) throw new ValidationError('state', 'running ones cannot be removed')
  return s
}

/** A nested object field that must be present (upstream answers "X is nil" otherwise). */
function child (o: Obj, k: string): Obj {
  const v = getField(o, k)
  if (v === undefined) throw new ValidationError(k, 'is required')
  return expectObject(v, k)
}

function parseHardware (o: Obj, p: string): Hardware {
  const gp = joinPath(p, 'gpu')
  const g = expectObject(getField(o, 'gpu'), gp, true)
  return {
    model: readString(o, 'model', p),
    nodes: readInt(o, 'nodes', p, 0),
    cpu: readQuantity.cpu(o, 'cpu', p),
    cores: readInt(o, 'cores', p, 0),
    mem: readQuantity.memory(o, 'mem', p),
    storage: readQuantity.memory(o, 'storage', p),
    gpu: { name: readString(g, 'name', gp), mem: readQuantity.memory(g, 'mem', gp), count: readInt(g, 'count', gp, 0), nodecount: readInt(g, 'nodecount', gp, 0) },
    platform: readString(o, 'platform', p),
    architecture: readString(o, 'architecture', p),
    network: readStringArray(o, 'network', p)
  }
}

function parseSoftware (o: Obj, p: string): Software {
  return { name: readString(o, 'name', p), type: readString(o, 'type', p), version: readString(o, 'version', p) }
}

/** v1.9.0 clients send hardware/software as one object, v1.9.12 as arrays: take both, keep arrays. */
function readOneOrMany<T> (o: Obj, key: string, path: string, parse: (item: Obj, itemPath: string) => T): T[] {
  const v = getField(o, key)
  if (v !== undefined && !Array.isArray(v)) return [parse(expectObject(v, joinPath(path, key)), joinPath(path, key))]
  return readObjectArray(o, key, path, parse)
}

function parseCapabilities (parent: Obj, path: string): Capabilities {
  const p = joinPath(path, 'capabilities')
  const o = expectObject(getField(parent, 'capabilities'), p, true)
  return { hardware: readOneOrMany(o, 'hardware', p, parseHardware), software: readOneOrMany(o, 'software', p, parseSoftware) }
}

function parseFunctionArg (o: Obj, p: string): FunctionArg {
  const arg: FunctionArg = { name: readNonEmptyString(o, 'name', p), type: readString(o, 'type', p) }
  // omitempty fields stay absent when empty, as upstream writes them
  const description = readString(o, 'description', p)
  if (description !== '') arg.description = description
  if (readBool(o, 'required', p)) arg.required = true
  const en = readStringArray(o, 'enum', p)
  if (en.length > 0) arg.enum = en
  return arg
}

/** A spec that becomes a process on its own: it must name its colony. */
function standaloneSpec (o: Obj): FunctionSpec {
  const spec = parseFunctionSpec(getField(o, 'spec'), 'spec')
  if (spec.conditions.colonyname === '') throw new ValidationError('spec.conditions.colonyname', 'is required')
  return spec
}

/** A cron's or generator's workflow text, which must target the owner's colony. */
function embeddedWorkflow (o: Obj, path: string, colonyname: string): string {
  const text = readString(o, 'workflowspec', path)
  const field = joinPath(path, 'workflowspec')
  if (text === '') throw new ValidationError(field, 'is required')
  const wf = parseWorkflowSpecText(text, field)
  if (wf.colonyname !== colonyname) throw new ValidationError(joinPath(field, 'colonyname'), `must equal ${path}.colonyname`)
  return text
}

type Parsers = { [T in MsgType]: (o: Obj) => Omit<MessageOf<T>, 'msgtype'> }

const PARSERS: Parsers = {
  // colonies
  addcolonymsg: o => {
    const c = child(o, 'colony')
    return { colony: { colonyid: readId(c, 'colonyid', 'colony'), name: readNonEmptyString(c, 'name', 'colony') } }
  },
  removecolonymsg: o => ({ colonyname: name(o, 'colonyname') }),
  getcoloniesmsg: () => ({}),
  getcolonymsg: o => ({ colonyname: name(o, 'colonyname') }),
  getcolonystatsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  changecolonyidmsg: o => ({ colonyname: name(o, 'colonyname'), colonyid: id(o, 'colonyid') }),

  // executors
  addexecutormsg: o => {
    const e = child(o, 'executor')
    const p = 'executor'
    return {
      executor: {
        executorid: readId(e, 'executorid', p),
        executortype: readNonEmptyString(e, 'executortype', p),
        executorname: readNonEmptyString(e, 'executorname', p),
        colonyname: readNonEmptyString(e, 'colonyname', p),
        locationname: readString(e, 'locationname', p),
        requirefuncreg: readBool(e, 'requirefuncreg', p),
        capabilities: parseCapabilities(e, p)
      }
    }
  },
  approveexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  rejectexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  removeexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  getexecutorsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  getexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  getexecutorbyidmsg: o => ({ colonyname: name(o, 'colonyname'), executorid: id(o, 'executorid') }),
  updateexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname'), capabilities: parseCapabilities(o, ROOT) }),
  changeexecutoridmsg: o => ({ colonyname: name(o, 'colonyname'), executorid: id(o, 'executorid') }),

  // users
  addusermsg: o => {
    const u = child(o, 'user')
    const p = 'user'
    return {
      user: {
        colonyname: readNonEmptyString(u, 'colonyname', p),
        userid: readId(u, 'userid', p),
        name: readNonEmptyString(u, 'name', p),
        email: readString(u, 'email', p),
        phone: readString(u, 'phone', p)
      }
    }
  },
  removeusermsg: o => ({ colonyname: name(o, 'colonyname'), name: name(o, 'name') }),
  getusersmsg: o => ({ colonyname: name(o, 'colonyname') }),
  getusermsg: o => ({ colonyname: name(o, 'colonyname'), name: name(o, 'name') }),
  getuserbyidmsg: o => ({ colonyname: name(o, 'colonyname'), userid: id(o, 'userid') }),
  changeuseridmsg: o => ({ colonyname: name(o, 'colonyname'), userid: id(o, 'userid') }),

  // server
  versionmsg: o => ({ buildversion: str(o, 'buildversion'), buildtime: str(o, 'buildtime') }),
  getserverinfomsg: () => ({}),
  getstatisticsmsg: () => ({}),
  changeserveridmsg: o => ({ serverid: id(o, 'serverid') }),

  // processes
  submitfuncspecmsg: o => ({ spec: standaloneSpec(o) }),
  assignprocessmsg: o => {
    const timeout = readInt(o, 'timeout', ROOT)
    if (timeout === 0) throw new ValidationError('timeout', 'must not be 0 (> 0 waits that many seconds, < 0 tries once)')
    return {
      colonyname: name(o, 'colonyname'),
      timeout,
      availablecpu: readQuantity.cpu(o, 'availablecpu', ROOT),
      availablemem: readQuantity.memory(o, 'availablemem', ROOT)
    }
  },
  closesuccessfulmsg: o => ({ processid: id(o, 'processid'), out: readJsonArray(o, 'out', ROOT) }),
  closefailedmsg: o => ({ processid: id(o, 'processid'), errors: readStringArray(o, 'errors', ROOT) }),
  setoutputmsg: o => ({ processid: id(o, 'processid'), out: readJsonArray(o, 'out', ROOT) }),
  cancelprocessmsg: o => ({ processid: id(o, 'processid') }),
  getprocessmsg: o => ({ processid: id(o, 'processid') }),
  getprocessesmsg: o => ({
    colonyname: name(o, 'colonyname'),
    count: count(o, MAX_COUNT),
    state: state(o),
    executortype: str(o, 'executortype'),
    label: str(o, 'label'),
    initiator: str(o, 'initiator')
  }),
  getprocesshistmsg: o => ({
    colonyname: name(o, 'colonyname'),
    executorid: readId(o, 'executorid', ROOT, true),
    seconds: readInt(o, 'seconds', ROOT, 0),
    state: state(o)
  }),
  removeprocessmsg: o => ({ processid: id(o, 'processid'), all: bool(o, 'all') }),
  removeallprocessesmsg: o => ({ colonyname: name(o, 'colonyname'), state: removeAllState(o) }),
  pauseassignmentsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  resumeassignmentsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  getpausestatusmsg: o => ({ colonyname: name(o, 'colonyname') }),

  // attributes
  addattributemsg: o => {
    const a = child(o, 'attribute')
    const p = 'attribute'
    return {
      attribute: {
        targetid: readId(a, 'targetid', p),
        targetcolonyname: readString(a, 'targetcolonyname', p),
        targetprocessgraphid: readId(a, 'targetprocessgraphid', p, true),
        attributetype: readInt(a, 'attributetype', p, 0, 3) as AttributeTypeValue,
        key: readNonEmptyString(a, 'key', p),
        value: readString(a, 'value', p)
      }
    }
  },
  getattributemsg: o => ({ attributeid: id(o, 'attributeid') }),

  // logs
  addlogmsg: o => ({ processid: id(o, 'processid'), message: str(o, 'message') }),
  addexecutorlogmsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname'), message: str(o, 'message') }),
  getlogsmsg: o => {
    const executorname = str(o, 'executorname')
    const colonyname = str(o, 'colonyname')
    // upstream looks the executor up by (colonyname, executorname), else the process by id
    if (executorname !== '' && colonyname === '') throw new ValidationError('colonyname', 'is required with executorname')
    const processid = readId(o, 'processid', ROOT, executorname !== '')
    // ns timestamps exceed 2^53: require an integer, not a safe one
    const since = getField(o, 'since') ?? 0
    if (typeof since !== 'number' || !Number.isInteger(since) || since < 0) throw new ValidationError('since', 'must be an integer ≥ 0 (Unix ns)')
    return { colonyname, processid, executorname, count: count(o, MAX_LOG_COUNT), since, latest: bool(o, 'latest') }
  },
  searchlogsmsg: o => ({
    colonyname: name(o, 'colonyname'),
    text: str(o, 'text'),
    days: readInt(o, 'days', ROOT, 0, MAX_DAYS),
    count: count(o, MAX_COUNT)
  }),

  // functions
  addfunctionmsg: o => {
    const f = child(o, 'fun')
    const p = 'fun'
    return {
      fun: {
        functionid: readId(f, 'functionid', p, true),
        executorname: readNonEmptyString(f, 'executorname', p),
        executortype: readString(f, 'executortype', p),
        colonyname: readNonEmptyString(f, 'colonyname', p),
        funcname: readNonEmptyString(f, 'funcname', p),
        description: readString(f, 'description', p),
        args: readObjectArray(f, 'args', p, parseFunctionArg),
        locationname: readString(f, 'locationname', p)
      }
    }
  },
  getfunctionsmsg: o => ({ colonyname: name(o, 'colonyname'), executorname: str(o, 'executorname') }),
  removefunctionmsg: o => ({ functionid: id(o, 'functionid') }),

  // workflows
  submitworkflowspecmsg: o => ({ spec: parseWorkflowSpec(getField(o, 'spec'), 'spec') }),
  getprocessgraphmsg: o => ({ processgraphid: id(o, 'processgraphid') }),
  getprocessgraphsmsg: o => ({ colonyname: name(o, 'colonyname'), count: count(o, MAX_COUNT), state: state(o) }),
  removeprocessgraphmsg: o => ({ processgraphid: id(o, 'processgraphid'), all: bool(o, 'all') }),
  removeallprocessgraphsmsg: o => ({ colonyname: name(o, 'colonyname'), state: removeAllState(o) }),
  cancelprocessgraphmsg: o => ({ processgraphid: id(o, 'processgraphid') }),
  addchildmsg: o => ({
    processgraphid: id(o, 'processgraphid'),
    parentprocessid: id(o, 'parentprocessid'),
    childprocessid: readId(o, 'childprocessid', ROOT, true),
    spec: standaloneSpec(o),
    insert: bool(o, 'insert')
  }),

  // cron
  addcronmsg: o => {
    const c = child(o, 'cron')
    const p = 'cron'
    const colonyname = readNonEmptyString(c, 'colonyname', p)
    const interval = readInt(c, 'interval', p, -1)
    if (interval === 0) throw new ValidationError('cron.interval', 'must be -1 (use cronexpression) or > 0 seconds')
    const cronexpression = readString(c, 'cronexpression', p)
    const random = readBool(c, 'random', p)
    if (interval === -1 && cronexpression === '') throw new ValidationError('cron.cronexpression', 'is required when interval is -1')
    if (interval === -1 && random) throw new ValidationError('cron.random', 'only works with an interval')
    // the schedule must be readable before the cron enters the ledger (cron.ts names the bad field)
    if (interval === -1) parseCronExpression(cronexpression)
    return {
      cron: {
        colonyname,
        name: readNonEmptyString(c, 'name', p),
        cronexpression,
        interval,
        random,
        workflowspec: embeddedWorkflow(c, p, colonyname),
        waitforprevprocessgraph: readBool(c, 'waitforprevprocessgraph', p)
      }
    }
  },
  getcronmsg: o => ({ cronid: id(o, 'cronid') }),
  getcronsmsg: o => ({ colonyname: name(o, 'colonyname'), count: count(o, MAX_COUNT) }),
  runcronmsg: o => ({ cronid: id(o, 'cronid') }),
  removecronmsg: o => ({ cronid: id(o, 'cronid'), all: bool(o, 'all') }),

  // generators
  addgeneratormsg: o => {
    const g = child(o, 'generator')
    const p = 'generator'
    const colonyname = readNonEmptyString(g, 'colonyname', p)
    return {
      generator: {
        colonyname,
        name: readNonEmptyString(g, 'name', p),
        workflowspec: embeddedWorkflow(g, p, colonyname),
        // upstream divides by trigger: 0 would never (or always) fire
        trigger: readInt(g, 'trigger', p, 1, Number.MAX_SAFE_INTEGER, 0),
        timeout: readInt(g, 'timeout', p, -1)
      }
    }
  },
  getgeneratormsg: o => ({ generatorid: id(o, 'generatorid') }),
  getgeneratorsmsg: o => ({ colonyname: name(o, 'colonyname'), count: count(o, MAX_COUNT) }),
  resolvegeneratormsg: o => ({ colonyname: name(o, 'colonyname'), generatorname: name(o, 'generatorname') }),
  packgeneratormsg: o => ({ generatorid: id(o, 'generatorid'), arg: str(o, 'arg') }),
  removegeneratormsg: o => ({ generatorid: id(o, 'generatorid'), all: bool(o, 'all') }),

  // sites
  addsitemsg: o => ({ colonyname: name(o, 'colonyname'), nodeid: id(o, 'nodeid'), name: str(o, 'name') }),
  removesitemsg: o => ({ colonyname: name(o, 'colonyname'), nodeid: id(o, 'nodeid') }),
  getsitesmsg: o => ({ colonyname: name(o, 'colonyname') }),

  // dashboard reads (colonynet)
  getprocesspagemsg: o => ({
    colonyname: name(o, 'colonyname'),
    state: readInt(o, 'state', ROOT, STATE_NOTSET, 4),
    executortype: str(o, 'executortype'),
    label: str(o, 'label'),
    initiator: str(o, 'initiator'),
    offset: readInt(o, 'offset', ROOT, 0),
    count: count(o, MAX_PAGE_COUNT)
  }),
  getprocesshistorymsg: o => ({ processid: id(o, 'processid') }),
  getthroughputmsg: o => {
    const seconds = readInt(o, 'seconds', ROOT, 1, MAX_THROUGHPUT_SECONDS, 600)
    const bucket = readInt(o, 'bucket', ROOT, 1, MAX_THROUGHPUT_SECONDS, 10)
    if (seconds / bucket > MAX_THROUGHPUT_BUCKETS) throw new ValidationError('bucket', `must be at least seconds / ${MAX_THROUGHPUT_BUCKETS}`)
    return { colonyname: name(o, 'colonyname'), seconds, bucket }
  },
  getexecutorsitesmsg: o => ({ colonyname: name(o, 'colonyname') }),
  subscribecolonymsg: o => ({ colonyname: name(o, 'colonyname'), timeout: readInt(o, 'timeout', ROOT) }),

  // subscriptions
  subscribeprocessmsg: o => ({
    colonyname: name(o, 'colonyname'),
    processid: id(o, 'processid'),
    executortype: str(o, 'executortype'),
    state: state(o),
    timeout: readInt(o, 'timeout', ROOT)
  }),
  subscribeprocessesmsg: o => ({
    colonyname: name(o, 'colonyname'),
    executortype: name(o, 'executortype'),
    state: state(o),
    timeout: readInt(o, 'timeout', ROOT)
  })
}

/** Every msgtype parseMessage understands. */
export const MSGTYPES: readonly MsgType[] = Object.freeze(Object.keys(PARSERS) as MsgType[])

/** The msgtypes that change state, i.e. go into the ledger. */
export const MUTATIONS: ReadonlySet<string> = new Set<MsgType>([
  'addsitemsg', 'removesitemsg',
  'addcolonymsg', 'removecolonymsg', 'changecolonyidmsg',
  'addexecutormsg', 'approveexecutormsg', 'rejectexecutormsg', 'removeexecutormsg', 'updateexecutormsg', 'changeexecutoridmsg',
  'addusermsg', 'removeusermsg', 'changeuseridmsg',
  'changeserveridmsg',
  'submitfuncspecmsg', 'assignprocessmsg', 'closesuccessfulmsg', 'closefailedmsg', 'setoutputmsg', 'cancelprocessmsg',
  'removeprocessmsg', 'removeallprocessesmsg', 'pauseassignmentsmsg', 'resumeassignmentsmsg',
  'addattributemsg',
  'addlogmsg', 'addexecutorlogmsg',
  'addfunctionmsg', 'removefunctionmsg',
  'submitworkflowspecmsg', 'removeprocessgraphmsg', 'removeallprocessgraphsmsg', 'cancelprocessgraphmsg', 'addchildmsg',
  'addcronmsg', 'runcronmsg', 'removecronmsg',
  'addgeneratormsg', 'packgeneratormsg', 'removegeneratormsg'
])

/** Answered without a valid signature upstream. */
export const UNSIGNED: ReadonlySet<string> = new Set<MsgType>(['versionmsg', 'getserverinfomsg'])

/** Carried over the WebSocket at /pubsub rather than POST /api. */
export const SUBSCRIPTIONS: ReadonlySet<string> = new Set<MsgType>(['subscribeprocessmsg', 'subscribeprocessesmsg', 'subscribecolonymsg'])

/**
 * Validates a decoded payload and returns the typed message: only known fields, Go zero
 * values for missing ones. Throws ValidationError naming the field, and nothing else.
 */
export function parseMessage (json: Record<string, unknown>): Message {
  const o = expectObject(json, ROOT)
  const t = getField(o, 'msgtype')
  if (t === undefined) throw new ValidationError('msgtype', 'is required')
  if (typeof t !== 'string') throw new ValidationError('msgtype', 'must be a string')
  // hasOwn: "constructor" or "__proto__" must not reach Object.prototype
  if (!Object.hasOwn(PARSERS, t)) throw new ValidationError('msgtype', `unknown message type "${t.slice(0, 60)}"`)
  const parse = PARSERS[t as MsgType] as (o: Obj) => object
  return { msgtype: t, ...parse(o) } as Message
}

/**
 * The message as wire JSON. Only specs need work (upstream omits their empty
 * `locationname` and `channels`); everything else is already its own JSON.
 */
export function encodeMessage (msg: Message): Record<string, unknown> {
  switch (msg.msgtype) {
    case 'submitfuncspecmsg':
    case 'addchildmsg':
      return { ...msg, spec: functionSpecToJson(msg.spec) }
    case 'submitworkflowspecmsg':
      return { ...msg, spec: workflowSpecToJson(msg.spec) }
    default:
      return { ...msg }
  }
}
