/**
 * A ColonyOS RPC client: one identity (private key), one node URL, one method per RPC,
 * named after upstream's Go client (pkg/client/*.go) in camelCase. Each request is the
 * message validated with parseMessage (so a bad argument fails here, naming the field,
 * before anything is sent), signed, and POSTed to {url}/api; the reply is decoded and
 * typed with the wire shapes in wire-types.ts, or turned into a typed error by its status.
 */
import { exchange, ExchangeTimeoutError, httpTarget, type HttpTarget } from './transport.js'
import { installCryptoBackend } from '../crypto/index.js'
import { idFromPrivateKey } from '../protocol/crypto.js'
import { parseReply, signEnvelope, type RpcEnvelope } from '../protocol/envelope.js'
import { ValidationError } from '../protocol/errors.js'
import {
  encodeMessage, MAX_COUNT, MAX_LOG_COUNT, parseMessage, type AttributeInput, type CronInput,
  type FunctionInput, type GeneratorInput, type MsgType
} from '../protocol/messages.js'
import type { JsonValue } from '../protocol/json.js'
import type { FunctionSpec, WorkflowSpec } from '../protocol/spec.js'
import { ProcessState, STATE_NOTSET } from '../protocol/state.js'
import {
  DEFAULT_PORT, type Attribute, type Capabilities, type Colony, type ColonyFunction, type Cron, type Executor, type Generator,
  type Log, type Process, type ProcessGraph, type ServerInfo, type SiteInfo, type Statistics, type User
} from '../protocol/wire-types.js'
import { NodeUnreachableError, RpcError, rpcError } from './errors.js'

export { DEFAULT_PORT }
/** Per-request limit for ordinary RPCs; assign adds its long-poll time on top. */
export const DEFAULT_TIMEOUT_MS = 30_000

export interface ColoniesClientOptions {
  /** node base URL, e.g. http://127.0.0.1:50080 ("host:port" alone means http) */
  url: string
  /** 64-hex secp256k1 private key: the identity every request is signed with */
  prvkey: string
  /** per-request timeout in ms (default 30 s) */
  timeoutMs?: number
}

/** Per-call options every method accepts last. */
export interface CallOptions {
  signal?: AbortSignal
  /** overrides the client's timeout for this call */
  timeoutMs?: number
}

type DeepPartial<T> = T extends Array<infer U> ? Array<DeepPartial<U>> : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T

/** A function spec as a caller writes it: missing fields take upstream's defaults (see spec.ts). */
export type FunctionSpecInput = DeepPartial<FunctionSpec> & { conditions: DeepPartial<FunctionSpec['conditions']> & { executortype: string } }
/** A workflow as a caller writes it. */
export interface WorkflowSpecInput { colonyname: string, functionspecs: FunctionSpecInput[] }

export interface ExecutorRegistration {
  /** the executor's id: idFromPrivateKey of the key it will sign with */
  executorid: string
  executortype: string
  executorname: string
  colonyname: string
  locationname?: string
  requirefuncreg?: boolean
  capabilities?: Partial<Capabilities>
}

export interface UserRegistration { colonyname: string, userid: string, name: string, email?: string, phone?: string }

export interface ProcessFilter {
  /** "" or absent = any */
  executortype?: string
  label?: string
  /** initiator (user) name */
  initiator?: string
  /** at most MAX_COUNT (100), the default */
  count?: number
}

export interface LogQuery {
  colonyname: string
  /** one of processid / executorname (executorname wins when both are set, as upstream) */
  processid?: string
  executorname?: string
  /** at most 500 */
  count?: number
  /** Unix nanoseconds; only logs after it */
  since?: number
  /** the newest `count` logs instead of the oldest */
  latest?: boolean
}

export type AttributeRegistration = Omit<AttributeInput, 'targetprocessgraphid' | 'targetcolonyname'> & {
  targetcolonyname?: string
  targetprocessgraphid?: string
}

