/**
 * Typed errors, matched by `name` (never by message), shared by the node and the client.
 * Each carries the HTTP status the ColonyOS RPC uses for it: the node replies with that
 * status, and the client turns an error reply back into the same class by its status
 * (`rpcError`), so the CLI maps either into one clear line and an exit code.
 */
export class ColonyError extends Error {
  readonly status: number = 500
  constructor (message: string) {
    super(message)
    this.name = 'ColonyError'
  }
}

/**
 * An error with a ColonyOS error reply: the node throws one to answer with its status, and
 * the client raises one from a node's error reply (`msgtype` names the request, "" when it
 * was not an RPC, e.g. GET /health). The by-status classes below extend it.
 */
export class RpcError extends ColonyError {
  override readonly status: number
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

/** 400 naming the field: a field is missing, has the wrong type or an invalid value. */
export class ValidationError extends BadRequestError {
  /** dotted path of the offending field, e.g. `spec.conditions.executortype` */
  readonly field: string
  constructor (field: string, problem: string) {
    super(field === '' ? problem : `${field}: ${problem}`)
    this.name = 'ValidationError'
    this.field = field
  }
}

/** 403: the signer lacks the right (not a member, not the colony owner, not the assigned executor…). */
export class ForbiddenError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(403, message, msgtype)
    this.name = 'ForbiddenError'
  }
}

/** 403: the signature is missing, malformed or does not verify. */
export class SignatureError extends ForbiddenError {
  constructor (message: string) {
    super(message)
    this.name = 'SignatureError'
  }
}

/** 404: no such thing, or (assign) no process became available within the timeout. */
export class NotFoundError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(404, message, msgtype)
    this.name = 'NotFoundError'
  }
}

/** 409: valid in general but not now (e.g. running a cron whose previous workflow has not finished). */
export class ConflictError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(409, message, msgtype)
    this.name = 'ConflictError'
  }
}

/** 413: a blob larger than the node accepts; `limit` is its largest, in bytes (-1: not told). */
export class PayloadTooLargeError extends RpcError {
  readonly limit: number
  constructor (message: string, limit = -1, msgtype = '') {
    super(413, message, msgtype)
    this.name = 'PayloadTooLargeError'
    this.limit = limit
  }
}

/** 416: a Range that starts beyond the end of the blob. */
export class RangeNotSatisfiableError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(416, message, msgtype)
    this.name = 'RangeNotSatisfiableError'
  }
}

/** 400: content whose SHA-256 is not the checksum it claimed (an upload, a peer's blob). */
export class ChecksumMismatchError extends BadRequestError {
  constructor (message: string, msgtype = '') {
    super(message, msgtype)
    this.name = 'ChecksumMismatchError'
  }
}

/** 429: the node limits how fast this may be done (a process's channel appends); try again shortly. */
export class TooManyRequestsError extends RpcError {
  constructor (message: string, msgtype = '') {
    super(429, message, msgtype)
    this.name = 'TooManyRequestsError'
  }
}

/** The typed error for an error reply with this HTTP status. */
export function rpcError (status: number, message: string, msgtype = ''): RpcError {
  switch (status) {
    case 400: return new BadRequestError(message, msgtype)
    case 403: return new ForbiddenError(message, msgtype)
    case 404: return new NotFoundError(message, msgtype)
    case 409: return new ConflictError(message, msgtype)
    case 413: return new PayloadTooLargeError(message, -1, msgtype)
    case 416: return new RangeNotSatisfiableError(message, msgtype)
    case 429: return new TooManyRequestsError(message, msgtype)
    default: return new RpcError(status, message, msgtype)
  }
}
