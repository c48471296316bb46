/**
 * The fold's state in ColonyOS's JSON shapes (pkg/core), so replies from a node are
 * indistinguishable from a ColonyOS server's: times as Go's RFC 3339 text (zero time
 * when unset), priority time and log timestamps in nanoseconds.
 */
import type { JsonValue } from './json.js'
import { functionSpecToJson } from './spec.js'
import {
  type Attribute, type Colony, type ColonyFunction, type Cron, type Edge, type Executor, formatGoTime, type Generator,
  GO_ZERO_TIME, type GraphNode, type Log, type Process, type ProcessGraph, type User
} from './wire-types.js'
import type {
  AttributeInfo, ColonyInfo, CronInfo, ExecutorInfo, FunctionInfo, GeneratorInfo, GraphInfo, LogEntry, ProcessInfo, UserInfo
} from './state.js'
import { ProcessState } from './state.js'

const time = (ms: number): string => ms > 0 ? formatGoTime(ms) : GO_ZERO_TIME

/** A process as the wire shows it: everything but its logs (which are read on their own). */
export type ProcessView = Omit<ProcessInfo, 'logs'>

export function attributeToWire (a: AttributeInfo): Attribute {
  return {
    attributeid: a.attributeid,
    targetid: a.targetid,
    targetcolonyname: a.targetcolonyname,
    targetprocessgraphid: a.targetprocessgraphid,
    state: 0,
    attributetype: a.attributetype,
    key: a.key,
    value: a.value
  }
}

export function processToWire (p: ProcessView): Process {
  return {
    processid: p.processid,
    initiatorid: p.initiatorid,
    initiatorname: p.initiatorname,
    assignedexecutorid: p.assignedexecutorid,
    isassigned: p.isassigned,
    state: p.state,
    prioritytime: p.prioritytime * 1e6,
    submissiontime: time(p.submissiontime),
    starttime: time(p.starttime),
    endtime: time(p.endtime),
    waitdeadline: time(p.waitdeadline),
    execdeadline: time(p.execdeadline),
    retries: p.retries,
    attributes: p.attributes.map(attributeToWire),
    spec: functionSpecToJson(p.spec),
    waitforparents: p.waitforparents,
    parents: p.parents,
    children: p.children,
    processgraphid: p.processgraphid,
    in: p.in as JsonValue[],
    out: p.out as JsonValue[],
    errors: p.errors
  }
}

export function executorToWire (x: ExecutorInfo, lastHeardMs = 0): Executor {
  const out: Executor = {
    executorid: x.executorid,
    executortype: x.executortype,
    executorname: x.executorname,
    colonyname: x.colonyname,
    state: x.state,
    requirefuncreg: x.requirefuncreg,
    commissiontime: time(x.commissiontime),
    lastheardfromtime: time(lastHeardMs),
    capabilities: (x.capabilities as Executor['capabilities'] | undefined) ?? { hardware: [], software: [] },
    allocations: { projects: {} }
  }
  if (x.locationname !== '') out.locationname = x.locationname
  return out
}

export function colonyToWire (c: ColonyInfo): Colony {
  return { colonyid: c.colonyid, name: c.name }
}

export function userToWire (u: UserInfo): User {
  return { colonyname: u.colonyname, userid: u.userid, name: u.name, email: u.email, phone: u.phone }
}

export function logToWire (l: LogEntry): Log {
  return { processid: l.processid, colonyname: l.colonyname, executorname: l.executorname, message: l.message, timestamp: l.timestamp * 1e6 }
}

/** A function's successful runs: how many, and their wait and exec times in seconds. */
export interface FunctionTimes {
  readonly n: number
  readonly waitSum: number
  readonly execSum: number
  readonly minWait: number
  readonly maxWait: number
  readonly minExec: number
  readonly maxExec: number
}

/** Per-function counters: completed runs of `funcname` in the colony, wait and exec times in seconds. */
export function functionToWire (f: FunctionInfo, times: FunctionTimes | undefined): ColonyFunction {
  const { n, waitSum, execSum, minWait, maxWait, minExec, maxExec } = times ?? { n: 0, waitSum: 0, execSum: 0, minWait: 0, maxWait: 0, minExec: 0, maxExec: 0 }
  const out: ColonyFunction = {
    functionid: f.functionid,
    executorname: f.executorname,
    executortype: f.executortype,
    colonyname: f.colonyname,
    funcname: f.funcname,
    counter: n,
    minwaittime: n === 0 ? 0 : minWait,
    maxwaittime: maxWait,
    minexectime: n === 0 ? 0 : minExec,
    maxexectime: maxExec,
    avgwaittime: n === 0 ? 0 : waitSum / n,
    avgexectime: n === 0 ? 0 : execSum / n
  }
  if (f.description !== '') out.description = f.description
  return out
}

