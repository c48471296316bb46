/**
 * Process subscriptions over the node's WebSocket at {url}/pubsub (upstream
 * realtime_client.go): the client sends one signed subscribeprocessmsg or
 * subscribeprocessesmsg envelope as a text frame; the node answers with a reply envelope
 * (payloadtype "subscribeprocessmsg" for both kinds, payload = the Process) each time the
 * condition holds, at once if the process is already in the state, and closes the socket
 * when the subscription's timeout runs out. An error reply ends the subscription.
 */
import WebSocket from 'ws'
import { parseReply } from '../protocol/envelope.js'
import { ProcessState } from '../protocol/state.js'
import type { Process } from '../protocol/wire-types.js'
import { NodeUnreachableError, RpcError, rpcError, WaitTimeoutError } from './errors.js'
import type { ColoniesClient } from './rpc-client.js'

export interface SubscribeProcessOptions {
  colonyname: string
  processid: string
  /** "" or absent: the node uses the process's own executor type */
  executortype?: string
  /** the state to be told about */
  state: number
  /** seconds the node keeps the subscription open */
  timeoutSec: number
  signal?: AbortSignal
}

export interface SubscribeProcessesOptions {
  colonyname: string
  executortype: string
  state: number
  timeoutSec: number
  signal?: AbortSignal
}

/** The node may close a little after the timeout; past this much extra we close ourselves. */
const CLOSE_GRACE_MS = 5_000

function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

function pubsubUrl (httpUrl: string): string {
  return `${httpUrl.replace(/^http/i, 'ws')}/pubsub`
}

interface Waiter { resolve: (r: IteratorResult<Process>) => void, reject: (err: unknown) => void }

/**
 * One open subscription: an async iterator of Processes that ends when the node closes the
 * socket (timeout) or close() is called, and throws on an error reply, a lost connection or
 * abort. With an `onProcess` callback the processes go there instead of being queued.
 */
export class ProcessSubscription implements AsyncIterable<Process> {
  /** resolves once the subscribe frame is sent; rejects when the socket could not open */
  readonly opened: Promise<void>
  /** resolves when the subscription ends normally, rejects with the error that ended it */
  readonly ended: Promise<void>
  readonly #ws: WebSocket
  readonly #onProcess: ((p: Process) => void) | undefined
  readonly #queue: Process[] = []
  readonly #waiters: Waiter[] = []
  #finished = false
  #error: unknown = undefined
  #hasError = false
  #timer: NodeJS.Timeout | undefined
  #signal: AbortSignal | undefined
  #onAbort: (() => void) | undefined
  #resolveOpened!: () => void
  #rejectOpened!: (err: unknown) => void
  #resolveEnded!: () => void
  #rejectEnded!: (err: unknown) => void

