/**
 * The fold of one workflow (process graph). A workflow's nodes depend on each other (a
 * child waits for its parents, one failure fails them all), so the whole graph is one
 * fold unit: its creating record, then every record of any of its nodes and of the graph
 * itself, in ledger order, interleaved with the colony events that reach into it.
 *
 * A workflow is created by a client's `submitworkflowspecmsg` or `runcronmsg`, or by a
 * node's `fire` (cron) or `genfire` (generator) fact. Several sites may write the same
 * firing: each copy names the same graph id, the first valid one in ledger order creates
 * the graph and the others are refused as duplicates, so one workflow results.
 *
 * Node process ids are derived from the graph id and the node's index (children added
 * later get their `addchildmsg` record's id), so every site names them alike.
 */
import { sha3Hex } from './crypto.js'
import type { FoldEntry } from './entry.js'
import { parseWorkflowSpecText, type FunctionSpec, type WorkflowSpec } from './spec.js'
import {
  applyEntry, applyEvent, firstAfter, keyWall, newProcess, requeue, type Refuse, stateName, type StepObserver, transition
} from './process-fold.js'
import { graphIdOfFire, graphIdOfGenFire } from './records.js'
import { conflict, forbidden, invalid, isRefusal, notFound, type Refusal } from './refusal.js'
import type { ColonyEvent, Timeline } from './timeline.js'
import { type GraphInfo, type GraphSource, isFinal, type ProcessInfo, ProcessState, type ProcessStateValue } from './state.js'
import { isCronTick } from './cron-schedule.js'

export interface GraphState {
  readonly graph: GraphInfo
  readonly procs: Map<string, ProcessInfo>
  /** the record that created the graph */
  readonly creator: FoldEntry
  /** node ids changed since the fold last drained this set */
  readonly touched: Set<string>
}

/** Whether a generator firing record is accepted by its generator's fold (undefined) or why not. */
export type GenVerdict = (firing: FoldEntry) => Refusal | undefined

/** The graph a creating record names, or undefined when `e` does not create a workflow. */
export function createdGraphId (e: FoldEntry): string | undefined {
  const b = e.rec.b
  if (b.k === 'fire') return graphIdOfFire(b)
  if (b.k === 'genfire') return graphIdOfGenFire(b)
  const t = e.msg?.msgtype
  return t === 'submitworkflowspecmsg' || t === 'runcronmsg' ? e.id : undefined
}

/** The graph a graph-level client message names (cancel, remove, add child). */
export function graphRef (e: FoldEntry): string | undefined {
  const m = e.msg
  if (m === undefined || e.rec.b.k !== 'env') return undefined
  switch (m.msgtype) {
    case 'cancelprocessgraphmsg':
    case 'removeprocessgraphmsg':
    case 'addchildmsg':
      return m.processgraphid
    default:
      return undefined
  }
}

/** The process id of workflow node `index` (deterministic on every site). */
export function nodeProcessId (graphid: string, index: number): string {
  return sha3Hex(`${graphid}/node/${index}`)
}

const specCache = new Map<string, WorkflowSpec>()

/** Crons and generators carry their workflow as text, validated when they were added. */
function workflowOf (text: string): WorkflowSpec {
  let spec = specCache.get(text)
  if (spec === undefined) {
    spec = parseWorkflowSpecText(text, 'workflowspec')
    if (specCache.size > 1000) specCache.clear()
    specCache.set(text, spec)
  }
  return spec
}

interface Plan {
  readonly colonyname: string
  readonly initiatorid: string
  readonly initiatorname: string
  readonly spec: WorkflowSpec
  readonly source: GraphSource
  /** inputs of the root nodes (a cron run's previous leaf outputs) */
  readonly rootIn: readonly unknown[]
  /** args that replace the root nodes' args (a generator's packs) */
  readonly rootArgs?: readonly string[]
}

/** The colony a creating record belongs to ('' when it cannot be told yet). */
export function colonyOfCreator (e: FoldEntry, tl: Timeline): string {
  const b = e.rec.b
  if (b.k === 'fire' || b.k === 'genfire') return b.colonyname
  const m = e.msg
  if (m?.msgtype === 'submitworkflowspecmsg') return m.spec.colonyname
  if (m?.msgtype === 'runcronmsg') return tl.crons.get(m.cronid)?.current?.colonyname ?? tl.cronAt(m.cronid, '\uffff')?.colonyname ?? ''
  return ''
}

