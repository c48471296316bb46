/**
 * The RPC over one WebSocket per client at `/rpc` (ws:// or, with TLS, wss:// on the API
 * port): colonynet's own client pipelines its signed envelopes here instead of one HTTP
 * exchange each. Every request is answered by RpcService.handle, as POST /api is, so
 * validation, authorization and refusals are the same, word for word.
 *
 * Frames (text, one JSON object each; binary frames are read as UTF-8 text):
 *   client → node  {"id":N,"env":{signature,payloadtype,payload}}  one request (the envelope as POSTed to /api)
 *                  {"id":N,"cancel":true}                          abort request N (its long-poll)
 *   node → client  {"id":N,"status":S,"reply":{payloadtype,payload,error}}
 * N is an integer 0 … 2^53-1 chosen by the client, unique among its requests in flight; S
 * is the HTTP status POST /api would answer with and `reply` its body. Requests are
 * handled concurrently and answered as they finish (a parked assign does not hold up the
 * frames behind it). A frame that cannot be read is answered with status 400 and the id
 * when one is readable (else `"id":null`); the connection stays open. A frame larger than
 * MAX_BODY_BYTES is answered 413; one larger than that plus FRAME_SLACK closes the
 * socket with 1009 (Message Too Big). Closing the socket aborts its requests in flight,
 * as an HTTP client going away does.
 *
 * Backpressure: at most MAX_IN_FLIGHT requests per connection are handled at once; beyond
 * that, and while more than HIGH_WATER bytes of replies wait to be written, the node stops
 * reading the socket (TCP then holds the client back). Frames already read when it stops
 * wait in a queue bounded by what one read brings.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type RawData, WebSocket, WebSocketServer } from 'ws'
import { errorReply } from '../protocol/envelope.js'
import { requestTooLarge, type RpcService, toResult } from './rpc-service.js'

/** Requests one connection may have in flight (parked assigns included). */
export const MAX_IN_FLIGHT = 256
/** Bytes of replies waiting to be written above which the node stops reading. */
export const HIGH_WATER = 4 * 1024 * 1024
/**
 * While it does not read, the node pings this often: a paused socket sees no EOF, so a
 * client that went away is noticed only when a write to it fails (the ping after its reset).
 */
export const PAUSED_PING_MS = 1000
/** Room for the frame's own fields around an envelope of the largest size. */
export const FRAME_SLACK = 64 * 1024

export interface RpcSocketOptions {
  readonly rpc: RpcService
  /** the largest envelope accepted (the HTTP route's MAX_BODY_BYTES) */
  readonly maxBodyBytes: number
  readonly maxInFlight?: number
  readonly highWater?: number
}

/** What a client frame asks for. */
type Frame = { id: number, env: unknown } | { id: number, cancel: true }

class FrameError extends Error {
  constructor (readonly id: number | null, message: string) {
    super(message)
  }
}

function validId (v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** The id at the head of a frame too large to parse (`{"id":N,…`), if it is there. */
function leadingId (text: string): number | null {
  const m = /^\s*\{\s*"id"\s*:\s*(\d{1,16})\s*[,}]/.exec(text.slice(0, 64))
  const id = m === null ? NaN : Number(m[1])
  return validId(id) ? id : null
}

function parseFrame (text: string): Frame {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw new FrameError(leadingId(text), 'frame: is not JSON; send {"id":N,"env":<signed envelope>} or {"id":N,"cancel":true}')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FrameError(null, 'frame: must be a JSON object {"id":N,"env":<signed envelope>}')
  const o = v as Record<string, unknown>
  if (!Object.hasOwn(o, 'id')) throw new FrameError(null, 'id: is required, an integer from 0 to 2^53-1')
  if (!validId(o.id)) throw new FrameError(null, 'id: must be an integer from 0 to 2^53-1')
  const id = o.id
  if (Object.hasOwn(o, 'cancel')) {
    if (o.cancel !== true) throw new FrameError(id, 'cancel: must be true')
    return { id, cancel: true }
  }
  if (!Object.hasOwn(o, 'env')) throw new FrameError(id, 'env: is required, the signed envelope as POSTed to /api')
  if (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env)) throw new FrameError(id, 'env: must be the signed envelope, a JSON object {"signature","payloadtype","payload"}')
  return { id, env: o.env }
}

/** A request being handled: its abort controller exists only once its handler asked for a signal. */
interface InFlight { ac: AbortController | undefined, cancelled: boolean }

/** One client connection: its requests in flight, its queue of frames read while full. */
class Connection {
  readonly #ws: WebSocket
  readonly #o: Required<RpcSocketOptions>
  readonly #inFlight = new Map<number, InFlight>()
  readonly #queue: Buffer[] = []
  #closed = false
  #pinger: NodeJS.Timeout | undefined
  readonly #socket: Duplex
  /** replies of this turn wait in the socket for one write (see #send) */
  #corked = false

