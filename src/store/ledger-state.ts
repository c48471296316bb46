/**
 * The ledger's state beside its write path (DESIGN decisions 10, 11 and 12): the fold of
 * what is live, the pager, projections, pruner and reads around it; opening a store
 * (checkpoint and replay, or a rebuild), checkpoints, sweeps, prunes and joining from a
 * summary. `Ledger` (ledger.ts) adds the write path: local appends, ingests, commits.
 */
import { EventEmitter } from 'node:events'
import { canonicalJson } from '../protocol/canonical.js'
import { idFromPrivateKey, sign } from '../protocol/crypto.js'
import type { FoldEntry } from '../protocol/entry.js'
import { ValidationError } from '../protocol/errors.js'
import { LedgerFold, route } from '../protocol/fold.js'
import { generatorRef } from '../protocol/gen-fold.js'
import { type Hlc, HybridClock } from '../protocol/hlc.js'
import { isFromFuture } from '../protocol/records.js'
import type { Refusal } from '../protocol/refusal.js'
import { Archive } from './archive.js'
import { batchKey, splitBatchKey } from './keys.js'
import type { LedgerEvents, LedgerOptions } from './ledger-types.js'
import { OriginLog } from './origin-log.js'
import { Pager } from './pager.js'
import { PROJECTION_VERSION, Projections } from './projections.js'
import { checkSummary, type Generation, type PruneSummary } from './prune-summary.js'
import { type PruneReport, Pruner } from './pruner.js'
import { LedgerReads } from './reads.js'
import { recordsInOrder } from './replay.js'
import { type BatchMeta, type Checkpoint, type Op, openStore, put, type RecordRef, type Store, writeOps } from './sublevels.js'
import type { Batch, LedgerRecord } from '../protocol/records.js'
import { WriteChain } from './write-chain.js'

/** How often the units in memory are saved, so that a restart after a crash replays little. */
export const CHECKPOINT_MS = 10_000

/** How often prune records waiting for their turn are looked at again. */
const PRUNE_CHECK_MS = 200


/** meta keys of node-local values: LOCAL_PREFIX + name */
export const LOCAL_PREFIX = 'local/'
export const LOCAL_END = 'local0'

/** What the origin log keeps of a batch. */
export function batchMeta (b: Batch): BatchMeta {
  return { n: b.records.length, t: (b.records[b.records.length - 1] as LedgerRecord).t }
}

export abstract class LedgerState extends EventEmitter<LedgerEvents> {
  readonly nodeId: string

  readonly clock: HybridClock

  protected foldNow = new LedgerFold()

  protected readonly store: Store

  protected readonly log = new OriginLog()

  protected readonly pager: Pager

  protected readonly projections: Projections

  /** every read of processes and workflows, live or settled */
  readonly reads: LedgerReads

  protected readonly pruner: Pruner

  protected pruneTimer: NodeJS.Timeout | undefined

  /** units changed since the last checkpoint */
  protected readonly dirtyUnits = new Set<string>()

  /** per batch not held yet, the records a joiner's summary says are dead (not to be folded) */
  protected readonly deadAhead = new Map<string, Set<string>>()

  protected checkpointTimer: NodeJS.Timeout | undefined

  protected sweeping: Promise<void> | undefined

  protected readonly chain = new WriteChain()

  protected readonly nodeKey: string

  protected readonly now: () => number

  protected readonly maxSkewMs: number

  protected held: FoldEntry[] = []

  protected heldTimer: NodeJS.Timeout | undefined

  protected ownSeq = 0

  /** ingests called and not yet written */
  protected ingestsQueued = 0

  protected failed: Error | undefined

  protected closed = false

  /** node-local values (`putLocal`) as stored when the ledger opened */
  protected readonly localValues = new Map<string, unknown>()


