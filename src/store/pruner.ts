/**
 * Forgetting (DESIGN decision 12): prune records applied to memory and disk.
 *
 * A prune record names a frontier `below` that was stable when it was written (every
 * current site had shown a clock past it, and the writer held each one's log up to
 * there), a retention `horizon`, and the writer's version vector. A site applies prune
 * records in ledger order, each once it holds that vector and once its own stable
 * frontier has passed the record itself (so no earlier prune can still arrive): every
 * site then applies the same prunes in the same order to the same records.
 *
 * Applying one drops, in the colony, every successful process and workflow that ended by
 * the horizon (ColonyOS's retention; a process settled before a frontier cannot change
 * again: only removals come after, and they do not unsettle), and every process and
 * workflow removed before the frontier, whatever its state. Dropped
 * means out of the fold (its hash leaves the state hash), out of every projection and out
 * of `units`; its records are marked dead in their batches, a batch whose records are all
 * dead and ordered before the frontier is deleted, and with `--archive` the records are
 * written out first. Records that name what was pruned and arrive later are orphans,
 * dropped once a frontier passes them: sync never brings a pruned unit back.
 */
import { isPartDeadKey, partDeadKey, siblingIds, withoutCoveredParts } from '../protocol/bulk-fold.js'
import type { FoldEntry } from '../protocol/entry.js'
import type { LedgerFold } from '../protocol/fold.js'
import { compareHlc, type Hlc } from '../protocol/hlc.js'
import { type Batch, orderKey, type PruneBody, recordId } from '../protocol/records.js'
import { ProcessState } from '../protocol/state.js'
import type { Archive } from './archive.js'
import { batchKey, END, pad, SEP, splitBatchKey, statePrefix } from './keys.js'
import type { OriginLog } from './origin-log.js'
import type { Pager } from './pager.js'
import type { Projections } from './projections.js'
import { addHole, type Generation, type PruneSummary, summaryDigest, type SummaryState } from './prune-summary.js'
import { del, type Op, put, type StoredUnit, type Store, writeOps } from './sublevels.js'

/** Generations (applied prunes) whose summary digest a site keeps, for joiners to compare. */
const GENERATIONS_KEPT = 64

/** Units pruned per write (each its own step of the write chain's work). */
const PRUNE_CHUNK = 256

/** What the last applied prune of a colony did, for status. */
export interface PruneReport {
  readonly colony: string
  /** the prune record's id and its frontier (ms) and horizon (ms) */
  readonly record: string
  readonly below: number
  readonly horizon: number
  /** when this site applied it (ms) */
  readonly at: number
  readonly units: number
  readonly processes: number
  readonly batches: number
}

export interface PrunerOptions {
  readonly store: Store
  readonly fold: () => LedgerFold
  readonly log: OriginLog
  readonly pager: Pager
  readonly projections: Projections
  readonly archive?: Archive
  readonly now: () => number
  /** this node, and its clock: its own records up to the clock are held, later ones will be later */
  readonly self: string
  readonly ownClock: () => Hlc
}

export class Pruner {
  private readonly o: PrunerOptions
  /** prune records not applied yet, in ledger order */
  private pending: FoldEntry[] = []
  /** batches whose records are all dead but not all before a frontier yet */
  private readonly deadLater = new Set<string>()
  /**
   * What the prunes applied so far left out: the deleted batches (their keys' hashes XORed,
   * and their sequences), and the last prune applied. With the dead records of the batches
   * kept, ordered before the last frontier, it makes the summary's digest, the same at
   * every site after the same prunes: a joiner checks it against more than one site.
   */
  private summary: SummaryState = { holes: {}, applied: '', below: '' }
  /** the summary after each of the last prunes applied, oldest first */
  private generations: Generation[] = []
  /** per colony, the last prune applied */
  readonly last = new Map<string, PruneReport>()
  /** per colony, per origin: when (this site's time) its latest prune record arrived */
  private readonly seenFrom = new Map<string, Map<string, number>>()
  /** units and processes pruned since the store opened */
  prunedUnits = 0
  prunedProcesses = 0

  constructor (opts: PrunerOptions) {
    this.o = opts
  }

