/**
 * JSON values and the small validating readers every boundary parser (specs, messages,
 * records) is built from. Decoding follows Go's encoding/json, as upstream's server does:
 * unknown fields are ignored (and dropped), `null` or a missing field means the Go zero
 * value, and a field's name matches a key case-insensitively (an SDK sends `executorId`;
 * see fieldKey). It is stricter where Go would let nonsense through: wrong types,
 * out-of-range numbers, bad quantities; and Go ints are 64-bit, while here integers must be
 * JS-safe (|n| ≤ 2^53-1).
 * Errors are ValidationErrors naming the dotted path of the field.
 */
import { ValidationError } from './errors.js'
import { fieldKey } from './json-keys.js'
import { parseCpu, parseMemory } from './quantity.js'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }
type Obj = Record<string, unknown>

/** Deeper than this is refused (as a ValidationError) so hostile input cannot blow the stack. */
export const MAX_JSON_DEPTH = 64

export function joinPath (path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function isPlainObject (v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** A JSON object at `path`; `null`/missing is refused unless `orEmpty` (Go: null leaves the zero value). */
export function expectObject (v: unknown, path: string, orEmpty = false): Obj {
  if ((v === undefined || v === null) && orEmpty) return {}
  if (!isPlainObject(v)) throw new ValidationError(path, 'must be an object')
  return v
}

/** A field, its name matched as Go does (json-keys.ts), with `null` read as absent (Go leaves the zero value for null). */
export function getField (o: Obj, key: string): unknown {
  const k = fieldKey(o, key)
  if (k === undefined) return undefined
  const v = o[k]
  return v === null ? undefined : v
}

export function readString (o: Obj, key: string, path: string): string {
  const v = getField(o, key)
  if (v === undefined) return ''
  if (typeof v !== 'string') throw new ValidationError(joinPath(path, key), 'must be a string')
  return v
}

export function readNonEmptyString (o: Obj, key: string, path: string): string {
  const v = readString(o, key, path)
  if (v === '') throw new ValidationError(joinPath(path, key), 'is required')
  return v
}

export function readBool (o: Obj, key: string, path: string): boolean {
  const v = getField(o, key)
  if (v === undefined) return false
  if (typeof v !== 'boolean') throw new ValidationError(joinPath(path, key), 'must be a boolean')
  return v
}

export function readInt (o: Obj, key: string, path: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, dflt = 0): number {
  const v = getField(o, key)
  if (v === undefined) return dflt
  const field = joinPath(path, key)
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ValidationError(field, 'must be an integer')
  if (v < min || v > max) {
    throw new ValidationError(field, max === Number.MAX_SAFE_INTEGER ? `must be ≥ ${min}` : `must be in [${min}, ${max}]`)
  }
  return v
}

const HEX_ID = /^[0-9a-fA-F]{64}$/

/** A 64-hex-char id, lower-cased; `optional` lets "" through (meaning "none"). */
export function readId (o: Obj, key: string, path: string, optional = false): string {
  const v = readString(o, key, path)
  if (v === '' && optional) return ''
  if (!HEX_ID.test(v)) throw new ValidationError(joinPath(path, key), v === '' ? 'is required' : 'must be a 64-character hex id')
  return v.toLowerCase()
}

export function readStringArray (o: Obj, key: string, path: string, nonEmptyItems = false): string[] {
  const v = getField(o, key)
  if (v === undefined) return []
  const field = joinPath(path, key)
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be an array of strings')
  return v.map((item, i) => {
    if (typeof item !== 'string') throw new ValidationError(`${field}[${i}]`, 'must be a string')
    if (nonEmptyItems && item === '') throw new ValidationError(`${field}[${i}]`, 'must not be empty')
    return item
  })
}

/**
 * A deep copy of a JSON value, refusing anything JSON cannot carry (undefined, NaN,
 * functions, class instances) and nesting deeper than MAX_JSON_DEPTH. Objects are built
 * with Object.fromEntries so a "__proto__" key stays a plain key.
 */
export function toJsonValue (v: unknown, path: string, depth = 0): JsonValue {
  if (depth > MAX_JSON_DEPTH) throw new ValidationError(path, `nested deeper than ${MAX_JSON_DEPTH} levels`)
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValidationError(path, 'must be a finite number')
    return v
  }
  if (Array.isArray(v)) return v.map((x, i) => toJsonValue(x, `${path}[${i}]`, depth + 1))
  if (isPlainObject(v)) {
    return Object.fromEntries(Object.keys(v).map(k => [k, toJsonValue(v[k], joinPath(path, k), depth + 1)]))
  }
  throw new ValidationError(path, 'must be a JSON value')
}

export function readJsonArray (o: Obj, key: string, path: string): JsonValue[] {
  const v = getField(o, key)
  if (v === undefined) return []
  const field = joinPath(path, key)
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be an array')
  return v.map((x, i) => toJsonValue(x, `${field}[${i}]`, 1))
}

export function readJsonObject (o: Obj, key: string, path: string): JsonObject {
  const v = getField(o, key)
  if (v === undefined) return {}
  const field = joinPath(path, key)
  if (!isPlainObject(v)) throw new ValidationError(field, 'must be an object')
  return toJsonValue(v, field) as JsonObject
}

export function readStringMap (o: Obj, key: string, path: string): Record<string, string> {
  const v = getField(o, key)
  if (v === undefined) return {}
  const field = joinPath(path, key)
  if (!isPlainObject(v)) throw new ValidationError(field, 'must be an object of strings')
  return Object.fromEntries(Object.keys(v).map(k => {
    const s = v[k]
    if (typeof s !== 'string') throw new ValidationError(joinPath(field, k), 'must be a string')
    return [k, s]
  }))
}

/** An array of objects, each handed to `parse` with its indexed path. */
export function readObjectArray<T> (o: Obj, key: string, path: string, parse: (item: Obj, itemPath: string) => T): T[] {
  const v = getField(o, key)
  if (v === undefined) return []
  const field = joinPath(path, key)
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be an array')
  return v.map((item, i) => parse(expectObject(item, `${field}[${i}]`), `${field}[${i}]`))
}

function readCpu (o: Obj, key: string, path: string): string {
  const s = readString(o, key, path)
  parseCpu(s, joinPath(path, key))
  return s
}

function readMemory (o: Obj, key: string, path: string): string {
  const s = readString(o, key, path)
  parseMemory(s, joinPath(path, key))
  return s
}

/** Reads a quantity field and checks it parses; the wire keeps the text. */
export const readQuantity = { cpu: readCpu, memory: readMemory }
