/**
 * The node's RPC from the page: each call is a message signed here with the session's key
 * and POSTed to /api on the origin that served the page. Errors become ApiError with the
 * node's status and one-line message (never a stack).
 */
import type { FunctionSpecJson } from '../../src/protocol/spec.js'
import type {
  Cron, Executor, Generator, Log, Process, ProcessGraph, ProcessHistory, ProcessHistoryStep, SiteInfo, Statistics
} from '../../src/protocol/wire-types.js'
import { openReply, signEnvelope } from './sign.js'

export type { Cron, Executor, Generator, Log, Process, ProcessGraph, ProcessHistory, Statistics }
export type HistoryStep = ProcessHistoryStep

export class ApiError extends Error {
  /** the node's HTTP-like status; 0 when the node could not be reached or answered nonsense */
  readonly status: number
  constructor (status: number, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
}

// Reply shapes of colonynet's own read messages (src/node/dashboard-reads.ts, federation.ts).
export interface ProcessPage { total: number, offset: number, processes: Array<Process & { site: string }> }
export interface ThroughputBucket { t: number, submitted: number, succeeded: number, failed: number, cancelled: number }
export interface Throughput { now: number, bucket: number, buckets: ThroughputBucket[] }
export interface ExecutorSite { executorid: string, site: string, sitename: string, lastseen: number }
export type SiteStatus = SiteInfo
export interface ProcessFilter { state: number, executortype: string, label: string, initiator: string }
/** The last prune applied to a colony here: up to which times (ms), when, and what it freed. */
export interface PruneReport { colony: string, record: string, below: number, horizon: number, at: number, units: number, processes: number, batches: number }
/** The node's GET /health (src/node/node.ts), the parts the page shows; older nodes lack some. */
export interface NodeHealth {
  nodeid: string
  /** the colony's name when the node holds exactly one */
  colony?: string
  /** what memory holds (live work) and the data directory's bytes (-1: not looked at yet) */
  ledger?: { units: number, processes: number, pagedIn: number, evicted: number, sweeps: number, diskbytes: number }
  memory?: { heapused: number, heaplimit: number, rss: number }
  /** policy in seconds (0: off); totals since the node started */
  retention?: { policy: number, archive: string, written: number, last: PruneReport[], units: number, processes: number, pending: number }
  /** processes that ran more than once (both sides of a partition claimed them), the first ids listed */
  duplicates?: { processes: number, executions: number, listed: string[] }
  /** public, behind NAT (peers see it at an address not its own) or on a private network; its relay slot */
  nat?: { reachability: 'public' | 'nat' | 'private', observed: string[], relays: string[] }
}

type Msg = { msgtype: string } & Record<string, unknown>

export class Api {
  readonly prvkey: string
  readonly colony: string
  private readonly base: string

  constructor (prvkey: string, colony: string, base = '') {
    this.prvkey = prvkey
    this.colony = colony
    this.base = base
  }

  async call<T> (msg: Msg, signal?: AbortSignal): Promise<T> {
    const body = JSON.stringify(signEnvelope(msg, this.prvkey))
    let res: Response
    try {
      res = await fetch(`${this.base}/api`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: signal ?? null })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new ApiError(0, 'The node did not answer. Is it still running?')
    }
    let json: unknown
    try {
      json = await res.json()
    } catch {
      throw new ApiError(0, `The node answered ${res.status} without a ColonyOS reply`)
    }
    const r = openReply(json)
    if (!r.ok) throw new ApiError(r.status, r.message)
    return r.value as T
  }

  // ---- reads ----

  colonyInfo = async (): Promise<{ colonyid: string, name: string }> => await this.call({ msgtype: 'getcolonymsg', colonyname: this.colony })
  stats = async (): Promise<Statistics> => await this.call({ msgtype: 'getcolonystatsmsg', colonyname: this.colony })
  throughput = async (seconds: number, bucket: number): Promise<Throughput> =>
    await this.call({ msgtype: 'getthroughputmsg', colonyname: this.colony, seconds, bucket })

  processPage = async (f: ProcessFilter, offset: number, count: number): Promise<ProcessPage> =>
    await this.call({ msgtype: 'getprocesspagemsg', colonyname: this.colony, ...f, offset, count })

  process = async (processid: string): Promise<Process> => await this.call({ msgtype: 'getprocessmsg', processid })
  history = async (processid: string): Promise<ProcessHistory> => await this.call({ msgtype: 'getprocesshistorymsg', processid })
  /** the newest `count` log lines of a process */
  logs = async (processid: string, count: number): Promise<Log[]> =>
    await this.call({ msgtype: 'getlogsmsg', colonyname: this.colony, processid, count, since: 0, latest: true })

  graphs = async (state: number, count: number): Promise<ProcessGraph[]> =>
    await this.call({ msgtype: 'getprocessgraphsmsg', colonyname: this.colony, state, count })

  graph = async (processgraphid: string): Promise<ProcessGraph> => await this.call({ msgtype: 'getprocessgraphmsg', processgraphid })
  executors = async (): Promise<Executor[]> => await this.call({ msgtype: 'getexecutorsmsg', colonyname: this.colony })
  executorSites = async (): Promise<ExecutorSite[]> => await this.call({ msgtype: 'getexecutorsitesmsg', colonyname: this.colony })
  sites = async (): Promise<SiteStatus[]> => await this.call({ msgtype: 'getsitesmsg', colonyname: this.colony })
  crons = async (): Promise<Cron[]> => await this.call({ msgtype: 'getcronsmsg', colonyname: this.colony, count: 100 })
  generators = async (): Promise<Generator[]> => await this.call({ msgtype: 'getgeneratorsmsg', colonyname: this.colony, count: 100 })

  /** The node's own figures: GET /health, which any caller may read, so it is not signed. */
  health = async (signal?: AbortSignal): Promise<NodeHealth> => {
    let res: Response
    try {
      res = await fetch(`${this.base}/health`, { signal: signal ?? null })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new ApiError(0, 'The node did not answer. Is it still running?')
    }
    if (!res.ok) throw new ApiError(res.status, `The node answered ${res.status} to /health`)
    return await res.json() as NodeHealth
  }

  // ---- actions (the node decides who may) ----

  approveExecutor = async (executorname: string): Promise<void> =>
    await this.call({ msgtype: 'approveexecutormsg', colonyname: this.colony, executorname })

  rejectExecutor = async (executorname: string): Promise<void> =>
    await this.call({ msgtype: 'rejectexecutormsg', colonyname: this.colony, executorname })

  cancelProcess = async (processid: string): Promise<void> => await this.call({ msgtype: 'cancelprocessmsg', processid })
  removeProcess = async (processid: string): Promise<void> => await this.call({ msgtype: 'removeprocessmsg', processid, all: false })
  submit = async (spec: Partial<FunctionSpecJson> & Record<string, unknown>): Promise<Process> =>
    await this.call({ msgtype: 'submitfuncspecmsg', spec })
}
