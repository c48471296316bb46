/**
 * Errors a client sees, matched by `name`: the node could not be reached, or it answered
 * with a ColonyOS error reply (`RpcError` and its by-status subclasses, `.status` kept).
 * All extend ColonyError so the CLI maps every failure to one line and an exit code.
 */
import { ColonyError } from '../protocol/errors.js'

/** No answer from the node: connection refused, DNS failure, reset, or no reply in time. */
export class NodeUnreachableError extends ColonyError {
  override readonly status = 503
  /** the node URL that was tried */
  readonly url: string
  /** short cause, e.g. "connection refused (ECONNREFUSED)" */
  readonly reason: string
  constructor (url: string, reason: string, cause?: unknown) {
    super(`cannot reach the colonies node at ${url}: ${reason}. Check COLONIES_SERVER_HOST and COLONIES_SERVER_PORT ` +
      '(and COLONIES_SERVER_TLS), and that the node is running')
    this.name = 'NodeUnreachableError'
    this.url = url
    this.reason = reason
    if (cause !== undefined) this.cause = cause
  }
}

/** The node answered with an error reply; `message` is the node's own message. */
export class RpcError extends ColonyError {
  override readonly status: number
  /** the request's msgtype ("" when not an RPC, e.g. GET /health) */
  readonly msgtype: string
  constructor (status: number, message: string, msgtype = '') {
    super(message)
    this.name = 'RpcError'
    this.status = status
    this.msgtype = msgtype
  }
}

/** 400: the request was malformed or not valid in the node's current state. */
export class BadRequestError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(400, message, msgtype)
    this.name = 'BadRequestError'
  }
}

/** 403: the signer lacks the right (wrong key, not a member, not the colony owner…). */
export class ForbiddenError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(403, message, msgtype)
    this.name = 'ForbiddenError'
  }
}

/** 404: no such thing, or (assign) no process became available within the timeout. */
export class NotFoundError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(404, message, msgtype)
    this.name = 'NotFoundError'
  }
}

/** 409: valid in general but not now (e.g. closing a process that is no longer running). */
export class ConflictError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(409, message, msgtype)
    this.name = 'ConflictError'
  }
}

/** A client-side wait (waitForState) ran out of time; the process itself is untouched. */
export class WaitTimeoutError extends ColonyError {
  override readonly status = 408
  constructor (message: string) {
    super(message)
    this.name = 'WaitTimeoutError'
  }
}

/** The typed error for an error reply with this HTTP status. */
export function rpcError (status: number, message: string, msgtype = ''): RpcError {
  switch (status) {
    case 400: return new BadRequestError(message, msgtype)
    case 403: return new ForbiddenError(message, msgtype)
    case 404: return new NotFoundError(message, msgtype)
    case 409: return new ConflictError(message, msgtype)
    default: return new RpcError(status, message, msgtype)
  }
}
