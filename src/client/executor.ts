/**
 * The executor SDK: an assign loop that runs a handler for each process it is given and
 * closes the process with the outcome. Lifecycle: `start()`, then `stop({ graceMs })` (on
 * SIGINT/SIGTERM, say): stop assigning, let running handlers finish within the grace time,
 * then abort them and close their processes as failed ("executor stopped"), so nothing is
 * left RUNNING on the node. Network trouble never ends the loop: it backs off and retries.
 */
import { toJsonValue } from '../protocol/json.js'
import { ExecutorState, ProcessState } from '../protocol/state.js'
import type { Capabilities, Executor as ExecutorRecord, FunctionArg, Process } from '../protocol/wire-types.js'
import { endedAttemptText } from './attempts.js'
import { NodeUnreachableError, RpcError, rpcError } from './errors.js'
import type { ColoniesClient } from './rpc-client.js'
import type { CloseOutcome } from './rpc-processes.js'

export interface ExecutionContext {
  readonly process: Process
  /** aborted when the executor stops (after the grace time) or the node says the process is gone */
  readonly signal: AbortSignal
  /** Add a line to the process log; lines are sent in batches (every ~100 ms). */
  log (line: string): void
  /** Send the batched log lines now. */
  flushLogs (): Promise<void>
  /** Replace the process output while it runs. */
  setOutput (out: unknown[]): Promise<void>
}

export type HandlerResult = { out?: unknown[] } | undefined | void
export type ProcessHandler = (process: Process, ctx: ExecutionContext) => Promise<HandlerResult>

/** Thrown by a handler to close the process as failed with several error lines. */
export class ProcessFailedError extends Error {
  readonly errors: string[]
  constructor (errors: string[]) {
    super(errors.join('; '))
    this.name = 'ProcessFailedError'
    this.errors = errors
  }
}

/**
 * Thrown by a handler to hand the process back without closing it: the node's own timeout
 * then decides (with maxexectime and retries left, it goes back to WAITING). An explicit
 * close as failed would never be retried.
 */
export class ProcessReleasedError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ProcessReleasedError'
  }
}

export type ExecutorEvent =
  | { type: 'assigned', process: Process }
  | { type: 'closed', process: Process, successful: boolean, errors: string[] }
  /** not closed by us: the node says it is gone, or the handler released it */
  | { type: 'released', process: Process, reason: string }
  /** something went wrong and was handled (retried, or a log line lost); `during` says where */
  | { type: 'error', error: Error, during: 'assign' | 'close' | 'log' | 'output' | 'handler', process?: Process }

export interface ExecutorOptions {
  /** a client signing with the executor's own key */
  client: ColoniesClient
  colonyname: string
  handler: ProcessHandler
  /** processes run at once, each with its own assign loop (default 1) */
  concurrency?: number
  /** assign long-poll in seconds (default 10) */
  assignTimeoutSec?: number
  /** CPU the executor offers, e.g. "4000m" ("" = unlimited) */
  availableCpu?: string
  /** memory the executor offers, e.g. "8Gi" ("" = unlimited) */
  availableMem?: string
  /** how long log lines are collected before one addlog RPC (default 100 ms) */
  logFlushMs?: number
  /**
   * how often a running process is checked on the node, to abort it when gone (default 5000 ms;
   * 0 = never). Each check also renews the process's lease at the node: keep it well under
   * the node's `--lease` (default 60 s), or a long silent run goes back to the queue.
   */
  watchIntervalMs?: number
  /** cap of the retry back-off after network errors (default 2000 ms) */
  maxBackoffMs?: number
  /** after an abort, how long to wait for the handler to wind down before closing (default 3000 ms) */
  abortWaitMs?: number
  /**
   * close each process and ask for the next one in one request (colonynet's
   * closeandassignmsg; default true). Against a ColonyOS server, which does not know the
   * message, the executor finds out on its first close and uses closes and assigns from then on.
   */
  closeAndAssign?: boolean
  onEvent?: (event: ExecutorEvent) => void
}

