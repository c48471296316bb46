/**
 * Processes and what hangs off them: submitting, assigning and closing, attributes, logs,
 * the functions executors offer, and the WebSocket subscriptions to a process's state.
 */
import { ValidationError } from '../errors.js'
import {
  getField, type JsonValue, readBool, readId, readInt, readJsonArray, readNonEmptyString, readObjectArray, readQuantity,
  readString, readStringArray
} from '../json.js'
import { type FunctionSpec, parseFunctionSpec } from '../spec.js'
import type { AttributeTypeValue } from '../state.js'
import type { FunctionArg } from '../wire-types.js'
import {
  bool, child, count, id, MAX_COUNT, MAX_DAYS, MAX_LOG_COUNT, name, type Obj, type ParsersOf, removeAllState, ROOT,
  standaloneSpec, state, str
} from './readers.js'

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

// processes
export interface SubmitFunctionSpecMsg { msgtype: 'submitfuncspecmsg', spec: FunctionSpec }
/**
 * colonynet's own: many specs of one colony in one signed envelope, each its own process
 * (bulk-fold.ts). Replies with the processes, in spec order.
 */
export interface SubmitFunctionSpecsMsg { msgtype: 'submitfuncspecsmsg', specs: FunctionSpec[] }
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
/**
 * colonynet's own: the assigned executor closes its process (as closesuccessfulmsg when
 * `successful`, else as closefailedmsg) and asks for its next one in the same signed
 * request (as assignprocessmsg). The ledger keeps this envelope as the close.
 */
export interface CloseAndAssignMsg {
  msgtype: 'closeandassignmsg'
  processid: string
  successful: boolean
  /** the output of a successful close */
  out: JsonValue[]
  /** the errors of a failed close */
  errors: string[]
  colonyname: string
  /** seconds to long-poll for the next process; < 0 = try once; never 0 */
  timeout: number
  availablecpu: string
  availablemem: string
}
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
  /** Unix ns; 0 = from the start (a negative since on the wire reads as 0) */
  since: number
  /** newest `count` logs instead of the oldest */
  latest: boolean
}
export interface SearchLogsMsg { msgtype: 'searchlogsmsg', colonyname: string, text: string, days: number, count: number }

// functions
export interface AddFunctionMsg { msgtype: 'addfunctionmsg', fun: FunctionInput }
export interface GetFunctionsMsg { msgtype: 'getfunctionsmsg', colonyname: string, /** "" = all in the colony */ executorname: string }
export interface RemoveFunctionMsg { msgtype: 'removefunctionmsg', functionid: string }

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

export type ProcessMessage =
  | SubmitFunctionSpecMsg | SubmitFunctionSpecsMsg | AssignProcessMsg | CloseSuccessfulMsg | CloseFailedMsg | CloseAndAssignMsg | SetOutputMsg | CancelProcessMsg
  | GetProcessMsg | GetProcessesMsg | GetProcessHistMsg | RemoveProcessMsg | RemoveAllProcessesMsg
  | PauseAssignmentsMsg | ResumeAssignmentsMsg | GetPauseStatusMsg | AddAttributeMsg | GetAttributeMsg | AddLogMsg
  | AddExecutorLogMsg | GetLogsMsg | SearchLogsMsg | AddFunctionMsg | GetFunctionsMsg | RemoveFunctionMsg

export type SubscriptionMessage =
  | SubscribeProcessMsg | SubscribeProcessesMsg

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

/** What an assign asks for: the colony, the long-poll and the executor's offer. */
function assignFields (o: Obj): Omit<AssignProcessMsg, 'msgtype'> {
  const timeout = readInt(o, 'timeout', ROOT)
  if (timeout === 0) throw new ValidationError('timeout', 'must not be 0 (> 0 waits that many seconds, < 0 tries once)')
  return {
    colonyname: name(o, 'colonyname'),
    timeout,
    availablecpu: readQuantity.cpu(o, 'availablecpu', ROOT),
    availablemem: readQuantity.memory(o, 'availablemem', ROOT)
  }
}

/** Most specs one submitfuncspecsmsg may carry (the envelope must also fit in one request body). */
export const MAX_BULK_SPECS = 1000

/** The specs of a bulk submit, each read as submitfuncspecmsg's spec is, all of one colony. */
function bulkSpecs (o: Obj): FunctionSpec[] {
  const v = getField(o, 'specs')
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_BULK_SPECS) {
    throw new ValidationError('specs', `must be an array of 1 to ${MAX_BULK_SPECS} function specs`)
  }
  const specs = v.map((x, i) => parseFunctionSpec(x, `specs[${i}]`))
  const colony = (specs[0] as FunctionSpec).conditions.colonyname
  specs.forEach((s, i) => {
    const c = s.conditions.colonyname
    if (c === '') throw new ValidationError(`specs[${i}].conditions.colonyname`, 'is required')
    if (c !== colony) throw new ValidationError(`specs[${i}].conditions.colonyname`, `must be the colony of specs[0] (${JSON.stringify(colony)}): one bulk submits to one colony`)
  })
  return specs
}

export const PROCESS_PARSERS: ParsersOf<ProcessMessage> = {
  // processes
  submitfuncspecmsg: o => ({ spec: standaloneSpec(o) }),
  submitfuncspecsmsg: o => ({ specs: bulkSpecs(o) }),
  assignprocessmsg: assignFields,
  closesuccessfulmsg: o => ({ processid: id(o, 'processid'), out: readJsonArray(o, 'out', ROOT) }),
  closefailedmsg: o => ({ processid: id(o, 'processid'), errors: readStringArray(o, 'errors', ROOT) }),
  closeandassignmsg: o => {
    const successful = readBool(o, 'successful', ROOT)
    const out = readJsonArray(o, 'out', ROOT)
    const errors = readStringArray(o, 'errors', ROOT)
    // one outcome: a failed close carries no output, a successful one no errors
    if (successful && errors.length > 0) throw new ValidationError('errors', 'must be empty when successful is true')
    if (!successful && out.length > 0) throw new ValidationError('out', 'must be empty when successful is false (a failed close keeps no output)')
    return { processid: id(o, 'processid'), successful, out, errors, ...assignFields(o) }
  },
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
    // ns timestamps exceed 2^53: require an integer, not a safe one; ≤ 0 is no lower bound
    // (pycolonies sends -1), as upstream reads only a positive since as one
    const since = getField(o, 'since') ?? 0
    if (typeof since !== 'number' || !Number.isInteger(since)) throw new ValidationError('since', 'must be an integer (Unix ns; 0 or less: from the start)')
    return { colonyname, processid, executorname, count: count(o, MAX_LOG_COUNT), since: Math.max(0, since), latest: bool(o, 'latest') }
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
  removefunctionmsg: o => ({ functionid: id(o, 'functionid') })
}

export const SUBSCRIPTION_PARSERS: ParsersOf<SubscriptionMessage> = {
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
