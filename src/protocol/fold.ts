/**
 * The deterministic fold (DESIGN decision 3): records → colony state. Any two nodes that
 * hold the same records compute the same state, whatever order the records arrived in,
 * and however often. `LedgerFold` is the incremental engine; `foldRecords` the pure
 * function over a whole record set, and both give the same `stateHash`.
 *
 * Partitioning keeps late arrivals cheap: colony-level records (sites, colonies,
 * executors, users, functions) fold into a versioned Timeline; each process folds alone
 * against it. A record arriving in order is one step; an out-of-order process record
 * re-folds only its process; an out-of-order colony-level record re-folds the timeline
 * and the processes of that colony that it could affect.
 */
import { canonicalJson } from './canonical.js'
import { sha3Hex } from './crypto.js'
import { compareEntries, type FoldEntry } from './entry.js'
import { applyGenEntry, foldGen, type GenState, generatorRef, newGenState } from './gen-fold.js'
import {
  applyGraphEntry, applyGraphEvent, cloneGraph, colonyOfCreator, createdGraphId, createGraph, foldGraph, graphRef,
  type GraphState, processRefOf
} from './graph-fold.js'
import { applyEntry, applyEvent, createProcess, foldProcess, keyWall } from './process-fold.js'
import { conflict, invalid, isRefusal, notFound, type Refusal, sameRefusal } from './refusal.js'
import type { ColonyInfo, CronInfo, ExecutorInfo, FunctionInfo, GeneratorInfo, ProcessInfo, UserInfo } from './state.js'
import { type ColonyEvent, Timeline } from './timeline.js'

type Route =
  | { readonly kind: 'colony' }
  | { readonly kind: 'create', readonly unit: string, readonly graph: boolean }
  | { readonly kind: 'process', readonly pid: string }
  | { readonly kind: 'graph', readonly gid: string }
  | { readonly kind: 'pack' }

/** Where a record folds: the colony timeline, a process or workflow unit, or a generator queue. */
function route (e: FoldEntry): Route {
  if (e.msg?.msgtype === 'submitfuncspecmsg' && e.rec.b.k === 'env') return { kind: 'create', unit: e.id, graph: false }
  const created = createdGraphId(e)
  if (created !== undefined) return { kind: 'create', unit: created, graph: true }
  const gid = graphRef(e)
  if (gid !== undefined) return { kind: 'graph', gid }
  if (generatorRef(e) !== undefined) return { kind: 'pack' }
  const pid = processRefOf(e)
  if (pid !== undefined) return { kind: 'process', pid }
  return { kind: 'colony' }
}

/** A fold unit: one standalone process, or one workflow with all its nodes. */
interface Unit {
  readonly id: string
  readonly graphUnit: boolean
  colony: string
  readonly entries: FoldEntry[]
  proc: ProcessInfo | undefined
  graph: GraphState | undefined
}

/** One generator's queue of packs and firings. */
interface GenUnit {
  readonly id: string
  readonly entries: FoldEntry[]
  state: GenState
}

function insertSorted (list: FoldEntry[], e: FoldEntry): boolean {
  // Returns true when appended at the end (the common, in-order case).
  const n = list.length
  if (n === 0 || (list[n - 1] as FoldEntry).key < e.key) {
    list.push(e)
    return true
  }
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as FoldEntry).key < e.key) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, e)
  return false
}

export class LedgerFold {
  private readonly seen = new Map<string, FoldEntry>()
  private readonly colonyEntries: FoldEntry[] = []
  private timeline = new Timeline()
  /** units by id: a standalone process's id, or a workflow's graph id */
  private readonly units = new Map<string, Unit>()
  /** every process id (standalone or workflow node) → its unit */
  private readonly byProcess = new Map<string, Unit>()
  private readonly unitsByColony = new Map<string, Set<Unit>>()
  private readonly gens = new Map<string, GenUnit>()
  /** workflows started by each cron */
  private readonly cronRuns = new Map<string, Set<Unit>>()
  /** records naming a process or workflow that has not arrived (yet), by that id */
  private readonly orphans = new Map<string, FoldEntry[]>()
  private readonly refusalsByUnit = new Map<Unit, Map<string, Refusal>>()
  private readonly changed = new Set<string>()
  private colonyChanged = false
  private readonly genVerdict = (e: FoldEntry): Refusal | undefined => {
    const b = e.rec.b
    if (b.k !== 'genfire') return invalid('not a generator firing')
    const s = this.gens.get(b.generatorid)?.state
    if (s?.accepted.has(e.id) === true) return undefined
    return s?.refusals.get(e.id) ?? notFound('the firing is not known to its generator')
  }