  /**
   * At open: the summary and generations as stored, and the batches all dead but not yet
   * before a frontier (the next prune deletes them here as everywhere else: forgotten, a
   * restarted site would keep them and its summary would disagree with the others').
   * Returns the dead lists of batches not stored yet (a joiner's summary named them).
   */
  async open (): Promise<Map<string, string[]>> {
    const { store } = this.o
    const st = await store.meta.get('prunesummary') as SummaryState | undefined
    if (st !== undefined) this.summary = st
    this.generations = (await store.meta.get('generations') as Generation[] | undefined) ?? []
    this.deadLater.clear()
    const lists = await store.dead.iterator().all()
    const metas = await store.sizes.getMany(lists.map(([k]) => k))
    const ahead = new Map<string, string[]>()
    lists.forEach(([k, keys], i) => {
      const meta = metas[i]
      if (meta !== undefined) {
        if (keys.filter(key => !isPartDeadKey(key)).length >= meta.n) this.deadLater.add(k)
      } else if (!this.deletedBatch(k)) {
        ahead.set(k, keys)
      }
    })
    return ahead
  }

  /** Everything derived was dropped: the summary too (what was deleted stays deleted: a rebuild reads the store). */
  reset (): void {
    this.pending = []
    this.deadLater.clear()
  }

  /** Whether a peer with version vector `theirs` lacks a batch deleted here. */
  deletedBeyond (theirs: ReadonlyMap<string, number>): boolean {
    for (const [origin, ranges] of Object.entries(this.summary.holes)) {
      const last = ranges[ranges.length - 1]
      if (last !== undefined && last[1] > (theirs.get(origin) ?? 0)) return true
    }
    return false
  }

  /** The generations kept (the last prunes applied and their digests), oldest first. */
  generationsKept (): readonly Generation[] {
    return this.generations
  }

  /** Takes the prune records out of `entries` (they are not folded) and returns the rest. */
  take (entries: readonly FoldEntry[]): FoldEntry[] {
    const rest: FoldEntry[] = []
    let added = false
    for (const e of entries) {
      if (e.rec.b.k !== 'prune') {
        rest.push(e)
        continue
      }
      let from = this.seenFrom.get(e.rec.b.colonyname)
      if (from === undefined) this.seenFrom.set(e.rec.b.colonyname, from = new Map())
      from.set(e.rec.o, this.o.now())
      // applied already (a replay, or a joiner's retained batch): prunes apply in order, once
      if (e.key <= this.summary.applied) continue
      if (!this.pending.some(p => p.id === e.id)) {
        this.pending.push(e)
        added = true
      }
    }
    if (added) this.pending.sort((a, b) => a.key < b.key ? -1 : 1)
    return rest
  }

  /** Whether a node other than `self` wrote a prune record for the colony that arrived since `sinceMs`. */
  seen (colony: string, self: string, sinceMs: number): boolean {
    for (const [origin, at] of this.seenFrom.get(colony) ?? []) if (origin !== self && at >= sinceMs) return true
    return false
  }

  /** Prune records waiting to be applied (a checkpoint keeps them). */
  pendingEntries (): FoldEntry[] {
    return [...this.pending]
  }

  get pendingCount (): number {
    return this.pending.length
  }

  /**
   * The stable frontier of a colony as this site sees it: the earliest, over the colony's
   * current sites, of the clock at the contiguous head of its log here (this site's own
   * clock for itself). Every record ordered before it is held, and none can appear
   * (undefined while a site has written nothing this site holds). `others`: over the other
   * sites only (every record of this site's own is held).
   */
  stableFrontier (colony: string, others = false): Hlc | undefined {
    const c = this.o.fold().colony(colony)
    if (c === undefined) return undefined
    let min: Hlc | undefined
    for (const site of c.sites) {
      if (others && site === this.o.self) continue
      const h = site === this.o.self ? this.o.ownClock() : this.o.log.headClock(site)
      if (h.w === 0) return undefined
      if (min === undefined || compareHlc(h, min) < 0) min = h
    }
    return min ?? (others ? { w: Number.MAX_SAFE_INTEGER, l: 0 } : undefined)
  }

  /**
   * Applies, in ledger order, the prune records this site may apply now; the caller holds
   * the write chain, has written every projection and has no sweep pending. Returns how
   * many it applied.
   */
  async applyReady (): Promise<number> {
    let n = 0
    while (this.pending.length > 0) {
      const p = this.pending[0] as FoldEntry
      const b = p.rec.b as PruneBody
      const fold = this.o.fold()
      if (fold.colony(b.colonyname) !== undefined && !fold.wasSiteAt(b.colonyname, p.rec.o, p.key)) {
        // written by a node that was not a site of the colony: nothing to apply
        this.pending.shift()
        await this.markDead([p])
        continue
      }
      if (!b.vv.every(([o, s]) => this.o.log.seqOf(o) >= s)) break
      // no prune record ordered before this one can still come from another site
      const stable = this.stableFrontier(b.colonyname, true)
      if (stable === undefined || orderKey(stable, '') <= p.key) break
      this.pending.shift()
      await this.apply(p, b)
      n++
    }
    return n
  }

