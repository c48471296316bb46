/**
 * One HTTP exchange over node:http with a keep-alive agent. Measured here, this costs a
 * fraction of the CPU of the built-in fetch (whose web streams dominate a profile of a
 * busy executor), and an executor makes two or three of these per process. The node's
 * address is parsed once per client (`httpTarget`), and the deadline and the caller's
 * AbortSignal destroy the request directly: an AbortController and node:http's `signal`
 * option per request cost about a third of an exchange's CPU (bench/transport.ts).
 */
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { rootCertificates } from 'node:tls'
import { urlToHttpOptions } from 'node:url'

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 })
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 })
/** one agent per extra CA, shared by every client that trusts it (withKey clones, blobs) */
const caAgents = new Map<string, HttpsAgent>()

/**
 * The CAs to trust: the system's and `ca` (PEM, one or more certificates, e.g. a node's
 * self-signed certificate). Node's own way for a whole process is NODE_EXTRA_CA_CERTS; a
 * client with `ca` does not also get those (Node 20 cannot read its default store back).
 */
export function trustedCas (ca: string): string[] {
  return [...rootCertificates, ca]
}

function agentFor (ca: string): HttpsAgent {
  let agent = caAgents.get(ca)
  if (agent === undefined) {
    agent = new HttpsAgent({ keepAlive: true, maxSockets: 256, ca: trustedCas(ca) })
    caAgents.set(ca, agent)
  }
  return agent
}

export interface HttpResult {
  readonly status: number
  readonly text: string
}

/** Where requests go: a node's base URL, parsed once. */
export interface HttpTarget {
  readonly tls: boolean
  /** protocol, host, port and credentials for node:http */
  readonly options: Readonly<RequestOptions>
  /** the base URL's path ('' or '/prefix'), to which each request's path is appended */
  readonly prefix: string
  /** the https agent: the shared one, or one that also trusts the client's `ca` */
  readonly httpsAgent: HttpsAgent
}

export function httpTarget (baseUrl: string, ca?: string): HttpTarget {
  const u = new URL(baseUrl)
  const { protocol, hostname, port, auth } = urlToHttpOptions(u)
  return {
    tls: u.protocol === 'https:',
    httpsAgent: ca === undefined ? httpsAgent : agentFor(ca),
    options: { protocol, hostname, ...(port === undefined ? {} : { port }), ...(auth === undefined ? {} : { auth }) },
    prefix: u.pathname.replace(/\/+$/, '')
  }
}

/** The request got no complete reply within its deadline. */
export class ExchangeTimeoutError extends Error {
  constructor (ms: number) {
    super(`no reply within ${ms} ms`)
    this.name = 'ExchangeTimeoutError'
  }
}

/**
 * Resolves with status and body; rejects with the socket error, an ExchangeTimeoutError
 * after `timeoutMs`, or `signal`'s reason once it aborts (the request is then destroyed).
 */
export async function exchange (target: HttpTarget, path: string, method: 'GET' | 'POST', body: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<HttpResult> {
  try {
    return await exchangeOnce(target, path, method, body, timeoutMs, signal)
  } catch (err) {
    // A kept-alive socket the node closed as we reused it (its idle timeout, or a NAT or
    // proxy that dropped the idle flow) is reset: the node had closed it, so it did not read
    // the request. Send it again on a fresh connection, once, as Node's documentation
    // advises for `reusedSocket` (seen through the chaos suite's NAT routers).
    if (!(err instanceof StaleSocketError)) throw err
  }
  try {
    return await exchangeOnce(target, path, method, body, timeoutMs, signal)
  } catch (err) {
    throw err instanceof StaleSocketError ? err.cause : err
  }
}

/** A reused keep-alive socket failed before any byte of the reply came. */
class StaleSocketError extends Error {
  constructor (cause: Error) {
    super(cause.message, { cause })
    this.name = 'StaleSocketError'
  }
}

async function exchangeOnce (target: HttpTarget, path: string, method: 'GET' | 'POST', body: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<HttpResult> {
  return await new Promise<HttpResult>((resolve, reject) => {
    let settled = false
    const settle = (err: unknown, result?: HttpResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (result !== undefined) resolve(result)
      else reject(err)
    }
    const req = (target.tls ? httpsRequest : httpRequest)({
      ...target.options,
      path: target.prefix + path,
      method,
      agent: target.tls ? target.httpsAgent : httpAgent,
      headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    }, res => {
      replied = true
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', settle)
      // the connection went before the body ended (no 'end', maybe no 'error')
      res.on('close', () => { if (!res.complete) settle(new Error('the connection closed before the reply ended')) })
    })
    let replied = false
    req.on('error', (err: Error & { code?: string }) => {
      const stale = !replied && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')
      settle(stale ? new StaleSocketError(err) : err)
    })
    const timer = setTimeout(() => {
      const err = new ExchangeTimeoutError(timeoutMs)
      settle(err)
      req.destroy(err)
    }, timeoutMs)
    const onAbort = (): void => {
      settle(signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'))
      req.destroy()
    }
    if (signal !== undefined) {
      if (signal.aborted) {
        onAbort()
        return
      }
      signal.addEventListener('abort', onAbort, { once: true })
    }
    req.end(body)
  })
}
