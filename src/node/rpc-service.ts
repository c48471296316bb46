/**
 * The ColonyOS RPC of one node: a signed envelope in, a ColonyOS reply out. Independent
 * of HTTP so that it can be tested and reused (the WebSocket endpoint shares the decoding).
 *
 * Every input is decoded and validated once here (envelope, base64, message fields), then
 * answered by the handler for its message type (the table in rpc/). Mutations are checked
 * against the fold *before* they are appended, so a refused request gets an error reply and
 * never reaches the ledger; whatever the ledger accepts is answered from the fold after the
 * write is durable.
 */
import { ColonyError, ForbiddenError, PayloadTooLargeError, SignatureError } from '../protocol/errors.js'
import { errorReply, okReply, openEnvelope, parseEnvelope, type RpcEnvelope, type RpcReply, verifyEnvelope } from '../protocol/envelope.js'
import { type Message, MUTATIONS, parseMessage, UNSIGNED } from '../protocol/messages.js'
import { ACCESS_DENIED } from '../protocol/refusal.js'
import { type Call, HANDLERS, type Request, RpcContext, type RpcServiceOptions } from './rpc/index.js'
import type { RpcVerifier } from './rpc-verifier.js'

export { BUILD_TIME, BUILD_VERSION, type Request, type RpcServiceOptions } from './rpc/index.js'

export interface RpcResult {
  readonly status: number
  readonly reply: RpcReply
}

function accessDenied (message: string): string {
  return message.startsWith(ACCESS_DENIED) ? message : `${ACCESS_DENIED}, ${message}`
}

/**
 * The error reply for a failure. A refused right is worded as upstream's are, "Access denied, …"
 * (SDKs match those words), whichever handler refused it; a bad signature keeps its own
 * words, as upstream's do.
 */
export function toResult (err: unknown): RpcResult {
  if (err instanceof ForbiddenError && !(err instanceof SignatureError)) return { status: err.status, reply: errorReply(err.status, accessDenied(err.message)) }
  if (err instanceof ColonyError) return { status: err.status, reply: errorReply(err.status, err.message) }
  return { status: 500, reply: errorReply(500, 'internal error') }
}

/** A request body (HTTP) or frame (WebSocket) over `limit` bytes: one refusal for both. */
export function requestTooLarge (limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`body: is larger than ${limit} bytes (${limit / 1024 / 1024} MiB), the most one request may carry: put large data in colony files`, limit)
}

/** The envelope and its message, validated; the signature not yet recovered. */
function openRequest (body: unknown): { env: RpcEnvelope, msg: Message } {
  const env = parseEnvelope(body)
  const { json } = openEnvelope(env)
  return { env, msg: parseMessage(json) }
}

/** Decodes and verifies an RPC body; throws typed errors naming what is wrong. */
export function decodeRequest (body: unknown): Request {
  const { env, msg } = openRequest(body)
  return { env, msg, signer: UNSIGNED.has(msg.msgtype) ? '' : verifyEnvelope(env) }
}

/** decodeRequest with the signature recovered on a worker thread. */
async function decodeRequestWith (body: unknown, verifier: RpcVerifier): Promise<Request> {
  const { env, msg } = openRequest(body)
  return { env, msg, signer: UNSIGNED.has(msg.msgtype) ? '' : await verifier.signer(env) }
}

export class RpcService {
  private readonly ctx: RpcContext
  private readonly renew: ((pid: string, signer: string) => void) | undefined
  /** recovers signatures on worker threads; undefined = on this thread */
  private readonly verifier: RpcVerifier | undefined
  /** requests being handled now, parked assigns included (see ColonyNode's `busy`) */
  private requests = 0

  constructor (opts: RpcServiceOptions) {
    this.ctx = new RpcContext(opts)
    this.renew = opts.renew
    this.verifier = opts.verifier
  }

  /**
   * Never throws: every failure becomes a ColonyOS error reply with its status.
   * `abortSignal` gives a signal that aborts when the client goes away; it is asked for only
   * by requests that wait (an assign's long-poll), as making one per request costs more than
   * the HTTP route around it.
   */
  async handle (body: unknown, abortSignal?: () => AbortSignal): Promise<RpcResult> {
    this.requests++
    try {
      const req = this.verifier === undefined ? decodeRequest(body) : await decodeRequestWith(body, this.verifier)
      const value = await this.dispatch(req, abortSignal)
      return { status: 200, reply: okReply(req.env.payloadtype, value) }
    } catch (err) {
      return toResult(err)
    } finally {
      this.requests--
    }
  }

  /** The RPC's check that `signer` may read `colony` (its members and owner); throws ForbiddenError or NotFoundError. */
  requireReader (colony: string, signer: string): void {
    this.ctx.requireReader(colony, signer)
  }

  /** Requests being handled now, parked assigns included. */
  get inFlight (): number {
    return this.requests
  }

  private async dispatch (req: Request, abortSignal?: () => AbortSignal): Promise<unknown> {
    const { msg, signer } = req
    // an assign is heard once the executor is known to be approved (its handler touches it)
    if (MUTATIONS.has(msg.msgtype) && msg.msgtype !== 'assignprocessmsg') this.ctx.touch(signer)
    const handler = HANDLERS[msg.msgtype] as (x: RpcContext, msg: Message, call: Call) => unknown
    // the assigned executor asking about, logging to or closing its process shows it still holds it
    if (this.renew !== undefined && signer !== '') {
      const named = processNamed(msg)
      if (named !== undefined) this.renew(named, signer)
    }
    const value = await handler(this.ctx, msg, { req, signer, abortSignal })
    // an assign hands a process over: its lease starts with the delivery, not only with the claim
    if (this.renew !== undefined && (msg.msgtype === 'assignprocessmsg' || msg.msgtype === 'closeandassignmsg')) {
      const given = msg.msgtype === 'assignprocessmsg' ? value : (value as { next?: unknown } | undefined)?.next
      const pid = (given as { processid?: unknown } | null | undefined)?.processid
      if (typeof pid === 'string') this.renew(pid, signer)
    }
    return value
  }
}

/** The process a message acts on or asks about, if it names one. */
function processNamed (msg: Message): string | undefined {
  const m = msg as { processid?: unknown, attribute?: { targetid?: unknown } }
  if (typeof m.processid === 'string') return m.processid
  if (typeof m.attribute?.targetid === 'string') return m.attribute.targetid
  return undefined
}