  private async apply (p: FoldEntry, b: PruneBody): Promise<void> {
    const { store } = this.o
    const colony = b.colonyname
    const below = orderKey(b.below, '')
    const fw = b.below.w
    const horizon = Math.min(b.horizon, fw - 1)
    // candidates: settled by the horizon (the state index's settled entries are keyed by
    // end time), and removed before the frontier
    const found = new Map<string, string | undefined>() // unit → its removed key, when removed
    if (b.horizon > 0) {
      // ColonyOS's retention purges successful processes and workflows; failed and
      // cancelled ones stay until removed (removals go below)
      for (const state of [ProcessState.SUCCESS]) {
        const prefix = statePrefix(colony, state)
        for await (const [k, pid] of store.bystate.iterator({ gte: prefix, lt: prefix + pad(horizon + 1, 15) })) {
          void k
          const unit = this.o.fold().unitOf(pid) ?? await store.nodeof.get(pid) ?? pid
          if (!found.has(unit)) found.set(unit, undefined)
        }
      }
    }
    for await (const k of store.removed.keys({ gte: colony + SEP, lt: colony + SEP + pad(fw, 15) })) {
      found.set(k.slice(k.lastIndexOf(SEP) + 1), k)
    }
    let units = 0
    let processes = 0
    let batches = 0
    const ids = [...found.keys()]
    for (let i = 0; i < ids.length; i += PRUNE_CHUNK) {
      const r = await this.pruneUnits(ids.slice(i, i + PRUNE_CHUNK).map(id => [id, found.get(id)] as const), colony, horizon, fw, below)
      units += r.units
      processes += r.processes
      batches += r.batches
    }
    // below the frontier, records naming what is not held will never find it
    const orphans = this.o.fold().dropOrphansBefore(below)
    batches += await this.markDead([p, ...orphans], below)
    await this.advance(p, below, fw)
    this.prunedUnits += units
    this.prunedProcesses += processes
    this.last.set(colony, { colony, record: p.id, below: fw, horizon: b.horizon, at: this.o.now(), units, processes, batches })
  }

  /** Prunes the units (those the rule still allows), a chunk at a time. */
  private async pruneUnits (units: ReadonlyArray<readonly [string, string | undefined]>, colony: string, horizon: number, fw: number, below: string): Promise<{ units: number, processes: number, batches: number }> {
    const { store, pager, projections } = this.o
    const fold = this.o.fold()
    const ops: Op[] = []
    const dead: FoldEntry[] = []
    const archived: Array<{ colony: string, unit: string, entries: readonly FoldEntry[] }> = []
    let n = 0
    let procs = 0
    const away = await store.units.getMany(units.filter(([id]) => !fold.holds(id)).map(([id]) => id))
    let j = 0
    for (const [id, removedKey] of units) {
      const here = fold.holds(id)
      const stored: StoredUnit | undefined = here ? undefined : away[j++]
      if (!here && stored === undefined) {
        if (removedKey !== undefined) ops.push(del(store.removed, removedKey))
        continue
      }
      const graph = here ? (fold.unitRecords(id)?.graph ?? false) : (stored as StoredUnit).graph
      if (graph) {
        const g = here ? fold.workflowRaw(id) : await store.graphs.get(id)
        if (g !== undefined && removedKey === undefined) {
          // a node settled by the horizon; the workflow goes once it has ended by then too
          if (g.removed ? g.removedat >= fw : !(g.state === ProcessState.SUCCESS && g.endtime <= horizon)) continue
        }
        // a generator's workflows stay with the packs they consumed (the queue is not pruned)
        if (g?.source.kind === 'generator') continue
        // a cron's run of its latest tick before the frontier stays: a site that has not
        // seen it yet may fire that tick again, and the copy must find the workflow
        if (g?.source.kind === 'cron' && g.source.at > 0 && g.source.at >= (fold.latestCronTick(g.source.cronid, fw) ?? 0)) continue
      }
      const entries = here ? (fold.unitRecords(id)?.entries ?? []) : (stored as StoredUnit).entries
      const pids = here ? fold.processIdsOf(id) : Object.keys((stored as StoredUnit).written)
      const { written, graph: counted } = projections.forget(pids, stored?.written, graph ? id : undefined, stored?.graphCounted)
      for (const [pid, w] of Object.entries(written)) {
        if (w.view) ops.push(del(store.procs, pid))
        if (w.state !== undefined) ops.push(del(store.bystate, w.state))
        if (w.submit !== undefined) ops.push(del(store.bysubmit, w.submit))
        if (w.queue !== undefined) ops.push(del(store.queue, w.queue))
        if (w.removed !== undefined) ops.push(del(store.removed, w.removed))
        if ((w.attrs ?? 0) > 0) {
          const view = fold.processRaw(pid) ?? await store.procs.get(pid)
          for (const a of view?.attributes ?? []) ops.push(del(store.attrs, a.attributeid))
        }
        for await (const k of store.logs.keys({ gt: pid + SEP, lt: pid + END })) ops.push(del(store.logs, k))
      }
      if (removedKey !== undefined) ops.push(del(store.removed, removedKey))
      if (counted !== undefined) ops.push(del(store.graphstate, counted.key))
      const forgotten = await pager.forgetOps(id)
      ops.push(...forgotten.ops)
      fold.forget(id, forgotten.hash)
      dead.push(...entries)
      if (this.o.archive !== undefined) archived.push({ colony, unit: id, entries })
      n++
      procs += pids.length
    }
    if (this.o.archive !== undefined) await this.writeArchive(archived)
    ops.push(...projections.countsOps())
    await writeOps(store.db, ops)
    const batches = await this.markDead(await this.deadBulkParts(dead), below)
    return { units: n, processes: procs, batches }
  }