  get size (): number {
    return this.seen.size
  }

  has (id: string): boolean {
    return this.seen.has(id)
  }

  /** The record with this id, as folded (accepted or refused). */
  entry (id: string): FoldEntry | undefined {
    return this.seen.get(id)
  }

  /** Adds entries (any order, duplicates ignored). */
  add (batch: readonly FoldEntry[]): void {
    const fresh = batch.filter(e => {
      if (this.seen.has(e.id)) return false
      this.seen.set(e.id, e)
      return true
    }).sort(compareEntries)
    if (fresh.length === 0) return
    const routes = fresh.map(route)

    // 1. Colony level first: everything below is judged against it.
    const colonyNew = fresh.filter((_, i) => routes[i]?.kind === 'colony')
    let rebuild = false
    for (const e of colonyNew) rebuild = !insertSorted(this.colonyEntries, e) || rebuild
    if (colonyNew.length > 0) {
      this.colonyChanged = true
      if (rebuild) {
        this.timeline = new Timeline()
        for (const e of this.colonyEntries) this.timeline.apply(e)
      } else {
        for (const e of colonyNew) this.timeline.apply(e)
      }
    }
    const affected = new Map<string, string>() // colony → lowest new key ('*' for all colonies)
    for (const e of colonyNew) {
      let c = e.rec.b.k === 'site' ? '*' : this.timeline.colonyOf(e)
      if (c === '' && (e.msg?.msgtype === 'removecronmsg' || e.msg?.msgtype === 'removegeneratormsg')) c = '*'
      const prev = affected.get(c)
      if (prev === undefined || e.key < prev) affected.set(c, e.key)
    }

    const refold = new Set<Unit>()

    // 2. Generator queues: packs and firings. A firing whose verdict changes re-folds its workflow.
    const genRefold = new Set<GenUnit>()
    fresh.forEach((e, i) => {
      const gid = generatorRef(e)
      if (gid === undefined) return
      let g = this.gens.get(gid)
      if (g === undefined) this.gens.set(gid, g = { id: gid, entries: [], state: newGenState(gid) })
      const atEnd = insertSorted(g.entries, e)
      if (atEnd && !genRefold.has(g) && !rebuild) {
        const before = this.genVerdict(e)
        const reason = applyGenEntry(g.state, e, this.timeline)
        if (reason !== undefined) g.state.refusals.set(e.id, reason)
        if (!sameRefusal(before, this.genVerdict(e))) this.refoldGraphOf(e, refold)
      } else {
        genRefold.add(g)
      }
    })
    if (affected.size > 0) {
      // a queue with records after the earliest colony-level change is judged anew
      const earliest = [...affected.values()].reduce((a, b) => a < b ? a : b)
      for (const g of this.gens.values()) {
        const last = g.entries[g.entries.length - 1]
        if (rebuild || (last !== undefined && last.key > earliest)) genRefold.add(g)
      }
    }
    for (const g of genRefold) {
      const old = g.state
      g.state = foldGen(g.id, g.entries, this.timeline)
      for (const e of g.entries) {
        if (e.rec.b.k !== 'genfire') continue
        if (old.accepted.get(e.id) !== g.state.accepted.get(e.id) || !sameRefusal(old.refusals.get(e.id), g.state.refusals.get(e.id))) this.refoldGraphOf(e, refold)
      }
    }

    // 3. Process and workflow records: one step when in order, a re-fold of the unit otherwise.
    fresh.forEach((e, i) => {
      const r = routes[i] as Route
      let unit: Unit | undefined
      if (r.kind === 'create') {
        unit = this.units.get(r.unit)
        if (unit === undefined) {
          unit = this.newUnit(r.unit, r.graph, e)
          refold.add(unit)
          return
        }
      } else if (r.kind === 'process') {
        unit = this.byProcess.get(r.pid)
      } else if (r.kind === 'graph') {
        unit = this.units.get(r.gid)
        if (unit !== undefined && !unit.graphUnit) unit = undefined
      } else {
        return
      }
      if (unit === undefined) {
        const ref = r.kind === 'process' ? r.pid : r.kind === 'graph' ? r.gid : e.id
        let list = this.orphans.get(ref)
        if (list === undefined) this.orphans.set(ref, list = [])
        list.push(e)
        return
      }
      const atEnd = insertSorted(unit.entries, e)
      const events = this.timeline.eventsOf(unit.colony)
      const lastEvent = events[events.length - 1]
      const inOrder = atEnd && !refold.has(unit) && (lastEvent === undefined || lastEvent.key < e.key)
      if (inOrder && unit.proc !== undefined) {
        const reason = applyEntry(unit.proc, e, this.timeline)
        if (reason !== undefined) this.refusalsOf(unit).set(e.id, reason)
        this.changed.add(unit.id)
      } else if (inOrder && unit.graph !== undefined) {
        const g = unit.graph
        const reason = applyGraphEntry(g, e, this.timeline)
        if (reason !== undefined) this.refusalsOf(unit).set(e.id, reason)
        this.drainTouched(unit)
        if (e.msg?.msgtype === 'addchildmsg' && g.procs.has(e.id) && this.claimNode(unit, e.id)) refold.add(unit)
      } else {
        refold.add(unit)
      }
    })

    // 4. Units that a colony-level change reaches into.
    for (const [colony, key] of affected) {
      const all = colony === '*' ? [...this.units.values()] : [...(this.unitsByColony.get(colony) ?? []), ...(this.unitsByColony.get('') ?? [])]
      for (const unit of all) {
        if (refold.has(unit)) continue
        const last = unit.entries[unit.entries.length - 1]
        // After a timeline rebuild, events already applied may be listed again: re-fold.
        if (rebuild || unit.colony === '' || (last !== undefined && last.key > key)) refold.add(unit)
      }
      if (colony !== '*' && !rebuild) this.applyNewEvents(colony, key, refold)
    }
    for (const unit of refold) this.refoldUnit(unit)
  }

