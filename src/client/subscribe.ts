/**
 * Process subscriptions over the node's WebSocket at {url}/pubsub (upstream
 * realtime_client.go): the client sends one signed subscribeprocessmsg or
 * subscribeprocessesmsg envelope as a text frame; the node answers with a reply envelope
 * (payloadtype "subscribeprocessmsg" for both kinds, payload = the Process) each time the
 * condition holds, at once if the process is already in the state, and closes the socket
 * when the subscription's timeout runs out. An error reply ends the subscription.
 */
import { ProcessState } from '../protocol/state.js'
import type { Process } from '../protocol/wire-types.js'
import { WaitTimeoutError } from './errors.js'
import type { ColoniesClient } from './rpc-client.js'
import { abortReason, CLOSE_GRACE_MS, WsSubscription } from './ws-subscription.js'

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

/**
 * One open subscription: an async iterator of Processes that ends when the node closes the
 * socket (timeout) or close() is called, and throws on an error reply, a lost connection or
 * abort. With an `onProcess` callback the processes go there instead of being queued.
 */
export class ProcessSubscription extends WsSubscription<Process> {
  constructor (client: ColoniesClient, msg: Record<string, unknown> & { msgtype: 'subscribeprocessmsg' | 'subscribeprocessesmsg' },
    timeoutSec: number, signal?: AbortSignal, onProcess?: (p: Process) => void) {
    super(client, {
      msg,
      ...(timeoutSec > 0 ? { closeAfterMs: timeoutSec * 1000 + CLOSE_GRACE_MS } : {}),
      ...(signal === undefined ? {} : { signal }),
      ...(onProcess === undefined ? {} : { onItems: (ps: Process[]) => { for (const p of ps) onProcess(p) } })
    })
  }

  protected onValue (value: unknown): void {
    this.deliver([value as Process])
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
