/**
 * Waiting on one process from the command line: `--wait` (until it ends, through the
 * node's subscriptions) and `--follow` (print its log as it grows until it ends), as
 * upstream's `function submit` and `log get` do; and, beside either, each attempt's end
 * as the node records it (a timeout and its retry would otherwise pass in silence).
 */
import type { ColoniesClient } from '../client/index.js'
import { ProcessState } from '../protocol/state.js'
import type { Log, Process } from '../protocol/wire-types.js'

const FINAL = new Set<number>([ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED])
/** one subscription round; waitForState resubscribes inside it, we loop around it when unbounded */
const WAIT_ROUND_SEC = 3600
const FOLLOW_POLL_MS = 500
const ATTEMPT_POLL_MS = 500

export function isFinal (p: Process): boolean {
  return FINAL.has(p.state)
}

/** Resolves with the process once it is SUCCESS, FAILED or CANCELLED; timeoutSec 0 = no limit. */
export async function waitUntilEnded (client: ColoniesClient, processid: string, timeoutSec = 0, signal?: AbortSignal): Promise<Process> {
  const { waitForState, WaitTimeoutError } = await import('../client/index.js')
  const deadline = timeoutSec > 0 ? Date.now() + timeoutSec * 1000 : Infinity
  for (;;) {
    const left = Math.ceil((deadline - Date.now()) / 1000)
    try {
      return await waitForState(client, processid, [...FINAL], Math.min(left, WAIT_ROUND_SEC), signal)
    } catch (err) {
      if (!(err instanceof WaitTimeoutError) || deadline !== Infinity) throw err
    }
  }
}

/** Drops the logs already printed: `since` is inclusive-ish once ns timestamps lose precision. */
class LogCursor {
  since = 0
  #atSince = new Set<string>()

  fresh (logs: readonly Log[]): Log[] {
    const out: Log[] = []
    for (const l of logs) {
      if (l.timestamp < this.since) continue
      const key = `${l.executorname}\u0000${l.message}`
      if (l.timestamp === this.since && this.#atSince.has(key)) continue
      if (l.timestamp > this.since) {
        this.since = l.timestamp
        this.#atSince = new Set()
      }
      this.#atSince.add(key)
      out.push(l)
    }
    return out
  }
}

export interface FollowOptions {
  colonyname: string
  /** follow one process until it ends … */
  processid?: string
  /** … or every log of an executor, until aborted */
  executorname?: string
  /** each new log message, as sent (executors end lines with "\n") */
  print: (message: string) => void
  signal?: AbortSignal
}

async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve() }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * Prints logs as they arrive. Following a process, returns it once it has ended and its
 * last logs are printed; following an executor, returns undefined when `signal` aborts.
 */
export async function followLogs (client: ColoniesClient, opts: FollowOptions): Promise<Process | undefined> {
  const cursor = new LogCursor()
  const query = { colonyname: opts.colonyname, processid: opts.processid, executorname: opts.executorname, count: 500 }
  for (;;) {
    if (opts.signal?.aborted === true) return undefined
    // ask for the state first: a process that has ended has no more logs to come after this read
    const proc = opts.processid === undefined ? undefined : await client.getProcess(opts.processid)
    for (;;) {
      const batch = await client.getLogs({ ...query, since: cursor.since })
      const fresh = cursor.fresh(batch)
      for (const l of fresh) opts.print(l.message)
      // a full page may have more behind it
      if (batch.length < query.count || fresh.length === 0) break
    }
    if (proc !== undefined && isFinal(proc)) return proc
    await pause(FOLLOW_POLL_MS, opts.signal)
  }
}

export interface WatchAttemptsOptions {
  processid: string
  /** the spec's maxretries, to say how many retries are left */
  maxretries: number
  /** one line for people (the caller puts it on stderr) */
  print: (line: string) => void
  /** stop watching: the process has ended (one last look prints the final attempt's end) */
  signal: AbortSignal
}

/**
 * Prints each attempt's end (why, which executor, which site) as the node records it,
 * until `signal` aborts. A first attempt's success is left to the caller's own report.
 * A node without the history read (not colonynet) is simply not watched.
 */
export async function watchAttempts (client: ColoniesClient, opts: WatchAttemptsOptions): Promise<void> {
  const { attemptEnds, attemptEndText, RpcError } = await import('../client/index.js')
  let printed = 0
  const look = async (): Promise<boolean> => {
    try {
      const history = await client.getProcessHistory(opts.processid)
      const ended = history.steps.some(s => FINAL.has(s.state))
      // the errors of a failed process are on the process, not in its history
      const ends = attemptEnds(history, ended ? await client.getProcess(opts.processid) : undefined)
      for (const e of ends.slice(printed)) {
        if (!(e.final === ProcessState.SUCCESS && e.attempt === 1)) opts.print(attemptEndText(e, opts.maxretries))
      }
      printed = Math.max(printed, ends.length)
      return true
    } catch (err) {
      // a refusal will not change; anything else (the node unreachable a moment) may
      return !(err instanceof RpcError)
    }
  }
  while (!opts.signal.aborted) {
    if (!await look()) return
    await pause(ATTEMPT_POLL_MS, opts.signal)
  }
  await look()
}
