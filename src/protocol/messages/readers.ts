/**
 * What the message families share: upstream's list limits, readers for the fields at a
 * message's root (paths are bare field names: "processid"), and the type of a family's
 * table of parsers.
 */
import { ValidationError } from '../errors.js'
import { expectObject, getField, readBool, readId, readInt, readNonEmptyString, readString } from '../json.js'
import { type FunctionSpec, parseFunctionSpec } from '../spec.js'
import { STATE_NOTSET } from '../state.js'

export type Obj = Record<string, unknown>

/** Upstream list limits (pkg/constants). */
export const MAX_COUNT = 100
export const MAX_LOG_COUNT = 500
export const MAX_DAYS = 30
/** colonynet's paged listing (getprocesspagemsg) and throughput window limits */
export const MAX_PAGE_COUNT = 500
export const MAX_THROUGHPUT_SECONDS = 86_400
export const MAX_THROUGHPUT_BUCKETS = 1_000

/** A parser for every msgtype of the union M, returning the rest of that message. */
export type ParsersOf<M extends { msgtype: string }> = { [T in M['msgtype']]: (o: Obj) => Omit<Extract<M, { msgtype: T }>, 'msgtype'> }

export const ROOT = ''
export const str = (o: Obj, k: string): string => readString(o, k, ROOT)
export const name = (o: Obj, k: string): string => readNonEmptyString(o, k, ROOT)
export const id = (o: Obj, k: string): string => readId(o, k, ROOT)
export const bool = (o: Obj, k: string): boolean => readBool(o, k, ROOT)
export const count = (o: Obj, max: number): number => readInt(o, 'count', ROOT, 0, max)
export const state = (o: Obj, k = 'state'): number => readInt(o, k, ROOT, 0, 4)

/** removeall*: -1 (every state) or a state that is not RUNNING. */
export function removeAllState (o: Obj): number {
  const s = readInt(o, 'state', ROOT, STATE_NOTSET, 4)
  if (s === 1) throw new ValidationError('state', 'running ones cannot be removed')
  return s
}

/** A nested object field that must be present (upstream answers "X is nil" otherwise). */
export function child (o: Obj, k: string): Obj {
  const v = getField(o, k)
  if (v === undefined) throw new ValidationError(k, 'is required')
  return expectObject(v, k)
}

/** A spec that becomes a process on its own: it must name its colony. */
export function standaloneSpec (o: Obj): FunctionSpec {
  const spec = parseFunctionSpec(getField(o, 'spec'), 'spec')
  if (spec.conditions.colonyname === '') throw new ValidationError('spec.conditions.colonyname', 'is required')
  return spec
}
