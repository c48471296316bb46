/**
 * Paging (DESIGN decision 11): settled units leave memory and come back when a late record
 * needs them. The fold hands out a settled unit with its hash (which stays in the state
 * hash), takes it back folded against the colony as it is now, says what must come back
 * before records are added, and forgets pruned units (DESIGN decision 12).
 */
import { isBulkRecord, keptBulkProcessIds, partProcessId } from './bulk-fold.js'
import type { FoldEntry } from './entry.js'
import { FoldCore } from './fold-core.js'
import { cronRunOf, type EvictedUnit, type GenUnit, type PagingNeeds, route, settled, type UnitRecords, xorHex, ZERO_HASH } from './fold-units.js'
import { createdGraphId } from './graph-fold.js'
import { generatorRef } from './gen-fold.js'
import { dueCronRun } from './cron-schedule.js'
import { createdProcessId } from './process-fold.js'
import type { GraphInfo } from './state.js'

export class PagedFold extends FoldCore {
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
      if (this.seen.has(e.id)) {
        // a firing read back at open, seen again after the checkpoint: its workflow may be stored
        const gid = e.rec.b.k === 'genfire' ? createdGraphId(e) : undefined
        if (gid !== undefined && this.dormant.get(gid)?.id === e.id && !this.units.has(gid)) units.push(gid)
        // a bulk record seen by some of its units: the others may be away (addBulk creates those that are nowhere)
        if (isBulkRecord(e)) this.later(keptBulkProcessIds(e).map(([, pid]) => pid), units)
        continue
      }
      const r = route(e)
      if (r.kind === 'create' && !this.units.has(r.unit)) units.push(r.unit)
      else if (r.kind === 'bulk') this.later(keptBulkProcessIds(e).map(([, pid]) => pid), units)
      else if (r.kind === 'graph' && !this.units.has(r.gid)) units.push(r.gid)
      else if ((r.kind === 'process' || r.kind === 'channel') && !this.byProcess.has(r.pid)) processes.push(r.pid)
      else if (r.kind === 'colony') {
        const t = e.msg?.msgtype
        let c = e.rec.b.k === 'site' ? '*' : this.timeline.colonyOf(e)
        if (c === '' && (t === 'removecronmsg' || t === 'removegeneratormsg')) c = '*'
        const events = t === 'removeallprocessesmsg' || t === 'removeallprocessgraphsmsg' || t === 'removecolonymsg'
        colonies.push({ colony: c, key: e.key, events })
        // a generator's firings after it may be judged anew: their workflows must be here
        for (const g of this.gens.values()) this.laterFirings(g, e.key, units)
        // and so may the blueprint changes after it: their reconcile processes too
        for (const b of this.books.values()) if (c === '*' || b.colony === c) this.later(b.processesAfter(e.key), units)
      } else if (r.kind === 'blueprint') {
        const b = this.books.get(r.colony)
        if (b !== undefined) this.later(b.processesAfter(e.key), units)
      }
      const gen = generatorRef(e)
      if (gen !== undefined) {
        const g = this.gens.get(gen)
        if (g !== undefined) this.laterFirings(g, e.key, units)
      }
    }
    return { units, processes, colonies }
  }

  /** The units among `ids` that are not in memory. */
  protected later (ids: readonly string[], out: string[]): void {
    for (const id of ids) if (!this.units.has(id)) out.push(id)
  }

  /** The workflows of a generator's firings ordered after `key` that are not in memory. */
  protected laterFirings (g: GenUnit, key: string, out: string[]): void {
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
    for (const e of u.entries) if (e.part === undefined || this.releaseBulk(e.id)) this.seen.delete(e.id)
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

  /** One unit holding a bulk record's part leaves memory; true when it was the last (the record is then no longer seen). */
  protected releaseBulk (id: string): boolean {
    const n = (this.bulkHeld.get(id) ?? 1) - 1
    if (n > 0) {
      this.bulkHeld.set(id, n)
      return false
    }
    this.bulkHeld.delete(id)
    this.bulkForgotten.delete(id)
    return true
  }

  /**
   * Brings an evicted unit back into memory, folded again against the colony as it is now
   * (a colony event that reached it meanwhile applies). Its records count as seen; it is
   * reported changed only if it differs from what left.
   */
  restore (r: UnitRecords): void {
    if (this.units.has(r.id)) return
    const fresh = r.entries.filter(e => !this.seen.has(e.id))
    // a generator firing is seen already when read back with the colony level at open
    const creator = r.entries.find(e => r.graph ? createdGraphId(e) === r.id : createdProcessId(e) === r.id) ?? fresh[0]
    if (creator === undefined) return
    this.dormant.delete(r.id)
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
    const part = u.graphUnit ? undefined : u.entries.find(e => e.part !== undefined && partProcessId(e) === unitid)
    this.evict(unitid)
    this.outsideHash = xorHex(this.outsideHash, h)
    // its bulk record still seen for a sibling: seen again, it must not create this one anew
    if (part !== undefined && this.bulkHeld.has(part.id)) {
      let set = this.bulkForgotten.get(part.id)
      if (set === undefined) this.bulkForgotten.set(part.id, set = new Set())
      set.add(unitid)
    }
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


}
