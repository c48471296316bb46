/** Blueprints for people: `blueprint ls|get|history` and `blueprint definition ls|get`. */
import type { JsonValue } from '../../protocol/json.js'
import type { Blueprint, BlueprintDefinition, BlueprintHistory } from '../../protocol/wire-blueprints.js'
import { renderFields, renderTable } from '../table.js'
import { formatTime } from './time.js'

const orDash = (s: string | undefined): string => s === undefined || s === '' ? '-' : s

/** A value in a cell: text as is, anything else as compact JSON. */
function cell (v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** "key  value" lines of an object (spec, status, labels), or one line saying it is empty. */
function objectSection (title: string, o: Record<string, JsonValue> | undefined, empty: string): string {
  const keys = Object.keys(o ?? {})
  if (keys.length === 0) return `${title}\n  ${empty}`
  return renderFields(keys.map(k => [k, cell(o?.[k])] as const), title)
}

export function definitionsTable (defs: readonly BlueprintDefinition[], colonyname: string): string {
  return renderTable([
    { header: 'NAME', value: d => d.metadata.name },
    { header: 'KIND', value: d => d.spec.names.kind },
    { header: 'EXECUTOR TYPE', value: d => orDash(d.spec.handler.executorType) },
    { header: 'FUNCTION NAME', value: d => orDash(d.spec.handler.functionName) }
  ], defs, `No blueprint definitions found in colony ${colonyname}`)
}

export function definitionDetail (d: BlueprintDefinition): string {
  const s = d.spec
  const parts = [
    renderFields([
      ['Name', d.metadata.name],
      ['Id', d.blueprintdefinitionid],
      ['Kind', s.names.kind],
      ['Plural', orDash(s.names.plural)],
      ['Group', orDash(s.group)],
      ['Version', orDash(s.version)],
      ['Scope', orDash(s.scope)],
      ['Added', formatTime(d.metadata.createdAt)]
    ], 'Blueprint definition'),
    renderFields([
      ['Executor type', orDash(s.handler.executorType)],
      ['Function name', orDash(s.handler.functionName)],
      ...(s.handler.reconcileInterval === undefined ? [] : [['Reconcile interval', `${s.handler.reconcileInterval}s`] as const])
    ], 'Handler')
  ]
  const schema = s.schema as { required?: string[], properties?: Record<string, { type?: string, description?: string }> } | undefined
  if (schema !== undefined) {
    const props = Object.entries(schema.properties ?? {})
    parts.push(renderFields([['Required fields', (schema.required ?? []).join(', ') || '-'], ['Properties', String(props.length)]], 'Schema'))
    if (props.length > 0) {
      parts.push(renderTable([
        { header: 'FIELD', value: ([k]) => k },
        { header: 'TYPE', value: ([, p]) => orDash(p.type) },
        { header: 'DESCRIPTION', value: ([, p]) => orDash(p.description), max: 60 }
      ], props, ''))
    }
  }
  return parts.join('\n\n')
}

export function blueprintsTable (bps: readonly Blueprint[], colonyname: string): string {
  return renderTable([
    { header: 'NAME', value: b => b.metadata.name },
    { header: 'KIND', value: b => b.kind },
    { header: 'LOCATION', value: b => orDash(b.metadata.locationname) },
    { header: 'GEN', value: b => String(b.metadata.generation ?? 0), align: 'right' },
    { header: 'STATUS', value: b => b.status === undefined ? 'none reported' : 'reported' },
    { header: 'UPDATED', value: b => formatTime(b.metadata.updatedAt) }
  ], bps, `No blueprints found in colony ${colonyname}`)
}

/** `reconcileState`: the state of its last reconcile process, when that could be read. */
export function blueprintDetail (b: Blueprint, reconcileState?: string): string {
  const m = b.metadata
  const last = m.lastReconciliationProcess === undefined ? '-' : `${m.lastReconciliationProcess}${reconcileState === undefined ? '' : ` (${reconcileState})`}`
  const parts = [
    renderFields([
      ['Name', m.name],
      ['Id', b.blueprintid],
      ['Kind', b.kind],
      ['Colony', m.colonyname],
      ['Location', orDash(m.locationname)],
      ['Generation', String(m.generation ?? 0)],
      ['Last reconciliation', last],
      ['Reconciliation time', formatTime(m.lastReconciliationTime)],
      ['Created', formatTime(m.createdAt)],
      ['Updated', formatTime(m.updatedAt)]
    ], 'Blueprint')
  ]
  if (m.labels !== undefined) parts.push(objectSection('Labels', m.labels, ''))
  if (m.annotations !== undefined) parts.push(objectSection('Annotations', m.annotations, ''))
  parts.push(objectSection('Spec (desired state)', b.spec, 'empty'))
  parts.push(objectSection('Status (reported state)', b.status, 'none reported yet'))
  return parts.join('\n\n')
}

/** `who`: a name for a changer's id, when one is known. */
export function historyTable (entries: readonly BlueprintHistory[], name: string, who: (id: string) => string): string {
  return renderTable([
    { header: 'GENERATION', value: h => String(h.generation), align: 'right' },
    { header: 'TIME', value: h => formatTime(h.timestamp) },
    { header: 'CHANGE', value: h => h.changetype },
    { header: 'CHANGED BY', value: h => who(h.changedby) }
  ], entries, `No history found for blueprint ${name}`)
}

export function historyDetail (h: BlueprintHistory, who: string): string {
  return [
    renderFields([
      ['Blueprint', `${h.name} (${h.blueprintid})`],
      ['Kind', h.kind],
      ['Generation', String(h.generation)],
      ['Time', formatTime(h.timestamp)],
      ['Change', h.changetype],
      ['Changed by', who]
    ], 'Blueprint history'),
    objectSection('Spec', h.spec, 'empty'),
    objectSection('Status', h.status, 'none')
  ].join('\n\n')
}