/** What the creating record asks for, or why it is refused. */
function plan (e: FoldEntry, tl: Timeline, gen: GenVerdict): Plan | Refusal {
  if (e.invalid !== undefined) return invalid(e.invalid)
  const key = e.key
  const b = e.rec.b
  if (b.k === 'fire') {
    const cron = tl.cronAt(b.cronid, key)
    if (cron === undefined) return notFound('the cron does not exist')
    if (cron.colonyname !== b.colonyname) return invalid('the cron belongs to another colony')
    if (!tl.isSiteOfAt(b.colonyname, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
    if (b.at <= cron.created || b.at > e.rec.t.w) return invalid('the firing time is not due')
    if (!isCronTick(cron, b.at)) return invalid('the firing time is not on the cron\'s schedule')
    return {
      colonyname: cron.colonyname, initiatorid: cron.initiatorid, initiatorname: cron.initiatorname,
      spec: workflowOf(cron.workflowspec), source: { kind: 'cron', cronid: cron.cronid, at: b.at }, rootIn: b.in
    }
  }
  if (b.k === 'genfire') {
    const g = tl.generatorAt(b.generatorid, key)
    if (g === undefined) return notFound('the generator does not exist')
    if (g.colonyname !== b.colonyname) return invalid('the generator belongs to another colony')
    if (!tl.isSiteOfAt(b.colonyname, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
    const verdict = gen(e)
    if (verdict !== undefined) return verdict
    return {
      colonyname: g.colonyname, initiatorid: g.initiatorid, initiatorname: g.initiatorname,
      spec: workflowOf(g.workflowspec), source: { kind: 'generator', generatorid: g.generatorid, packs: b.packs.length },
      rootIn: [], rootArgs: b.args
    }
  }
  const m = e.msg
  if (b.k !== 'env' || m === undefined) return invalid('not a workflow record')
  if (m.msgtype === 'submitworkflowspecmsg') {
    const colony = m.spec.colonyname
    if (tl.colonyAt(colony, key) === undefined) return notFound(`colony ${JSON.stringify(colony)} does not exist`)
    if (!tl.isSiteOfAt(colony, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
    const who = tl.memberName(colony, e.author, key)
    if (who === undefined) return forbidden('only members of the colony may submit workflows')
    return { colonyname: colony, initiatorid: e.author, initiatorname: who, spec: m.spec, source: { kind: 'submit' }, rootIn: [] }
  }
  if (m.msgtype === 'runcronmsg') {
    const cron = tl.cronAt(m.cronid, key)
    if (cron === undefined) return notFound('the cron does not exist')
    if (!tl.isSiteOfAt(cron.colonyname, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
    const who = tl.memberName(cron.colonyname, e.author, key)
    if (who === undefined) return forbidden('only members of the colony may run crons')
    return {
      colonyname: cron.colonyname, initiatorid: e.author, initiatorname: who,
      spec: workflowOf(cron.workflowspec), source: { kind: 'cron', cronid: cron.cronid, at: 0 }, rootIn: b.in ?? []
    }
  }
  return invalid(`${m.msgtype} does not create a workflow`)
}

/** Creates the graph and its nodes from a creating record, or returns why it is refused. */
export function createGraph (e: FoldEntry, graphid: string, tl: Timeline, gen: GenVerdict): GraphState | Refusal {
  const p = plan(e, tl, gen)
  if (isRefusal(p)) return p
  const specs = p.spec.functionspecs
  const index = new Map<string, number>(specs.map((fs, i) => [fs.nodename, i]))
  const ids = specs.map((_, i) => nodeProcessId(graphid, i))
  const children: string[][] = specs.map(() => [])
  specs.forEach((fs, i) => {
    for (const dep of new Set(fs.conditions.dependencies)) children[index.get(dep) as number]?.push(ids[i] as string)
  })
  const at = e.rec.t.w
  const procs = new Map<string, ProcessInfo>()
  const roots: string[] = []
  specs.forEach((fs, i) => {
    const parents = [...new Set(fs.conditions.dependencies)].map(d => ids[index.get(d) as number] as string)
    const root = parents.length === 0
    if (root) roots.push(ids[i] as string)
    const spec: FunctionSpec = root && p.rootArgs !== undefined ? { ...fs, args: [...p.rootArgs], kwargs: {} } : fs
    procs.set(ids[i] as string, newProcess({
      processid: ids[i] as string,
      colonyname: p.colonyname,
      initiatorid: p.initiatorid,
      initiatorname: p.initiatorname,
      spec,
      at,
      record: e.id,
      submitkey: `${e.key}/${String(i).padStart(6, '0')}`,
      processgraphid: graphid,
      parents,
      children: children[i] as string[],
      in: root ? [...p.rootIn] : []
    }))
  })
  const graph: GraphInfo = {
    processgraphid: graphid,
    colonyname: p.colonyname,
    initiatorid: p.initiatorid,
    initiatorname: p.initiatorname,
    processids: ids,
    rootprocessids: roots,
    state: ProcessState.WAITING,
    submissiontime: at,
    starttime: 0,
    endtime: 0,
    removed: false,
    removedat: 0,
    source: p.source
  }
  return { graph, procs, creator: e, touched: new Set(ids) }
}

/** A copy to try a record on (previews): nodes copied, their list fields copied shallowly. */
export function cloneGraph (g: GraphState): GraphState {
  const procs = new Map<string, ProcessInfo>()
  for (const [id, p] of g.procs) {
    procs.set(id, { ...p, parents: [...p.parents], children: [...p.children], logs: [], attributes: [], history: [] })
  }
  return { graph: { ...g.graph, processids: [...g.graph.processids] }, procs, creator: g.creator, touched: new Set() }
}

/** The process a process-level record names (claims, expiries, closes, logs, …). */
export function processRefOf (e: FoldEntry): string | undefined {
  const b = e.rec.b
  if (b.k === 'claim' || b.k === 'expire') return b.processid
  if (b.k !== 'env' || e.msg === undefined) return undefined
  const m = e.msg
  switch (m.msgtype) {
    case 'addattributemsg': return m.attribute.targetid
    case 'closesuccessfulmsg':
    case 'closefailedmsg':
    case 'closeandassignmsg':
    case 'setoutputmsg':
    case 'addlogmsg':
    case 'cancelprocessmsg':
    case 'removeprocessmsg':
      return m.processid
    default:
      return undefined
  }
}

/** Applies one record (not the creating one) to the graph; returns why when refused. */
export function applyGraphEntry (g: GraphState, e: FoldEntry, tl: Timeline): Refusal | undefined {
  if (e.invalid !== undefined) return invalid(e.invalid)
  if (g.graph.removed) return notFound('the workflow was removed')
  if (createdGraphId(e) !== undefined) return conflict('the workflow was already started')
  const m = e.msg
  const key = e.key
  const at = e.rec.t.w
  const colony = g.graph.colonyname
  if (m !== undefined && graphRef(e) !== undefined) {
    if (!tl.isSiteOfAt(colony, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
    switch (m.msgtype) {
      case 'cancelprocessgraphmsg': {
        if (!tl.isMemberAt(colony, e.author, key)) return forbidden('only members of the colony may cancel workflows')
        if (isFinal(g.graph.state)) return conflict(`a ${stateName(g.graph.state)} workflow cannot be cancelled`)
        for (const p of g.procs.values()) {
          if (p.state === ProcessState.WAITING || p.state === ProcessState.RUNNING) {
            transition(p, ProcessState.CANCELLED, at, e.id)
            g.touched.add(p.processid)
          }
        }
        updateGraphState(g, at)
        return undefined
      }
      case 'removeprocessgraphmsg': {
        if (!tl.isMemberAt(colony, e.author, key)) return forbidden('only members of the colony may remove workflows')
        if (g.graph.state === ProcessState.RUNNING) return conflict('a running workflow cannot be removed (cancel it first)')
        removeGraph(g, e.rec.t.w)
        return undefined
      }
      case 'addchildmsg':
        return addChild(g, e, m, tl)
      default:
        return invalid(`${m.msgtype} does not apply to a workflow`)
    }
  }
  const pid = processRefOf(e)
  const p = pid === undefined ? undefined : g.procs.get(pid)
  if (p === undefined) return notFound('the process does not exist')
  const before = p.state
  const reason = applyEntry(p, e, tl)
  if (reason !== undefined) return reason
  g.touched.add(p.processid)
  if (p.state !== before) afterTransition(g, p, at, e.id)
  return undefined
}

type AddChild = Extract<NonNullable<FoldEntry['msg']>, { msgtype: 'addchildmsg' }>

function addChild (g: GraphState, e: FoldEntry, m: AddChild, tl: Timeline): Refusal | undefined {
  const parent = g.procs.get(m.parentprocessid)
  if (parent === undefined) return notFound('the parent process is not a node of the workflow')
  if (parent.assignedexecutorid === '' || parent.assignedexecutorid !== e.author) return forbidden('only the executor assigned to the parent may add children')
  const b = e.rec.b
  if (b.k === 'env' && b.att !== undefined && b.att !== parent.attempt) return conflict(`attempt ${b.att} was superseded by attempt ${parent.attempt}`)
  if (parent.state !== ProcessState.RUNNING) return conflict(`the parent is ${stateName(parent.state)}, not running`)
  if (!tl.isMemberAt(g.graph.colonyname, e.author, e.key)) return forbidden('only members of the colony may add children')
  const child = m.childprocessid === '' ? undefined : g.procs.get(m.childprocessid)
  if (m.childprocessid !== '' && child === undefined) return notFound('the child process is not a node of the workflow')
  if (child !== undefined && !m.insert) {
    if (child.state !== ProcessState.WAITING) return conflict('the child process has already started')
    if (isAncestor(g, child.processid, parent.processid)) return invalid('the child process is an ancestor of the parent (that would be a cycle)')
  }
  if (g.procs.has(e.id)) return conflict('the process already exists')
  const spec: FunctionSpec = { ...m.spec, conditions: { ...m.spec.conditions, colonyname: g.graph.colonyname } }
  // insert: the new node takes over all of the parent's children; otherwise it is one
  // more child of the parent and, when childprocessid is given, also a parent of that child.
  const takesOver = m.insert ? [...parent.children] : child === undefined ? [] : [child.processid]
  const node = newProcess({
    processid: e.id,
    colonyname: g.graph.colonyname,
    initiatorid: parent.initiatorid,
    initiatorname: parent.initiatorname,
    spec,
    at: e.rec.t.w,
    record: e.id,
    submitkey: e.key,
    processgraphid: g.graph.processgraphid,
    parents: [parent.processid],
    children: takesOver
  })
  for (const cid of takesOver) {
    const c = g.procs.get(cid) as ProcessInfo
    c.parents = m.insert ? c.parents.map(x => x === parent.processid ? node.processid : x) : [...c.parents, node.processid]
    c.waitforparents = c.state === ProcessState.WAITING
    // it waits for a parent again: its wait deadline starts anew when it becomes eligible
    if (c.waitforparents) c.waitdeadline = 0
    g.touched.add(cid)
  }
  parent.children = m.insert ? [node.processid] : [...parent.children, node.processid]
  g.procs.set(node.processid, node)
  g.graph.processids.push(node.processid)
  g.touched.add(parent.processid).add(node.processid)
  return undefined
}

/** Whether `a` is `b` or one of its ancestors. */
function isAncestor (g: GraphState, a: string, b: string): boolean {
  const seen = new Set<string>()
  const stack = [b]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (id === a) return true
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...(g.procs.get(id)?.parents ?? []))
  }
  return false
}

/** After a node changed state: release children, fail the graph, update its state. */
function afterTransition (g: GraphState, p: ProcessInfo, at: number, record: string): void {
  if (p.state === ProcessState.SUCCESS) {
    for (const cid of p.children) {
      const c = g.procs.get(cid)
      if (c === undefined || c.state !== ProcessState.WAITING || !c.waitforparents) continue
      const parents = c.parents.map(id => g.procs.get(id))
      if (!parents.every(x => x?.state === ProcessState.SUCCESS)) continue
      c.waitforparents = false
      c.in = parents.flatMap(x => x?.out ?? [])
      g.touched.add(cid)
      // the wait deadline counts from when the node became eligible
      c.waitdeadline = c.spec.maxwaittime > 0 ? at + c.spec.maxwaittime * 1000 : 0
    }
  } else if (p.state === ProcessState.FAILED) {
    // One failure fails the whole workflow, running nodes too: their late closes are refused.
    for (const q of g.procs.values()) {
      if (q !== p && !isFinal(q.state)) {
        transition(q, ProcessState.FAILED, at, record)
        g.touched.add(q.processid)
      }
    }
  }
  updateGraphState(g, at)
}

function graphStateOf (procs: Iterable<ProcessInfo>): ProcessStateValue {
  let failed = false
  let cancelled = false
  let allSuccess = true
  let started = false
  for (const p of procs) {
    if (p.state === ProcessState.FAILED) failed = true
    if (p.state === ProcessState.CANCELLED) cancelled = true
    if (p.state !== ProcessState.SUCCESS) allSuccess = false
    if (p.state === ProcessState.RUNNING || p.state === ProcessState.SUCCESS) started = true
  }
  if (failed) return ProcessState.FAILED
  if (cancelled) return ProcessState.CANCELLED
  if (allSuccess) return ProcessState.SUCCESS
  return started ? ProcessState.RUNNING : ProcessState.WAITING
}

function updateGraphState (g: GraphState, at: number): void {
  const state = graphStateOf(g.procs.values())
  if (state === g.graph.state) return
  g.graph.state = state
  // started: a node ran (a workflow cancelled or failed before anything ran has no start time)
  if ((state === ProcessState.RUNNING || state === ProcessState.SUCCESS) && g.graph.starttime === 0) g.graph.starttime = at
  if (isFinal(state)) g.graph.endtime = at
}

function removeGraph (g: GraphState, at: number): void {
  g.graph.removed = true
  g.graph.removedat = at
  for (const p of g.procs.values()) {
    p.removed = true
    p.removedat = at
    g.touched.add(p.processid)
  }
}

/** A colony event reaching into the graph. */
export function applyGraphEvent (g: GraphState, ev: ColonyEvent, at: number): void {
  if (g.graph.removed) return
  switch (ev.kind) {
    case 'removeexecutor':
    case 'removesite':
      for (const p of g.procs.values()) {
        if (p.state === ProcessState.RUNNING && (ev.kind === 'removesite' ? p.site === ev.siteid : p.assignedexecutorid === ev.executorid)) {
          requeue(p, at, '')
          g.touched.add(p.processid)
        }
      }
      updateGraphState(g, at)
      return
    case 'removeallgraphs':
      if (g.graph.state === ProcessState.RUNNING) return
      if (ev.state === -1 || ev.state === g.graph.state) removeGraph(g, at)
      return
    case 'removecolony':
      removeGraph(g, at)
      return
    case 'removeall':
      // removeallprocessesmsg leaves workflow nodes alone (they go with their workflow)
      return
    default:
      for (const p of g.procs.values()) {
        applyEvent(p, ev, at)
        g.touched.add(p.processid)
      }
  }
}

/**
 * Folds a whole graph from scratch: `entries` sorted by key (creating records among
 * them), `events` the colony's events sorted by key. The first valid creating record
 * creates the graph; records before it are refused as naming no process.
 */
export function foldGraph (graphid: string, entries: readonly FoldEntry[], events: readonly ColonyEvent[], tl: Timeline,
  gen: GenVerdict, refuse: Refuse, obs?: StepObserver): GraphState | undefined {
  let g: GraphState | undefined
  let j = 0
  const event = (graph: GraphState, ev: ColonyEvent): void => {
    applyGraphEvent(graph, ev, keyWall(ev))
    obs?.step(ev.key, graph.procs)
  }
  for (const e of entries) {
    if (g === undefined) {
      if (createdGraphId(e) !== graphid) {
        if (obs?.aside(e) !== true) refuse(e.id, notFound('the process does not exist'))
        continue
      }
      const created = createGraph(e, graphid, tl, gen)
      if (isRefusal(created)) {
        refuse(e.id, created)
        continue
      }
      g = created
      obs?.step(e.key, g.procs)
      j = firstAfter(events, e.key)
      continue
    }
    for (; j < events.length && (events[j] as ColonyEvent).key < e.key; j++) event(g, events[j] as ColonyEvent)
    if (obs?.aside(e) === true) continue
    const reason = applyGraphEntry(g, e, tl)
    if (reason !== undefined) refuse(e.id, reason)
    obs?.step(e.key, g.procs)
  }
  if (g !== undefined) for (; j < events.length; j++) event(g, events[j] as ColonyEvent)
  return g
}
