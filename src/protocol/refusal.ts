/**
 * Why the fold refuses a record: a code that says what kind of refusal it is, and a reason
 * for people. The RPC layer maps the code (never the text) to the error, and so to the HTTP
 * status ColonyOS uses for it.
 */
import { BadRequestError, ForbiddenError, NotFoundError, type RpcError, ValidationError } from './errors.js'

export type RefusalCode = 'forbidden' | 'not-found' | 'invalid' | 'conflict'

export interface Refusal {
  readonly code: RefusalCode
  readonly reason: string
}

/** ColonyOS's authorization errors begin so ("Access denied, not colony owner"); SDKs match it. */
export const ACCESS_DENIED = 'Access denied'

/** The signer (or the origin site) lacks the right: the reason begins with "Access denied, ". */
export function forbidden (why: string): Refusal {
  return { code: 'forbidden', reason: `${ACCESS_DENIED}, ${why}` }
}

/** The process, workflow, colony, executor, cron... the record names does not exist (any more). */
export function notFound (reason: string): Refusal {
  return { code: 'not-found', reason }
}

/** A valid request that the current state does not allow (not running, superseded, already exists). */
export function conflict (reason: string): Refusal {
  return { code: 'conflict', reason }
}

/** The record is malformed or can never apply (wrong kind, bad signature, inconsistent fields). */
export function invalid (reason: string): Refusal {
  return { code: 'invalid', reason }
}

/** Tells a refusal from the value a fold step creates instead (a process, a workflow). */
export function isRefusal<T extends object> (x: T | Refusal): x is Refusal {
  return 'code' in x && 'reason' in x
}

export function sameRefusal (a: Refusal | undefined, b: Refusal | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.code === b.code && a.reason === b.reason)
}

/**
 * The error class for each code. ColonyOS answers 403 when a membership or ownership check
 * fails and 404 for what it cannot find, but 400 both for malformed input and for what the
 * state does not allow ("already exists", closing a process that is not running): its SDKs
 * expect those statuses, so a conflict is a 400 too.
 */
const ERRORS: { readonly [C in RefusalCode]: (reason: string) => RpcError } = {
  forbidden: reason => new ForbiddenError(reason),
  'not-found': reason => new NotFoundError(reason),
  conflict: reason => new BadRequestError(reason),
  invalid: reason => new ValidationError('', reason)
}

/** A fold refusal as the typed error the RPC replies with. */
export function refusalError (r: Refusal): RpcError {
  return ERRORS[r.code](r.reason)
}