  constructor (client: ColoniesClient, msg: Record<string, unknown> & { msgtype: 'subscribeprocessmsg' | 'subscribeprocessesmsg' },
    timeoutSec: number, signal?: AbortSignal, onProcess?: (p: Process) => void) {
    this.#onProcess = onProcess
    this.opened = new Promise((resolve, reject) => { this.#resolveOpened = resolve; this.#rejectOpened = reject })
    this.ended = new Promise((resolve, reject) => { this.#resolveEnded = resolve; this.#rejectEnded = reject })
    // callers may only look at one of them; an ignored rejection must not crash the process
    this.opened.catch(() => {})
    this.ended.catch(() => {})

    const frame = JSON.stringify(client.sign(msg)) // validates the message before connecting
    const url = pubsubUrl(client.url)
    this.#ws = new WebSocket(url)
    let isOpen = false
    this.#ws.on('open', () => {
      isOpen = true
      this.#ws.send(frame, err => {
        if (err !== undefined && err !== null) this.#fail(new NodeUnreachableError(client.url, `WebSocket send failed: ${err.message}`, err))
        else this.#resolveOpened()
      })
    })
    this.#ws.on('message', data => this.#onFrame(client.url, (data as Buffer).toString('utf8')))
    this.#ws.on('error', err => {
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1]
      if (!isOpen && status !== undefined) {
        this.#fail(new RpcError(Number(status), `${url} refused the WebSocket upgrade (HTTP ${status}); does this node support subscriptions?`))
      } else {
        this.#fail(new NodeUnreachableError(client.url, isOpen ? `subscription connection lost: ${err.message}` : `WebSocket: ${err.message}`, err))
      }
    })
    this.#ws.on('close', () => {
      if (!isOpen) this.#fail(new NodeUnreachableError(client.url, 'WebSocket closed before it opened'))
      else this.#end()
    })

    if (timeoutSec > 0) {
      this.#timer = setTimeout(() => this.close(), timeoutSec * 1000 + CLOSE_GRACE_MS)
      this.#timer.unref?.()
    }
    if (signal !== undefined) {
      this.#signal = signal
      if (signal.aborted) {
        queueMicrotask(() => this.#fail(abortReason(signal)))
      } else {
        this.#onAbort = () => this.#fail(abortReason(signal))
        signal.addEventListener('abort', this.#onAbort, { once: true })
      }
    }
  }

  #onFrame (nodeUrl: string, data: string): void {
    let reply: ReturnType<typeof parseReply>
    try {
      reply = parseReply(data)
    } catch (err) {
      this.#fail(new RpcError(502, `${nodeUrl} sent a subscription frame that is not a ColonyOS reply: ${(err as Error).message}`))
      return
    }
    if (!reply.ok) {
      this.#fail(rpcError(reply.status, reply.message, 'subscribeprocessmsg'))
      return
    }
    const p = reply.value as Process
    if (this.#onProcess !== undefined) {
      try { this.#onProcess(p) } catch (err) { this.#fail(err) }
      return
    }
    const w = this.#waiters.shift()
    if (w !== undefined) w.resolve({ value: p, done: false })
    else this.#queue.push(p)
  }

  #cleanup (): void {
    this.#finished = true
    clearTimeout(this.#timer)
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort)
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) {
      // terminate: no closing handshake to wait for, and safe while still connecting
      this.#ws.terminate()
    }
  }

  #end (): void {
    if (this.#finished) return
    this.#cleanup()
    this.#resolveOpened()
    this.#resolveEnded()
    for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true })
  }

  #fail (err: unknown): void {
    if (this.#finished) return
    this.#hasError = true
    this.#error = err
    this.#cleanup()
    this.#rejectOpened(err)
    this.#rejectEnded(err)
    for (const w of this.#waiters.splice(0)) w.reject(err)
  }

  /** End the subscription; iteration finishes after the processes already received. */
  close (): void {
    this.#end()
  }

  async next (): Promise<IteratorResult<Process>> {
    const p = this.#queue.shift()
    if (p !== undefined) return { value: p, done: false }
    if (this.#hasError) throw this.#error
    if (this.#finished) return { value: undefined, done: true }
    return await new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  [Symbol.asyncIterator] (): AsyncIterator<Process> {
    return {
      next: async () => await this.next(),
      return: async () => {
        this.close()
        return { value: undefined, done: true }
      }
    }
  }
}

/** Be told when one process reaches `state` (at once if it already has). */
export function subscribeProcess (client: ColoniesClient, opts: SubscribeProcessOptions, onProcess?: (p: Process) => void): ProcessSubscription {
  return new ProcessSubscription(client, {
    msgtype: 'subscribeprocessmsg',
    colonyname: opts.colonyname,
    processid: opts.processid,
    executortype: opts.executortype ?? '',
    state: opts.state,
    timeout: opts.timeoutSec
  }, opts.timeoutSec, opts.signal, onProcess)
}

/** Be told each time a process of `executortype` reaches `state` (upstream requires an executor key). */
export function subscribeProcesses (client: ColoniesClient, opts: SubscribeProcessesOptions, onProcess?: (p: Process) => void): ProcessSubscription {
  return new ProcessSubscription(client, {
    msgtype: 'subscribeprocessesmsg',
    colonyname: opts.colonyname,
    executortype: opts.executortype,
    state: opts.state,
    timeout: opts.timeoutSec
  }, opts.timeoutSec, opts.signal, onProcess)
}

const STATE_NAMES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED']
const FINAL_STATES = [ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED] as number[]

function stateName (s: number): string {
  return STATE_NAMES[s] ?? String(s)
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) { reject(abortReason(signal)); return }
    const onAbort = (): void => { clearTimeout(t); reject(abortReason(signal as AbortSignal)) }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Wait until a process reaches `state` (or one of several) and return it. A process that
 * ends in another final state can never get there, so any final state (SUCCESS, FAILED,
 * CANCELLED) also ends the wait: check `.state` of the result (as upstream's CLI --wait,
 * which waits for SUCCESS or FAILED). Throws WaitTimeoutError after `timeoutSec`.
 */
export async function waitForState (client: ColoniesClient, processid: string, state: number | readonly number[], timeoutSec: number,
  signal?: AbortSignal): Promise<Process> {
  const targets = new Set<number>(typeof state === 'number' ? [state] : state)
  const settles = (p: Process): boolean => targets.has(p.state) || FINAL_STATES.includes(p.state)
  const deadline = Date.now() + timeoutSec * 1000
  let proc = await client.getProcess(processid, { signal })
  if (settles(proc)) return proc
  const { colonyname, executortype } = proc.spec.conditions
  const watched = [...new Set([...targets, ...FINAL_STATES])]
  let pauseMs = 250

  for (;;) {
    const leftMs = deadline - Date.now()
    if (leftMs <= 0) {
      throw new WaitTimeoutError(`process ${processid} did not reach ${[...targets].map(stateName).join(' or ')} within ${timeoutSec} s ` +
        `(it is ${stateName(proc.state)}); wait longer or check it with \`colonies process get -p ${processid}\``)
    }
    const ctrl = new AbortController()
    const onAbort = (): void => ctrl.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const found = await new Promise<Process | undefined>((resolve, reject) => {
        ctrl.signal.addEventListener('abort', () => reject(abortReason(ctrl.signal)), { once: true })
        const subs = watched.map(s => subscribeProcess(client,
          { colonyname, processid, executortype, state: s, timeoutSec: Math.ceil(leftMs / 1000), signal: ctrl.signal }, resolve))
        // the node sends at once when the state already holds; this re-check covers one that does not
        Promise.all(subs.map(async s => await s.opened))
          .then(async () => await client.getProcess(processid, { signal: ctrl.signal }))
          .then(p => { proc = p; if (settles(p)) resolve(p) })
          .catch(() => { /* the subscriptions report their own errors */ })
        Promise.allSettled(subs.map(async s => await s.ended)).then(results => {
          const failed = results.find(r => r.status === 'rejected')
          if (failed !== undefined) reject(failed.reason)
          else resolve(undefined)
        }, reject)
      })
      if (found !== undefined) return found
    } finally {
      signal?.removeEventListener('abort', onAbort)
      ctrl.abort()
    }
    // the node closed every subscription: its timeout, or a restart; look, then resubscribe
    proc = await client.getProcess(processid, { signal })
    if (settles(proc)) return proc
    await sleep(Math.min(pauseMs, Math.max(0, deadline - Date.now())), signal)
    pauseMs = Math.min(pauseMs * 2, 2_000)
  }
}
