/**
 * Workflows for people: a list per state (`workflow ps|psw|pss|psf|psc`), one workflow as
 * a header and a tree of its nodes (`workflow get`, `workflow submit --wait`), and the
 * nodes of a workflow spec that has not run yet (`cron get`, `generator get`).
 */
import { ProcessState } from '../../protocol/state.js'
import type { Executor, Process, ProcessGraph } from '../../protocol/wire-types.js'
import { type Column, renderFields, renderTable } from '../table.js'
import { stateName, valuesText } from './process.js'
import { formatSeconds, formatTime, secondsBetween } from './time.js'

/** What the tree shows beyond the graph itself: its processes and the colony's executors, by id. */
export interface WorkflowNodes {
  processes: ReadonlyMap<string, Process>
  executors: ReadonlyMap<string, Executor>
}

/** Process ids in the tree are cut to this many characters unless --verbose. */
const SHORT_ID = 12

const LIST_EMPTY: Record<number, string> = {
  [ProcessState.WAITING]: 'No waiting workflows found',
  [ProcessState.RUNNING]: 'No running workflows found',
  [ProcessState.SUCCESS]: 'No successful workflows found',
  [ProcessState.FAILED]: 'No failed workflows found',
  [ProcessState.CANCELLED]: 'No cancelled workflows found'
}

export function workflowsTable (graphs: readonly ProcessGraph[], state: number, colonyname: string): string {
  const columns: Array<Column<ProcessGraph>> = [{ header: 'ID', value: g => g.processgraphid }]
  if (state === ProcessState.WAITING) {
    columns.push({ header: 'SUBMITTED', value: g => formatTime(g.submissiontime) })
  } else if (state === ProcessState.RUNNING) {
    columns.push({ header: 'STARTED', value: g => formatTime(g.starttime) })
  } else {
    columns.push({ header: 'ENDED', value: g => formatTime(g.endtime) })
  }
  columns.push(
    { header: 'INITIATOR', value: g => g.initiatorname },
    { header: 'NODES', value: g => String((g.processids ?? []).length), align: 'right' },
    { header: 'STATE', value: g => stateName(g.state) }
  )
  return renderTable(columns, graphs, `${LIST_EMPTY[state] ?? 'No workflows found'} in colony ${colonyname}`)
}