  protected constructor (opts: LedgerOptions) {
    super()
    this.nodeKey = opts.nodeKey
    this.nodeId = idFromPrivateKey(opts.nodeKey)
    this.now = opts.now ?? Date.now
    this.maxSkewMs = opts.maxSkewMs ?? 60_000
    this.clock = new HybridClock({ now: this.now, maxSkewMs: this.maxSkewMs })
    this.store = openStore(opts.dir)
    this.pager = new Pager({
      store: this.store,
      fold: () => this.foldNow,
      adopt: (id, u) => this.projections.adopt(id, u.written, u.graphCounted),
      again: id => this.projections.noteUnit(id)
    })
    this.projections = new Projections({
      store: this.store,
      fold: () => this.foldNow,
      chain: this.chain,
      pager: this.pager,
      streaming: () => this.ingestsQueued > 0,
      fail: err => this.fail(err)
    })
    this.reads = new LedgerReads(this.store, () => this.foldNow, this.projections)
    this.pruner = new Pruner({
      store: this.store,
      fold: () => this.foldNow,
      log: this.log,
      pager: this.pager,
      projections: this.projections,
      ...(opts.archiveDir === undefined ? {} : { archive: new Archive(opts.archiveDir, opts.nodeKey, this.now) }),
      now: this.now,
      self: this.nodeId,
      ownClock: () => this.clock.peek()
    })
  }


  /** The fold of what is live (and of settled units not yet sent out of memory). */
  get fold (): LedgerFold {
    return this.foldNow
  }


  /**
   * Opens the store's state without folding history: the colony level (colonylog), the
   * units that were live at the last checkpoint, then the records stored after it (none
   * after a clean close). A store of an older layout, or without a checkpoint, is rebuilt
   * from its batches. The caller holds the write chain.
   */
  protected async load (): Promise<void> {
    const { meta, sizes, colonylog, liveunits } = this.store
    for await (const [k, v] of meta.iterator({ gte: LOCAL_PREFIX, lt: LOCAL_END })) this.localValues.set(k.slice(LOCAL_PREFIX.length), v)
    const version = await meta.get('projection-version')
    const cp = await meta.get('checkpoint') as Checkpoint | undefined
    // dead records a joiner's summary named, in batches it does not hold yet
    for (const [k, keys] of await this.pruner.open()) this.deadAhead.set(k, new Set(keys))
    if (version !== PROJECTION_VERSION || cp === undefined) {
      await this.rebuildAll()
      return
    }
    const clean = await meta.get('clean') === true
    for await (const [k, m] of sizes.iterator()) this.noteBatch(k, m)
    this.holdCheckpointed(cp)
    this.clock.observe(cp.clock)
    this.foldNow.adoptOutside(await this.pager.open(), cp.records)
    await this.projections.open()
    this.foldNow.add(await colonylog.values().all(), true)
    for await (const [id, u] of liveunits.iterator()) this.pager.restore(id, u)
    await this.feed([...cp.orphans, ...cp.held, ...(cp.prunes ?? [])])
    this.pager.resume(cp.sweeps ?? [])
    for await (const chunk of recordsInOrder(this.store, this.log.originIds(), new Map(cp.vv))) {
      for (const e of chunk) this.clock.observe(e.rec.t)
      await this.feed(chunk)
    }
    const change = this.foldNow.drainChanges()
    this.dirtyUnits.clear()
    for (const u of change.units) this.dirtyUnits.add(u)
    // after a crash, projections may be ahead of the checkpoint: read back what they hold
    if (!clean) for (const p of this.foldNow.processesRaw()) await this.projections.readBack(p)
    this.projections.note(change.processes, change.colonyLevel, change.units)
    await this.projections.writeAll()
    if (this.pager.sweepsPending > 0) this.sweep()
  }


  /** Batches a prune deleted are held all the same: up to the checkpoint's vector, every one is. */
  protected holdCheckpointed (cp: Checkpoint): void {
    const heads = new Map(cp.heads ?? [])
    for (const [o, seq] of cp.vv) this.log.holdUpTo(o, seq, heads.get(o) ?? { w: 0, l: 0 })
  }


  /** Notes a stored batch by its key and record count. */
  protected noteBatch (key: string, m: BatchMeta): void {
    const { origin, seq } = splitBatchKey(key)
    this.log.note(origin, seq, m.n, m.t)
    if (origin === this.nodeId && seq > this.ownSeq) this.ownSeq = seq
  }


