/**
 * The RPC over one persistent WebSocket per node (per URL and CA, shared by every client
 * of this process: a connection is tied to no key, each envelope carries its signature),
 * to the node's `/rpc` endpoint (src/node/rpc-socket.ts says the frames). Requests are
 * pipelined with ids and replies matched by id, so a parked assign holds up nothing; each
 * has its deadline and AbortSignal, and either sends a cancel frame so the node stops
 * its long-poll. The connection opens on the first request and again on the first
 * request after it dropped; a request in flight when it drops fails and is not sent
 * again (the node may have acted on it: a second submit would be a second process),
 * except as transport.ts does for a kept-alive HTTP socket: requests sent on a connection
 * that had gone idle and was reset (ECONNRESET, EPIPE) before anything came back on it
 * (a NAT router that forgot the idle flow) go again, once, on a fresh connection. Its
 * socket is unref'd while idle, as an HTTP agent's free sockets are, so an idle client
 * does not keep the process alive.
 */
import WebSocket from 'ws'
import { ValidationError } from '../protocol/errors.js'
import { ExchangeTimeoutError, trustedCas } from './transport.js'

/** How a client reaches the node: POST /api per request, the WebSocket, or the WebSocket where the node has one. */
export type Transport = 'http' | 'ws' | 'auto'

export const TRANSPORTS: readonly Transport[] = ['http', 'ws', 'auto']

/** COLONIES_TRANSPORT (http, ws or auto), for the CLI and executors; `fallback` when unset. */
export function transportFromEnv (env: Record<string, string | undefined> = process.env, fallback: Transport = 'http'): Transport {
  const v = env.COLONIES_TRANSPORT
  if (v === undefined || v === '') return fallback
  const t = v.toLowerCase()
  if (!(TRANSPORTS as readonly string[]).includes(t)) throw new ValidationError('COLONIES_TRANSPORT', `must be http, ws or auto, got "${v}"`)
  return t as Transport
}

/**
 * Requests one connection carries at once: the node's per-connection cap (rpc-socket.ts
 * MAX_IN_FLIGHT). Beyond it the node stops reading, so a request that would free the
 * parked ones (a submit behind 256 parked assigns) could wait for their timeouts; the
 * client sends such requests over HTTP instead.
 */
export const WS_MAX_IN_FLIGHT = 256

/**
 * Envelopes longer than this go over HTTP: the node's MAX_BODY_BYTES (3 MiB), whose
 * refusal (413) the HTTP route gives; a larger WebSocket frame would close the connection.
 */
export const WS_MAX_ENVELOPE_BYTES = 3 * 1024 * 1024

/** The node answered the upgrade to /rpc with an HTTP status: it has no WebSocket RPC (a ColonyOS server, or the endpoint off). */
export class UpgradeRefusedError extends Error {
  /** `body`: the start of the refusal's body (a TLS port's answer to plain HTTP says so there) */
  constructor (readonly status: number, readonly body = '') {
    super(`the node refused the WebSocket upgrade to /rpc (HTTP ${status})`)
    this.name = 'UpgradeRefusedError'
  }
}

