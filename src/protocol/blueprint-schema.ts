/**
 * A blueprint definition's schema (upstream pkg/core/blueprint.go: ValidationSchema,
 * SchemaProperty) and the check of a blueprint's spec against it. The check follows
 * upstream's ValidateBlueprintAgainstSchema, the one its server runs: required fields,
 * the types string, number, boolean, object and array (other type names are not
 * checked, "integer" included), enums, array items and nested objects, with upstream's
 * error texts (Go's %T and %v spellings). Where Go would panic (an enum of objects
 * compared with ==) values are compared as canonical JSON instead.
 */
import { canonicalJson } from './canonical.js'
import { ValidationError } from './errors.js'
import {
  expectObject, getField, joinPath, type JsonObject, type JsonValue, MAX_JSON_DEPTH, readJsonArray, readString,
  readStringArray, toJsonValue
} from './json.js'

type Obj = Record<string, unknown>

export interface SchemaProperty {
  readonly type: string
  readonly description: string
  readonly enum: readonly JsonValue[]
  /** absent when the definition gives none */
  readonly default?: JsonValue
  readonly properties: Readonly<Record<string, SchemaProperty>>
  readonly items?: SchemaProperty
}

export interface ValidationSchema {
  readonly type: string
  readonly properties: Readonly<Record<string, SchemaProperty>>
  readonly required: readonly string[]
}

function readProperties (o: Obj, path: string, depth: number): Record<string, SchemaProperty> {
  const v = getField(o, 'properties')
  if (v === undefined) return {}
  const field = joinPath(path, 'properties')
  const props = expectObject(v, field)
  return Object.fromEntries(Object.keys(props).map(k => [k, parseSchemaProperty(props[k], joinPath(field, k), depth + 1)]))
}

function parseSchemaProperty (v: unknown, path: string, depth: number): SchemaProperty {
  if (depth > MAX_JSON_DEPTH) throw new ValidationError(path, `nested deeper than ${MAX_JSON_DEPTH} levels`)
  const o = expectObject(v, path)
  const dflt = getField(o, 'default')
  const items = getField(o, 'items')
  const p: { -readonly [K in keyof SchemaProperty]: SchemaProperty[K] } = {
    type: readString(o, 'type', path),
    description: readString(o, 'description', path),
    enum: readJsonArray(o, 'enum', path),
    properties: readProperties(o, path, depth)
  }
  if (dflt !== undefined) p.default = toJsonValue(dflt, joinPath(path, 'default'), depth + 1)
  if (items !== undefined) p.items = parseSchemaProperty(items, joinPath(path, 'items'), depth + 1)
  return p
}

/** A schema as a definition carries it; undefined when the field is absent or null. */
export function parseValidationSchema (v: unknown, path: string): ValidationSchema | undefined {
  if (v === undefined || v === null) return undefined
  const o = expectObject(v, path)
  return {
    type: readString(o, 'type', path),
    properties: readProperties(o, path, 1),
    required: readStringArray(o, 'required', path)
  }
}

function propertyToJson (p: SchemaProperty): JsonObject {
  const out: JsonObject = {}
  if (p.type !== '') out.type = p.type
  if (p.description !== '') out.description = p.description
  if (p.enum.length > 0) out.enum = [...p.enum]
  if (p.default !== undefined) out.default = p.default
  if (Object.keys(p.properties).length > 0) out.properties = propertiesToJson(p.properties)
  if (p.items !== undefined) out.items = propertyToJson(p.items)
  return out
}

function propertiesToJson (props: Readonly<Record<string, SchemaProperty>>): JsonObject {
  return Object.fromEntries(Object.keys(props).map(k => [k, propertyToJson(props[k] as SchemaProperty)]))
}

/** The schema as upstream writes it (every field omitempty). */
export function validationSchemaToJson (s: ValidationSchema): JsonObject {
  const out: JsonObject = {}
  if (s.type !== '') out.type = s.type
  if (Object.keys(s.properties).length > 0) out.properties = propertiesToJson(s.properties)
  if (s.required.length > 0) out.required = [...s.required]
  return out
}

/** Go's %T of a decoded JSON value. */
function goType (v: JsonValue): string {
  if (v === null) return '<nil>'
  if (Array.isArray(v)) return '[]interface {}'
  switch (typeof v) {
    case 'string': return 'string'
    case 'number': return 'float64'
    case 'boolean': return 'bool'
    default: return 'map[string]interface {}'
  }
}

/** Go's %v of a decoded JSON value. */
function goValue (v: JsonValue): string {
  if (v === null) return '<nil>'
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map(k => `${k}:${goValue(v[k] as JsonValue)}`).join(' ')}]`
  return String(v)
}

const isObject = (v: JsonValue): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v)

function checkField (name: string, value: JsonValue, p: SchemaProperty): string | undefined {
  switch (p.type) {
    case 'string':
      if (typeof value !== 'string') return `field '${name}' must be a string, got ${goType(value)}`
      break
    case 'number':
      if (typeof value !== 'number') return `field '${name}' must be a number, got ${goType(value)}`
      break
    case 'boolean':
      if (typeof value !== 'boolean') return `field '${name}' must be a boolean, got ${goType(value)}`
      break
    case 'object':
      if (!isObject(value)) return `field '${name}' must be an object, got ${goType(value)}`
      break
    case 'array':
      if (!Array.isArray(value)) return `field '${name}' must be an array, got ${goType(value)}`
      if (p.items !== undefined) {
        for (const [i, item] of value.entries()) {
          const why = checkField(`${name}[${i}]`, item, p.items)
          if (why !== undefined) return why
        }
      }
      break
  }
  if (p.enum.length > 0) {
    const text = canonicalJson(value)
    if (!p.enum.some(e => canonicalJson(e) === text)) return `field '${name}' must be one of ${goValue([...p.enum])}, got ${goValue(value)}`
  }
  if (p.type === 'object' && isObject(value)) {
    for (const k of Object.keys(value).sort()) {
      const nested = Object.hasOwn(p.properties, k) ? p.properties[k] : undefined
      if (nested === undefined) continue
      const why = checkField(`${name}.${k}`, value[k] as JsonValue, nested)
      if (why !== undefined) return why
    }
  }
  return undefined
}

/**
 * Why `spec` does not satisfy the schema, or undefined. Fields are checked in key order
 * (Go ranges over a map in random order, so which of several errors it reports varies).
 */
export function schemaViolation (spec: JsonObject, schema: ValidationSchema): string | undefined {
  for (const field of schema.required) {
    if (!Object.hasOwn(spec, field)) return `required field '${field}' is missing`
  }
  for (const k of Object.keys(spec).sort()) {
    const p = Object.hasOwn(schema.properties, k) ? schema.properties[k] : undefined
    if (p === undefined) continue
    const why = checkField(k, spec[k] as JsonValue, p)
    if (why !== undefined) return why
  }
  return undefined
}