/** "4 (2 Successful, 1 Running, 1 Waiting)" */
function nodeCounts (g: ProcessGraph, nodes: WorkflowNodes): string {
  const ids = g.processids ?? []
  const counts = new Map<string, number>()
  for (const id of ids) {
    const p = nodes.processes.get(id)
    const name = p === undefined ? 'Unknown' : stateName(p.state)
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  const parts = [...counts].map(([name, n]) => `${n} ${name}`)
  return parts.length === 0 ? '0' : `${ids.length} (${parts.join(', ')})`
}

function executorText (p: Process, executors: ReadonlyMap<string, Executor>): string {
  if (p.assignedexecutorid === '') return '-'
  const x = executors.get(p.assignedexecutorid)
  if (x === undefined) return p.assignedexecutorid.slice(0, SHORT_ID)
  const where = x.locationname ?? ''
  return where === '' ? x.executorname : `${x.executorname} (${where})`
}

interface TreeRow {
  depth: number
  id: string
  process: Process | undefined
  /** reached again through another parent: shown once above */
  repeat: boolean
}

/**
 * Depth-first from the roots, children in their order; a node with several parents is
 * shown in full under the first and as a "(see above)" line under the others.
 */
function treeRows (g: ProcessGraph, processes: ReadonlyMap<string, Process>): TreeRow[] {
  const rows: TreeRow[] = []
  const shown = new Set<string>()
  const walk = (id: string, depth: number): void => {
    const process = processes.get(id)
    if (shown.has(id)) {
      rows.push({ depth, id, process, repeat: true })
      return
    }
    shown.add(id)
    rows.push({ depth, id, process, repeat: false })
    for (const child of process?.children ?? []) walk(child, depth + 1)
  }
  const roots = (g.rootprocessids ?? []).length > 0
    ? g.rootprocessids
    : (g.processids ?? []).filter(id => (processes.get(id)?.parents ?? []).length === 0)
  for (const id of roots) walk(id, 0)
  // nodes no root leads to (should not happen; never hide one)
  for (const id of g.processids ?? []) if (!shown.has(id)) walk(id, 0)
  return rows
}

export function workflowTree (g: ProcessGraph, nodes: WorkflowNodes, verbose = false): string {
  const rows = treeRows(g, nodes.processes)
  const id = (x: string): string => verbose ? x : x.slice(0, SHORT_ID)
  const full = (r: TreeRow, text: (p: Process) => string): string => r.repeat || r.process === undefined ? '' : text(r.process)
  const columns: Array<Column<TreeRow>> = [
    {
      header: 'NODE',
      value: r => `${'  '.repeat(r.depth)}${r.process?.spec.nodename ?? `? ${id(r.id)}`}${r.repeat ? ' (see above)' : ''}`
    },
    { header: 'FUNCNAME', value: r => full(r, p => p.spec.funcname || '-'), max: 30 },
    { header: 'STATE', value: r => r.repeat ? '' : r.process === undefined ? 'Unknown (removed?)' : stateName(r.process.state) },
    { header: 'EXECUTOR', value: r => full(r, p => executorText(p, nodes.executors)) },
    { header: 'PROCESS', value: r => r.repeat ? '' : id(r.id) }
  ]
  const all = [...nodes.processes.values()]
  if (all.some(p => (p.spec.args ?? []).length > 0)) {
    columns.splice(2, 0, { header: 'ARGS', value: r => full(r, p => valuesText(p.spec.args)), max: 24 })
  }
  if (all.some(p => (p.errors ?? []).length > 0)) {
    columns.push({ header: 'ERRORS', value: r => full(r, p => (p.errors ?? []).join('; ')), max: verbose ? undefined : 50 })
  }
  return renderTable(columns, rows, 'no nodes')
}

export function workflowDetail (g: ProcessGraph, nodes: WorkflowNodes, verbose = false): string {
  const ran = secondsBetween(g.starttime, g.endtime)
  const header = renderFields([
    ['Id', g.processgraphid],
    ['Colony', g.colonyname],
    ['Initiator', `${g.initiatorname} (${g.initiatorid})`],
    ['State', stateName(g.state)],
    ['Submitted', formatTime(g.submissiontime)],
    ['Started', formatTime(g.starttime)],
    ['Ended', formatTime(g.endtime)],
    ['Run time', ran === undefined ? '-' : formatSeconds(ran)],
    ['Nodes', nodeCounts(g, nodes)]
  ], 'Workflow')
  return `${header}\n\nNodes\n${indent(workflowTree(g, nodes, verbose))}`
}

/** The first errors of the failed nodes, for the one-line failure message: `b: boom`. */
export function failedNodesText (g: ProcessGraph, nodes: WorkflowNodes): string {
  const out: string[] = []
  for (const id of g.processids ?? []) {
    const p = nodes.processes.get(id)
    if (p === undefined || (p.errors ?? []).length === 0) continue
    out.push(`${p.spec.nodename}: ${p.errors.join('; ')}`)
  }
  return out.join('; ')
}

function indent (text: string): string {
  return text.split('\n').map(l => `  ${l}`).join('\n')
}

interface SpecNode {
  nodename: string
  funcname: string
  executortype: string
  dependencies: string[]
  args: unknown[]
}

function specNodes (specText: string): SpecNode[] | string {
  let json: unknown
  try {
    json = JSON.parse(specText)
  } catch {
    return 'the stored workflow spec is not valid JSON'
  }
  const list = Array.isArray(json) ? json : (json as { functionspecs?: unknown } | null)?.functionspecs
  if (!Array.isArray(list)) return 'the stored workflow spec has no function specs'
  const str = (v: unknown): string => typeof v === 'string' ? v : ''
  return list.map((s: unknown) => {
    const o = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>
    const c = (typeof o.conditions === 'object' && o.conditions !== null ? o.conditions : {}) as Record<string, unknown>
    return {
      nodename: str(o.nodename),
      funcname: str(o.funcname),
      executortype: str(c.executortype),
      dependencies: Array.isArray(c.dependencies) ? c.dependencies.map(String) : [],
      args: Array.isArray(o.args) ? o.args : []
    }
  })
}

/** The nodes of a stored workflow spec (a cron's or a generator's), as a table under `title`. */
export function workflowSpecSection (specText: string, title = 'Workflow'): string {
  const nodes = specNodes(specText)
  if (typeof nodes === 'string') return `${title}\n  ${nodes}`
  return `${title}\n${indent(renderTable([
    { header: 'NODE', value: n => n.nodename },
    { header: 'FUNCNAME', value: n => n.funcname || '-', max: 30 },
    { header: 'EXECUTOR TYPE', value: n => n.executortype },
    { header: 'DEPENDS ON', value: n => n.dependencies.join(', ') || '-' },
    { header: 'ARGS', value: n => valuesText(n.args) || '-', max: 24 }
  ], nodes, 'no nodes'))}`
}