  private newUnit (id: string, graphUnit: boolean, e: FoldEntry): Unit {
    const colony = graphUnit ? colonyOfCreator(e, this.timeline) : (e.msg?.msgtype === 'submitfuncspecmsg' ? e.msg.spec.conditions.colonyname : '')
    const entries = [e, ...(this.orphans.get(id) ?? [])].sort(compareEntries)
    this.orphans.delete(id)
    const unit: Unit = { id, graphUnit, colony, entries, proc: undefined, graph: undefined }
    this.units.set(id, unit)
    if (!graphUnit) this.byProcess.set(id, unit)
    this.colonySet(colony).add(unit)
    return unit
  }

  private colonySet (colony: string): Set<Unit> {
    let set = this.unitsByColony.get(colony)
    if (set === undefined) this.unitsByColony.set(colony, set = new Set())
    return set
  }

  /** The workflow a generator firing names must be folded again (its verdict changed). */
  private refoldGraphOf (e: FoldEntry, refold: Set<Unit>): void {
    const gid = createdGraphId(e)
    const unit = gid === undefined ? undefined : this.units.get(gid)
    if (unit !== undefined) refold.add(unit)
  }

  /** Registers `pid` as a node of the workflow; records that named it early join the unit. Returns whether any did. */
  private claimNode (unit: Unit, pid: string): boolean {
    this.byProcess.set(pid, unit)
    const early = this.orphans.get(pid)
    if (early === undefined) return false
    this.orphans.delete(pid)
    for (const x of early) insertSorted(unit.entries, x)
    return true
  }

  /** Colony events (executor removed, remove-all) newer than every record of a unit apply directly. */
  private applyNewEvents (colony: string, fromKey: string, refold: Set<Unit>): void {
    const events = this.timeline.eventsOf(colony).filter(ev => ev.key >= fromKey)
    if (events.length === 0) return
    for (const unit of this.unitsByColony.get(colony) ?? []) {
      if (refold.has(unit)) continue
      if (unit.proc !== undefined) {
        for (const ev of events) applyEvent(unit.proc, ev, keyWall(ev))
        this.changed.add(unit.id)
      } else if (unit.graph !== undefined) {
        for (const ev of events) applyGraphEvent(unit.graph, ev, keyWall(ev))
        this.drainTouched(unit)
      }
    }
  }