  /**
   * Everything derived, anew from the batches, in ledger order across origins: units
   * settle and leave memory as the replay goes, so memory holds what was live at each
   * point of history, never the whole of it.
   */
  protected async rebuildAll (): Promise<{ processes: number }> {
    const s = this.store
    const old = await s.meta.get('checkpoint') as Checkpoint | undefined
    for (const sub of [s.procs, s.queue, s.bystate, s.logs, s.colony, s.units, s.liveunits, s.nodeof, s.unitlast, s.colonylog, s.graphs, s.graphstate, s.attrs, s.bysubmit, s.removed, s.sizes]) await sub.clear()
    for (const k of ['outside', 'counts', 'checkpoint']) await s.meta.del(k)
    this.foldNow = new LedgerFold()
    this.pager.reset()
    this.projections.reset()
    this.held = []
    // a data dir of an earlier version kept authors per record
    const refs = new Map<string, RecordRef>()
    for await (const [id, ref] of s.records.iterator()) refs.set(id, ref)
    let ops: Op[] = []
    for await (const [key, b] of s.batches.iterator()) {
      const meta = batchMeta(b)
      this.noteBatch(key, meta)
      ops.push(put(s.sizes, key, meta))
      for (const rec of b.records) this.clock.observe(rec.t)
      if (ops.length >= 5000) await writeOps(s.db, ops.splice(0))
    }
    await writeOps(s.db, ops)
    if (old !== undefined) this.holdCheckpointed(old)
    for await (const chunk of recordsInOrder(s, this.log.originIds(), new Map(), 2000, refs)) {
      await writeOps(s.db, this.colonyLogOps(chunk))
      await this.feed(chunk)
      const change = this.foldNow.drainChanges()
      this.projections.note(change.processes, change.colonyLevel, change.units)
      for (const u of change.units) this.dirtyUnits.add(u)
      if (this.projections.pendingCount() >= 2000 || this.pager.sweepsPending > 0 || this.pruner.pendingCount > 0) {
        await this.sweepAndWrite()
        await this.pruner.applyReady()
      }
    }
    await this.sweepAndWrite()
    await this.pruner.applyReady()
    await this.checkpoint()
    ops = [put(s.meta, 'projection-version', PROJECTION_VERSION)]
    await writeOps(s.db, ops)
    let processes = 0
    for (const c of this.foldNow.colonies()) processes += this.projections.countsOf(c.name).processes.reduce((a, b) => a + b, 0)
    return { processes }
  }


  /**
   * Saves the units in memory that changed since the last checkpoint, with the point up to
   * which every stored batch is folded (in the write chain: nothing is written meanwhile).
   */
  protected async checkpoint (): Promise<void> {
    const fold = this.foldNow
    const ops: Op[] = []
    for (const id of this.dirtyUnits) {
      const r = fold.unitRecords(id)
      // A settled unit still in memory is saved too: its projections may wait (25 ms, or
      // up to 10 s while a pull streams in) before it leaves for the store, and a crash
      // meanwhile would find it neither live here nor sent out, its records behind `vv`.
      if (r === undefined) continue
      ops.push(...this.pager.liveOps(id, r.entries, r.colony, r.graph, this.projections.writtenOf(fold.processIdsOf(id)), this.projections.countedGraph(id)))
    }
    this.dirtyUnits.clear()
    const cp: Checkpoint = {
      vv: [...this.log.versionVector()],
      records: fold.size,
      clock: this.clock.peek(),
      orphans: fold.orphanEntries(),
      held: this.held,
      sweeps: this.pager.pendingSweeps(),
      heads: [...this.log.versionVector().keys()].map(o => [o, this.log.headClock(o)] as const),
      prunes: this.pruner.pendingEntries()
    }
    ops.push(put(this.store.meta, 'checkpoint', cp))
    await writeOps(this.store.db, ops)
  }


  /** The colony-level, pack, generator-firing, file, snapshot and blueprint records among `entries`: read back at open. */
  protected colonyLogOps (entries: readonly FoldEntry[]): Op[] {
    const ops: Op[] = []
    for (const e of entries) {
      const kind = route(e).kind
      if (kind === 'colony' || kind === 'file' || kind === 'blueprint' || generatorRef(e) !== undefined) ops.push(put(this.store.colonylog, e.key, e))
    }
    return ops
  }


