/**
 * Errors a client sees, matched by `name`: the node could not be reached, a wait ran out,
 * or the node answered with a ColonyOS error reply (`RpcError` and its by-status classes,
 * the very classes the node throws: see protocol/errors.ts).
 */
import { ColonyError } from '../protocol/errors.js'

export {
  BadRequestError, ColonyError, ConflictError, ForbiddenError, NotFoundError, RpcError, SignatureError, TooManyRequestsError, ValidationError,
  rpcError
} from '../protocol/errors.js'

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

/** A client-side wait (waitForState) ran out of time; the process itself is untouched. */
export class WaitTimeoutError extends ColonyError {
  override readonly status = 408
  constructor (message: string) {
    super(message)
    this.name = 'WaitTimeoutError'
  }
}