  private drainTouched (unit: Unit): void {
    const g = unit.graph
    if (g === undefined) return
    for (const pid of g.touched) this.changed.add(pid)
    g.touched.clear()
  }

  private refoldUnit (unit: Unit): void {
    // A graph's nodes are known only once it is folded: loop while that brings in early records.
    for (;;) {
      const refusals = new Map<string, Refusal>()
      const refuse = (id: string, why: Refusal): void => { refusals.set(id, why) }
      const events = (): readonly ColonyEvent[] => this.timeline.eventsOf(unit.colony)
      this.refusalsByUnit.set(unit, refusals)
      if (!unit.graphUnit) {
        unit.proc = foldProcess(unit.id, unit.entries, events(), this.timeline, refuse)
        this.changed.add(unit.id)
        return
      }
      const before = unit.graph
      const colony = colonyOfCreator(unit.entries.find(e => createdGraphId(e) === unit.id) ?? (unit.entries[0] as FoldEntry), this.timeline)
      if (colony !== unit.colony) {
        this.unitsByColony.get(unit.colony)?.delete(unit)
        unit.colony = colony
        this.colonySet(colony).add(unit)
      }
      unit.graph = foldGraph(unit.id, unit.entries, events(), this.timeline, this.genVerdict, refuse)
      for (const pid of before?.procs.keys() ?? []) this.changed.add(pid)
      const g = unit.graph
      if (g === undefined) return
      g.touched.clear()
      if (g.graph.source.kind === 'cron') {
        let runs = this.cronRuns.get(g.graph.source.cronid)
        if (runs === undefined) this.cronRuns.set(g.graph.source.cronid, runs = new Set())
        runs.add(unit)
      }
      let adopted = false
      for (const pid of g.procs.keys()) {
        this.changed.add(pid)
        if (this.claimNode(unit, pid)) adopted = true
      }
      if (!adopted) return
    }
  }

  private refusalsOf (unit: Unit): Map<string, Refusal> {
    let m = this.refusalsByUnit.get(unit)
    if (m === undefined) this.refusalsByUnit.set(unit, m = new Map())
    return m
  }

  /**
   * Would `e` be applied if it were added now, after everything held? Returns why it
   * would be refused. Nothing changes. A node asks this before it appends a client's
   * mutation, so refused requests get an error reply instead of a ledger record.
   */
  preview (e: FoldEntry): Refusal | undefined {
    if (e.invalid !== undefined) return invalid(e.invalid)
    const r = route(e)
    switch (r.kind) {
      case 'colony': {
        // Colony-level records are rare: replay the timeline on a scratch copy.
        const scratch = new Timeline()
        for (const c of this.colonyEntries) scratch.apply(c)
        scratch.apply(e)
        return scratch.refusals.get(e.id)
      }
      case 'create': {
        if (!r.graph) {
          const created = createProcess(e, this.timeline)
          return isRefusal(created) ? created : undefined
        }
        if (this.units.get(r.unit)?.graph !== undefined) return conflict('the workflow was already started')
        const created = createGraph(e, r.unit, this.timeline, this.genVerdict)
        return isRefusal(created) ? created : undefined
      }
      case 'pack': {
        const scratch = newGenState(generatorRef(e) as string)
        return applyGenEntry(scratch, e, this.timeline)
      }
      case 'graph': {
        const g = this.units.get(r.gid)?.graph
        if (g === undefined || g.graph.removed) return notFound('the workflow does not exist')
        return applyGraphEntry(cloneGraph(g), e, this.timeline)
      }
      case 'process': {
        const proc = this.process(r.pid)
        if (proc === undefined) return notFound('the process does not exist')
        // applyEntry only appends to these arrays: a scratch copy need not copy their contents.
        const scratch = { ...proc, logs: [], attributes: [], history: [] }
        return applyEntry(scratch, e, this.timeline)
      }
    }
  }

  // ---- reading the state -----------------------------------------------------------------