export type FunctionRegistration = Omit<FunctionInput, 'functionid' | 'description' | 'args' | 'locationname' | 'executortype'> &
Partial<Pick<FunctionInput, 'functionid' | 'description' | 'args' | 'locationname' | 'executortype'>>

export type CronRegistration = Omit<CronInput, 'workflowspec' | 'interval' | 'random' | 'waitforprevprocessgraph' | 'cronexpression'> & {
  /** the workflow, as an object or its JSON text */
  workflowspec: WorkflowSpecInput | WorkflowSpec | string
  cronexpression?: string
  /** seconds > 0, or -1 (default) to use cronexpression */
  interval?: number
  random?: boolean
  waitforprevprocessgraph?: boolean
}

export type GeneratorRegistration = Omit<GeneratorInput, 'workflowspec' | 'timeout'> & {
  workflowspec: WorkflowSpecInput | WorkflowSpec | string
  /** seconds; ≤ 0 (default -1) = never fire on timeout */
  timeout?: number
}

export type { SiteInfo }

/** The node URL from COLONIES_SERVER_HOST / _PORT / _TLS, as upstream's CLI reads them. */
export function serverUrlFromEnv (env: Record<string, string | undefined> = process.env): string {
  const host = env.COLONIES_SERVER_HOST ?? 'localhost'
  const port = env.COLONIES_SERVER_PORT ?? String(DEFAULT_PORT)
  const tls = (env.COLONIES_SERVER_TLS ?? '').toLowerCase() === 'true'
  return `${tls ? 'https' : 'http'}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`
}

function normalizeUrl (url: string): string {
  if (typeof url !== 'string' || url.trim() === '') throw new ValidationError('url', 'is required, e.g. http://127.0.0.1:50080')
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`
  let parsed: URL
  try {
    parsed = new URL(withScheme)
  } catch {
    throw new ValidationError('url', `"${url}" is not a URL; expected e.g. http://127.0.0.1:50080`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ValidationError('url', `must be http or https, got ${parsed.protocol}`)
  return withScheme.replace(/\/+$/, '')
}

/** A short human cause for a failed fetch (undici hides the errno in `cause`). */
function describeNetworkError (err: unknown): string {
  const cause = (err as { cause?: { code?: string, message?: string } })?.cause
  const code = cause?.code ?? (err as { code?: string })?.code
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_SOCKET: 'connection closed by the node',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no reply headers in time'
  }
  if (code !== undefined) return `${known[code] ?? cause?.message ?? 'network error'} (${code})`
  return cause?.message ?? (err instanceof Error ? err.message : String(err))
}

function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

/** Read through a function so TypeScript does not keep an earlier `aborted` check narrowed. */
function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

function list<T> (v: unknown): T[] {
  // Go encodes an empty slice as null
  return Array.isArray(v) ? v as T[] : []
}

function workflowText (spec: WorkflowSpecInput | WorkflowSpec | string): string {
  return typeof spec === 'string' ? spec : JSON.stringify(spec)
}

export class ColoniesClient {
  /** the node's base URL, without a trailing slash */
  readonly url: string
  /** this client's identity: the id the node recovers from its signatures */
  readonly id: string
  readonly timeoutMs: number
  readonly #prvkey: string
  readonly #target: HttpTarget

