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
import { dueCronRun } from './cron-schedule.js'
import { conflict, invalid, isRefusal, notFound, type Refusal, sameRefusal } from './refusal.js'
import {
  type ColonyInfo, type CronInfo, type ExecutorInfo, type FunctionInfo, type GeneratorInfo, type GraphInfo, isFinal, type ProcessInfo,
  type UserInfo
} from './state.js'
import { type ColonyEvent, Timeline } from './timeline.js'

export type Route =
  | { readonly kind: 'colony' }
  /** a prune record: the store applies it; the fold takes no part */
  | { readonly kind: 'prune' }
  | { readonly kind: 'create', readonly unit: string, readonly graph: boolean }
  | { readonly kind: 'process', readonly pid: string }
  | { readonly kind: 'graph', readonly gid: string }
  | { readonly kind: 'pack' }

/** Where a record folds: the colony timeline, a process or workflow unit, or a generator queue. */
export function route (e: FoldEntry): Route {
  if (e.rec.b.k === 'prune') return { kind: 'prune' }
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

/**
 * A settled unit as the fold hands it out when it leaves memory (DESIGN decision 11): its
 * records, to fold it again should a late record touch it, its processes' final views,
 * and its hash, which stays in the fold's state hash while the unit is away.
 */
export interface EvictedUnit {
  readonly id: string
  readonly graph: boolean
  readonly colony: string
  readonly entries: readonly FoldEntry[]
  /** order key of its last record */
  readonly lastKey: string
  /** its process (a standalone unit) or the workflow's nodes; none when its creation was refused */
  readonly processes: readonly ProcessInfo[]
  readonly workflow: GraphInfo | undefined
  readonly hash: string
}

/** A unit to bring back into memory: what `evict` gave out (its processes are folded again). */
export interface UnitRecords {
  readonly id: string
  readonly graph: boolean
  readonly entries: readonly FoldEntry[]
  readonly hash: string
}

/** What the fold needs in memory before it can take some records (see pagingNeeds). */
export interface PagingNeeds {
  /** units named by id (a workflow, a creating record) that are not in memory */
  readonly units: string[]
  /** processes named by id whose unit is not in memory (a standalone process's unit id is its own) */
  readonly processes: string[]
  /**
   * colony-level records: units away from memory of that colony ('*': every colony) whose
   * last record is after `key` must be folded again, and all of them when `events` (a
   * remove-all or a removed colony reaches into settled processes)
   */
  readonly colonies: ReadonlyArray<{ readonly colony: string, readonly key: string, readonly events: boolean }>
}

/** A cron's latest run, kept while its workflow is away from memory (the next firing's inputs). */
export interface CronRun {
  readonly processgraphid: string
  /** order key of the creating record */
  readonly key: string
  readonly submissiontime: number
  /** the scheduled time (0 for a run-now) */
  readonly at: number
  readonly final: boolean
  /** the leaf nodes' outputs, in node order */
  readonly leafOutputs: readonly unknown[]
}

const ZERO_HASH = '0'.repeat(64)

/** XOR of two hex digests of equal length: the units' hashes combine in any order. */
function xorHex (a: string, b: string): string {
  let out = ''
  for (let i = 0; i < a.length; i += 8) {
    out += ((parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0).toString(16).padStart(8, '0')
  }
  return out
}

/** Whether a unit can change only by a late record: nothing in it waits or runs. */
function settled (u: Unit): boolean {
  if (u.graphUnit) return u.graph === undefined || u.graph.graph.removed || isFinal(u.graph.graph.state)
  return u.proc === undefined || u.proc.removed || isFinal(u.proc.state)
}

const byKey = (a: { key: string }, b: { key: string }): number => a.key < b.key ? -1 : a.key > b.key ? 1 : 0

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
  /** units changed since the last drain (those whose creation was refused have no process to report) */
  private readonly unitsChanged = new Set<string>()
  private colonyChanged = false
  /** XOR of the hashes of the units away from memory (evicted, see evict) */
  private outsideHash = ZERO_HASH
  /** each cron's latest run, by its creating record's key */
  private readonly cronLatest = new Map<string, CronRun>()
  /** each cron's latest scheduled firing time among its runs (0: none) */
  private readonly lastAtByCron = new Map<string, number>()
  /** distinct records folded, those of evicted units included */
  private records = 0
  private readonly genVerdict = (e: FoldEntry): Refusal | undefined => {
    const b = e.rec.b
    if (b.k !== 'genfire') return invalid('not a generator firing')
    const s = this.gens.get(b.generatorid)?.state
    if (s?.accepted.has(e.id) === true) return undefined
    return s?.refusals.get(e.id) ?? notFound('the firing is not known to its generator')
  }

  /** Distinct records folded, those of units away from memory included. */
  get size (): number {
    return this.records
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
      if (e.rec.b.k === 'prune' || this.seen.has(e.id)) return false
      this.seen.set(e.id, e)
      return true
    }).sort(compareEntries)
    this.records += fresh.length
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
      this.unitsChanged.add(unit.id)
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

  private newUnit (id: string, graphUnit: boolean, e: FoldEntry, more: readonly FoldEntry[] = []): Unit {
    const colony = graphUnit ? colonyOfCreator(e, this.timeline) : (e.msg?.msgtype === 'submitfuncspecmsg' ? e.msg.spec.conditions.colonyname : '')
    const entries = [e, ...more, ...(this.orphans.get(id) ?? [])].sort(compareEntries)
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
      this.unitsChanged.add(unit.id)
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
    this.unitsChanged.add(unit.id)
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
      if (before !== undefined) this.releaseNodes(unit, [...before.procs.keys()].filter(pid => g?.procs.has(pid) !== true))
      if (g === undefined) return
      g.touched.clear()
      if (g.graph.source.kind === 'cron') {
        const cronid = g.graph.source.cronid
        let runs = this.cronRuns.get(cronid)
        if (runs === undefined) this.cronRuns.set(cronid, runs = new Set())
        runs.add(unit)
        this.lastAtByCron.set(cronid, Math.max(this.lastAtByCron.get(cronid) ?? 0, g.graph.source.at))
        const latest = this.cronLatest.get(cronid)
        if (latest === undefined || latest.key <= g.creator.key) this.cronLatest.set(cronid, cronRunOf(g))
      }
      let adopted = false
      for (const pid of g.procs.keys()) {
        this.changed.add(pid)
        if (this.claimNode(unit, pid)) adopted = true
      }
      if (!adopted) return
    }
  }

  /**
   * Nodes a workflow no longer has (a re-fold refused its creation, or a child): their
   * records go back to waiting as orphans, as they would had they arrived now.
   */
  private releaseNodes (unit: Unit, pids: readonly string[]): void {
    if (pids.length === 0) return
    const gone = new Set(pids)
    const refusals = this.refusalsByUnit.get(unit)
    for (const pid of gone) if (this.byProcess.get(pid) === unit) this.byProcess.delete(pid)
    const kept: FoldEntry[] = []
    for (const e of unit.entries) {
      const pid = graphRef(e) === undefined && createdGraphId(e) === undefined ? processRefOf(e) : undefined
      if (pid === undefined || !gone.has(pid)) {
        kept.push(e)
        continue
      }
      refusals?.delete(e.id)
      let list = this.orphans.get(pid)
      if (list === undefined) this.orphans.set(pid, list = [])
      list.push(e)
    }
    unit.entries.splice(0, unit.entries.length, ...kept)
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

  // ---- paging: settled units leave memory, and come back when a late record needs them ----

  /**
   * What must be in memory before `batch` is added: units and processes it names that the
   * fold does not hold (they may be away, see evict), and the colony-level records whose
   * effect on units away from memory must be folded in (see PagingNeeds).
   */
  pagingNeeds (batch: readonly FoldEntry[]): PagingNeeds {
    const units: string[] = []
    const processes: string[] = []
    const colonies: Array<{ colony: string, key: string, events: boolean }> = []
    for (const e of batch) {
      if (this.seen.has(e.id)) continue
      const r = route(e)
      if (r.kind === 'create' && !this.units.has(r.unit)) units.push(r.unit)
      else if (r.kind === 'graph' && !this.units.has(r.gid)) units.push(r.gid)
      else if (r.kind === 'process' && !this.byProcess.has(r.pid)) processes.push(r.pid)
      else if (r.kind === 'colony') {
        const t = e.msg?.msgtype
        let c = e.rec.b.k === 'site' ? '*' : this.timeline.colonyOf(e)
        if (c === '' && (t === 'removecronmsg' || t === 'removegeneratormsg')) c = '*'
        const events = t === 'removeallprocessesmsg' || t === 'removeallprocessgraphsmsg' || t === 'removecolonymsg'
        colonies.push({ colony: c, key: e.key, events })
        // a generator's firings after it may be judged anew: their workflows must be here
        for (const g of this.gens.values()) this.laterFirings(g, e.key, units)
      }
      const gen = generatorRef(e)
      if (gen !== undefined) {
        const g = this.gens.get(gen)
        if (g !== undefined) this.laterFirings(g, e.key, units)
      }
    }
    return { units, processes, colonies }
  }

  /** The workflows of a generator's firings ordered after `key` that are not in memory. */
  private laterFirings (g: GenUnit, key: string, out: string[]): void {
    for (let i = g.entries.length - 1; i >= 0; i--) {
      const f = g.entries[i] as FoldEntry
      if (f.key <= key) break
      const gid = f.rec.b.k === 'genfire' ? createdGraphId(f) : undefined
      if (gid !== undefined && !this.units.has(gid)) out.push(gid)
    }
  }

  /** The ids of the units in memory. */
  unitIds (): IterableIterator<string> {
    return this.units.keys()
  }

  /** Whether the unit is in memory. */
  holds (unitid: string): boolean {
    return this.units.has(unitid)
  }

  /** The unit (a standalone process's own id, or its workflow's) of a process in memory. */
  unitOf (processid: string): string | undefined {
    return this.byProcess.get(processid)?.id
  }

  /** A unit in memory as a checkpoint keeps it: its records, colony and kind. */
  unitRecords (unitid: string): { entries: readonly FoldEntry[], colony: string, graph: boolean } | undefined {
    const u = this.units.get(unitid)
    return u === undefined ? undefined : { entries: u.entries, colony: u.colony, graph: u.graphUnit }
  }

  /** Records that name a process or workflow not (yet) held. */
  orphanEntries (): FoldEntry[] {
    return [...this.orphans.values()].flat()
  }

  /** The processes of a unit in memory (none when its creation was refused). */
  processIdsOf (unitid: string): string[] {
    const u = this.units.get(unitid)
    if (u === undefined) return []
    return u.proc !== undefined ? [u.proc.processid] : [...(u.graph?.procs.keys() ?? [])]
  }

  /**
   * Takes over what a fold that ran before had folded and left out of memory: the combined
   * hash of its evicted units and how many records it had folded (a store reopening).
   */
  adoptOutside (outsideHash: string, records: number): void {
    this.outsideHash = outsideHash
    this.records = records
  }

  /** The combined hash of the units away from memory (to keep it across a restart). */
  get outside (): string {
    return this.outsideHash
  }

  /** Whether the unit is in memory and settled: nothing in it waits or runs, so it may leave. */
  evictable (unitid: string): boolean {
    const u = this.units.get(unitid)
    return u !== undefined && settled(u)
  }

  /**
   * Takes a settled unit out of memory and hands out what is needed to bring it back; its
   * hash stays in the state hash. The caller keeps it (the store) and must have written
   * its processes' projections: the fold no longer reports them.
   */
  evict (unitid: string): EvictedUnit | undefined {
    const u = this.units.get(unitid)
    if (u === undefined || !settled(u)) return undefined
    const processes = u.proc !== undefined ? [u.proc] : u.graph !== undefined ? [...u.graph.procs.values()] : []
    const hash = this.unitHash(u)
    this.units.delete(unitid)
    if (!u.graphUnit) this.byProcess.delete(unitid)
    for (const p of processes) if (this.byProcess.get(p.processid) === u) this.byProcess.delete(p.processid)
    this.unitsByColony.get(u.colony)?.delete(u)
    this.refusalsByUnit.delete(u)
    for (const e of u.entries) this.seen.delete(e.id)
    for (const p of processes) this.changed.delete(p.processid)
    this.unitsChanged.delete(unitid)
    const source = u.graph?.graph.source
    if (source?.kind === 'cron') {
      this.cronRuns.get(source.cronid)?.delete(u)
      const latest = this.cronLatest.get(source.cronid)
      if (latest?.processgraphid === unitid && u.graph !== undefined) this.cronLatest.set(source.cronid, cronRunOf(u.graph))
    }
    this.outsideHash = xorHex(this.outsideHash, hash)
    const last = u.entries[u.entries.length - 1]
    return {
      id: unitid,
      graph: u.graphUnit,
      colony: u.colony,
      entries: u.entries,
      lastKey: last?.key ?? '',
      processes,
      workflow: u.graph?.graph,
      hash
    }
  }

  /**
   * Brings an evicted unit back into memory, folded again against the colony as it is now
   * (a colony event that reached it meanwhile applies). Its records count as seen; it is
   * reported changed only if it differs from what left.
   */
  restore (r: UnitRecords): void {
    if (this.units.has(r.id)) return
    const fresh = r.entries.filter(e => !this.seen.has(e.id))
    const creator = fresh.find(e => r.graph ? createdGraphId(e) === r.id : e.id === r.id) ?? fresh[0]
    if (creator === undefined) return
    for (const e of fresh) this.seen.set(e.id, e)
    this.outsideHash = xorHex(this.outsideHash, r.hash)
    const unit = this.newUnit(r.id, r.graph, creator, fresh.filter(e => e !== creator))
    this.refoldUnit(unit)
    // back as it left: nothing to report (a colony event that reached it meanwhile is a change)
    if (r.hash !== ZERO_HASH && this.unitHash(unit) === r.hash) {
      for (const pid of this.processIdsOf(r.id)) this.changed.delete(pid)
      this.unitsChanged.delete(r.id)
    }
  }

  /**
   * Drops a unit for good, from memory and from the state hash (retention, removals: the
   * prune is a replicated decision, so every site drops the same units). `hash` is its hash
   * as evicted, when it is away from memory.
   */
  forget (unitid: string, hash?: string): void {
    const u = this.units.get(unitid)
    if (u === undefined) {
      if (hash !== undefined) this.outsideHash = xorHex(this.outsideHash, hash)
      return
    }
    const h = this.unitHash(u)
    this.evict(unitid)
    this.outsideHash = xorHex(this.outsideHash, h)
  }

  /**
   * Drops the records that name a process or workflow not held, ordered before `key`:
   * below a stable frontier, what they name was pruned or never existed. Returns them.
   */
  dropOrphansBefore (key: string): FoldEntry[] {
    const dropped: FoldEntry[] = []
    for (const [ref, list] of this.orphans) {
      const keep = list.filter(e => e.key >= key)
      for (const e of list) {
        if (e.key >= key) continue
        this.seen.delete(e.id)
        dropped.push(e)
      }
      if (keep.length === 0) this.orphans.delete(ref)
      else this.orphans.set(ref, keep)
    }
    return dropped
  }

  /** The cron's latest scheduled tick at or before `atMs` (undefined: none, or no such cron). */
  latestCronTick (cronid: string, atMs: number): number | undefined {
    const cron = this.timeline.crons.get(cronid)?.current
    return cron === undefined ? undefined : dueCronRun(cron, 0, atMs)
  }

  /** A workflow in memory as it is (removed ones included). */
  workflowRaw (graphid: string): GraphInfo | undefined {
    return this.units.get(graphid)?.graph?.graph
  }

  /** Whether `nodeid` was a site of the colony at `key` in the ledger's order. */
  wasSiteAt (colony: string, nodeid: string, key: string): boolean {
    return this.timeline.isSiteOfAt(colony, nodeid, key)
  }

  /** Units in memory, and processes in them. */
  resident (): { units: number, processes: number } {
    let processes = 0
    for (const u of this.units.values()) processes += u.proc !== undefined ? 1 : u.graph?.procs.size ?? 0
    return { units: this.units.size, processes }
  }

  /** A unit's own state: its processes, its workflow, its records' refusals. */
  private unitHash (u: Unit): string {
    const procs = u.proc !== undefined ? [u.proc] : [...(u.graph?.procs.values() ?? [])].sort((a, b) => a.processid < b.processid ? -1 : 1)
    const refusals = [...(this.refusalsByUnit.get(u) ?? [])].sort((a, b) => a[0] < b[0] ? -1 : 1)
    return sha3Hex(canonicalJson({ id: u.id, processes: procs, graph: u.graph?.graph ?? null, refusals }))
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

  /** A cron's latest run (removed ones excluded), in memory or not. */
  cronRun (cronid: string): CronRun | undefined {
    const r = this.cronLatest.get(cronid)
    if (r === undefined) return undefined
    const g = this.units.get(r.processgraphid)?.graph
    if (g !== undefined) return g.graph.removed ? undefined : cronRunOf(g)
    return r
  }

  /** The latest scheduled time a run of the cron was started for (0: none). */
  cronLastAt (cronid: string): number {
    return this.lastAtByCron.get(cronid) ?? 0
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
  drainChanges (): { processes: string[], colonyLevel: boolean, units: string[] } {
    const units: string[] = []
    for (const id of this.unitsChanged) if (this.units.has(id)) units.push(id)
    const out = { processes: [...this.changed], colonyLevel: this.colonyChanged, units }
    this.changed.clear()
    this.unitsChanged.clear()
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

  /**
   * The state's hash, equal on every node that holds the same records: the colony level,
   * then the units (processes and workflows with their refusals), each hashed alone and
   * combined by XOR, so that units away from memory keep their part without being read.
   * Records that name a process that does not exist (orphans) are left out: which of them
   * a site still holds depends on when it dropped those of pruned units.
   */
  stateHash (): string {
    let units = this.outsideHash
    for (const u of this.units.values()) units = xorHex(units, this.unitHash(u))
    const byId = <T>(a: T[], k: (t: T) => string): T[] => a.sort((x, y) => k(x) < k(y) ? -1 : k(x) > k(y) ? 1 : 0)
    const colonies = this.colonies().map(c => ({
      ...c,
      executors: this.executors(c.name),
      users: this.users(c.name),
      functions: this.functions(c.name)
    }))
    const sites = byId([...this.timeline.sites.values()].flatMap(v => v.current === undefined ? [] : [v.current]), s => s.nodeid)
    const crons = byId([...this.timeline.crons.values()].flatMap(v => v.current === undefined ? [] : [v.current]), c => c.cronid)
    const generators = byId([...this.timeline.generators.values()].flatMap(v => v.current === undefined ? [] : [v.current]), g => g.generatorid)
    const packs = byId([...this.gens.values()].flatMap(g => g.state.packs.map(p => ({ id: p.id, generatorid: g.id, consumedBy: p.consumedBy ?? '' }))), p => p.id)
    const refusals = new Map(this.timeline.refusals)
    for (const g of this.gens.values()) {
      for (const [id, why] of g.state.refusals) if (this.seen.get(id)?.rec.b.k === 'env') refusals.set(id, why)
    }
    return sha3Hex(canonicalJson({ sites, colonies, crons, generators, packs, refusals: [...refusals].sort((a, b) => a[0] < b[0] ? -1 : 1), units }))
  }
}

function cronRunOf (g: GraphState): CronRun {
  const leafOutputs: unknown[] = []
  for (const id of g.graph.processids) {
    const p = g.procs.get(id)
    if (p !== undefined && p.children.length === 0) leafOutputs.push(...p.out)
  }
  return {
    processgraphid: g.graph.processgraphid,
    key: g.creator.key,
    submissiontime: g.graph.submissiontime,
    at: g.graph.source.kind === 'cron' ? g.graph.source.at : 0,
    final: isFinal(g.graph.state),
    leafOutputs
  }
}

/** The pure function: a record set (any order, any duplication) → the fold. */
export function foldRecords (entries: Iterable<FoldEntry>): LedgerFold {
  const f = new LedgerFold()
  f.add([...entries])
  return f
}