  /** Why a record was refused, or undefined when it was applied (or is unknown). */
  refusal (id: string): Refusal | undefined {
    const e = this.seen.get(id)
    if (e === undefined) return undefined
    const r = route(e)
    switch (r.kind) {
      case 'colony': return this.timeline.refusals.get(id)
      case 'pack': return this.gens.get(generatorRef(e) as string)?.state.refusals.get(id)
      case 'create': {
        const unit = this.units.get(r.unit)
        return unit === undefined ? notFound('the process does not exist') : this.refusalsByUnit.get(unit)?.get(id)
      }
      case 'graph': {
        const unit = this.units.get(r.gid)
        return unit === undefined ? notFound('the workflow does not exist') : this.refusalsByUnit.get(unit)?.get(id)
      }
      case 'process': {
        const unit = this.byProcess.get(r.pid)
        return unit === undefined ? notFound('the process does not exist') : this.refusalsByUnit.get(unit)?.get(id)
      }
    }
  }

  /** Every refused record and why. */
  refusals (): Map<string, Refusal> {
    const out = new Map(this.timeline.refusals)
    for (const g of this.gens.values()) {
      for (const [id, why] of g.state.refusals) if (this.seen.get(id)?.rec.b.k === 'env') out.set(id, why)
    }
    for (const m of this.refusalsByUnit.values()) for (const [id, why] of m) out.set(id, why)
    for (const list of this.orphans.values()) {
      for (const e of list) out.set(e.id, notFound(route(e).kind === 'graph' ? 'the workflow does not exist' : 'the process does not exist'))
    }
    return out
  }

  process (processid: string): ProcessInfo | undefined {
    const p = this.processRaw(processid)
    return p === undefined || p.removed ? undefined : p
  }

  /** The node whose log holds the record that created the process: where it was submitted. */
  submitOrigin (processid: string): string | undefined {
    const unit = this.byProcess.get(processid)
    if (unit?.graph !== undefined) return unit.graph.creator.rec.o
    return unit?.entries[0]?.rec.o
  }

  /** The folded process, removed ones included (for projections). */
  processRaw (processid: string): ProcessInfo | undefined {
    const unit = this.byProcess.get(processid)
    if (unit === undefined) return undefined
    return unit.proc ?? unit.graph?.procs.get(processid)
  }

  * processesRaw (): IterableIterator<ProcessInfo> {
    for (const u of this.units.values()) {
      if (u.proc !== undefined) yield u.proc
      else if (u.graph !== undefined) yield * u.graph.procs.values()
    }
  }

  /** All live (not removed) processes, in no particular order. */
  * processes (colony?: string): IterableIterator<ProcessInfo> {
    const units = colony === undefined ? this.units.values() : (this.unitsByColony.get(colony) ?? new Set<Unit>()).values()
    for (const u of units) {
      if (u.proc !== undefined) {
        if (!u.proc.removed) yield u.proc
      } else if (u.graph !== undefined && !u.graph.graph.removed) {
        for (const p of u.graph.procs.values()) if (!p.removed) yield p
      }
    }
  }

  /** A live workflow and its nodes. */
  graph (processgraphid: string): GraphState | undefined {
    const g = this.units.get(processgraphid)?.graph
    return g === undefined || g.graph.removed ? undefined : g
  }

  /** The live workflows of a colony, in no particular order. */
  * graphs (colony: string): IterableIterator<GraphState> {
    for (const u of this.unitsByColony.get(colony) ?? []) {
      if (u.graph !== undefined && !u.graph.graph.removed) yield u.graph
    }
  }

  cron (cronid: string): CronInfo | undefined {
    return this.timeline.crons.get(cronid)?.current
  }

  crons (colony: string): CronInfo[] {
    const out: CronInfo[] = []
    for (const v of this.timeline.crons.values()) if (v.current?.colonyname === colony) out.push(v.current)
    return out.sort((a, b) => a.created - b.created || (a.cronid < b.cronid ? -1 : 1))
  }

  /** The workflows a cron started (removed ones excluded), oldest first. */
  cronRunsOf (cronid: string): GraphState[] {
    const out: GraphState[] = []
    for (const u of this.cronRuns.get(cronid) ?? []) {
      const g = u.graph
      if (g !== undefined && !g.graph.removed && g.graph.source.kind === 'cron' && g.graph.source.cronid === cronid) out.push(g)
    }
    return out.sort((a, b) => a.creator.key < b.creator.key ? -1 : 1)
  }

