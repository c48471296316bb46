/**
 * Channel subscriptions over the node's WebSocket at {url}/pubsub (upstream's
 * subscribechannelmsg, as colonies-ts' subscribeChannel and pycolonies' subscribe_channel
 * speak it): one signed frame; the node answers with lists of entries (payloadtype
 * "subscribechannelmsg"): what the channel holds after `afterseq`, then each new entry,
 * and an empty list when the subscription's timeout passes or the process ends, which ends
 * it here. An error reply (or an entry carrying `error`: the node dropped a subscriber that
 * read too slowly) ends it with an error.
 */
import WebSocket from 'ws'
import { parseReply } from '../protocol/envelope.js'
import type { MsgEntry } from '../protocol/wire-channels.js'
import { NodeUnreachableError, RpcError, rpcError } from './errors.js'
import type { ColoniesClient } from './rpc-client.js'

export interface SubscribeChannelOptions {
  processid: string
  name: string
  /** position to start after (0: the whole channel) */
  afterseq?: number
  /** seconds the node keeps the subscription (0: its default, 30 s) */
  timeoutSec: number
  signal?: AbortSignal
}

/** The node may answer a little after the timeout; past this much extra we end it ourselves. */
const END_GRACE_MS = 5_000

function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

interface Waiter { resolve: (r: IteratorResult<MsgEntry>) => void, reject: (err: unknown) => void }

/** How the `opened` and `ended` promises are settled. */
interface Settle { opened: [() => void, (e: unknown) => void], ended: [() => void, (e: unknown) => void] }

/**
 * One channel subscription: an async iterator of entries that ends at the node's empty
 * list (timeout, the process ended) or close(), and throws on an error. With an `onEntries`
 * callback the entries go there instead of being queued.
 */
export class ChannelSubscription implements AsyncIterable<MsgEntry> {
  /** resolves once the subscribe frame is sent */
  readonly opened: Promise<void>
  /** resolves when the subscription ends normally, rejects with the error that ended it */
  readonly ended: Promise<void>
  readonly #ws: WebSocket
  readonly #onEntries: ((entries: MsgEntry[]) => void) | undefined
  readonly #queue: MsgEntry[] = []
  readonly #waiters: Waiter[] = []
  #finished = false
  #error: unknown = undefined
  #hasError = false
  #timer: NodeJS.Timeout | undefined
  #signal: AbortSignal | undefined
  #onAbort: (() => void) | undefined
  #settle: Settle

  constructor (client: ColoniesClient, opts: SubscribeChannelOptions, onEntries?: (entries: MsgEntry[]) => void) {
    this.#onEntries = onEntries
    const settle: Partial<Settle> = {}
    this.opened = new Promise((resolve, reject) => { settle.opened = [resolve, reject] })
    this.ended = new Promise((resolve, reject) => { settle.ended = [resolve, reject] })
    this.#settle = settle as Settle
    this.opened.catch(() => {})
    this.ended.catch(() => {})

    // validates the message before connecting
    const frame = JSON.stringify(client.sign({
      msgtype: 'subscribechannelmsg', processid: opts.processid, name: opts.name, afterseq: opts.afterseq ?? 0, timeout: opts.timeoutSec
    }))
    const url = `${client.url.replace(/^http/i, 'ws')}/pubsub`
    this.#ws = new WebSocket(url)
    let isOpen = false
    this.#ws.on('open', () => {
      isOpen = true
      this.#ws.send(frame, err => {
        if (err !== undefined && err !== null) this.#fail(new NodeUnreachableError(client.url, `WebSocket send failed: ${err.message}`, err))
        else this.#settle.opened[0]()
      })
    })
    this.#ws.on('message', data => this.#onFrame(client.url, (data as Buffer).toString('utf8')))
    this.#ws.on('error', err => {
      this.#fail(new NodeUnreachableError(client.url, isOpen ? `subscription connection lost: ${err.message}` : `WebSocket: ${err.message}`, err))
    })
    this.#ws.on('close', () => {
      if (!isOpen) this.#fail(new NodeUnreachableError(client.url, 'WebSocket closed before it opened'))
      else this.#end()
    })
    const timeoutMs = (opts.timeoutSec > 0 ? opts.timeoutSec : 30) * 1000
    this.#timer = setTimeout(() => this.close(), timeoutMs + END_GRACE_MS)
    this.#timer.unref?.()
    if (opts.signal !== undefined) {
      const signal = opts.signal
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
      this.#fail(rpcError(reply.status, reply.message, 'subscribechannelmsg'))
      return
    }
    const entries = Array.isArray(reply.value) ? reply.value as MsgEntry[] : []
    const dropped = entries.find(e => typeof e.error === 'string' && e.error !== '')
    if (dropped !== undefined) {
      this.#fail(new RpcError(503, `${nodeUrl} ended the channel subscription: ${String(dropped.error)}; subscribe again from your position`))
      return
    }
    // upstream's "no more": the timeout passed or the process ended
    if (entries.length === 0) {
      this.#end()
      return
    }
    if (this.#onEntries !== undefined) {
      try { this.#onEntries(entries) } catch (err) { this.#fail(err) }
      return
    }
    for (const e of entries) {
      const w = this.#waiters.shift()
      if (w !== undefined) w.resolve({ value: e, done: false })
      else this.#queue.push(e)
    }
  }

  #cleanup (): void {
    this.#finished = true
    clearTimeout(this.#timer)
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort)
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate()
  }

  #end (): void {
    if (this.#finished) return
    this.#cleanup()
    this.#settle.opened[0]()
    this.#settle.ended[0]()
    for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true })
  }

  #fail (err: unknown): void {
    if (this.#finished) return
    this.#hasError = true
    this.#error = err
    this.#cleanup()
    this.#settle.opened[1](err)
    this.#settle.ended[1](err)
    for (const w of this.#waiters.splice(0)) w.reject(err)
  }

  /** End the subscription; iteration finishes after the entries already received. */
  close (): void {
    this.#end()
  }

  async next (): Promise<IteratorResult<MsgEntry>> {
    const e = this.#queue.shift()
    if (e !== undefined) return { value: e, done: false }
    if (this.#hasError) throw this.#error
    if (this.#finished) return { value: undefined, done: true }
    return await new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  [Symbol.asyncIterator] (): AsyncIterator<MsgEntry> {
    return {
      next: async () => await this.next(),
      return: async () => {
        this.close()
        return { value: undefined, done: true }
      }
    }
  }
}

/** Be sent a channel's entries after `afterseq`, then each new one, until the timeout or the process ends. */
export function subscribeChannel (client: ColoniesClient, opts: SubscribeChannelOptions, onEntries?: (entries: MsgEntry[]) => void): ChannelSubscription {
  return new ChannelSubscription(client, opts, onEntries)
}