export interface RegisterOptions {
  colonyname: string
  /** the colony owner's private key: adding and approving executors is the owner's right */
  colonyOwnerKey: string
  executortype: string
  executorname: string
  location?: string
  capabilities?: Partial<Capabilities>
  /** functions the executor offers, registered with its own key */
  functions?: Array<{ funcname: string, description?: string, args?: FunctionArg[] }>
}

const STATE_NAMES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED']
/** A node answering "nothing to do" at once must not turn the loop into a busy spin. */
const MIN_POLL_MS = 250
const CLOSE_ATTEMPTS = 6
/** Log batches above this many characters are sent at once rather than waiting for the timer. */
const MAX_LOG_BATCH = 32 * 1024

type AbortKind = 'stopped' | 'gone'

interface Task {
  process: Process
  ctrl: AbortController
  why: AbortKind | undefined
  checking: boolean
}

function abortError (message: string): Error {
  const err = new Error(message)
  err.name = 'AbortError'
  return err
}

/**
 * A server that does not know the message: ColonyOS answers "invalid rpcMsg.PayloadType: …"
 * (403, pkg/server/server.go), an older colonynet "unknown message type" (400).
 */
function unknownMessage (err: RpcError): boolean {
  return /invalid rpcMsg\.PayloadType|unknown message type/i.test(err.message)
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/** Collects log lines and sends them as one addlog message per interval, in order. */
class LogBatcher {
  #lines: string[] = []
  #size = 0
  #timer: NodeJS.Timeout | undefined
  #chain: Promise<void> = Promise.resolve()
  #closed = false
  readonly #send: (message: string) => Promise<void>
  readonly #flushMs: number

  constructor (send: (message: string) => Promise<void>, flushMs: number) {
    this.#send = send
    this.#flushMs = flushMs
  }

  push (line: string): void {
    if (this.#closed) return
    // upstream prints messages back to back, so each carries its own newline
    const text = line.endsWith('\n') ? line : `${line}\n`
    this.#lines.push(text)
    this.#size += text.length
    if (this.#size >= MAX_LOG_BATCH) void this.flush()
    else this.#timer ??= setTimeout(() => { void this.flush() }, this.#flushMs)
  }

  async flush (): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#lines.length > 0) {
      const message = this.#lines.join('')
      this.#lines = []
      this.#size = 0
      this.#chain = this.#chain.then(async () => await this.#send(message))
    }
    await this.#chain
  }

  async close (): Promise<void> {
    await this.flush()
    this.#closed = true
  }
}

export class Executor {
  readonly client: ColoniesClient
  readonly colonyname: string
  readonly #handler: ProcessHandler
  readonly #opts: Required<Omit<ExecutorOptions, 'client' | 'colonyname' | 'handler' | 'onEvent'>>
  readonly #onEvent: ((e: ExecutorEvent) => void) | undefined
  readonly #assignCtrl = new AbortController()
  readonly #active = new Map<string, Task>()
  #loops: Array<Promise<void>> = []
  #started = false
  #stopping = false
  #graceOver = false
  #stopped: Promise<void> | undefined

  constructor (opts: ExecutorOptions) {
    this.client = opts.client
    this.colonyname = opts.colonyname
    this.#handler = opts.handler
    this.#onEvent = opts.onEvent
    this.#opts = {
      concurrency: Math.max(1, Math.floor(opts.concurrency ?? 1)),
      assignTimeoutSec: opts.assignTimeoutSec ?? 10,
      availableCpu: opts.availableCpu ?? '',
      availableMem: opts.availableMem ?? '',
      logFlushMs: opts.logFlushMs ?? 100,
      watchIntervalMs: opts.watchIntervalMs ?? 5_000,
      maxBackoffMs: opts.maxBackoffMs ?? 2_000,
      abortWaitMs: opts.abortWaitMs ?? 3_000,
      closeAndAssign: opts.closeAndAssign ?? true
    }
  }

  /** Processes being run right now. */
  get active (): number {
    return this.#active.size
  }

  /** Start the assign loops (idempotent). */
  start (): this {
    if (this.#started || this.#stopping) return this
    this.#started = true
    for (let i = 0; i < this.#opts.concurrency; i++) this.#loops.push(this.#loop())
    return this
  }

  /**
   * Stop assigning, give running handlers `graceMs` to finish, then abort them and close
   * their processes as failed ("executor stopped"). Resolves when every process is closed.
   */
  async stop ({ graceMs = 10_000 }: { graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#stop(graceMs)
    await this.#stopped
  }

  async #stop (graceMs: number): Promise<void> {
    this.#stopping = true
    // an in-flight long-poll would hold stop up to assignTimeoutSec
    this.#assignCtrl.abort()
    const all = Promise.all(this.#loops).then(() => 'done' as const)
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<'grace'>(resolve => { timer = setTimeout(() => resolve('grace'), graceMs) })
    const first = await Promise.race([all, grace])
    clearTimeout(timer)
    if (first === 'grace') {
      this.#graceOver = true
      for (const task of this.#active.values()) this.#abort(task, 'stopped', 'executor stopped')
    }
    await all
  }

  #emit (event: ExecutorEvent): void {
    try { this.#onEvent?.(event) } catch { /* a faulty listener must not stop the executor */ }
  }

  async #pause (ms: number): Promise<void> {
    if (ms <= 0 || this.#stopping) return
    const signal = this.#assignCtrl.signal
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
      const t = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
  }

  async #loop (): Promise<void> {
    const { assignTimeoutSec, availableCpu, availableMem, maxBackoffMs } = this.#opts
    let backoffMs = 0
    // the process a close-and-assign brought: it is ours, so it runs even if we are stopping
    let next: Process | undefined
    while (!this.#stopping || next !== undefined) {
      if (next !== undefined) {
        next = await this.#run(next)
        continue
      }
      const startedAt = Date.now()
      let process: Process
      try {
        process = await this.client.assign(this.colonyname, assignTimeoutSec, availableCpu, availableMem, this.#assignCtrl.signal)
        backoffMs = 0
      } catch (err) {
        if (this.#stopping) break
        if (err instanceof RpcError && err.status === 404) {
          // nothing to run within the long-poll: ask again
          backoffMs = 0
          await this.#pause(MIN_POLL_MS - (Date.now() - startedAt))
          continue
        }
        backoffMs = backoffMs === 0 ? 100 : Math.min(backoffMs * 2, maxBackoffMs)
        this.#emit({ type: 'error', error: asError(err), during: 'assign' })
        await this.#pause(backoffMs)
        continue
      }
      next = await this.#run(process)
    }
  }

  #abort (task: Task, why: AbortKind, message: string): void {
    if (task.ctrl.signal.aborted) return
    task.why = why
    task.ctrl.abort(abortError(message))
  }

  /** Abort the task when the node no longer has the process running on this executor. */
  async #check (task: Task): Promise<void> {
    if (task.checking || task.ctrl.signal.aborted) return
    task.checking = true
    try {
      const p = await this.client.getProcess(task.process.processid)
      if (p.state !== ProcessState.RUNNING) {
        this.#abort(task, 'gone', `process is ${STATE_NAMES[p.state] ?? p.state} on the node`)
      } else if (p.assignedexecutorid !== this.client.id) {
        this.#abort(task, 'gone', 'process was given to another executor')
      }
    } catch (err) {
      if (err instanceof RpcError && err.status === 404) this.#abort(task, 'gone', 'process was removed from the node')
      // anything else is transient: the next tick asks again
    } finally {
      task.checking = false
    }
  }

  /** Retry network failures with back-off; an error reply is final. */
  async #retry (attempts: number, fn: () => Promise<void>): Promise<void> {
    let delay = 100
    for (let i = 1; ; i++) {
      try {
        await fn()
        return
      } catch (err) {
        if (!(err instanceof NodeUnreachableError) || i >= attempts) throw err
        await new Promise(resolve => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, this.#opts.maxBackoffMs)
      }
    }
  }

  /** Runs one process and closes it; resolves with the next process when the close brought one. */
  async #run (process: Process): Promise<Process | undefined> {
    const id = process.processid
    const task: Task = { process, ctrl: new AbortController(), why: undefined, checking: false }
    this.#active.set(id, task)
    this.#emit({ type: 'assigned', process })
    if (this.#graceOver) this.#abort(task, 'stopped', 'executor stopped')

    const logs = new LogBatcher(async message => {
      try {
        await this.#retry(3, async () => await this.client.addLog(id, message))
      } catch (err) {
        if (task.why !== 'gone') this.#emit({ type: 'error', error: asError(err), during: 'log', process })
        // refused: perhaps the process is no longer ours; find out now rather than at the next tick
        if (err instanceof RpcError) void this.#check(task)
      }
    }, this.#opts.logFlushMs)
    const ctx: ExecutionContext = {
      process,
      signal: task.ctrl.signal,
      log: line => logs.push(line),
      flushLogs: async () => await logs.flush(),
      setOutput: async out => {
        await logs.flush()
        await this.client.setOutput(id, out)
      }
    }
    const watch = this.#opts.watchIntervalMs > 0 ? setInterval(() => { void this.#check(task) }, this.#opts.watchIntervalMs) : undefined

    let outcome: { kind: 'success', out: unknown[] } | { kind: 'fail', errors: string[] } | { kind: 'release', reason: string }
    try {
      const settled = Promise.resolve()
        .then(async () => await this.#handler(process, ctx))
        .then(value => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }))
      const aborted = new Promise<'aborted'>(resolve => {
        if (task.ctrl.signal.aborted) resolve('aborted')
        else task.ctrl.signal.addEventListener('abort', () => resolve('aborted'), { once: true })
      })
      let result = await Promise.race([settled, aborted])
      if (result === 'aborted') {
        // let the handler wind down (a child process gets its SIGTERM/SIGKILL) before closing
        let t: NodeJS.Timeout | undefined
        result = await Promise.race([settled, new Promise<'aborted'>(resolve => { t = setTimeout(() => resolve('aborted'), this.#opts.abortWaitMs) })])
        clearTimeout(t)
      }
      if (task.ctrl.signal.aborted) {
        const reason = (task.ctrl.signal.reason as Error).message
        outcome = task.why === 'gone' ? { kind: 'release', reason } : { kind: 'fail', errors: [reason] }
      } else if (result === 'aborted' || !result.ok) {
        const err = result === 'aborted' ? new Error('aborted') : result.error
        if (err instanceof ProcessReleasedError) outcome = { kind: 'release', reason: err.message }
        else if (err instanceof ProcessFailedError) outcome = { kind: 'fail', errors: err.errors }
        else outcome = { kind: 'fail', errors: [asError(err).message] }
      } else {
        const out = result.value?.out ?? []
        try {
          outcome = { kind: 'success', out: toJsonValue(out, 'out') as unknown[] }
        } catch (err) {
          outcome = { kind: 'fail', errors: [`the handler's output is not JSON: ${asError(err).message}`] }
        }
      }
    } finally {
      clearInterval(watch)
    }

    await logs.close()
    try {
      if (outcome.kind !== 'release' && this.#opts.closeAndAssign && !this.#stopping) {
        const closed = await this.#closeAndAssign(id, outcome.kind === 'success' ? { successful: true, out: outcome.out } : { successful: false, errors: outcome.errors })
        if (closed !== 'unsupported') {
          this.#emit({ type: 'closed', process, successful: outcome.kind === 'success', errors: outcome.kind === 'success' ? [] : outcome.errors })
          return closed
        }
      }
      if (outcome.kind === 'release') {
        this.#emit({ type: 'released', process, reason: outcome.reason })
      } else if (outcome.kind === 'success') {
        await this.#retry(CLOSE_ATTEMPTS, async () => await this.client.closeSuccessful(id, outcome.out))
        this.#emit({ type: 'closed', process, successful: true, errors: [] })
      } else {
        await this.#retry(CLOSE_ATTEMPTS, async () => await this.client.closeFailed(id, outcome.errors))
        this.#emit({ type: 'closed', process, successful: false, errors: outcome.errors })
      }
    } catch (err) {
      this.#emit({ type: 'error', error: await this.#closeRefused(id, process, asError(err)), during: 'close', process })
    } finally {
      this.#active.delete(id)
    }
    return undefined
  }

  /**
   * The close and the next assign in one request. 'unsupported' when the node does not know
   * the message (a ColonyOS server; nothing written); the executor then closes and
   * assigns separately from now on. A network failure is retried like a close; an abort
   * (the executor stopping while the request is out) leaves us not knowing whether the
   * close was written, so the node is asked.
   */
  async #closeAndAssign (id: string, outcome: CloseOutcome): Promise<Process | undefined | 'unsupported'> {
    const { availableCpu, availableMem } = this.#opts
    try {
      let r: { next: Process | undefined, assignerror: string } | undefined
      // try once, not a long-poll: the close is known (and reported) as soon as it is
      // written; with nothing waiting, the loop's own long-poll follows
      await this.#retry(CLOSE_ATTEMPTS, async () => {
        r = await this.client.closeAndAssign(id, outcome, this.colonyname, -1, availableCpu, availableMem, this.#assignCtrl.signal)
      })
      if (r !== undefined && r.next === undefined && r.assignerror !== '' && !/^No process/.test(r.assignerror)) {
        this.#emit({ type: 'error', error: new Error(r.assignerror), during: 'assign' })
      }
      return r?.next
    } catch (err) {
      if (err instanceof RpcError && unknownMessage(err)) {
        this.#opts.closeAndAssign = false
        return 'unsupported'
      }
      if (!this.#assignCtrl.signal.aborted) throw err
      // stopped while the request was out: closed already, or close it now
      const p = await this.client.getProcess(id).catch(() => undefined)
      if (p !== undefined && p.state !== ProcessState.RUNNING) return undefined
      return 'unsupported'
    }
  }

  /**
   * A close the node refused because it had already ended the attempt (a timeout, a
   * cancel): say what happened instead of "the process is failed, not running". Any other
   * error, or one we cannot explain, stays as it was.
   */
  async #closeRefused (id: string, started: Process, err: Error): Promise<Error> {
    if (!(err instanceof RpcError)) return err
    try {
      const history = await this.client.getProcessHistory(id)
      const now = await this.client.getProcess(id)
      const text = endedAttemptText(history, now, this.client.id, Date.parse(started.starttime))
      // same class and status as the refusal (a ConflictError stays one), only the words change
      return text === undefined ? err : rpcError(err.status, text, err.msgtype)
    } catch {
      return err
    }
  }

  /**
   * Add the executor (signing `client`'s key) to the colony and approve it, both with the
   * colony owner's key, then register its functions with its own key. Running it again
   * with the same key and name is harmless: the existing executor is reused.
   */
  static async register (client: ColoniesClient, opts: RegisterOptions): Promise<ExecutorRecord> {
    const owner = client.withKey(opts.colonyOwnerKey)
    const { colonyname, executorname, executortype } = opts
    let record: ExecutorRecord
    try {
      record = await owner.addExecutor({
        executorid: client.id,
        executortype,
        executorname,
        colonyname,
        locationname: opts.location ?? '',
        capabilities: opts.capabilities
      })
    } catch (err) {
      if (!(err instanceof RpcError) || (err.status !== 400 && err.status !== 409)) throw err
      // already registered? reuse it when it is this very key
      let existing: ExecutorRecord
      try {
        existing = await owner.getExecutor(colonyname, executorname)
      } catch {
        throw err
      }
      if (existing.executorid !== client.id) {
        throw new RpcError(err.status, `an executor named "${executorname}" already exists in colony "${colonyname}" with another key; ` +
          `remove it (colonies executor remove --name ${executorname}) or choose another name`, 'addexecutormsg')
      }
      record = existing
    }
    if (record.state !== ExecutorState.APPROVED) await owner.approveExecutor(colonyname, executorname)
    if (opts.functions !== undefined && opts.functions.length > 0) {
      const have = new Set((await client.getFunctions(colonyname, executorname)).map(f => f.funcname))
      for (const f of opts.functions) {
        if (have.has(f.funcname)) continue
        await client.addFunction({
          executorname,
          executortype,
          colonyname,
          funcname: f.funcname,
          description: f.description ?? '',
          args: f.args ?? [],
          locationname: opts.location ?? ''
        })
      }
    }
    return { ...record, state: ExecutorState.APPROVED }
  }
}