  constructor (opts: ColoniesClientOptions) {
    // every request is signed here: with the native backend where one loads
    installCryptoBackend()
    this.url = normalizeUrl(opts.url)
    this.#target = httpTarget(this.url)
    // validates the key too: a bad key fails here, not on the first call
    this.id = idFromPrivateKey(opts.prvkey)
    this.#prvkey = opts.prvkey
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  /** The same node, another identity (e.g. the colony owner's key for approving executors). */
  withKey (prvkey: string): ColoniesClient {
    return new ColoniesClient({ url: this.url, prvkey, timeoutMs: this.timeoutMs })
  }

  /** Validate a message and sign it with this client's key. */
  sign (msg: { msgtype: MsgType } & Record<string, unknown>): RpcEnvelope {
    const parsed = parseMessage(msg)
    return signEnvelope({ ...encodeMessage(parsed), msgtype: parsed.msgtype }, this.#prvkey)
  }

  /**
   * Send any message and return the decoded reply payload. The typed methods below are
   * wrappers; this is the escape hatch for messages without one.
   */
  async send<R = unknown> (msg: { msgtype: MsgType } & Record<string, unknown>, opts: CallOptions = {}): Promise<R> {
    const env = this.sign(msg)
    return await this.#post(env, opts) as R
  }

  /** One HTTP exchange with the node; failures to get any answer become NodeUnreachableError. */
  async #fetch (path: string, init: { method: 'GET' | 'POST', body?: string }, opts: CallOptions): Promise<{ status: number, text: string }> {
    const { signal } = opts
    if (isAborted(signal)) throw abortReason(signal as AbortSignal)
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    try {
      return await exchange(this.#target, path, init.method, init.body, timeoutMs, signal)
    } catch (err) {
      if (isAborted(signal)) throw abortReason(signal as AbortSignal)
      if (err instanceof ExchangeTimeoutError) throw new NodeUnreachableError(this.url, err.message, err)
      throw new NodeUnreachableError(this.url, describeNetworkError(err), err)
    }
  }

  async #post (env: RpcEnvelope, opts: CallOptions): Promise<unknown> {
    const { status, text } = await this.#fetch('/api', { method: 'POST', body: JSON.stringify(env) }, opts)
    let reply: ReturnType<typeof parseReply>
    try {
      reply = parseReply(text)
    } catch {
      const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text
      throw new RpcError(status >= 400 ? status : 502,
        `${this.url} answered HTTP ${status} with something that is not a ColonyOS reply (is this a colonies node?): ${JSON.stringify(snippet)}`,
        env.payloadtype)
    }
    if (!reply.ok) throw rpcError(reply.status, reply.message, env.payloadtype)
    return reply.value
  }

  // ---------------------------------------------------------------------------------------
  // Server

  /**
   * GET /health: resolves with the body (JSON when it parses, else text) on 2xx, throws
   * RpcError with the HTTP status otherwise, NodeUnreachableError when there is no answer.
   */
  async health (opts: CallOptions = {}): Promise<unknown> {
    const { status, text } = await this.#fetch('/health', { method: 'GET' }, opts)
    if (status < 200 || status > 299) throw new RpcError(status, `${this.url}/health answered HTTP ${status}: ${text.slice(0, 200)}`)
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }

  /** The node's build version and time (upstream signs versionmsg with no key; we sign anyway). */
  async version (opts?: CallOptions): Promise<{ buildversion: string, buildtime: string }> {
    const v = await this.send<{ buildversion?: string, buildtime?: string }>({ msgtype: 'versionmsg', buildversion: '', buildtime: '' }, opts)
    return { buildversion: v?.buildversion ?? '', buildtime: v?.buildtime ?? '' }
  }

  async getServerInfo (opts?: CallOptions): Promise<ServerInfo> {
    return await this.send<ServerInfo>({ msgtype: 'getserverinfomsg' }, opts)
  }

  /** Server-wide statistics (server owner / node operator only). */
  async getStatistics (opts?: CallOptions): Promise<Statistics> {
    return await this.send<Statistics>({ msgtype: 'getstatisticsmsg' }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Colonies

  /** Add a colony (server owner). `colonyid` is the colony owner's id (idFromPrivateKey). */
  async addColony (colonyname: string, colonyid: string, opts?: CallOptions): Promise<Colony> {
    return await this.send<Colony>({ msgtype: 'addcolonymsg', colony: { colonyid, name: colonyname } }, opts)
  }

  async removeColony (colonyname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removecolonymsg', colonyname }, opts)
  }

  async getColonies (opts?: CallOptions): Promise<Colony[]> {
    return list<Colony>(await this.send({ msgtype: 'getcoloniesmsg' }, opts))
  }

  async getColony (colonyname: string, opts?: CallOptions): Promise<Colony> {
    return await this.send<Colony>({ msgtype: 'getcolonymsg', colonyname }, opts)
  }

  async getColonyStatistics (colonyname: string, opts?: CallOptions): Promise<Statistics> {
    return await this.send<Statistics>({ msgtype: 'getcolonystatsmsg', colonyname }, opts)
  }

  async changeColonyId (colonyname: string, colonyid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'changecolonyidmsg', colonyname, colonyid }, opts)
  }

  /** Stop handing out processes in the colony (colony owner). */
  async pauseAssignments (colonyname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'pauseassignmentsmsg', colonyname }, opts)
  }

  async resumeAssignments (colonyname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'resumeassignmentsmsg', colonyname }, opts)
  }

  /** true while assignments are paused (reply: pausestatusreplymsg {colonyname, ispaused}). */
  // ---------------------------------------------------------------------------------------
  // Sites (colonynet: the nodes of a federated colony)

  /** Admits a node as a site of the colony (colony owner). */
  async addSite (colonyname: string, nodeid: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'addsitemsg', colonyname, nodeid, name }, opts)
  }

  /** Revokes a site (colony owner): its later records are refused and it is no longer served. */
  async removeSite (colonyname: string, nodeid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removesitemsg', colonyname, nodeid }, opts)
  }

  /** The sites of the colony as the node sees them: connected, last seen, records behind per origin. */
  async getSites (colonyname: string, opts?: CallOptions): Promise<SiteInfo[]> {
    return list<SiteInfo>(await this.send({ msgtype: 'getsitesmsg', colonyname }, opts))
  }

  async getPauseStatus (colonyname: string, opts?: CallOptions): Promise<boolean> {
    const r = await this.send<{ ispaused?: boolean }>({ msgtype: 'getpausestatusmsg', colonyname }, opts)
    return r?.ispaused === true
  }

  // ---------------------------------------------------------------------------------------
  // Executors

  /** Register an executor (colony owner); it starts PENDING until approved. */
  async addExecutor (executor: ExecutorRegistration, opts?: CallOptions): Promise<Executor> {
    const e = {
      executorid: executor.executorid,
      executortype: executor.executortype,
      executorname: executor.executorname,
      colonyname: executor.colonyname,
      locationname: executor.locationname ?? '',
      requirefuncreg: executor.requirefuncreg ?? false,
      capabilities: { hardware: executor.capabilities?.hardware ?? [], software: executor.capabilities?.software ?? [] }
    }
    return await this.send<Executor>({ msgtype: 'addexecutormsg', executor: e }, opts)
  }

  async approveExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'approveexecutormsg', colonyname, executorname }, opts)
  }

  async rejectExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'rejectexecutormsg', colonyname, executorname }, opts)
  }

  /** Remove an executor; its running processes go back to WAITING. */
  async removeExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeexecutormsg', colonyname, executorname }, opts)
  }

  async getExecutors (colonyname: string, opts?: CallOptions): Promise<Executor[]> {
    return list<Executor>(await this.send({ msgtype: 'getexecutorsmsg', colonyname }, opts))
  }

  /** By name (upstream GetExecutor). */
  async getExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<Executor> {
    return await this.send<Executor>({ msgtype: 'getexecutormsg', colonyname, executorname }, opts)
  }

  async getExecutorById (colonyname: string, executorid: string, opts?: CallOptions): Promise<Executor> {
    return await this.send<Executor>({ msgtype: 'getexecutorbyidmsg', colonyname, executorid }, opts)
  }

  async updateExecutorCapabilities (colonyname: string, executorname: string, capabilities: Partial<Capabilities>, opts?: CallOptions): Promise<void> {
    await this.send({
      msgtype: 'updateexecutormsg',
      colonyname,
      executorname,
      capabilities: { hardware: capabilities.hardware ?? [], software: capabilities.software ?? [] }
    }, opts)
  }

  async changeExecutorId (colonyname: string, executorid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'changeexecutoridmsg', colonyname, executorid }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Users

  async addUser (user: UserRegistration, opts?: CallOptions): Promise<User> {
    const u = { colonyname: user.colonyname, userid: user.userid, name: user.name, email: user.email ?? '', phone: user.phone ?? '' }
    return await this.send<User>({ msgtype: 'addusermsg', user: u }, opts)
  }

  async removeUser (colonyname: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeusermsg', colonyname, name }, opts)
  }

  async getUsers (colonyname: string, opts?: CallOptions): Promise<User[]> {
    return list<User>(await this.send({ msgtype: 'getusersmsg', colonyname }, opts))
  }

  /** By name (upstream GetUser). */
  async getUser (colonyname: string, name: string, opts?: CallOptions): Promise<User> {
    return await this.send<User>({ msgtype: 'getusermsg', colonyname, name }, opts)
  }

  async getUserById (colonyname: string, userid: string, opts?: CallOptions): Promise<User> {
    return await this.send<User>({ msgtype: 'getuserbyidmsg', colonyname, userid }, opts)
  }

  async changeUserId (colonyname: string, userid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'changeuseridmsg', colonyname, userid }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Processes

  /** Submit a function spec (upstream Submit); `conditions.colonyname` names the colony. */
  async submitFunctionSpec (spec: FunctionSpecInput | FunctionSpec, opts?: CallOptions): Promise<Process> {
    return await this.send<Process>({ msgtype: 'submitfuncspecmsg', spec }, opts)
  }

  /**
   * Long-poll for a process to run (upstream Assign): the node waits up to `timeoutSec`
   * (< 0: try once) and answers 404 (NotFoundError) when nothing matched. The HTTP timeout
   * is timeoutSec plus the client timeout, so the node always answers first.
   * Note: Node's fetch gives up on reply headers after 300 s; keep timeoutSec below that.
   */
  async assign (colonyname: string, timeoutSec: number, availableCpu = '', availableMem = '', signal?: AbortSignal): Promise<Process> {
    const timeoutMs = (timeoutSec > 0 ? timeoutSec * 1000 : 0) + this.timeoutMs
    return await this.send<Process>({
      msgtype: 'assignprocessmsg', colonyname, timeout: timeoutSec, availablecpu: availableCpu, availablemem: availableMem
    }, { signal, timeoutMs })
  }

  /** Close a running process as successful with its output (upstream Close / CloseWithOutput). */
  async closeSuccessful (processid: string, out: unknown[] = [], opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'closesuccessfulmsg', processid, out: out as JsonValue[] }, opts)
  }

  /** Close a process as failed (upstream Fail); failed processes are never retried. */
  async closeFailed (processid: string, errors: string[], opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'closefailedmsg', processid, errors }, opts)
  }

  async setOutput (processid: string, out: unknown[], opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'setoutputmsg', processid, out: out as JsonValue[] }, opts)
  }

  async cancelProcess (processid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'cancelprocessmsg', processid }, opts)
  }

  async getProcess (processid: string, opts?: CallOptions): Promise<Process> {
    return await this.send<Process>({ msgtype: 'getprocessmsg', processid }, opts)
  }

  /** Processes of the colony in `state`, filtered; count defaults to the maximum, 100. */
  async getProcesses (colonyname: string, state: number, filter: ProcessFilter = {}, opts?: CallOptions): Promise<Process[]> {
    return list<Process>(await this.send({
      msgtype: 'getprocessesmsg',
      colonyname,
      state,
      count: filter.count ?? MAX_COUNT,
      executortype: filter.executortype ?? '',
      label: filter.label ?? '',
      initiator: filter.initiator ?? ''
    }, opts))
  }

  async getWaitingProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.WAITING, filter, opts)
  }

  async getRunningProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.RUNNING, filter, opts)
  }

  async getSuccessfulProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.SUCCESS, filter, opts)
  }

  async getFailedProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.FAILED, filter, opts)
  }

  async getCancelledProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.CANCELLED, filter, opts)
  }

  /** Processes that reached `state` in the last `seconds` (executorid "" = every executor). */
  async getProcessHist (colonyname: string, state: number, seconds: number, executorid = '', opts?: CallOptions): Promise<Process[]> {
    return list<Process>(await this.send({ msgtype: 'getprocesshistmsg', colonyname, executorid, seconds, state }, opts))
  }

  async removeProcess (processid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeprocessmsg', processid, all: false }, opts)
  }

  /** Remove every process in `state` (default -1 = all states; RUNNING is refused). */
  async removeAllProcesses (colonyname: string, state: number = STATE_NOTSET, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeallprocessesmsg', colonyname, state }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Attributes

  async addAttribute (attribute: AttributeRegistration, opts?: CallOptions): Promise<Attribute> {
    const a = {
      targetid: attribute.targetid,
      targetcolonyname: attribute.targetcolonyname ?? '',
      targetprocessgraphid: attribute.targetprocessgraphid ?? '',
      attributetype: attribute.attributetype,
      key: attribute.key,
      value: attribute.value
    }
    return await this.send<Attribute>({ msgtype: 'addattributemsg', attribute: a }, opts)
  }

  async getAttribute (attributeid: string, opts?: CallOptions): Promise<Attribute> {
    return await this.send<Attribute>({ msgtype: 'getattributemsg', attributeid }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Logs. Upstream prints log messages with no separator, so each message should end in "\n".

  async addLog (processid: string, message: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'addlogmsg', processid, message }, opts)
  }

  /** A log line for the executor itself, outside any process (upstream AddLogToExecutor). */
  async addExecutorLog (colonyname: string, executorname: string, message: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'addexecutorlogmsg', colonyname, executorname, message }, opts)
  }

  async getLogs (query: LogQuery, opts?: CallOptions): Promise<Log[]> {
    return list<Log>(await this.send({
      msgtype: 'getlogsmsg',
      colonyname: query.colonyname,
      processid: query.processid ?? '',
      executorname: query.executorname ?? '',
      count: query.count ?? MAX_LOG_COUNT,
      since: query.since ?? 0,
      latest: query.latest ?? false
    }, opts))
  }

  /** Logs of the last `days` days (≤ 30) containing `text`; at most `count` (≤ 100). */
  async searchLogs (colonyname: string, text: string, days = 1, count = MAX_COUNT, opts?: CallOptions): Promise<Log[]> {
    return list<Log>(await this.send({ msgtype: 'searchlogsmsg', colonyname, text, days, count }, opts))
  }

  // ---------------------------------------------------------------------------------------
  // Functions

  /** Register a function the (calling) executor offers; payload field is `fun` upstream. */
  async addFunction (fun: FunctionRegistration, opts?: CallOptions): Promise<ColonyFunction> {
    const f = {
      functionid: fun.functionid ?? '',
      executorname: fun.executorname,
      executortype: fun.executortype ?? '',
      colonyname: fun.colonyname,
      funcname: fun.funcname,
      description: fun.description ?? '',
      args: fun.args ?? [],
      locationname: fun.locationname ?? ''
    }
    return await this.send<ColonyFunction>({ msgtype: 'addfunctionmsg', fun: f }, opts)
  }

  /** Functions of the colony, or of one executor when `executorname` is given. */
  async getFunctions (colonyname: string, executorname = '', opts?: CallOptions): Promise<ColonyFunction[]> {
    return list<ColonyFunction>(await this.send({ msgtype: 'getfunctionsmsg', colonyname, executorname }, opts))
  }

  async removeFunction (functionid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removefunctionmsg', functionid }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Workflows (process graphs)

  async submitWorkflowSpec (spec: WorkflowSpecInput | WorkflowSpec, opts?: CallOptions): Promise<ProcessGraph> {
    return await this.send<ProcessGraph>({ msgtype: 'submitworkflowspecmsg', spec }, opts)
  }

  async getProcessGraph (processgraphid: string, opts?: CallOptions): Promise<ProcessGraph> {
    return await this.send<ProcessGraph>({ msgtype: 'getprocessgraphmsg', processgraphid }, opts)
  }

  async getProcessGraphs (colonyname: string, state: number, count = MAX_COUNT, opts?: CallOptions): Promise<ProcessGraph[]> {
    return list<ProcessGraph>(await this.send({ msgtype: 'getprocessgraphsmsg', colonyname, count, state }, opts))
  }

  async removeProcessGraph (processgraphid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeprocessgraphmsg', processgraphid, all: false }, opts)
  }

  /** Remove every graph in `state` (default -1 = all states; RUNNING is refused). */
  async removeAllProcessGraphs (colonyname: string, state: number = STATE_NOTSET, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeallprocessgraphsmsg', colonyname, state }, opts)
  }

  async cancelProcessGraph (processgraphid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'cancelprocessgraphmsg', processgraphid }, opts)
  }

  /**
   * Add a child to a running node of a graph (the node's assigned executor only). `insert`
   * puts it between the parent and its children; otherwise it is appended.
   */
  async addChild (processgraphid: string, parentprocessid: string, childprocessid: string, spec: FunctionSpecInput | FunctionSpec,
    insert: boolean, opts?: CallOptions): Promise<Process> {
    return await this.send<Process>({ msgtype: 'addchildmsg', processgraphid, parentprocessid, childprocessid, spec, insert }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Cron

  async addCron (cron: CronRegistration, opts?: CallOptions): Promise<Cron> {
    const c = {
      colonyname: cron.colonyname,
      name: cron.name,
      cronexpression: cron.cronexpression ?? '',
      interval: cron.interval ?? -1,
      random: cron.random ?? false,
      workflowspec: workflowText(cron.workflowspec),
      waitforprevprocessgraph: cron.waitforprevprocessgraph ?? false
    }
    return await this.send<Cron>({ msgtype: 'addcronmsg', cron: c }, opts)
  }

  async getCron (cronid: string, opts?: CallOptions): Promise<Cron> {
    return await this.send<Cron>({ msgtype: 'getcronmsg', cronid }, opts)
  }

  async getCrons (colonyname: string, count = MAX_COUNT, opts?: CallOptions): Promise<Cron[]> {
    return list<Cron>(await this.send({ msgtype: 'getcronsmsg', colonyname, count }, opts))
  }

  /** Fire a cron now; upstream replies with the cron. */
  async runCron (cronid: string, opts?: CallOptions): Promise<Cron> {
    return await this.send<Cron>({ msgtype: 'runcronmsg', cronid }, opts)
  }

  async removeCron (cronid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removecronmsg', cronid, all: false }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Generators

  async addGenerator (generator: GeneratorRegistration, opts?: CallOptions): Promise<Generator> {
    const g = {
      colonyname: generator.colonyname,
      name: generator.name,
      workflowspec: workflowText(generator.workflowspec),
      trigger: generator.trigger,
      timeout: generator.timeout ?? -1
    }
    return await this.send<Generator>({ msgtype: 'addgeneratormsg', generator: g }, opts)
  }

  async getGenerator (generatorid: string, opts?: CallOptions): Promise<Generator> {
    return await this.send<Generator>({ msgtype: 'getgeneratormsg', generatorid }, opts)
  }

  async getGenerators (colonyname: string, count = MAX_COUNT, opts?: CallOptions): Promise<Generator[]> {
    return list<Generator>(await this.send({ msgtype: 'getgeneratorsmsg', colonyname, count }, opts))
  }

  /** A generator by name. */
  async resolveGenerator (colonyname: string, generatorname: string, opts?: CallOptions): Promise<Generator> {
    return await this.send<Generator>({ msgtype: 'resolvegeneratormsg', colonyname, generatorname }, opts)
  }

  async packGenerator (generatorid: string, arg: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'packgeneratormsg', generatorid, arg }, opts)
  }

  async removeGenerator (generatorid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removegeneratormsg', generatorid, all: false }, opts)
  }
}