  /** How many records the stored batches hold. */
  get records (): number {
    return this.log.records
  }


  /** What memory and the store hold: units in memory, units sent out and brought back. */
  memoryStats (): { units: number, processes: number, pagedIn: number, evicted: number, sweeps: number } {
    return { ...this.foldNow.resident(), pagedIn: this.pager.pagedIn, evicted: this.pager.evicted, sweeps: this.pager.sweepsPending }
  }


  /**
   * Gives entries to the fold, holding back those from the far future; the units they
   * name come back into memory first.
   */
  protected async feed (all: readonly FoldEntry[]): Promise<void> {
    const entries = this.pruner.take(all)
    const now = this.now()
    const ready: FoldEntry[] = []
    for (const e of entries) {
      if (isFromFuture(e.rec, now, this.maxSkewMs)) this.held.push(e)
      else ready.push(e)
    }
    await this.pager.prepare(ready)
    this.foldNow.add(ready)
    this.scheduleRelease()
  }


  protected scheduleRelease (): void {
    if (this.heldTimer !== undefined || this.held.length === 0 || this.closed) return
    const due = Math.min(...this.held.map(e => e.rec.t.w)) - this.maxSkewMs
    this.heldTimer = setTimeout(() => {
      this.heldTimer = undefined
      this.releaseDue().catch(err => this.fail(err))
    }, Math.max(0, due - this.now()) + 1)
    this.heldTimer.unref()
  }


  /** Hands held-back records whose time has come to the fold; returns how many. */
  async releaseDue (): Promise<number> {
    return await this.chain.run(async () => await this.releaseHeld())
  }


  protected async releaseHeld (): Promise<number> {
    const now = this.now()
    const ready = this.held.filter(e => !isFromFuture(e.rec, now, this.maxSkewMs))
    this.held = this.held.filter(e => isFromFuture(e.rec, now, this.maxSkewMs))
    if (ready.length > 0) {
      await this.pager.prepare(ready)
      this.foldNow.add(ready)
      this.announce()
    }
    this.scheduleRelease()
    return ready.length
  }


  /** Records currently held back, for inspection. */
  heldCount (): number {
    return this.held.length
  }


  /** What this site tells a joiner of the prunes it applied, signed (undefined: none applied). */
  async pruneSummary (): Promise<PruneSummary | undefined> {
    const sum = await this.chain.run(async () => await this.pruner.exportSummary())
    if (sum === undefined) return undefined
    return { ...sum, node: this.nodeId, sig: sign(canonicalJson({ ...sum, node: this.nodeId }), this.nodeKey) }
  }


  /** The last prunes applied here and their digests (a joiner compares its summary's). */
  generations (): readonly Generation[] {
    return this.pruner.generationsKept()
  }


  /**
   * The clock of the last record of `origin` that a site holding its log up to `seq` holds
   * (as far as this store knows: the last batch kept at or before `seq`; zero if none).
   */
  async heldClock (origin: string, seq: number): Promise<Hlc> {
    if (seq <= 0) return { w: 0, l: 0 }
    const known = this.log.clockAt(origin, seq)
    if (known !== undefined) return known
    const [meta] = await this.store.sizes.values({ gte: batchKey(origin, 1), lte: batchKey(origin, seq), reverse: true, limit: 1 }).all()
    return meta?.t ?? { w: 0, l: 0 }
  }


  /** Whether a peer with version vector `theirs` lacks batches that prunes deleted here. */
  prunedBeyond (theirs: ReadonlyMap<string, number>): boolean {
    return this.pruner.deletedBeyond(theirs)
  }


  /** Whether this store holds no other node's batch yet (a site joining: its own first records aside). */
  get fresh (): boolean {
    return this.log.originIds().every(o => o === this.nodeId)
  }


