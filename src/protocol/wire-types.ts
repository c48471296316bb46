/**
 * The wire shapes upstream returns for processes, executors, colonies, users, attributes,
 * logs, functions, statistics, process graphs, crons and generators (pkg/core), with
 * upstream's JSON field names. Times are Go time.Time: RFC 3339 strings with up to
 * nanosecond digits ("2024-05-01T12:00:00.123456Z"), GO_ZERO_TIME for "never".
 * Imports only types, so that the CLI's flags can read DEFAULT_PORT cheaply.
 */
import type { FunctionSpecJson, GPU } from './spec.js'
import type { AttributeTypeValue, ExecutorStateValue, ProcessStateValue } from './state.js'
import type { JsonValue } from './json.js'

/** The API port of a ColonyOS server (COLONIES_SERVER_PORT's default), and of a colonynet node. */
export const DEFAULT_PORT = 50080

/** Go's zero time.Time as encoding/json writes it; upstream sends it for "never". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

/**
 * A time as Go's encoding/json writes time.Time (RFC 3339 with up to nanosecond digits,
 * trailing zeros dropped); null/undefined → GO_ZERO_TIME. Input: ms since epoch or a Date.
 */
export function formatGoTime (t: number | Date | null | undefined): string {
  if (t === null || t === undefined) return GO_ZERO_TIME
  const iso = (typeof t === 'number' ? new Date(t) : t).toISOString() // always ".mmmZ"
  return iso.replace(/\.?0+Z$/, 'Z')
}

/** A date-time as Go writes it; see formatGoTime. */
export type GoTime = string

export interface Attribute {
  attributeid: string
  targetid: string
  targetcolonyname: string
  targetprocessgraphid: string
  state: number
  attributetype: AttributeTypeValue | number
  key: string
  value: string
}

export interface Process {
  processid: string
  initiatorid: string
  initiatorname: string
  assignedexecutorid: string
  isassigned: boolean
  state: ProcessStateValue | number
  /** submission time in ns minus priority days (upstream: int64 ns); lowest is assigned first */
  prioritytime: number
  submissiontime: GoTime
  starttime: GoTime
  endtime: GoTime
  waitdeadline: GoTime
  execdeadline: GoTime
  retries: number
  attributes: Attribute[]
  spec: FunctionSpecJson
  waitforparents: boolean
  parents: string[]
  children: string[]
  processgraphid: string
  in: JsonValue[]
  out: JsonValue[]
  errors: string[]
}

export interface Hardware {
  model: string
  nodes: number
  cpu: string
  cores: number
  mem: string
  storage: string
  gpu: GPU
  platform: string
  architecture: string
  network: string[]
}

export interface Software {
  name: string
  type: string
  version: string
}

export interface Capabilities {
  hardware: Hardware[]
  software: Software[]
}

export interface Project {
  allocatedcpu: number
  usedcpu: number
  allocatedgpu: number
  usedgpu: number
  allocatedstorage: number
  usedstorage: number
}

export interface Executor {
  executorid: string
  executortype: string
  executorname: string
  colonyname: string
  state: ExecutorStateValue | number
  requirefuncreg: boolean
  commissiontime: GoTime
  lastheardfromtime: GoTime
  /** omitted when empty */
  locationname?: string
  capabilities: Capabilities
  allocations: { projects: Record<string, Project> }
  /** omitted when empty */
  blueprintid?: string
  /** omitted when 0 */
  blueprintgen?: number
}

export interface Colony {
  colonyid: string
  name: string
}

export interface User {
  colonyname: string
  userid: string
  name: string
  email: string
  phone: string
}

export interface Log {
  processid: string
  colonyname: string
  executorname: string
  message: string
  /** Unix time in nanoseconds (upstream UnixNano; exceeds 2^53, so JS numbers lose the last bits) */
  timestamp: number
}

export interface FunctionArg {
  name: string
  type: string
  description?: string
  required?: boolean
  enum?: string[]
}

/** upstream core.Function; named so it does not shadow the global `Function` type */
export interface ColonyFunction {
  functionid: string
  executorname: string
  executortype: string
  colonyname: string
  funcname: string
  description?: string
  args?: FunctionArg[]
  counter: number
  /** seconds (float) */
  minwaittime: number
  maxwaittime: number
  minexectime: number
  maxexectime: number
  avgwaittime: number
  avgexectime: number
  locationname?: string
}