  /**
   * The records among a pruned chunk's that are dead: a bulk submit's record (its parts,
   * bulk-fold.ts) only once none of its processes' units is left, in memory or stored, so
   * that its batch stays for as long as one of them lives (sync and rebuilds read it).
   */
  private async deadBulkParts (entries: readonly FoldEntry[]): Promise<FoldEntry[]> {
    const out: FoldEntry[] = []
    const bulks = new Map<string, FoldEntry[]>()
    for (const e of entries) {
      if (e.part === undefined) out.push(e)
      else bulks.set(e.id, [...(bulks.get(e.id) ?? []), e])
    }
    const fold = this.o.fold()
    for (const parts of bulks.values()) {
      const e = parts[0] as FoldEntry
      const away = siblingIds(e).filter(pid => !fold.holds(pid))
      const alive = away.length < (e.part?.n ?? 0) || (await this.o.store.units.getMany(away)).some(u => u !== undefined)
      // while it lives for the others, its pruned processes are marked one by one (not read back in a rebuild)
      if (alive) for (const p of parts) out.push({ ...p, key: partDeadKey(p as FoldEntry & { part: NonNullable<FoldEntry['part']> }) })
      else out.push(e)
    }
    return out
  }

  /**
   * Marks records dead in their batches; a batch whose records are all dead and before
   * `below` is deleted (it stays held: sync will not fetch it again). Returns how many.
   */
  private async markDead (entries: readonly FoldEntry[], below?: string): Promise<number> {
    const { store, log } = this.o
    const byBatch = new Map<string, string[]>()
    for (const e of entries) {
      if (e.s === undefined) continue
      const k = batchKey(e.rec.o, e.s)
      let keys = byBatch.get(k)
      if (keys === undefined) byBatch.set(k, keys = [])
      keys.push(e.key)
    }
    if (below !== undefined) for (const k of this.deadLater) if (!byBatch.has(k)) byBatch.set(k, [])
    if (byBatch.size === 0) return 0
    const keys = [...byBatch.keys()]
    const [known, metas] = await Promise.all([store.dead.getMany(keys), store.sizes.getMany(keys)])
    const ops: Op[] = []
    let deleted = 0
    keys.forEach((k, i) => {
      const meta = metas[i]
      if (meta === undefined) return
      const all = withoutCoveredParts([...new Set([...(known[i] ?? []), ...(byBatch.get(k) ?? [])])].sort())
      // a bulk's process marked alone is not one of the batch's records
      if (all.filter(key => !isPartDeadKey(key)).length < meta.n) {
        ops.push(put(store.dead, k, all))
        return
      }
      if (below === undefined || orderKey(meta.t, '\uffff') >= below) {
        ops.push(put(store.dead, k, all))
        this.deadLater.add(k)
        return
      }
      this.deadLater.delete(k)
      const { origin, seq } = splitBatchKey(k)
      addHole(this.summary.holes, origin, seq)
      ops.push(del(store.batches, k), del(store.authors, k), del(store.sizes, k), del(store.dead, k))
      log.deleted(origin, seq)
      deleted++
    })
    ops.push(put(store.meta, 'prunesummary', this.summary))
    await writeOps(store.db, ops)
    return deleted
  }