  generator (generatorid: string): GeneratorInfo | undefined {
    return this.timeline.generators.get(generatorid)?.current
  }

  generators (colony: string): GeneratorInfo[] {
    const out: GeneratorInfo[] = []
    for (const v of this.timeline.generators.values()) if (v.current?.colonyname === colony) out.push(v.current)
    return out.sort((a, b) => a.created - b.created || (a.generatorid < b.generatorid ? -1 : 1))
  }

  /** A generator's queue: its packs (consumed or not) and accepted firings. */
  generatorQueue (generatorid: string): GenState | undefined {
    return this.gens.get(generatorid)?.state
  }

  colony (name: string): ColonyInfo | undefined {
    return this.timeline.colonies.get(name)?.current
  }

  colonies (): ColonyInfo[] {
    const out: ColonyInfo[] = []
    for (const v of this.timeline.colonies.values()) if (v.current !== undefined) out.push(v.current)
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  executors (colony: string): ExecutorInfo[] {
    const out: ExecutorInfo[] = []
    for (const v of this.timeline.executors.get(colony)?.values() ?? []) if (v.current !== undefined) out.push(v.current)
    return out.sort((a, b) => a.executorname < b.executorname ? -1 : a.executorname > b.executorname ? 1 : 0)
  }

  executor (colony: string, executorid: string): ExecutorInfo | undefined {
    return this.timeline.executors.get(colony)?.get(executorid)?.current
  }

  users (colony: string): UserInfo[] {
    const out: UserInfo[] = []
    for (const v of this.timeline.users.get(colony)?.values() ?? []) if (v.current !== undefined) out.push(v.current)
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  functions (colony: string): FunctionInfo[] {
    return [...(this.timeline.functions.get(colony)?.values() ?? [])]
      .sort((a, b) => a.functionid < b.functionid ? -1 : 1)
  }

  /** The operator a node declared, as of now. */
  siteOperator (nodeid: string): string | undefined {
    return this.timeline.sites.get(nodeid)?.current?.operatorid
  }

  isMember (colony: string, id: string): boolean {
    return this.timeline.isMemberAt(colony, id, '\uffff')
  }

  /** Process ids changed since the last call, and whether colony-level state changed. */
  drainChanges (): { processes: string[], colonyLevel: boolean } {
    const out = { processes: [...this.changed], colonyLevel: this.colonyChanged }
    this.changed.clear()
    this.colonyChanged = false
    return out
  }

  /** The canonical state: equal on every node that holds the same records. */
  canonicalState (): unknown {
    const byId = <T>(a: T[], k: (t: T) => string): T[] => a.sort((x, y) => k(x) < k(y) ? -1 : k(x) > k(y) ? 1 : 0)
    const colonies = this.colonies().map(c => ({
      ...c,
      executors: this.executors(c.name),
      users: this.users(c.name),
      functions: this.functions(c.name)
    }))
    const sites = byId([...this.timeline.sites.values()].flatMap(v => v.current === undefined ? [] : [v.current]), s => s.nodeid)
    const processes = byId([...this.processesRaw()], p => p.processid)
    const graphs = byId([...this.units.values()].flatMap(u => u.graph === undefined ? [] : [u.graph.graph]), g => g.processgraphid)
    const crons = byId([...this.timeline.crons.values()].flatMap(v => v.current === undefined ? [] : [v.current]), c => c.cronid)
    const generators = byId([...this.timeline.generators.values()].flatMap(v => v.current === undefined ? [] : [v.current]), g => g.generatorid)
    const packs = byId([...this.gens.values()].flatMap(g => g.state.packs.map(p => ({ id: p.id, generatorid: g.id, consumedBy: p.consumedBy ?? '' }))), p => p.id)
    const refusals = [...this.refusals()].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([id, r]) => [id, r.code, r.reason])
    return { sites, colonies, processes, graphs, crons, generators, packs, refusals }
  }

  stateHash (): string {
    return sha3Hex(canonicalJson(this.canonicalState()))
  }
}

/** The pure function: a record set (any order, any duplication) → the fold. */
export function foldRecords (entries: Iterable<FoldEntry>): LedgerFold {
  const f = new LedgerFold()
  f.add([...entries])
  return f
}