/** Node colours by state, as ColonyOS's dashboard draws them. */
const NODE_BACKGROUND = ['#eee8d8', '#4689cd', '#92d050', '#cb4239', '#f5a623']

/**
 * A workflow in ColonyOS's shape. `layout` adds the drawable `nodes` and `edges` (upstream
 * fills them for getprocessgraphmsg only): depth rows 80 apart, nodes 200 apart, rows centred.
 */
export function processGraphToWire (g: GraphInfo, procs: ReadonlyMap<string, ProcessView>, layout = false): ProcessGraph {
  const nodes: GraphNode[] = []
  const edges: Edge[] = []
  if (layout) {
    const depth = new Map<string, number>()
    const depthOf = (id: string, seen: Set<string>): number => {
      const known = depth.get(id)
      if (known !== undefined) return known
      const p = procs.get(id)
      if (p === undefined || seen.has(id)) return 0
      seen.add(id)
      const d = p.parents.length === 0 ? 0 : 1 + Math.max(...p.parents.map(x => depthOf(x, seen)))
      depth.set(id, d)
      return d
    }
    const rows = new Map<number, string[]>()
    for (const id of g.processids) {
      const d = depthOf(id, new Set())
      let row = rows.get(d)
      if (row === undefined) rows.set(d, row = [])
      row.push(id)
    }
    const widest = Math.max(0, ...[...rows.values()].map(r => r.length))
    for (const [d, row] of rows) {
      const offset = (widest - row.length) * 100
      row.forEach((id, i) => {
        const p = procs.get(id) as ProcessInfo
        nodes.push({
          id,
          data: { label: p.spec.nodename },
          position: { x: offset + i * 200, y: d * 80 },
          type: p.parents.length === 0 ? 'input' : p.children.length === 0 ? 'output' : '',
          style: { color: '', background: NODE_BACKGROUND[p.state] ?? '' }
        })
        for (const c of p.children) edges.push({ id: `${id}-${c}`, source: id, target: c, animated: p.state === ProcessState.RUNNING })
      })
    }
  }
  return {
    processgraphid: g.processgraphid,
    initiatorid: g.initiatorid,
    initiatorname: g.initiatorname,
    colonyname: g.colonyname,
    rootprocessids: g.rootprocessids,
    state: g.state,
    submissiontime: time(g.submissiontime),
    starttime: time(g.starttime),
    endtime: time(g.endtime),
    processids: g.processids,
    nodes,
    edges
  }
}

export interface CronRuns {
  /** next scheduled firing (ms; 0: none) */
  readonly nextrun: number
  /** the last run's firing time (ms; 0: never) */
  readonly lastrun: number
  readonly prevprocessgraphid: string
}

export function cronToWire (c: CronInfo, runs: CronRuns, checkerperiod = 0): Cron {
  return {
    cronid: c.cronid,
    initiatorid: c.initiatorid,
    initiatorname: c.initiatorname,
    colonyname: c.colonyname,
    name: c.name,
    cronexpression: c.cronexpression,
    interval: c.interval,
    random: c.random,
    nextrun: time(runs.nextrun),
    lastrun: time(runs.lastrun),
    workflowspec: c.workflowspec,
    prevprocessgraphid: runs.prevprocessgraphid,
    waitforprevprocessgraph: c.waitforprevprocessgraph,
    checkerperiod
  }
}

export interface GeneratorQueue {
  /** HLC ms of the oldest unconsumed pack (0: none) */
  readonly firstpack: number
  /** HLC ms of the last firing (0: never) */
  readonly lastrun: number
  readonly queuesize: number
}

export function generatorToWire (g: GeneratorInfo, q: GeneratorQueue, checkerperiod = 0): Generator {
  return {
    generatorid: g.generatorid,
    initiatorid: g.initiatorid,
    initiatorname: g.initiatorname,
    colonyname: g.colonyname,
    name: g.name,
    workflowspec: g.workflowspec,
    trigger: g.trigger,
    timeout: g.timeout,
    firstpack: time(q.firstpack),
    lastrun: time(q.lastrun),
    queuesize: q.queuesize,
    checkerperiod
  }
}