  /** A prune is applied: the summary says so, and the generation's digest is kept. */
  private async advance (p: FoldEntry, below: string, fw: number): Promise<void> {
    const { store } = this.o
    this.summary.applied = p.key
    this.summary.below = below
    const { kept, stale } = await this.readDead(below)
    const digest = summaryDigest(below, Object.entries(this.summary.holes), kept)
    this.generations = [...this.generations, { id: p.id, key: p.key, below: fw, digest }].slice(-GENERATIONS_KEPT)
    const ops: Op[] = [put(store.meta, 'prunesummary', this.summary), put(store.meta, 'generations', this.generations)]
    // a deleted batch's list found again goes again
    for (const k of stale) ops.push(del(store.dead, k))
    await writeOps(store.db, ops)
  }

  /**
   * The dead records of the batches kept, ordered before `below`, per batch (few: most
   * batches go whole). A list whose batch was deleted is not one of them: it is deleted
   * with its batch, and were a store ever to bring it back (LevelDB 1.20 could, see
   * scripts/build-leveldb.mjs), it must not make this site's digest differ.
   */
  async deadKept (below: string): Promise<Array<[string, string[]]>> {
    return (await this.readDead(below)).kept
  }

  /** One read of the dead lists: those of kept batches before `below`, and the deleted batches' found again. */
  private async readDead (below: string): Promise<{ kept: Array<[string, string[]]>, stale: string[] }> {
    const kept: Array<[string, string[]]> = []
    const stale: string[] = []
    for await (const [k, keys] of this.o.store.dead.iterator()) {
      if (this.deletedBatch(k)) {
        stale.push(k)
        continue
      }
      const before = keys.filter(x => x < below)
      if (before.length > 0) kept.push([k, before])
    }
    return { kept, stale }
  }

  /** Whether the batch `key` names was deleted here (or by the summary this site joined from). */
  private deletedBatch (key: string): boolean {
    const { origin, seq } = splitBatchKey(key)
    return (this.summary.holes[origin] ?? []).some(([a, b]) => seq >= a && seq <= b)
  }

  /** What a joiner needs of the prunes applied: see PruneSummary. */
  async exportSummary (): Promise<Omit<PruneSummary, 'node' | 'sig'> | undefined> {
    const g = this.generations[this.generations.length - 1]
    if (g === undefined) return undefined
    return {
      v: 1,
      generation: g,
      below: this.summary.below,
      holes: Object.entries(this.summary.holes),
      dead: await this.deadKept(this.summary.below),
      heads: this.o.log.originIds().map(o => [o, this.o.log.headClock(o)] as const)
    }
  }

  /**
   * A joining site takes a summary (checked by the caller): the deleted batches count as
   * held, the dead records of the kept ones are not folded when they arrive, and the prunes
   * up to its generation count as applied.
   */
  async adoptSummary (sum: Omit<PruneSummary, 'node' | 'sig'>): Promise<void> {
    const { store, log } = this.o
    const holes: Record<string, Array<[number, number]>> = {}
    for (const [origin, ranges] of sum.holes) {
      holes[origin] = ranges.map(([a, b]) => [a, b])
      for (const [from, to] of ranges) log.holdRange(origin, from, to)
    }
    for (const [origin, h] of sum.heads) log.raiseHead(origin, h)
    this.summary = { holes, applied: sum.generation.key, below: sum.below }
    this.generations = [sum.generation]
    const ops: Op[] = sum.dead.map(([k, keys]) => put(store.dead, k, [...keys]))
    ops.push(put(store.meta, 'prunesummary', this.summary), put(store.meta, 'generations', this.generations))
    await writeOps(store.db, ops)
  }

  /** The records of the pruned units, as stored (envelopes whole), to the archive. */
  private async writeArchive (units: ReadonlyArray<{ colony: string, unit: string, entries: readonly FoldEntry[] }>): Promise<void> {
    const { store } = this.o
    const keys = [...new Set(units.flatMap(u => u.entries.flatMap(e => e.s === undefined ? [] : [batchKey(e.rec.o, e.s)])))]
    const found = await store.batches.getMany(keys)
    const batches = new Map<string, Batch>()
    keys.forEach((k, i) => { const b = found[i]; if (b !== undefined) batches.set(k, b) })
    const lines = []
    for (const u of units) {
      for (const e of u.entries) {
        if (e.s === undefined) continue
        const b = batches.get(batchKey(e.rec.o, e.s))
        const record = b?.records.find(r => r.t.w === e.rec.t.w && r.t.l === e.rec.t.l && r.o === e.rec.o && recordId(r) === e.id)
        if (record === undefined) continue
        lines.push({ colony: u.colony, unit: u.unit, id: e.id, seq: e.s, record, author: e.author })
      }
    }
    await this.o.archive?.write(lines)
  }
}
