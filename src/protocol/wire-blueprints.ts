/**
 * Blueprints in upstream's JSON shapes (pkg/core/blueprint.go): field names, omitempty
 * rules (a time.Time is never omitted: Go writes its zero time) and map keys in sorted
 * order, as Go's encoding/json writes every map, so that a client comparing `spec` and
 * `status` as text sees what it would see upstream.
 */
import type { BlueprintDefinitionInfo, BlueprintHistoryEntry, BlueprintInfo } from './blueprint-fold.js'
import { validationSchemaToJson } from './blueprint-schema.js'
import type { JsonObject, JsonValue } from './json.js'
import type { BlueprintMetadataInput } from './messages.js'
import { formatGoTime, GO_ZERO_TIME, type GoTime } from './wire-types.js'

export interface BlueprintMetadata {
  name: string
  colonyname: string
  locationname?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  generation?: number
  createdAt: GoTime
  updatedAt: GoTime
  lastReconciliationProcess?: string
  lastReconciliationTime: GoTime
}

export interface Blueprint {
  blueprintid: string
  kind: string
  metadata: BlueprintMetadata
  spec: JsonObject
  status?: JsonObject
}

export interface BlueprintDefinition {
  blueprintdefinitionid: string
  kind: string
  metadata: BlueprintMetadata
  spec: {
    group: string
    version: string
    names: { kind: string, listKind: string, singular: string, plural: string, shortNames?: string[] }
    scope: string
    schema?: JsonObject
    handler: { executorType: string, functionName: string, reconcileInterval?: number }
  }
}

export interface BlueprintHistory {
  historyid: string
  blueprintid: string
  kind: string
  namespace: string
  name: string
  generation: number
  spec: JsonObject
  status?: JsonObject
  timestamp: GoTime
  changedby: string
  changetype: string
}

const time = (ms: number): GoTime => ms > 0 ? formatGoTime(ms) : GO_ZERO_TIME

/** A JSON value with every object's keys in sorted order (Go writes maps so). */
export function sortedKeys<T extends JsonValue> (v: T): T {
  if (Array.isArray(v)) return v.map(sortedKeys) as T
  if (v === null || typeof v !== 'object') return v
  const o = v as JsonObject
  return Object.fromEntries(Object.keys(o).sort().map(k => [k, sortedKeys(o[k] as JsonValue)])) as T
}

/** In the order upstream's struct declares the fields; omitempty ones only when set. */
function metadataToWire (m: BlueprintMetadataInput, t: { generation: number, created: number, updated: number, process: string, processTime: number }): BlueprintMetadata {
  return {
    name: m.name,
    colonyname: m.colonyname,
    ...(m.locationname === '' ? {} : { locationname: m.locationname }),
    ...(Object.keys(m.labels).length === 0 ? {} : { labels: sortedKeys(m.labels) }),
    ...(Object.keys(m.annotations).length === 0 ? {} : { annotations: sortedKeys(m.annotations) }),
    ...(t.generation === 0 ? {} : { generation: t.generation }),
    createdAt: time(t.created),
    updatedAt: time(t.updated),
    ...(t.process === '' ? {} : { lastReconciliationProcess: t.process }),
    lastReconciliationTime: time(t.processTime)
  }
}

export function blueprintToWire (b: BlueprintInfo): Blueprint {
  const out: Blueprint = {
    blueprintid: b.blueprintid,
    kind: b.kind,
    metadata: metadataToWire(b.metadata, { generation: b.generation, created: b.created, updated: b.updated, process: b.lastprocess, processTime: b.lastprocesstime }),
    spec: sortedKeys(b.spec)
  }
  if (Object.keys(b.status).length > 0) out.status = sortedKeys(b.status)
  return out
}

export function blueprintDefinitionToWire (d: BlueprintDefinitionInfo): BlueprintDefinition {
  const s = d.def.spec
  const names: BlueprintDefinition['spec']['names'] = { kind: s.names.kind, listKind: s.names.listKind, singular: s.names.singular, plural: s.names.plural }
  if (s.names.shortNames.length > 0) names.shortNames = s.names.shortNames
  const handler: BlueprintDefinition['spec']['handler'] = { executorType: s.handler.executorType, functionName: s.handler.functionName }
  if (s.handler.reconcileInterval !== 0) handler.reconcileInterval = s.handler.reconcileInterval
  const spec: BlueprintDefinition['spec'] = { group: s.group, version: s.version, names, scope: s.scope, handler }
  if (s.schema !== undefined) spec.schema = validationSchemaToJson(s.schema)
  return {
    blueprintdefinitionid: d.id,
    kind: d.def.kind,
    metadata: metadataToWire(d.def.metadata, { generation: 0, created: d.created, updated: d.created, process: '', processTime: 0 }),
    // key order as upstream's struct declares the fields
    spec: spec.schema === undefined ? spec : { group: spec.group, version: spec.version, names, scope: spec.scope, schema: spec.schema, handler }
  }
}

export function blueprintHistoryToWire (b: BlueprintInfo, h: BlueprintHistoryEntry): BlueprintHistory {
  const out: BlueprintHistory = {
    historyid: h.historyid,
    blueprintid: b.blueprintid,
    kind: h.kind,
    namespace: b.metadata.colonyname,
    name: h.name,
    generation: h.generation,
    spec: sortedKeys(h.spec),
    timestamp: time(h.timestamp),
    changedby: h.changedby,
    changetype: h.changetype
  }
  if (Object.keys(h.status).length > 0) {
    const { historyid, blueprintid, kind, namespace, name, generation, spec, timestamp, changedby, changetype } = out
    return { historyid, blueprintid, kind, namespace, name, generation, spec, status: sortedKeys(h.status), timestamp, changedby, changetype }
  }
  return out
}
