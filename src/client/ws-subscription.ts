/**
 * One subscription over the node's WebSocket at {url}/pubsub, whatever it is to: the client
 * sends one signed envelope as a text frame, the node answers with reply envelopes until it
 * closes the socket (the subscription's timeout) or sends an error reply. The subclass says
 * what an answer holds (`onValue`); this class keeps the socket, the deadline, the abort
 * signal, and the async iterator with its queue.
 */
import WebSocket from 'ws'
import { trustedCas } from './transport.js'
import { parseReply } from '../protocol/envelope.js'
import type { MsgType } from '../protocol/messages.js'
import { NodeUnreachableError, RpcError, rpcError } from './errors.js'
import type { ColoniesClient } from './rpc-client.js'

/** The node may close a little after the timeout; past this much extra we close ourselves. */
export const CLOSE_GRACE_MS = 5_000

export function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

interface Waiter<T> { resolve: (r: IteratorResult<T>) => void, reject: (err: unknown) => void }

/** How the `opened` and `ended` promises are settled. */
interface Settle { opened: [() => void, (e: unknown) => void], ended: [() => void, (e: unknown) => void] }

export interface WsSubscriptionOptions<T> {
  /** the signed message, e.g. subscribeprocessmsg (validated before connecting) */
  readonly msg: Record<string, unknown> & { msgtype: MsgType }
  /** ms after which we close it ourselves (the node's timeout plus a grace); none: wait for the node */
  readonly closeAfterMs?: number
  readonly signal?: AbortSignal
  /** items go here instead of being queued for the iterator */
  readonly onItems?: (items: T[]) => void
}

/**
 * An async iterator of what the node sends: it ends when the node closes the socket or
 * close() is called, and throws on an error reply, a lost connection or an abort.
 */
export abstract class WsSubscription<T> implements AsyncIterable<T> {
  /** resolves once the subscribe frame is sent; rejects when the socket could not open */
  readonly opened: Promise<void>
  /** resolves when the subscription ends normally, rejects with the error that ended it */
  readonly ended: Promise<void>
  protected readonly nodeUrl: string
  readonly #msgtype: string
  readonly #ws: WebSocket
  readonly #onItems: ((items: T[]) => void) | undefined
  readonly #queue: T[] = []
  readonly #waiters: Array<Waiter<T>> = []
  #finished = false
  #error: unknown = undefined
  #hasError = false
  #timer: NodeJS.Timeout | undefined
  #signal: AbortSignal | undefined
  #onAbort: (() => void) | undefined
  readonly #settle: Settle

  constructor (client: ColoniesClient, opts: WsSubscriptionOptions<T>) {
    this.nodeUrl = client.url
    this.#msgtype = opts.msg.msgtype
    this.#onItems = opts.onItems
    const settle: Partial<Settle> = {}
    this.opened = new Promise((resolve, reject) => { settle.opened = [resolve, reject] })
    this.ended = new Promise((resolve, reject) => { settle.ended = [resolve, reject] })
    this.#settle = settle as Settle
    // callers may only look at one of them; an ignored rejection must not crash the process
    this.opened.catch(() => {})
    this.ended.catch(() => {})

    const frame = JSON.stringify(client.sign(opts.msg))
    const url = `${client.url.replace(/^http/i, 'ws')}/pubsub`
    this.#ws = client.ca === undefined ? new WebSocket(url) : new WebSocket(url, { ca: trustedCas(client.ca) })
    let isOpen = false
    this.#ws.on('open', () => {
      isOpen = true
      this.#ws.send(frame, err => {
        if (err !== undefined && err !== null) this.fail(new NodeUnreachableError(client.url, `WebSocket send failed: ${err.message}`, err))
        else this.#settle.opened[0]()
      })
    })
    this.#ws.on('message', data => this.#onFrame((data as Buffer).toString('utf8')))
    this.#ws.on('error', err => {
      const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1]
      if (!isOpen && status !== undefined) {
        this.fail(new RpcError(Number(status), `${url} refused the WebSocket upgrade (HTTP ${status}); does this node support subscriptions?`))
      } else {
        this.fail(new NodeUnreachableError(client.url, isOpen ? `subscription connection lost: ${err.message}` : `WebSocket: ${err.message}`, err))
      }
    })
    this.#ws.on('close', () => {
      if (!isOpen) this.fail(new NodeUnreachableError(client.url, 'WebSocket closed before it opened'))
      else this.end()
    })
    if (opts.closeAfterMs !== undefined) {
      this.#timer = setTimeout(() => this.close(), opts.closeAfterMs)
      this.#timer.unref?.()
    }
    const signal = opts.signal
    if (signal !== undefined) {
      this.#signal = signal
      if (signal.aborted) {
        queueMicrotask(() => this.fail(abortReason(signal)))
      } else {
        this.#onAbort = () => this.fail(abortReason(signal))
        signal.addEventListener('abort', this.#onAbort, { once: true })
      }
    }
  }

  /** An answer that is not an error: deliver its items, end or fail. */
  protected abstract onValue (value: unknown): void

  #onFrame (data: string): void {
    let reply: ReturnType<typeof parseReply>
    try {
      reply = parseReply(data)
    } catch (err) {
      this.fail(new RpcError(502, `${this.nodeUrl} sent a subscription frame that is not a ColonyOS reply: ${(err as Error).message}`))
      return
    }
    if (!reply.ok) this.fail(rpcError(reply.status, reply.message, this.#msgtype))
    else this.onValue(reply.value)
  }

  /** Hands items to the callback, or to the iterator's waiters and queue. */
  protected deliver (items: T[]): void {
    if (this.#onItems !== undefined) {
      try { this.#onItems(items) } catch (err) { this.fail(err) }
      return
    }
    for (const item of items) {
      const w = this.#waiters.shift()
      if (w !== undefined) w.resolve({ value: item, done: false })
      else this.#queue.push(item)
    }
  }

  #cleanup (): void {
    this.#finished = true
    clearTimeout(this.#timer)
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort)
    // terminate: no closing handshake to wait for, and safe while still connecting
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate()
  }

  protected end (): void {
    if (this.#finished) return
    this.#cleanup()
    this.#settle.opened[0]()
    this.#settle.ended[0]()
    for (const w of this.#waiters.splice(0)) w.resolve({ value: undefined, done: true })
  }

  protected fail (err: unknown): void {
    if (this.#finished) return
    this.#hasError = true
    this.#error = err
    this.#cleanup()
    this.#settle.opened[1](err)
    this.#settle.ended[1](err)
    for (const w of this.#waiters.splice(0)) w.reject(err)
  }

  /** End the subscription; iteration finishes after what was already received. */
  close (): void {
    this.end()
  }

  async next (): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) return { value: this.#queue.shift() as T, done: false }
    if (this.#hasError) throw this.#error
    if (this.#finished) return { value: undefined, done: true }
    return await new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  [Symbol.asyncIterator] (): AsyncIterator<T> {
    return {
      next: async () => await this.next(),
      return: async () => {
        this.close()
        return { value: undefined, done: true }
      }
    }
  }
}