/** Reply of getstatisticsmsg (server-wide) and getcolonystatsmsg (one colony; upstream sets colonies to 1). */
export interface Statistics {
  colonies: number
  executors: number
  activeexecutors: number
  unregisteredexecutors: number
  waitingprocesses: number
  runningprocesses: number
  successfulprocesses: number
  failedprocesses: number
  cancelledprocesses: number
  waitingworkflows: number
  runningworkflows: number
  successfulworkflows: number
  failedworkflows: number
  cancelledworkflows: number
}
export type ColonyStatistics = Statistics

/** One site of a colony, as `getsitesmsg` reports it (a colonynet message). */
export interface SiteInfo {
  nodeid: string
  name: string
  self: boolean
  /** a connection is open and the site was heard from within the silence window (heartbeats come every 2 s) */
  connected: boolean
  /** a connection is open but nothing came from the site for the silence window: frozen, or its link is down */
  silent?: boolean
  /** ms since the epoch (0 = never) */
  lastseen: number
  /** per origin node: records this site lacked when it last told the answering node (heartbeat advert or sync) */
  behind: Record<string, number>
  /** false: the site has not said what it holds since the answering node started (cut off), so `behind` is unknown */
  behindknown?: boolean
  /** ms its clock is ahead of the answering node's (estimated; null = not heard yet; absent on a lone node) */
  clockskew?: number | null
  /** executors attached there per executor type, as it last advertised (a lone node: its own; absent on other sites it cannot hear) */
  executors?: Record<string, number>
  /** how the answering node reaches it: self, direct, relayed (through `via`), upgraded (direct after relayed), none */
  reach?: 'self' | 'direct' | 'relayed' | 'upgraded' | 'none'
  /** the relay site's node id, for a relayed or upgraded connection */
  via?: string
  /** on the answering node's own row when it is no longer a site of the colony: who removed it, when (ms since the epoch) */
  removed?: { by: string, at: number }
}

export interface GraphNode {
  id: string
  data: { label: string }
  position: { x: number, y: number }
  type: string
  style: { color: string, background: string }
}

export interface Edge {
  id: string
  source: string
  target: string
  animated: boolean
}

export interface ProcessGraph {
  processgraphid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  rootprocessids: string[]
  state: ProcessStateValue | number
  submissiontime: GoTime
  starttime: GoTime
  endtime: GoTime
  processids: string[]
  nodes: GraphNode[]
  edges: Edge[]
}

export interface Cron {
  cronid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  name: string
  cronexpression: string
  /** seconds; -1 = use cronexpression */
  interval: number
  random: boolean
  nextrun: GoTime
  lastrun: GoTime
  /** the workflow spec as JSON text */
  workflowspec: string
  prevprocessgraphid: string
  waitforprevprocessgraph: boolean
  checkerperiod: number
}

export interface Generator {
  generatorid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  name: string
  /** the workflow spec as JSON text */
  workflowspec: string
  trigger: number
  /** seconds; ≤ 0 = never fire on timeout */
  timeout: number
  firstpack: GoTime
  lastrun: GoTime
  queuesize: number
  checkerperiod: number
}

export interface ServerInfo {
  buildversion: string
  buildtime: string
  backends: Array<{ type: string, port: number, host?: string, tls?: boolean, insecure?: boolean }>
}

/** Error reply payload. */
export interface Failure {
  status: number
  message: string
}

/** One state change of a process, as colonynet's getprocesshistorymsg replies (node/dashboard-reads.ts). */
export interface ProcessHistoryStep {
  /** ms since the epoch (the clock of the record that made the change) */
  readonly at: number
  readonly state: number
  readonly attempt: number
  readonly executorid: string
  readonly executorname: string
  /** the node id of the site: the claiming site while running, the submitting site for the submit */
  readonly site: string
  readonly sitename: string
  /** the ledger record that made the change ('' for a colony event such as an executor's removal) */
  readonly record: string
}

/**
 * An execution beyond the one that won its attempt: a claim that lost the attempt (both
 * sides of a partition claimed it) whose executor ran the process all the same.
 */
export interface DuplicateExecution {
  readonly attempt: number
  readonly executorid: string
  readonly executorname: string
  readonly site: string
  readonly sitename: string
  /** the losing claim's record id */
  readonly claim: string
}

/** getprocesshistorymsg's reply: a process's state changes in ledger order. */
export interface ProcessHistory {
  readonly processid: string
  readonly submitsite: string
  readonly steps: readonly ProcessHistoryStep[]
  /** executions beyond the winning one of each attempt (colonynet; absent from older nodes) */
  readonly duplicates?: readonly DuplicateExecution[]
}