  /**
   * A fresh site takes a summary from the site it joins through: the batches it deleted
   * count as held, the dead records of those it kept will not be folded, the prunes up to
   * its generation count as applied. The summary must verify (checkSummary).
   */
  async adoptSummary (sum: PruneSummary): Promise<void> {
    const problem = checkSummary(sum)
    if (problem !== undefined) throw new ValidationError('summary', problem)
    await this.chain.run(async () => {
      if (!this.fresh) throw new ValidationError('summary', 'only a site that holds nothing yet joins from a summary')
      await this.pruner.adoptSummary(sum)
      for (const [k, keys] of sum.dead) this.deadAhead.set(k, new Set(keys))
    })
  }


  /** Tells listeners what the fold just changed, and queues those projections for writing. */
  protected announce (): void {
    const change = this.foldNow.drainChanges()
    for (const u of change.units) this.dirtyUnits.add(u)
    this.emit('change', change)
    this.projections.note(change.processes, change.colonyLevel, change.units)
    if (this.pager.sweepsPending > 0) this.sweep()
    this.schedulePrune()
  }


  /**
   * Applies the prune records this site may apply, shortly (they wait for the projections
   * to be written and every sweep to end, and in turn for the stable frontier to pass them).
   */
  protected schedulePrune (): void {
    if (this.pruneTimer !== undefined || this.closed || this.pruner.pendingCount === 0) return
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = undefined
      this.chain.run(async () => {
        if (this.pager.sweepsPending > 0 || this.sweeping !== undefined) return
        await this.projections.writeAll()
        await this.pruner.applyReady()
      }).then(() => this.schedulePrune(), err => this.fail(err))
    }, PRUNE_CHECK_MS)
    this.pruneTimer.unref()
  }

  /** Whether a node other than `self` wrote a prune record for the colony that arrived since `sinceMs` (this site's time). */
  pruneSeen (colony: string, self: string, sinceMs: number): boolean {
    return this.pruner.seen(colony, self, sinceMs)
  }


  /** The stable frontier of a colony here (see Pruner.stableFrontier). */
  stableFrontier (colony: string): Hlc | undefined {
    return this.pruner.stableFrontier(colony)
  }


  /** What pruning did: per colony the last prune applied, and totals since the store opened. */
  pruneStats (): { last: PruneReport[], units: number, processes: number, pending: number } {
    return { last: [...this.pruner.last.values()], units: this.pruner.prunedUnits, processes: this.pruner.prunedProcesses, pending: this.pruner.pendingCount }
  }


  /**
   * Folds colony-level records into the settled units they reach, a few hundred at a time
   * (each step in the write chain, its units sent out of memory again before the next).
   */
  protected sweep (): void {
    if (this.sweeping !== undefined || this.closed) return
    this.sweeping = (async () => {
      let more = true
      while (more && !this.closed) {
        more = await this.chain.run(async () => {
          const step = await this.pager.sweepStep()
          if (step.brought > 0) {
            this.announce()
            await this.projections.writeAll()
          }
          return step.more
        })
      }
    })().catch(err => this.fail(err)).finally(() => { this.sweeping = undefined })
  }


  /** Runs every sweep to its end and writes every projection (the caller holds the write chain). */
  protected async sweepAndWrite (): Promise<void> {
    while (this.pager.sweepsPending > 0) {
      await this.pager.sweepStep()
      const change = this.foldNow.drainChanges()
      for (const u of change.units) this.dirtyUnits.add(u)
      this.projections.note(change.processes, change.colonyLevel, change.units)
      await this.projections.writeAll()
    }
    await this.projections.writeAll()
  }


  /**
   * Whether `e` would be applied if appended now (the reason it would be refused), with
   * the settled process or workflow it names brought back into memory first.
   */
  async preview (e: FoldEntry): Promise<Refusal | undefined> {
    if (e.invalid === undefined) await this.chain.run(async () => { await this.pager.prepare([e]) })
    return this.foldNow.preview(e)
  }


  /** Resolves once every sweep has ended and every projection is written. */
  async settled (): Promise<void> {
    for (;;) {
      if (this.sweeping === undefined && this.pager.sweepsPending > 0) this.sweep()
      await this.sweeping
      await this.projections.flush()
      if (this.sweeping === undefined && this.pager.sweepsPending === 0) return
    }
  }


  protected fail (err: unknown): void {
    this.failed ??= err instanceof Error ? err : new Error(String(err))
    this.emit('error', this.failed)
  }
}
