/**
 * What every call of the client shares: the node's URL, the identity requests are signed
 * with, one HTTP exchange per request (transport.ts) or the node's WebSocket RPC
 * (ws-transport.ts, with `transport`), and the reply decoded or turned into a typed error
 * by its status, the same whichever way it came. The server's own calls (health, version) live here too;
 * the other families of calls extend this class (rpc-client.ts puts them together).
 */
import { installCryptoBackend } from '../crypto/index.js'
import { idFromPrivateKey } from '../protocol/crypto.js'
import { parseReply, signEnvelope, type RpcEnvelope } from '../protocol/envelope.js'
import { ValidationError } from '../protocol/errors.js'
import { encodeMessage, parseMessage, type MsgType } from '../protocol/messages.js'
import { PLAIN_ON_TLS_MESSAGE } from '../protocol/tls.js'
import { DEFAULT_PORT, type ServerInfo, type Statistics } from '../protocol/wire-types.js'
import { NodeUnreachableError, RpcError, rpcError } from './errors.js'
import { exchange, ExchangeTimeoutError, httpTarget, type HttpTarget } from './transport.js'
import { ConnectFailedError, RpcConnection, type Transport, transportFromEnv, UpgradeRefusedError, WS_MAX_ENVELOPE_BYTES, WS_MAX_IN_FLIGHT } from './ws-transport.js'

export { type Transport, transportFromEnv } from './ws-transport.js'

/** Per-request limit for ordinary RPCs; assign adds its long-poll time on top. */
export const DEFAULT_TIMEOUT_MS = 30_000

export interface ColoniesClientOptions {
  /** node base URL, e.g. http://127.0.0.1:50080 ("host:port" alone means http) */
  url: string
  /** 64-hex secp256k1 private key: the identity every request is signed with */
  prvkey: string
  /** per-request timeout in ms (default 30 s) */
  timeoutMs?: number
  /**
   * PEM certificate(s) to trust besides the system's CAs, for an https:// node with a
   * private or self-signed certificate (NODE_EXTRA_CA_CERTS does the same for a process)
   */
  ca?: string
  /**
   * how requests reach the node: 'http' (POST /api each), 'ws' (pipelined on one
   * WebSocket to /rpc: colonynet nodes only) or 'auto' (the WebSocket, or HTTP for the
   * rest of the process's life once the node refuses it, as a ColonyOS server does).
   * Default: COLONIES_TRANSPORT, else 'auto' (colonynet's fast path; the CLI's one-shot
   * commands default to 'http', where a connection would cost one more round trip than it
   * saves). health() always uses HTTP.
   */
  transport?: Transport
}

/** Per-call options every method accepts last. */
export interface CallOptions {
  signal?: AbortSignal
  /** overrides the client's timeout for this call */
  timeoutMs?: number
}

/** The node URL from COLONIES_SERVER_HOST / _PORT / _TLS (or COLONIES_TLS), as upstream's CLI reads them. */
export function serverUrlFromEnv (env: Record<string, string | undefined> = process.env): string {
  const host = env.COLONIES_SERVER_HOST ?? 'localhost'
  const port = env.COLONIES_SERVER_PORT ?? String(DEFAULT_PORT)
  // newer upstream releases read COLONIES_TLS, as the CLI does when COLONIES_SERVER_TLS is unset
  const tls = (env.COLONIES_SERVER_TLS ?? env.COLONIES_TLS ?? '').toLowerCase() === 'true'
  return `${tls ? 'https' : 'http'}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`
}

export function normalizeUrl (url: string): string {
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
export function describeNetworkError (err: unknown): string {
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
    EPROTO: 'TLS handshake failed',
    UND_ERR_SOCKET: 'connection closed by the node',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    UND_ERR_HEADERS_TIMEOUT: 'no reply headers in time'
  }
  if (code !== undefined) return `${known[code] ?? cause?.message ?? (err instanceof Error ? err.message.split('\n')[0] : 'network error')} (${code})`
  return cause?.message ?? (err instanceof Error ? err.message : String(err))
}

/** Whether a 400 reply is a TLS port's answer to plain HTTP (tls-port.ts). */
function plainOnTls (text: string): boolean {
  try {
    const reply = parseReply(text)
    return !reply.ok && reply.message === PLAIN_ON_TLS_MESSAGE
  } catch {
    return false
  }
}