  constructor (ws: WebSocket, o: Required<RpcSocketOptions>) {
    this.#ws = ws
    this.#o = o
    ws.on('message', (data: RawData) => this.#onMessage(data))
    ws.on('error', () => ws.terminate())
    ws.on('close', () => this.#abortAll())
    // replies drained below the high water mark: read again
    const socket = this.#socket = (ws as unknown as { _socket: Duplex })._socket
    socket.on('drain', () => this.#pump())
  }

  /** Requests being handled on this connection (for tests and stats). */
  get inFlight (): number {
    return this.#inFlight.size
  }

  get queued (): number {
    return this.#queue.length
  }

  #full (): boolean {
    return this.#inFlight.size >= this.#o.maxInFlight || this.#ws.bufferedAmount > this.#o.highWater
  }

  #onMessage (data: RawData): void {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
    // while full, frames the receiver had already read wait here (the socket is paused)
    if (this.#queue.length > 0 || this.#full()) {
      this.#queue.push(buf)
      this.#pause()
      return
    }
    this.#take(buf)
  }

  /** Handles queued frames while there is room, and reads the socket again once they are done. */
  #pump (): void {
    if (this.#closed) return
    while (this.#queue.length > 0 && !this.#full()) this.#take(this.#queue.shift() as Buffer)
    if (this.#queue.length === 0 && !this.#full() && this.#ws.isPaused) {
      clearInterval(this.#pinger)
      this.#pinger = undefined
      this.#ws.resume()
    }
  }

  #pause (): void {
    if (this.#ws.isPaused) return
    this.#ws.pause()
    this.#pinger ??= setInterval(() => { if (this.#ws.readyState === WebSocket.OPEN) this.#ws.ping() }, PAUSED_PING_MS)
    this.#pinger.unref()
  }

  #take (buf: Buffer): void {
    if (buf.length > this.#o.maxBodyBytes) {
      const refused = toResult(requestTooLarge(this.#o.maxBodyBytes))
      this.#send(leadingId(buf.subarray(0, 64).toString('utf8')), refused.status, refused.reply)
      return
    }
    let frame: Frame
    try {
      frame = parseFrame(buf.toString('utf8'))
    } catch (err) {
      const e = err as FrameError
      this.#send(e.id, 400, errorReply(400, e.message))
      return
    }
    const { id } = frame
    if ('cancel' in frame) {
      const r = this.#inFlight.get(id)
      // a cancel for a request already answered crossed its reply: nothing to do
      if (r !== undefined) {
        r.cancelled = true
        r.ac?.abort()
      }
      return
    }
    if (this.#inFlight.has(id)) {
      this.#send(id, 400, errorReply(400, `id: ${id} is already in flight on this connection; use a new id per request`))
      return
    }
    const r: InFlight = { ac: undefined, cancelled: false }
    this.#inFlight.set(id, r)
    const signal = (): AbortSignal => {
      if (r.ac === undefined) {
        r.ac = new AbortController()
        if (r.cancelled || this.#closed) r.ac.abort()
      }
      return r.ac.signal
    }
    void this.#o.rpc.handle(frame.env, signal).then(result => {
      this.#inFlight.delete(id)
      if (r.cancelled || this.#closed) return
      this.#send(id, result.status, result.reply)
      this.#pump()
    })
  }

  #send (id: number | null, status: number, reply: unknown): void {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) return
    // The replies finished in one turn (a group commit settles many requests at once, often
    // of several executors sharing this connection) leave in one write: a socket write is
    // a syscall, and on loopback it was the node's largest single cost in the profile.
    if (!this.#corked) {
      this.#corked = true
      this.#socket.cork()
      process.nextTick(() => {
        this.#corked = false
        this.#socket.uncork()
      })
    }
    // one serialization per reply; ws frames the string without another copy of its own
    this.#ws.send(JSON.stringify({ id, status, reply }))
    if (this.#ws.bufferedAmount > this.#o.highWater) this.#pause()
  }

  #abortAll (): void {
    this.#closed = true
    clearInterval(this.#pinger)
    this.#queue.length = 0
    for (const r of this.#inFlight.values()) {
      r.cancelled = true
      r.ac?.abort()
    }
  }
}

/** The /rpc endpoint: upgrades handed over by the HTTP server, one Connection each. */
export class RpcSocket {
  readonly #wss: WebSocketServer
  readonly #o: Required<RpcSocketOptions>
  readonly #connections = new Set<Connection>()

  constructor (opts: RpcSocketOptions) {
    this.#o = { maxInFlight: MAX_IN_FLIGHT, highWater: HIGH_WATER, ...opts }
    // beyond this the frame is not even buffered: ws closes with 1009
    // (text is decoded as POST /api decodes a body: invalid UTF-8 is replaced, not a reason to close)
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxBodyBytes + FRAME_SLACK, skipUTF8Validation: true, perMessageDeflate: false })
  }

  handleUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, ws => {
      const c = new Connection(ws, this.#o)
      this.#connections.add(c)
      ws.once('close', () => this.#connections.delete(c))
    })
  }

  /** Connections open now, requests they have in flight, frames waiting to be handled. */
  stats (): { connections: number, inflight: number, queued: number } {
    let inflight = 0
    let queued = 0
    for (const c of this.#connections) {
      inflight += c.inFlight
      queued += c.queued
    }
    return { connections: this.#connections.size, inflight, queued }
  }

  /** Ends every connection (their requests are aborted). */
  close (): void {
    for (const ws of this.#wss.clients) ws.terminate()
    this.#wss.close()
  }
}
