/**
 * The core of the deterministic fold (DESIGN decision 3): routing each record to its unit,
 * the colony timeline, in-order steps and re-folds, and the preview of a record before it
 * is written. Paging (fold-paging.ts) and the reads and hash (fold.ts) build on it.
 */
import { BlueprintBook, type ReconcilePlan } from './blueprint-fold.js'
import { bulkPart, isBulkRecord, keptBulkProcessIds, submittedSpec } from './bulk-fold.js'
import { canonicalJson } from './canonical.js'
import type { ChannelEntry } from './channel-fold.js'
import { channelRefOf } from './channel-fold.js'
import {
  channelObserver, channelRefusals, channelsAfterStep, channelsOfHash, onlyChannelsAfter, previewChannel, settleChannels,
  takeChannelRecord
} from './channel-units.js'
import { sha3Hex } from './crypto.js'
import { compareEntries, type FoldEntry } from './entry.js'
import { FileFold } from './file-fold.js'
import { applyGenEntry, foldGen, generatorRef, newGenState } from './gen-fold.js'
import {
  applyGraphEntry, applyGraphEvent, cloneGraph, colonyOfCreator, createdGraphId, createGraph, foldGraph, graphRef,
  processRefOf
} from './graph-fold.js'
import { applyEntry, applyEvent, createProcess, foldProcess, keyWall, type PlanOf } from './process-fold.js'
import { reconcileProcessId } from './records.js'
import { conflict, invalid, isRefusal, notFound, type Refusal, sameRefusal } from './refusal.js'
import { type ColonyEvent, Timeline } from './timeline.js'
import { type CronRun, cronRunOf, type GenUnit, insertSorted, route, type Route, type Unit, ZERO_HASH } from './fold-units.js'