function abortReason (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

/** Read through a function so TypeScript does not keep an earlier `aborted` check narrowed. */
function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

export function list<T> (v: unknown): T[] {
  // Go encodes an empty slice as null
  return Array.isArray(v) ? v as T[] : []
}

export abstract class RpcBase {
  /** the node's base URL, without a trailing slash */
  readonly url: string
  /** this client's identity: the id the node recovers from its signatures */
  readonly id: string
  readonly timeoutMs: number
  /** the extra CA the client trusts (ColoniesClientOptions.ca) */
  readonly ca: string | undefined
  /** how requests reach the node (ColoniesClientOptions.transport) */
  readonly transport: Transport
  readonly #prvkey: string
  readonly #target: HttpTarget
  /** the WebSocket (shared by every client of this process to the same URL and CA); undefined for 'http' */
  readonly #conn: RpcConnection | undefined

  constructor (opts: ColoniesClientOptions) {
    // every request is signed here: with the native backend where one loads
    installCryptoBackend()
    this.url = normalizeUrl(opts.url)
    this.ca = opts.ca
    this.#target = httpTarget(this.url, opts.ca)
    // validates the key too: a bad key fails here, not on the first call
    this.id = idFromPrivateKey(opts.prvkey)
    this.#prvkey = opts.prvkey
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.transport = opts.transport ?? transportFromEnv(process.env, 'auto')
    if (!['http', 'ws', 'auto'].includes(this.transport)) throw new ValidationError('transport', `must be http, ws or auto, got ${JSON.stringify(this.transport)}`)
    this.#conn = this.transport === 'http' ? undefined : RpcConnection.for(this.url, opts.ca)
  }

  /** Validate a message and sign it with this client's key. */
  sign (msg: { msgtype: MsgType } & Record<string, unknown>): RpcEnvelope {
    const parsed = parseMessage(msg)
    return signEnvelope({ ...encodeMessage(parsed), msgtype: parsed.msgtype }, this.#prvkey)
  }

  /**
   * Send any message and return the decoded reply payload. The typed methods (here and in
   * the subclasses) are wrappers; this is the escape hatch for messages without one.
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
    let result: { status: number, text: string }
    try {
      result = await exchange(this.#target, path, init.method, init.body, timeoutMs, signal)
    } catch (err) {
      if (isAborted(signal)) throw abortReason(signal as AbortSignal)
      if (err instanceof ExchangeTimeoutError) throw new NodeUnreachableError(this.url, err.message, err)
      throw new NodeUnreachableError(this.url, describeNetworkError(err), err)
    }
    // a TLS node's answer to plain HTTP: no ColonyOS node answers at this http:// URL
    if (!this.#target.tls && result.status === 400 && plainOnTls(result.text)) throw new NodeUnreachableError(this.url, 'it serves HTTPS (TLS), not plain HTTP')
    return result
  }

  /**
   * One request over the WebSocket; undefined when it should go over HTTP instead: the
   * node refused the upgrade ('auto'), the connection could not be made ('auto': the HTTP
   * exchange then fails with HTTP's words), the connection is full or the envelope too
   * large for a frame (HTTP gives the node's own 413).
   */
  async #overWs (conn: RpcConnection, body: string, opts: CallOptions): Promise<{ status: number, reply: unknown } | undefined> {
    const auto = this.transport === 'auto'
    if (auto && conn.refusedStatus !== undefined) return undefined
    if (conn.inFlight >= WS_MAX_IN_FLIGHT) return undefined
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count the bytes only when it matters
    if (body.length * 3 > WS_MAX_ENVELOPE_BYTES && Buffer.byteLength(body) > WS_MAX_ENVELOPE_BYTES) return undefined
    const { signal } = opts
    if (isAborted(signal)) throw abortReason(signal as AbortSignal)
    try {
      return await conn.request(body, opts.timeoutMs ?? this.timeoutMs, signal)
    } catch (err) {
      if (isAborted(signal)) throw abortReason(signal as AbortSignal)
      if (err instanceof UpgradeRefusedError) {
        if (auto) return undefined
        if (!this.#target.tls && err.status === 400 && plainOnTls(err.body)) throw new NodeUnreachableError(this.url, 'it serves HTTPS (TLS), not plain HTTP')
        throw new NodeUnreachableError(this.url, `it has no WebSocket RPC at /rpc (HTTP ${err.status}): a ColonyOS server, or a node with it turned off; use transport 'http' or 'auto' (COLONIES_TRANSPORT)`, err)
      }
      // the request never left: let HTTP try it and fail (or not) in its own words
      if (auto && err instanceof ConnectFailedError) return undefined
      if (err instanceof ExchangeTimeoutError) throw new NodeUnreachableError(this.url, err.message, err)
      throw new NodeUnreachableError(this.url, describeNetworkError(err), err)
    }
  }

  async #post (env: RpcEnvelope, opts: CallOptions): Promise<unknown> {
    const body = JSON.stringify(env)
    const viaWs = this.#conn === undefined ? undefined : await this.#overWs(this.#conn, body, opts)
    const { status, text } = viaWs === undefined ? await this.#fetch('/api', { method: 'POST', body }, opts) : { status: viaWs.status, text: undefined }
    let reply: ReturnType<typeof parseReply>
    try {
      reply = parseReply(viaWs === undefined ? text : viaWs.reply)
    } catch {
      const shown = text ?? JSON.stringify(viaWs?.reply) ?? ''
      const snippet = shown.length > 200 ? `${shown.slice(0, 200)}…` : shown
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
}
