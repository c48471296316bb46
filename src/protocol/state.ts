/**
 * The colony state the fold derives from the ledger, and ColonyOS's state enums (process,
 * executor and attribute states, as upstream numbers them). Times are HLC wall
 * milliseconds of the records that caused them, so every node derives the same values;
 * the API turns them into ColonyOS's wire shapes.
 */
import type { FunctionSpec } from './spec.js'

/** Process (and process graph) states, pkg/core/process.go. */
export const ProcessState = { WAITING: 0, RUNNING: 1, SUCCESS: 2, FAILED: 3, CANCELLED: 4 } as const
export type ProcessStateValue = typeof ProcessState[keyof typeof ProcessState]
/** Upstream's NOTSET (-1): "any state" in removeall messages. */
export const STATE_NOTSET = -1

/** Executor states, pkg/core/executor.go. */
export const ExecutorState = { PENDING: 0, APPROVED: 1, REJECTED: 2, UNREGISTERED: 3 } as const
export type ExecutorStateValue = typeof ExecutorState[keyof typeof ExecutorState]

/** Attribute types, pkg/core/attribute.go. */
export const AttributeType = { IN: 0, OUT: 1, ERR: 2, ENV: 3 } as const
export type AttributeTypeValue = typeof AttributeType[keyof typeof AttributeType]

export const PROCESS_STATE_NAMES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const

export const WAIT_TIMEOUT_ERROR = 'Maximum waiting time limit exceeded'
export const EXEC_TIMEOUT_ERROR = 'Maximum execution time limit exceeded'

export interface SiteInfo {
  readonly nodeid: string
  readonly operatorid: string
  readonly name: string
}

export interface ColonyInfo {
  /** the colony owner's id (ColonyOS: colony id = id of the colony key) */
  readonly colonyid: string
  readonly name: string
  /** node ids admitted as sites of this colony; the founding node first */
  readonly sites: readonly string[]
  /** the name the colony owner gave each site when admitting it (the founder's own name for itself) */
  readonly sitenames: Readonly<Record<string, string>>
  readonly paused: boolean
}

export interface ExecutorInfo {
  readonly executorid: string
  readonly executortype: string
  readonly executorname: string
  readonly colonyname: string
  readonly state: ExecutorStateValue
  readonly requirefuncreg: boolean
  readonly locationname: string
  /** HLC ms of the add */
  readonly commissiontime: number
  /** the capabilities object as registered, kept verbatim for replies */
  readonly capabilities: unknown
}

export interface UserInfo {
  readonly colonyname: string
  readonly userid: string
  readonly name: string
  readonly email: string
  readonly phone: string
}

export interface FunctionInfo {
  readonly functionid: string
  readonly colonyname: string
  readonly executorname: string
  readonly executortype: string
  readonly funcname: string
  readonly description: string
}

export interface AttributeInfo {
  readonly attributeid: string
  readonly targetid: string
  readonly targetcolonyname: string
  readonly targetprocessgraphid: string
  readonly attributetype: number
  readonly key: string
  readonly value: string
}

export interface LogEntry {
  readonly processid: string
  readonly colonyname: string
  readonly executorname: string
  readonly message: string
  /** HLC ms of the log record */
  readonly timestamp: number
  /** record id: a stable, unique order within a millisecond */
  readonly id: string
}

/** One step in a process's life: which site and executor held which attempt, and when. */
/** A claim that lost an attempt another claim won (duplicates.ts). */
export interface DuplicateRun {
  readonly attempt: number
  /** the site that wrote the losing claim */
  readonly site: string
  readonly executorid: string
  /** the losing claim's record id */
  readonly claim: string
  /** whether its executor is known to have run it (it wrote records for that attempt) */
  readonly ran: boolean
}

export interface HistoryStep {
  readonly at: number
  readonly state: ProcessStateValue
  readonly attempt: number
  readonly executorid: string
  readonly site: string
  readonly record: string
}

export interface ProcessInfo {
  readonly processid: string
  readonly colonyname: string
  readonly initiatorid: string
  readonly initiatorname: string
  readonly spec: FunctionSpec
  state: ProcessStateValue
  /** the attempt now running, or the next one to be claimed when waiting */
  attempt: number
  assignedexecutorid: string
  isassigned: boolean
  /** the site whose claim won the current attempt ('' when none) */
  site: string
  readonly submissiontime: number
  /** submission ms − priority days: lowest runs first */
  readonly prioritytime: number
  starttime: number
  endtime: number
  waitdeadline: number
  execdeadline: number
  retries: number
  in: unknown[]
  out: unknown[]
  errors: string[]
  attributes: AttributeInfo[]
  logs: LogEntry[]
  waitforparents: boolean
  parents: string[]
  children: string[]
  processgraphid: string
  removed: boolean
  /** HLC ms of the record (or colony event) that removed it; 0 while not removed */
  removedat: number
  history: HistoryStep[]
  /** order key of the submit record: the tie-break in the waiting queue */
  readonly submitkey: string
  /** claims that lost an attempt another claim won, and whether they ran (duplicates.ts); absent when none */
  dups?: DuplicateRun[]
}

export function isFinal (state: number): boolean {
  return state === ProcessState.SUCCESS || state === ProcessState.FAILED || state === ProcessState.CANCELLED
}

/** A workflow: its nodes are processes of one fold unit (see graph-fold.ts). */
export interface GraphInfo {
  readonly processgraphid: string
  readonly colonyname: string
  readonly initiatorid: string
  readonly initiatorname: string
  /** node process ids in creation order (children added later come last) */
  readonly processids: string[]
  readonly rootprocessids: string[]
  state: ProcessStateValue
  readonly submissiontime: number
  starttime: number
  endtime: number
  removed: boolean
  /** HLC ms of the record (or colony event) that removed it; 0 while not removed */
  removedat: number
  /** what started it: a client's submit, a cron run or a generator firing */
  readonly source: GraphSource
}

export type GraphSource =
  | { readonly kind: 'submit' }
  | { readonly kind: 'cron', readonly cronid: string, /** scheduled ms; 0 for a run-now */ readonly at: number }
  | { readonly kind: 'generator', readonly generatorid: string, readonly packs: number }

export interface CronInfo {
  readonly cronid: string
  readonly colonyname: string
  readonly initiatorid: string
  readonly initiatorname: string
  readonly name: string
  readonly cronexpression: string
  /** seconds; -1 = use cronexpression */
  readonly interval: number
  readonly random: boolean
  /** the workflow as JSON text (as submitted), and parsed */
  readonly workflowspec: string
  readonly waitforprevprocessgraph: boolean
  /** HLC ms of the add: the anchor of interval and @every schedules */
  readonly created: number
}

export interface GeneratorInfo {
  readonly generatorid: string
  readonly colonyname: string
  readonly initiatorid: string
  readonly initiatorname: string
  readonly name: string
  readonly workflowspec: string
  readonly trigger: number
  /** seconds; ≤ 0 = never fire on timeout */
  readonly timeout: number
  readonly created: number
}