/** The connection could not be opened (the request was not sent); `cause` is the socket's error. */
export class ConnectFailedError extends Error {
  constructor (cause: unknown) {
    super(`cannot open the WebSocket: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'ConnectFailedError'
  }
}

/** The connection closed or failed while the request was in flight. */
export class ConnectionLostError extends Error {
  constructor (reason: string, readonly code?: string) {
    super(`the WebSocket connection was lost: ${reason}`)
    this.name = 'ConnectionLostError'
  }
}

/** An idle connection was reset before it carried anything back: the request did not reach the node. */
class StaleConnectionError extends Error {
  constructor (reason: string) {
    super(reason)
    this.name = 'StaleConnectionError'
  }
}

/** What the node answered: the HTTP status POST /api would have had and the reply, parsed. */
export interface WsResult {
  readonly status: number
  readonly reply: unknown
}

interface Pending {
  /** the socket it was sent on, and whether that had been idle with nothing heard since */
  readonly ws: WebSocket
  readonly quiet: boolean
  readonly resolve: (r: WsResult) => void
  readonly reject: (err: unknown) => void
  readonly timer: NodeJS.Timeout
  readonly signal: AbortSignal | undefined
  readonly onAbort: (() => void) | undefined
}

const pool = new Map<string, RpcConnection>()

export class RpcConnection {
  /** the WebSocket URL of the node's /rpc */
  readonly wsUrl: string
  readonly #ca: string | undefined
  #ws: WebSocket | undefined
  #opening: Promise<WebSocket> | undefined
  readonly #pending = new Map<number, Pending>()
  #nextId = 0
  /** the current socket went idle and nothing has come on it since (see the file's head) */
  #quiet = false
  /** set once the node answered the upgrade with a status: it has no /rpc */
  refusedStatus: number | undefined

  /** The connection of every client of this process to `baseUrl` trusting `ca`. */
  static for (baseUrl: string, ca?: string): RpcConnection {
    const key = `${baseUrl}\n${ca ?? ''}`
    let c = pool.get(key)
    if (c === undefined) {
      c = new RpcConnection(baseUrl, ca)
      pool.set(key, c)
    }
    return c
  }

  constructor (baseUrl: string, ca?: string) {
    this.wsUrl = `${baseUrl.replace(/^http/i, 'ws')}/rpc`
    this.#ca = ca
  }

  /** Requests in flight on the connection. */
  get inFlight (): number {
    return this.#pending.size
  }

  /** Whether the socket is open now (no connection would be made for a request). */
  get open (): boolean {
    return this.#ws?.readyState === WebSocket.OPEN
  }

  /**
   * Sends one envelope (its JSON text) and resolves with the node's answer; rejects with
   * UpgradeRefusedError, ConnectFailedError (not sent), ConnectionLostError,
   * ExchangeTimeoutError after `timeoutMs`, or the signal's reason.
   */
  async request (envText: string, timeoutMs: number, signal?: AbortSignal): Promise<WsResult> {
    try {
      return await this.#requestOnce(envText, timeoutMs, signal)
    } catch (err) {
      if (!(err instanceof StaleConnectionError)) throw err
    }
    try {
      return await this.#requestOnce(envText, timeoutMs, signal)
    } catch (err) {
      throw err instanceof StaleConnectionError ? new ConnectionLostError(err.message) : err
    }
  }

  async #requestOnce (envText: string, timeoutMs: number, signal?: AbortSignal): Promise<WsResult> {
    let ws = this.#ws
    if (ws?.readyState !== WebSocket.OPEN) {
      try {
        ws = await this.#connect()
      } catch (err) {
        throw err instanceof UpgradeRefusedError ? err : new ConnectFailedError(err)
      }
    }
    const open = ws
    if (signal?.aborted === true) throw abortReason(signal)
    return await new Promise<WsResult>((resolve, reject) => {
      if (open.readyState !== WebSocket.OPEN) {
        reject(new ConnectionLostError('it closed as the request was sent'))
        return
      }
      const id = this.#nextId++
      const timer = setTimeout(() => {
        this.#cancel(id)
        reject(new ExchangeTimeoutError(timeoutMs))
      }, timeoutMs)
      let onAbort: (() => void) | undefined
      if (signal !== undefined) {
        onAbort = () => {
          this.#cancel(id)
          reject(abortReason(signal))
        }
        signal.addEventListener('abort', onAbort, { once: true })
      }
      if (this.#pending.size === 0) socketOf(open)?.ref()
      this.#pending.set(id, { ws: open, quiet: this.#quiet, resolve, reject, timer, signal, onAbort })
      open.send(`{"id":${id},"env":${envText}}`)
    })
  }

  /** Forgets request `id` and tells the node to stop it. */
  #cancel (id: number): void {
    const p = this.#settle(id)
    if (p !== undefined && this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(`{"id":${id},"cancel":true}`)
  }

  #settle (id: number): Pending | undefined {
    const p = this.#pending.get(id)
    if (p === undefined) return undefined
    this.#pending.delete(id)
    clearTimeout(p.timer)
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort)
    if (this.#pending.size === 0 && this.#ws !== undefined) {
      socketOf(this.#ws)?.unref()
      this.#quiet = true
    }
    return p
  }

  async #connect (): Promise<WebSocket> {
    if (this.#opening !== undefined) return await this.#opening
    const opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.wsUrl, {
        perMessageDeflate: false,
        // replies are not limited over HTTP either; UTF-8 is decoded as the HTTP path does
        maxPayload: 0,
        skipUTF8Validation: true,
        ...(this.#ca === undefined ? {} : { ca: trustedCas(this.#ca) })
      })
      let isOpen = false
      /** the socket's own error: ws reports a reset only as a close without a close frame */
      let socketError: string | undefined
      ws.on('open', () => {
        isOpen = true
        this.#ws = ws
        this.#quiet = false
        ;(socketOf(ws) as { on?: (e: string, f: (err: Error & { code?: string }) => void) => void } | undefined)?.on?.('error', err => { socketError ??= err.code })
        resolve(ws)
      })
      ws.on('message', (data: WebSocket.RawData) => this.#onFrame(data as Buffer))
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0
        this.refusedStatus = status
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => { if (body.length < 4096) body += chunk })
        const refuse = (): void => {
          reject(new UpgradeRefusedError(status, body))
          ws.terminate()
        }
        res.once('end', refuse)
        res.once('error', refuse)
        res.once('close', refuse)
      })
      ws.on('error', (err: Error & { code?: string }) => {
        if (!isOpen) reject(err)
        else this.#dropped(ws, new ConnectionLostError(err.message, err.code), err.code)
      })
      ws.on('close', (code: number) => {
        if (!isOpen) reject(new ConnectionLostError('it closed before it opened'))
        else this.#dropped(ws, new ConnectionLostError(socketError !== undefined ? `reset (${socketError})` : code === 1006 ? 'closed without a close frame' : `closed by the node (code ${code})`, socketError), socketError)
      })
    })
    this.#opening = opening
    try {
      return await opening
    } finally {
      this.#opening = undefined
    }
  }

  /**
   * Fails every request in flight on `ws` (or, when it was reset while quiet, hands those
   * sent since it went idle back to be sent again); the next request opens a new connection.
   */
  #dropped (ws: WebSocket, err: Error, code?: string): void {
    const current = this.#ws === ws
    if (current) this.#ws = undefined
    const stale = current && this.#quiet && (code === 'ECONNRESET' || code === 'EPIPE')
    for (const [id, p] of [...this.#pending]) {
      if (p.ws !== ws) continue
      this.#settle(id)?.reject(stale && p.quiet ? new StaleConnectionError(err.message) : err)
    }
    ws.terminate()
  }

  #onFrame (data: Buffer): void {
    let frame: { id?: unknown, status?: unknown, reply?: unknown }
    try {
      frame = JSON.parse(data.toString('utf8')) as typeof frame
    } catch {
      return
    }
    this.#quiet = false
    // a frame without a known id answers nothing of ours (a request already timed out or cancelled)
    if (typeof frame?.id !== 'number') return
    this.#settle(frame.id)?.resolve({ status: typeof frame.status === 'number' ? frame.status : 0, reply: frame.reply })
  }

  /** Closes the connection (in-flight requests fail); the next request opens another. */
  close (): void {
    const ws = this.#ws
    if (ws !== undefined) this.#dropped(ws, new ConnectionLostError('closed by the client'))
  }
}

function socketOf (ws: WebSocket): { ref: () => void, unref: () => void } | undefined {
  return (ws as unknown as { _socket?: { ref: () => void, unref: () => void } })._socket
}

function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}
