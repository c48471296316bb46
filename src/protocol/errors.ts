/**
 * Typed errors, matched by `name` (never by message). Each carries the HTTP status the
 * ColonyOS RPC uses for it, so the API maps them once and the CLI turns them into one
 * clear line and an exit code.
 */
export class ColonyError extends Error {
  readonly status: number = 500
  constructor (message: string) {
    super(message)
    this.name = 'ColonyError'
  }
}

/** The input is malformed: a field is missing, has the wrong type or an invalid value. */
export class ValidationError extends ColonyError {
  override readonly status = 400
  /** dotted path of the offending field, e.g. `spec.conditions.executortype` */
  readonly field: string
  constructor (field: string, problem: string) {
    super(field === '' ? problem : `${field}: ${problem}`)
    this.name = 'ValidationError'
    this.field = field
  }
}

/** The signature is missing, malformed or does not verify. */
export class SignatureError extends ColonyError {
  override readonly status = 403
  constructor (message: string) {
    super(message)
    this.name = 'SignatureError'
  }
}

/** The signer is known but lacks the right for this operation. */
export class ForbiddenError extends ColonyError {
  override readonly status = 403
  constructor (message: string) {
    super(message)
    this.name = 'ForbiddenError'
  }
}

export class NotFoundError extends ColonyError {
  override readonly status = 404
  constructor (message: string) {
    super(message)
    this.name = 'NotFoundError'
  }
}

/** The operation is valid in general but not in the current state (e.g. closing a finished process). */
export class ConflictError extends ColonyError {
  override readonly status = 409
  constructor (message: string) {
    super(message)
    this.name = 'ConflictError'
  }
}
