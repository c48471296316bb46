/**
 * Reads a workflow spec file (`workflow submit`, `cron add`, `generator add`): upstream's
 * JSON array of function specs, or an object {colonyname?, functionspecs}. It is checked
 * with the node's own parser before anything is sent, so a bad file is refused naming the
 * field, the node and, for a dependency cycle, the cycle itself.
 */
import { parseWorkflowSpec, type WorkflowSpec } from '../protocol/spec.js'
import { EMPTY_FUNCNAME, fail, parseJsonText, readSpecText } from './spec-file.js'

/** Given the colony the file names ('' when none), the colony the workflow goes to. */
export type ColonyChoice = (named: string) => string

type Obj = Record<string, unknown>

function isObject (v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The colony the nodes' conditions agree on ('' when none names one), as `function submit` reads a single spec. */
function colonyOfNodes (specs: readonly unknown[], file: string): string {
  const named = new Set<string>()
  for (const s of specs) {
    const c = isObject(s) && isObject(s.conditions) ? s.conditions.colonyname : undefined
    if (typeof c === 'string' && c !== '') named.add(c)
  }
  if (named.size > 1) fail(file, '', `the function specs name different colonies (${[...named].join(', ')}); a workflow runs in one colony`)
  return [...named][0] ?? ''
}

function nodename (spec: unknown): string {
  return isObject(spec) && typeof spec.nodename === 'string' ? spec.nodename : ''
}

/** One dependency cycle among the nodes, as "a -> b -> a", or undefined when there is none. */
export function findCycle (specs: readonly unknown[]): string[] | undefined {
  const deps = new Map<string, string[]>()
  for (const s of specs) {
    const d = isObject(s) && isObject(s.conditions) && Array.isArray(s.conditions.dependencies) ? s.conditions.dependencies : []
    deps.set(nodename(s), d.filter((x): x is string => typeof x === 'string'))
  }
  const done = new Set<string>()
  const path: string[] = []
  const onPath = new Set<string>()
  const visit = (n: string): string[] | undefined => {
    if (onPath.has(n)) return [...path.slice(path.indexOf(n)), n]
    if (done.has(n) || !deps.has(n)) return undefined
    path.push(n)
    onPath.add(n)
    for (const d of deps.get(n) ?? []) {
      const cycle = visit(d)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    onPath.delete(n)
    done.add(n)
    return undefined
  }
  for (const n of deps.keys()) {
    const cycle = visit(n)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

export function parseWorkflowText (text: string, file: string, chooseColony: ColonyChoice): WorkflowSpec {
  const json = parseJsonText(text, file)

  let functionspecs: unknown
  let named: string
  if (Array.isArray(json)) {
    functionspecs = json
    named = colonyOfNodes(json, file)
  } else if (isObject(json) && 'functionspecs' in json) {
    if (json.colonyname !== undefined && json.colonyname !== null && typeof json.colonyname !== 'string') fail(file, 'colonyname', 'must be a string')
    functionspecs = json.functionspecs
    const own = typeof json.colonyname === 'string' ? json.colonyname : ''
    named = own !== '' ? own : Array.isArray(functionspecs) ? colonyOfNodes(functionspecs, file) : ''
  } else if (isObject(json) && ('funcname' in json || 'conditions' in json)) {
    return fail(file, '', 'holds one function spec; a workflow is a JSON array of them (or {"functionspecs": [...]}). `function submit` takes a single spec')
  } else {
    return fail(file, '', 'must hold a JSON array of function specs, or an object {"colonyname": ..., "functionspecs": [...]}')
  }

  const colonyname = chooseColony(named)
  let workflow: WorkflowSpec
  try {
    workflow = parseWorkflowSpec({ colonyname, functionspecs }, '')
  } catch (err) {
    const e = err as { name?: string, field?: string, message?: string }
    if (e.name !== 'ValidationError' || typeof e.field !== 'string') throw err
    const message = e.message ?? ''
    let problem = message.startsWith(`${e.field}: `) ? message.slice(e.field.length + 2) : message
    let field = e.field
    const specs = Array.isArray(functionspecs) ? functionspecs : []
    const cycle = /cycle/.test(problem) ? findCycle(specs) : undefined
    if (cycle !== undefined) {
      // the parser names some node that is on or behind a cycle; name the cycle itself
      problem = `dependency cycle ${cycle.map(n => JSON.stringify(n)).join(' -> ')}`
      field = `functionspecs[${specs.findIndex(s => nodename(s) === cycle[0])}].conditions.dependencies`
    } else if (!field.endsWith('.nodename')) {
      // name the node as well as its index: people think in node names
      const i = /^functionspecs\[(\d+)\]\./.exec(field)?.[1]
      const n = i === undefined ? '' : nodename(specs[Number(i)])
      if (n !== '') problem = `${problem} (node "${n}")`
    }
    return fail(file, field, problem)
  }
  // as for one function spec (spec-file.ts): refused here, not by the node
  const empty = workflow.functionspecs.findIndex(s => s.funcname.trim() === '')
  if (empty >= 0) {
    const n = workflow.functionspecs[empty]?.nodename ?? ''
    fail(file, `functionspecs[${empty}].funcname`, `${EMPTY_FUNCNAME}${n === '' ? '' : ` (node "${n}")`}`)
  }
  return workflow
}

export async function loadWorkflowSpecFile (file: string, chooseColony: ColonyChoice): Promise<WorkflowSpec> {
  return parseWorkflowText(await readSpecText(file), file, chooseColony)
}