export class FoldCore {
  protected readonly seen = new Map<string, FoldEntry>()
  protected readonly colonyEntries: FoldEntry[] = []
  protected timeline = new Timeline()
  /** units by id: a standalone process's id, or a workflow's graph id */
  protected readonly units = new Map<string, Unit>()
  /** every process id (standalone or workflow node) → its unit */
  protected readonly byProcess = new Map<string, Unit>()
  protected readonly unitsByColony = new Map<string, Set<Unit>>()
  protected readonly gens = new Map<string, GenUnit>()
  /** every colony's files and snapshots (file-fold.ts) */
  protected readonly fileFold = new FileFold(() => this.timeline)
  /** each colony's blueprint definitions and blueprints */
  protected readonly books = new Map<string, BlueprintBook>()
  protected readonly planOf: PlanOf = (colony, record) => this.books.get(colony)?.plan(record)
  /** workflows started by each cron */
  protected readonly cronRuns = new Map<string, Set<Unit>>()
  /**
   * Generator firings read back with the colony level at open, by workflow id, whose
   * workflow is not in memory: it is in the store (brought back with its records), was
   * pruned, or comes with the records after the checkpoint (which wake it here).
   */
  protected readonly dormant = new Map<string, FoldEntry>()
  /** records naming a process or workflow that has not arrived (yet), by that id */
  protected readonly orphans = new Map<string, FoldEntry[]>()
  protected readonly refusalsByUnit = new Map<Unit, Map<string, Refusal>>()
  protected readonly changed = new Set<string>()
  /** units changed since the last drain (those whose creation was refused have no process to report) */
  protected readonly unitsChanged = new Set<string>()
  protected colonyChanged = false
  /** XOR of the hashes of the units away from memory (evicted, see evict) */
  protected outsideHash = ZERO_HASH
  /** each cron's latest run, by its creating record's key */
  protected readonly cronLatest = new Map<string, CronRun>()
  /** each cron's latest scheduled firing time among its runs (0: none) */
  protected readonly lastAtByCron = new Map<string, number>()
  /** bulk submit record id → how many of its processes' units are in memory */
  protected readonly bulkHeld = new Map<string, number>()
  /**
   * bulk submit record id → its processes forgotten (pruned) while the record stays seen
   * for the others: the record seen again does not create them anew (see addBulk)
   */
  protected readonly bulkForgotten = new Map<string, Set<string>>()
  /** distinct records folded, those of evicted units included */
  protected records = 0
  /** channel entries accepted since the last drain (they are delivered to subscribers) */
  protected readonly channelsFresh: ChannelEntry[] = []
  protected readonly genVerdict = (e: FoldEntry): Refusal | undefined => {
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

  /**
   * Adds entries (any order, duplicates ignored). `atOpen`: the colony level as the store
   * reads it back at open; a generator firing there feeds its queue but does not start its
   * workflow, which the store holds with all its records (or pruned) — see `dormant`.
   */
  add (batch: readonly FoldEntry[], atOpen = false): void {
    const wake: FoldEntry[] = []
    // bulk records seen already (some of their processes' units are in memory): one of
    // their processes may have no unit, see addBulk
    const partly: FoldEntry[] = []
    const fresh = batch.filter(e => {
      if (e.rec.b.k === 'prune') return false
      if (this.seen.has(e.id)) {
        if (e.rec.b.k === 'genfire' && this.dormant.size > 0) this.wake(e, wake)
        else if (isBulkRecord(e)) partly.push(e)
        return false
      }
      this.seen.set(e.id, e)
      return true
    }).sort(compareEntries)
    this.records += fresh.length
    if (fresh.length === 0 && wake.length === 0 && partly.length === 0) return
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

    // Files and snapshots fold on their own, beside the timeline (file-fold.ts).
    this.fileFold.add(fresh.filter((_, i) => routes[i]?.kind === 'file'), affected)

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

    this.foldBooks(fresh, routes, affected, rebuild, refold)

    // 3. Process and workflow records: one step when in order, a re-fold of the unit otherwise.
    const step: Array<[FoldEntry, Route]> = []
    fresh.forEach((e, i) => {
      const r = routes[i] as Route
      if (atOpen && e.rec.b.k === 'genfire' && r.kind === 'create') this.dormant.set(r.unit, e)
      else step.push([e, r])
    })
    for (const e of wake) step.push([e, route(e)])
    step.forEach(([e, r]) => {
      let unit: Unit | undefined
      if (r.kind === 'bulk') {
        this.addBulk(e, refold)
        return
      }
      if (r.kind === 'create') {
        unit = this.units.get(r.unit)
        if (unit === undefined) {
          unit = this.newUnit(r.unit, r.graph, e)
          refold.add(unit)
          return
        }
      } else if (r.kind === 'process' || r.kind === 'channel') {
        unit = this.byProcess.get(r.pid)
      } else if (r.kind === 'graph') {
        unit = this.units.get(r.gid)
        if (unit !== undefined && !unit.graphUnit) unit = undefined
      } else {
        return
      }
      if (unit === undefined) {
        const ref = r.kind === 'process' || r.kind === 'channel' ? r.pid : r.kind === 'graph' ? r.gid : e.id
        let list = this.orphans.get(ref)
        if (list === undefined) this.orphans.set(ref, list = [])
        list.push(e)
        return
      }
      const atEnd = insertSorted(unit.entries, e)
      this.unitsChanged.add(unit.id)
      if (r.kind === 'channel') {
        // folds beside the unit: the unit itself does not change
        if (!refold.has(unit)) this.noteFresh(takeChannelRecord(unit, r.pid, e, this.timeline))
        return
      }
      const events = this.timeline.eventsOf(unit.colony)
      const lastEvent = events[events.length - 1]
      // channel records after it change nothing a process record is judged by
      const inOrder = (atEnd || onlyChannelsAfter(unit.entries, e)) && !refold.has(unit) && (lastEvent === undefined || lastEvent.key < e.key)
      if (inOrder && unit.proc !== undefined) {
        const reason = applyEntry(unit.proc, e, this.timeline)
        if (reason !== undefined) this.refusalsOf(unit).set(e.id, reason)
        this.changed.add(unit.id)
        this.noteFresh(channelsAfterStep(unit, e.key, this.timeline))
      } else if (inOrder && unit.graph !== undefined) {
        const g = unit.graph
        const reason = applyGraphEntry(g, e, this.timeline)
        if (reason !== undefined) this.refusalsOf(unit).set(e.id, reason)
        this.drainTouched(unit)
        this.noteFresh(channelsAfterStep(unit, e.key, this.timeline))
        if (e.msg?.msgtype === 'addchildmsg' && g.procs.has(e.id) && this.claimNode(unit, e.id)) refold.add(unit)
      } else {
        refold.add(unit)
      }
    })
    // after the fresh ones: a record seen twice in this batch has created its units by now
    for (const e of partly) this.addBulk(e, refold, true)

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

  /**
   * 2b. Blueprint books: a record in order is one step; a late one, or a colony-level
   * change before a book's records (or a new colony event), re-folds the book. A change
   * whose reconcile plan changed folds its process again.
   */
  protected foldBooks (fresh: readonly FoldEntry[], routes: readonly Route[], affected: ReadonlyMap<string, string>, rebuild: boolean, refold: Set<Unit>): void {
    const again = new Set<BlueprintBook>()
    const planned: string[] = []
    fresh.forEach((e, i) => {
      const r = routes[i] as Route
      if (r.kind !== 'blueprint') return
      let book = this.books.get(r.colony)
      if (book === undefined) this.books.set(r.colony, book = new BlueprintBook(r.colony))
      const at = book.insert(e)
      if (at === 'middle' || rebuild || affected.has(r.colony) || affected.has('*')) again.add(book)
      else if (at === 'end' && !again.has(book)) {
        book.apply(e, this.timeline)
        if (book.plan(e.id) !== undefined) planned.push(e.id)
      }
    })
    if (affected.size > 0) {
      const earliest = [...affected.values()].reduce((a, b) => a < b ? a : b)
      for (const book of this.books.values()) {
        const from = rebuild ? earliest : [affected.get(book.colony), affected.get('*')].reduce<string | undefined>((a, b) => b === undefined || (a !== undefined && a < b) ? a : b, undefined)
        if (from === undefined) continue
        if (book.lastKey > from || this.timeline.eventsOf(book.colony).length !== book.eventsApplied) again.add(book)
      }
    }
    for (const book of again) planned.push(...book.refold(this.timeline))
    for (const record of planned) {
      const unit = this.units.get(reconcileProcessId(record))
      if (unit !== undefined) refold.add(unit)
    }
  }

  /** A colony's blueprint book (undefined until it has a blueprint record). */
  blueprintBook (colony: string): BlueprintBook | undefined {
    return this.books.get(colony)
  }

  /** Would a blueprint record be accepted after everything held? Why not, or the reconcile process it would call for. */
  previewBlueprint (e: FoldEntry): { refusal?: Refusal, plan?: ReconcilePlan } {
    if (e.invalid !== undefined) return { refusal: invalid(e.invalid) }
    const r = route(e)
    if (r.kind !== 'blueprint') return { refusal: invalid('not a blueprint record') }
    return (this.books.get(r.colony) ?? new BlueprintBook(r.colony)).preview(e, this.timeline)
  }

  /** A firing read back at open is seen again (the records after the checkpoint): its workflow starts unless it is here. */
  private wake (e: FoldEntry, out: FoldEntry[]): void {
    const gid = createdGraphId(e)
    if (gid === undefined || this.dormant.get(gid)?.id !== e.id) return
    this.dormant.delete(gid)
    if (!this.units.has(gid)) out.push(e)
  }

  /**
   * A whole bulk submit: each spec's part starts (or, seen again, re-folds) its own
   * standalone unit (bulk-fold.ts). `missingOnly`: the record is seen already, so only the
   * processes without a unit in memory start. The record stays seen while any of its units
   * is in memory, but each process is created by its own part, as by a submit of its own:
   * one may have no unit anywhere while its siblings do (a reopen after a crash replays
   * the record when some of them had gone out to the store and it had not), and it must
   * be created then. The store brings back those away in it first (pagingNeeds lists
   * them); those forgotten by a prune stay forgotten (bulkForgotten).
   */
  protected addBulk (e: FoldEntry, refold: Set<Unit>, missingOnly = false): void {
    const forgotten = missingOnly ? this.bulkForgotten.get(e.id) : undefined
    for (const [i, pid] of keptBulkProcessIds(e)) {
      if (forgotten?.has(pid) === true) continue
      const part = bulkPart(e, i)
      const unit = this.units.get(pid)
      if (unit === undefined) {
        refold.add(this.newUnit(pid, false, part))
        continue
      }
      if (missingOnly) continue
      insertSorted(unit.entries, part)
      this.unitsChanged.add(pid)
      refold.add(unit)
    }
  }

  protected newUnit (id: string, graphUnit: boolean, e: FoldEntry, more: readonly FoldEntry[] = []): Unit {
    const b = e.rec.b
    const colony = graphUnit
      ? colonyOfCreator(e, this.timeline)
      : submittedSpec(e)?.conditions.colonyname ?? (b.k === 'reconcile' ? b.colonyname : '')
    // a bulk record stays seen while any of its processes' units is in memory (see evict)
    if (e.part !== undefined) this.bulkHeld.set(e.id, (this.bulkHeld.get(e.id) ?? 0) + 1)
    const entries = [e, ...more, ...(this.orphans.get(id) ?? [])].sort(compareEntries)
    this.orphans.delete(id)
    const unit: Unit = { id, graphUnit, colony, entries, proc: undefined, graph: undefined, chans: undefined }
    this.units.set(id, unit)
    if (!graphUnit) this.byProcess.set(id, unit)
    this.colonySet(colony).add(unit)
    return unit
  }

  /** Channel entries accepted now (reported by the next drain). */
  protected noteFresh (entries: readonly ChannelEntry[]): void {
    for (const c of entries) this.channelsFresh.push(c)
  }

  protected colonySet (colony: string): Set<Unit> {
    let set = this.unitsByColony.get(colony)
    if (set === undefined) this.unitsByColony.set(colony, set = new Set())
    return set
  }

  /** The workflow a generator firing names must be folded again (its verdict changed). */
  protected refoldGraphOf (e: FoldEntry, refold: Set<Unit>): void {
    const gid = createdGraphId(e)
    const unit = gid === undefined ? undefined : this.units.get(gid)
    if (unit !== undefined) refold.add(unit)
  }

  /** Registers `pid` as a node of the workflow; records that named it early join the unit. Returns whether any did. */
  protected claimNode (unit: Unit, pid: string): boolean {
    this.byProcess.set(pid, unit)
    const early = this.orphans.get(pid)
    if (early === undefined) return false
    this.orphans.delete(pid)
    for (const x of early) insertSorted(unit.entries, x)
    return true
  }

  /** Colony events (executor removed, remove-all) newer than every record of a unit apply directly. */
  protected applyNewEvents (colony: string, fromKey: string, refold: Set<Unit>): void {
    const events = this.timeline.eventsOf(colony).filter(ev => ev.key >= fromKey)
    if (events.length === 0) return
    for (const unit of this.unitsByColony.get(colony) ?? []) {
      if (refold.has(unit)) continue
      this.unitsChanged.add(unit.id)
      if (unit.proc !== undefined) {
        for (const ev of events) {
          applyEvent(unit.proc, ev, keyWall(ev))
          this.noteFresh(channelsAfterStep(unit, ev.key, this.timeline))
        }
        this.changed.add(unit.id)
      } else if (unit.graph !== undefined) {
        for (const ev of events) {
          applyGraphEvent(unit.graph, ev, keyWall(ev))
          this.noteFresh(channelsAfterStep(unit, ev.key, this.timeline))
        }
        this.drainTouched(unit)
      }
    }
  }

  protected drainTouched (unit: Unit): void {
    const g = unit.graph
    if (g === undefined) return
    for (const pid of g.touched) this.changed.add(pid)
    g.touched.clear()
  }

  protected refoldUnit (unit: Unit): void {
    this.unitsChanged.add(unit.id)
    const oldChannels = unit.chans
    const settle = (): void => { if (unit.chans !== undefined || oldChannels !== undefined) this.noteFresh(settleChannels(unit, oldChannels, this.timeline)) }
    // A graph's nodes are known only once it is folded: loop while that brings in early records.
    for (;;) {
      const refusals = new Map<string, Refusal>()
      const refuse = (id: string, why: Refusal): void => { refusals.set(id, why) }
      const events = (): readonly ColonyEvent[] => this.timeline.eventsOf(unit.colony)
      this.refusalsByUnit.set(unit, refusals)
      if (!unit.graphUnit) {
        unit.proc = foldProcess(unit.id, unit.entries, events(), this.timeline, refuse, this.planOf, channelObserver(unit))
        this.changed.add(unit.id)
        settle()
        return
      }
      const before = unit.graph
      const colony = colonyOfCreator(unit.entries.find(e => createdGraphId(e) === unit.id) ?? (unit.entries[0] as FoldEntry), this.timeline)
      if (colony !== unit.colony) {
        this.unitsByColony.get(unit.colony)?.delete(unit)
        unit.colony = colony
        this.colonySet(colony).add(unit)
      }
      unit.graph = foldGraph(unit.id, unit.entries, events(), this.timeline, this.genVerdict, refuse, channelObserver(unit))
      for (const pid of before?.procs.keys() ?? []) this.changed.add(pid)
      const g = unit.graph
      if (before !== undefined) this.releaseNodes(unit, [...before.procs.keys()].filter(pid => g?.procs.has(pid) !== true))
      if (g === undefined) {
        settle()
        return
      }
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
      if (!adopted) {
        settle()
        return
      }
    }
  }

  /**
   * Nodes a workflow no longer has (a re-fold refused its creation, or a child): their
   * records go back to waiting as orphans, as they would had they arrived now.
   */
  protected releaseNodes (unit: Unit, pids: readonly string[]): void {
    if (pids.length === 0) return
    const gone = new Set(pids)
    const refusals = this.refusalsByUnit.get(unit)
    for (const pid of gone) {
      if (this.byProcess.get(pid) === unit) this.byProcess.delete(pid)
      unit.chans?.delete(pid)
    }
    const kept: FoldEntry[] = []
    for (const e of unit.entries) {
      const pid = graphRef(e) === undefined && createdGraphId(e) === undefined ? processRefOf(e) ?? channelRefOf(e) : undefined
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

  protected refusalsOf (unit: Unit): Map<string, Refusal> {
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
          const created = createProcess(e, this.timeline, this.planOf)
          return isRefusal(created) ? created : undefined
        }
        if (this.units.get(r.unit)?.graph !== undefined) return conflict('the workflow was already started')
        const created = createGraph(e, r.unit, this.timeline, this.genVerdict)
        return isRefusal(created) ? created : undefined
      }
      case 'bulk': {
        // every part is judged alike (one colony, author and origin: the parser saw to the
        // colony), so the first stands for all
        const created = createProcess(bulkPart(e, 0), this.timeline, this.planOf)
        return isRefusal(created) ? created : undefined
      }
      case 'file': return this.fileFold.preview(e)
      case 'pack': {
        const scratch = newGenState(generatorRef(e) as string)
        return applyGenEntry(scratch, e, this.timeline)
      }
      case 'blueprint':
        return this.previewBlueprint(e).refusal
      case 'graph': {
        const g = this.units.get(r.gid)?.graph
        if (g === undefined || g.graph.removed) return notFound('the workflow does not exist')
        return applyGraphEntry(cloneGraph(g), e, this.timeline)
      }
      case 'channel':
        return previewChannel(this.byProcess.get(r.pid), r.pid, e, this.timeline)
      case 'process': {
        const u = this.byProcess.get(r.pid)
        const proc = u?.proc ?? u?.graph?.procs.get(r.pid)
        if (proc === undefined || proc.removed) return notFound('the process does not exist')
        // applyEntry only appends to these arrays: a scratch copy need not copy their contents.
        const scratch = { ...proc, logs: [], attributes: [], history: [] }
        return applyEntry(scratch, e, this.timeline)
      }
    }
  }


  /** A unit's own state: its processes, its workflow, its records' refusals. */
  protected unitHash (u: Unit): string {
    const procs = u.proc !== undefined ? [u.proc] : [...(u.graph?.procs.values() ?? [])].sort((a, b) => a.processid < b.processid ? -1 : 1)
    const refusals = [...(this.refusalsByUnit.get(u) ?? []), ...channelRefusals(u)].sort((a, b) => a[0] < b[0] ? -1 : 1)
    const channels = channelsOfHash(u)
    const state = { id: u.id, processes: procs, graph: u.graph?.graph ?? null, refusals }
    return sha3Hex(canonicalJson(channels === undefined ? state : { ...state, channels }))
  }
}
