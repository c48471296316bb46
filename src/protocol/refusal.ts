/**
 * A fold refusal reason as a typed error, so the RPC layer maps it to the status code
 * ColonyOS uses: rights problems are 403, missing things 404, the rest 400.
 */
import { type ColonyError, ForbiddenError, NotFoundError, ValidationError } from './errors.js'

const FORBIDDEN = /^only |may only|not a member|not a site|not approved|has not declared|operator/
const NOT_FOUND = /does not exist|not in the colony|was removed/

export function refusalError (reason: string): ColonyError {
  if (FORBIDDEN.test(reason)) return new ForbiddenError(reason)
  if (NOT_FOUND.test(reason)) return new NotFoundError(reason)
  return new ValidationError('', reason)
}
