/**
 * Processes for people: a list per state (`process ps|psw|pss|psf|psc`) and the full
 * view of one (`process get`).
 */
import { ProcessState } from '../../protocol/state.js'
import type { DuplicateExecution, Process } from '../../protocol/wire-types.js'
import { type Column, renderFields, renderTable } from '../table.js'
import { formatSeconds, formatTime, secondsBetween } from './time.js'

const STATE_NAMES = ['Waiting', 'Running', 'Successful', 'Failed', 'Cancelled']
const ATTRIBUTE_TYPES = ['In', 'Out', 'Err', 'Env']

export function stateName (state: number): string {
  return STATE_NAMES[state] ?? `Unknown (${state})`
}

/** args and outputs as the command line would show them: strings bare, the rest as JSON */
export function valuesText (values: readonly unknown[] | null | undefined): string {
  return (values ?? []).map(v => typeof v === 'string' ? v : JSON.stringify(v)).join(' ')
}

export function kwargsText (kwargs: Record<string, unknown> | null | undefined): string {
  return Object.entries(kwargs ?? {}).map(([k, v]) => `${k}:${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
}

const LIST_EMPTY: Record<number, string> = {
  [ProcessState.WAITING]: 'No waiting processes found',
  [ProcessState.RUNNING]: 'No running processes found',
  [ProcessState.SUCCESS]: 'No successful processes found',
  [ProcessState.FAILED]: 'No failed processes found',
  [ProcessState.CANCELLED]: 'No cancelled processes found'
}

export function processesTable (processes: readonly Process[], state: number, colonyname: string): string {
  const columns: Array<Column<Process>> = [
    { header: 'ID', value: p => p.processid },
    { header: 'FUNCNAME', value: p => p.spec.funcname, max: 30 },
    { header: 'ARGS', value: p => valuesText(p.spec.args), max: 20 },
    { header: 'EXECUTOR TYPE', value: p => p.spec.conditions.executortype },
    { header: 'INITIATOR', value: p => p.initiatorname }
  ]
  if (state === ProcessState.WAITING) {
    columns.push({ header: 'SUBMITTED', value: p => formatTime(p.submissiontime) })
  } else if (state === ProcessState.RUNNING) {
    columns.push({ header: 'STARTED', value: p => formatTime(p.starttime) })
  } else {
    columns.push({ header: 'ENDED', value: p => formatTime(p.endtime) })
  }
  if (state === ProcessState.FAILED) columns.push({ header: 'ERRORS', value: p => (p.errors ?? []).join('; '), max: 40 })
  return renderTable(columns, processes, `${LIST_EMPTY[state] ?? 'No processes found'} in colony ${colonyname}`)
}

/** A process as `process get` prints it: with, from colonynet's history, the executions beyond the winning one. */
export type ProcessWithRuns = Process & { duplicates?: readonly DuplicateExecution[] }

/** The executions of a process beyond the one that won each attempt (both sides of a partition claimed it). */
export function duplicatesText (dups: readonly DuplicateExecution[]): string {
  if (dups.length === 0) return ''
  return `Ran more than once: ${dups.length + 1} executions of ${new Set(dups.map(d => d.attempt)).size === 1 ? 'one attempt' : 'its attempts'}; beyond the one that won, also\n${renderTable([
    { header: 'ATTEMPT', value: d => String(d.attempt), align: 'right' },
    { header: 'SITE', value: d => d.sitename === '' ? d.site.slice(0, 12) : `${d.sitename} (${d.site.slice(0, 12)})` },
    { header: 'EXECUTOR', value: d => d.executorname === '' ? d.executorid : `${d.executorname} (${d.executorid.slice(0, 12)})` },
    { header: 'LOSING CLAIM', value: d => d.claim.slice(0, 12) }
  ], dups, '').split('\n').map(l => `  ${l}`).join('\n')}`
}

export function processDetail (p: ProcessWithRuns): string {
  const spec = p.spec
  const c = spec.conditions
  const waited = secondsBetween(p.submissiontime, p.starttime)
  const ran = secondsBetween(p.starttime, p.endtime)
  const sections = [
    renderFields([
      ['Id', p.processid],
      ['State', stateName(p.state)],
      ['Initiator', `${p.initiatorname} (${p.initiatorid})`],
      ['Assigned executor', p.isassigned ? p.assignedexecutorid : '-'],
      ['Submitted', formatTime(p.submissiontime)],
      ['Started', formatTime(p.starttime)],
      ['Ended', formatTime(p.endtime)],
      ['Waiting time', waited === undefined ? '-' : formatSeconds(waited)],
      ['Processing time', ran === undefined ? '-' : formatSeconds(ran)],
      ['Wait deadline', formatTime(p.waitdeadline)],
      ['Exec deadline', formatTime(p.execdeadline)],
      ['Retries', String(p.retries)],
      ['Workflow', p.processgraphid === '' ? '-' : p.processgraphid],
      ['Input', valuesText(p.in) || '-'],
      ['Output', valuesText(p.out) || '-'],
      ['Errors', (p.errors ?? []).join('; ') || '-'],
      ...(p.duplicates === undefined || p.duplicates.length === 0 ? [] : [['Executions', `${p.duplicates.length + 1}: ran more than once (see below)`] as [string, string]])
    ], 'Process'),
    renderFields([
      ['Funcname', spec.funcname || '-'],
      ['Args', valuesText(spec.args) || '-'],
      ['Kwargs', kwargsText(spec.kwargs) || '-'],
      ['Priority', String(spec.priority)],
      ['Max wait time', spec.maxwaittime > 0 ? `${spec.maxwaittime}s` : 'none'],
      ['Max exec time', spec.maxexectime > 0 ? `${spec.maxexectime}s` : 'none'],
      ['Max retries', spec.maxretries < 0 ? 'unlimited' : String(spec.maxretries)],
      ['Label', spec.label || '-'],
      ['Env', Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || '-']
    ], 'Function spec'),
    renderFields([
      ['Colony', c.colonyname],
      ['Executor type', c.executortype],
      ['Executor names', (c.executornames ?? []).join(', ') || 'any'],
      ['Location', (c.locationname ?? '') || 'any'],
      ['CPU', c.cpu || '-'],
      ['Memory', c.mem || '-'],
      ['Dependencies', (c.dependencies ?? []).join(', ') || '-']
    ], 'Conditions')
  ]
  if (p.duplicates !== undefined && p.duplicates.length > 0) sections.push(duplicatesText(p.duplicates))
  const attributes = p.attributes ?? []
  sections.push(attributes.length === 0
    ? 'Attributes\n  none'
    : `Attributes\n${renderTable([
        { header: 'ID', value: a => a.attributeid },
        { header: 'TYPE', value: a => ATTRIBUTE_TYPES[a.attributetype] ?? String(a.attributetype) },
        { header: 'KEY', value: a => a.key },
        { header: 'VALUE', value: a => a.value, max: 60 }
      ], attributes, '').split('\n').map(l => `  ${l}`).join('\n')}`)
  return sections.join('\n\n')
}

export function attributeTypeName (type: number): string {
  return ATTRIBUTE_TYPES[type] ?? String(type)
}
