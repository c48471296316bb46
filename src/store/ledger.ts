/**
 * The level-backed ledger of one node (DESIGN decisions 4 and 10).
 *
 * Truth: signed batches per origin (`batches`), each with the verified authors of its
 * envelopes (`authors`, one entry per batch, so that a restart recovers no signature).
 * Everything else is a projection of the fold (projections.ts), written after the records
 * that caused them and rebuildable from the batches alone; which batches are held, per
 * origin, is the origin log (origin-log.ts).
 *
 * Local appends are group-committed: every append requested while a write is in flight
 * goes into the next batch, one signature and one disk write for all of them.
 */
import { EventEmitter } from 'node:events'
import { availableParallelism } from 'node:os'
import { idFromPrivateKey, sign } from '../protocol/crypto.js'
import { type FoldEntry, makeEntry } from '../protocol/entry.js'
import { LedgerFold, route } from '../protocol/fold.js'
import { generatorRef } from '../protocol/gen-fold.js'
import { compareHlc, type Hlc, HybridClock } from '../protocol/hlc.js'
import {
  type Batch, isFromFuture, type LedgerRecord, type RecordBody, recordId, signBatch, verifyBatch
} from '../protocol/records.js'
import type { LogEntry } from '../protocol/state.js'
import { entryFromRecord } from '../protocol/verify.js'
import type { Message } from '../protocol/messages.js'
import type { Refusal } from '../protocol/refusal.js'
import { EnvelopeSigners } from './envelope-signers.js'
import { batchKey, END, SEP } from './keys.js'
import { OriginLog } from './origin-log.js'
import { Pager } from './pager.js'
import { checkSummary, type Generation, type PruneReport, Pruner, type PruneSummary } from './pruner.js'
import { canonicalJson } from '../protocol/canonical.js'
import { ValidationError } from '../protocol/errors.js'
import { Archive } from './archive.js'
import { PROJECTION_VERSION, Projections } from './projections.js'
import { LedgerReads } from './reads.js'
import { recordsInOrder } from './replay.js'
export type { WorkflowView } from './reads.js'
import {
  type BatchMeta, type Checkpoint, del, type Op, openStore, put, type RecordRef, type Store, type StoredProcess, writeOps
} from './sublevels.js'
import { WriteChain } from './write-chain.js'

export { PROJECTION_DELAY_MS, PROJECTION_MAX_DELAY_MS, PROJECTION_MAX_PENDING, PROJECTION_VERSION } from './projections.js'


export interface LedgerOptions {
  readonly dir: string
  /** the node's secp256k1 private key: its identity as an origin of records */
  readonly nodeKey: string
  readonly now?: () => number
  /** records further ahead than this are held back until their time (default 60 s) */
  readonly maxSkewMs?: number
  /** worker threads for signature recovery of large ingests (default: cores − 1; 0 = none) */
  readonly verifyThreads?: number
  /** where pruned records are written out before they are deleted (none: they are not kept) */
  readonly archiveDir?: string
}

/**
 * A record for the local log; `author` is the verified signer of an envelope body and
 * `msg` its already-parsed message (so the envelope is not decoded twice).
 */
export interface LocalRecord {
  readonly body: RecordBody
  readonly author?: string
  readonly msg?: Message
}

export interface AppendResult {
  readonly ids: string[]
  /** the records' clocks, in the same order */
  readonly clocks: Hlc[]
  readonly seq: number
  /** why the fold refused each record, read as it was folded (undefined: applied) */
  readonly refusals: Array<Refusal | undefined>
}

/** Emitted as 'change' after each durable write: which processes changed, and whether colony-level state did. */
export interface LedgerChange {
  readonly processes: readonly string[]
  readonly colonyLevel: boolean
  /** fold units changed (a standalone process's id, or its workflow's) */
  readonly units: readonly string[]
}

/** How often the units in memory are saved, so that a restart after a crash replays little. */
export const CHECKPOINT_MS = 10_000

/** How often prune records waiting for their turn are looked at again. */
const PRUNE_CHECK_MS = 200



/** What a Ledger emits, and with what. */
export interface LedgerEvents {
  /** after each durable write that the fold took in */
  change: [LedgerChange]
  /** a batch this node wrote is durable: other sites may hear of it */
  batch: [Batch]
  /** a write failed; the ledger refuses further writes */
  error: [Error]
}

export interface IngestResult {
  /** batches stored now (not seen before) */
  readonly stored: number
  /** records handed to the fold now */
  readonly applied: number
  /** records held back because their clock is too far ahead */
  readonly held: number
}

/** meta keys of node-local values: LOCAL_PREFIX + name */
const LOCAL_PREFIX = 'local/'
const LOCAL_END = 'local0'

/**
 * Records per locally written batch, by their approximate size: a batch must fit one
 * gossip message and one sync frame (4 MiB); a single record may be up to the API's body
 * limit (3 MiB), so batches are cut at 1 MiB before it is added.
 */
export const BATCH_TARGET_BYTES = 1024 * 1024

/** A record body's approximate serialized size (what dominates: payloads, inputs, args). */
function recordBytes (b: RecordBody): number {
  switch (b.k) {
    case 'env': return 200 + b.env.payload.length + b.env.signature.length + (b.in === undefined ? 0 : JSON.stringify(b.in).length)
    case 'fire': return 300 + JSON.stringify(b.in).length
    case 'genfire': return 300 + b.packs.length * 70 + b.args.reduce((n, a) => n + a.length + 4, 0)
    default: return 300
  }
}

/** What the origin log keeps of a batch. */
function batchMeta (b: Batch): BatchMeta {
  return { n: b.records.length, t: (b.records[b.records.length - 1] as LedgerRecord).t }
}

interface PendingAppend {
  readonly records: readonly LocalRecord[]
  readonly resolve: (r: AppendResult) => void
  readonly reject: (err: unknown) => void
}

export class Ledger extends EventEmitter<LedgerEvents> {
  readonly nodeId: string
  readonly clock: HybridClock
  private foldNow = new LedgerFold()
  private readonly store: Store
  private readonly log = new OriginLog()
  private readonly pager: Pager
  private readonly projections: Projections
  /** every read of processes and workflows, live or settled */
  readonly reads: LedgerReads
  private readonly pruner: Pruner
  private pruneTimer: NodeJS.Timeout | undefined
  /** units changed since the last checkpoint */
  private readonly dirtyUnits = new Set<string>()
  /** per batch not held yet, the records a joiner's summary says are dead (not to be folded) */
  private readonly deadAhead = new Map<string, Set<string>>()
  private checkpointTimer: NodeJS.Timeout | undefined
  private sweeping: Promise<void> | undefined
  private readonly chain = new WriteChain()
  private readonly nodeKey: string
  private readonly now: () => number
  private readonly maxSkewMs: number
  private held: FoldEntry[] = []
  private heldTimer: NodeJS.Timeout | undefined
  private ownSeq = 0
  private readonly signers: EnvelopeSigners
  private pending: PendingAppend[] = []
  /** ingests called and not yet written */
  private ingestsQueued = 0
  private flushing = false
  private flushScheduled = false
  private dirtyMarked = false
  private failed: Error | undefined
  private closed = false
  /** node-local values (`putLocal`) as stored when the ledger opened */
  private readonly localValues = new Map<string, unknown>()

  private constructor (opts: LedgerOptions) {
    super()
    this.nodeKey = opts.nodeKey
    this.nodeId = idFromPrivateKey(opts.nodeKey)
    this.now = opts.now ?? Date.now
    this.maxSkewMs = opts.maxSkewMs ?? 60_000
    this.signers = new EnvelopeSigners(opts.verifyThreads ?? Math.max(0, availableParallelism() - 1))
    this.clock = new HybridClock({ now: this.now, maxSkewMs: this.maxSkewMs })
    this.store = openStore(opts.dir)
    this.pager = new Pager({
      store: this.store,
      fold: () => this.foldNow,
      adopt: (id, u) => this.projections.adopt(id, u.written, u.graphCounted)
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

  static async open (opts: LedgerOptions): Promise<Ledger> {
    const l = new Ledger(opts)
    await l.store.db.open()
    await l.load()
    l.checkpointTimer = setInterval(() => {
      if (l.dirtyUnits.size > 0) l.chain.run(async () => { await l.checkpoint() }).catch(err => l.fail(err))
    }, CHECKPOINT_MS)
    l.checkpointTimer.unref()
    return l
  }

  /**
   * Opens the store's state without folding history: the colony level (colonylog), the
   * units that were live at the last checkpoint, then the records stored after it (none
   * after a clean close). A store of an older layout, or without a checkpoint, is rebuilt
   * from its batches.
   */
  private async load (): Promise<void> {
    const { meta, sizes, colonylog, liveunits } = this.store
    for await (const [k, v] of meta.iterator({ gte: LOCAL_PREFIX, lt: LOCAL_END })) this.localValues.set(k.slice(LOCAL_PREFIX.length), v)
    const version = await meta.get('projection-version')
    const cp = await meta.get('checkpoint') as Checkpoint | undefined
    await this.pruner.open()
    // dead records a joiner's summary named, in batches it does not hold yet
    for await (const [k, keys] of this.store.dead.iterator()) {
      const at = k.lastIndexOf(SEP)
      if (!this.log.has(k.slice(0, at), Number(k.slice(at + 1)))) this.deadAhead.set(k, new Set(keys))
    }
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
    this.foldNow.add(await colonylog.values().all())
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
    await this.projections.flush()
    if (this.pager.sweepsPending > 0) this.sweep()
  }

  /** Batches a prune deleted are held all the same: up to the checkpoint's vector, every one is. */
  private holdCheckpointed (cp: Checkpoint): void {
    const heads = new Map(cp.heads ?? [])
    for (const [o, seq] of cp.vv) this.log.holdUpTo(o, seq, heads.get(o) ?? { w: 0, l: 0 })
  }

  /** Notes a stored batch by its key and record count. */
  private noteBatch (key: string, m: BatchMeta): void {
    const i = key.lastIndexOf(SEP)
    const origin = key.slice(0, i)
    const seq = Number(key.slice(i + 1))
    this.log.note(origin, seq, m.n, m.t)
    if (origin === this.nodeId && seq > this.ownSeq) this.ownSeq = seq
  }

  /**
   * Everything derived, anew from the batches, in ledger order across origins: units
   * settle and leave memory as the replay goes, so memory holds what was live at each
   * point of history, never the whole of it.
   */
  private async rebuildAll (): Promise<{ processes: number }> {
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
  private async checkpoint (): Promise<void> {
    const fold = this.foldNow
    const ops: Op[] = []
    for (const id of this.dirtyUnits) {
      const r = fold.unitRecords(id)
      if (r === undefined || fold.evictable(id)) continue
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

  /** The colony-level, pack and generator-firing records among `entries`: read back at open. */
  private colonyLogOps (entries: readonly FoldEntry[]): Op[] {
    const ops: Op[] = []
    for (const e of entries) {
      if (route(e).kind === 'colony' || generatorRef(e) !== undefined) ops.push(put(this.store.colonylog, e.key, e))
    }
    return ops
  }

  // ---- the per-origin logs ----------------------------------------------------------------

  hasBatch (origin: string, seq: number): boolean {
    return this.log.has(origin, seq)
  }

  /** The highest contiguous sequence stored from `origin` (0: none). */
  seqOf (origin: string): number {
    return this.log.seqOf(origin)
  }

  /** How many records the stored batches hold. */
  get records (): number {
    return this.log.records
  }

  /** What memory and the store hold: units in memory, units sent out and brought back. */
  memoryStats (): { units: number, processes: number, pagedIn: number, evicted: number, sweeps: number } {
    return { ...this.foldNow.resident(), pagedIn: this.pager.pagedIn, evicted: this.pager.evicted, sweeps: this.pager.sweepsPending }
  }

  /** How many records `origin`'s batches after `afterSeq`, up to `toSeq`, hold here (those not stored count 0). */
  recordsBetween (origin: string, afterSeq: number, toSeq: number): number {
    return this.log.recordsBetween(origin, afterSeq, toSeq)
  }

  /** origin → highest contiguous sequence stored */
  versionVector (): Map<string, number> {
    return this.log.versionVector()
  }

  /** What a peer with version vector `theirs` lacks of ours, as stored batches' JSON text (see OriginLog). */
  missingFor (theirs: ReadonlyMap<string, number>): AsyncGenerator<string> {
    return this.log.missingFor(this.store.batches, theirs)
  }

  /** Stored batches of one origin from `fromSeq` on, in order, at most `limit`. */
  async getBatches (origin: string, fromSeq: number, limit = 1000): Promise<Batch[]> {
    return await this.store.batches.values({ gte: batchKey(origin, fromSeq), lt: origin + END, limit }).all()
  }

  // ---- writing -------------------------------------------------------------------------

  /** Appends records originated here as one signed batch (group-committed with concurrent calls). */
  appendLocal (records: readonly LocalRecord[]): Promise<AppendResult> {
    if (this.failed !== undefined) return Promise.reject(this.failed)
    if (this.closed) return Promise.reject(new Error('the ledger is closed'))
    return new Promise((resolve, reject) => {
      this.pending.push({ records, resolve, reject })
      if (!this.flushScheduled) {
        this.flushScheduled = true
        // Wait two turns of the event loop: requests parsed in the same turn share a batch,
        // and so do the records their completions set off (a claim for an executor woken
        // by a stored batch, an acknowledgement timer). One turn gathered ~2.15 records per
        // batch in the 3-site claims bench, two ~2.6, at ~7 % less CPU per process.
        setImmediate(() => setImmediate(() => { void this.chain.run(async () => await this.flush()) }))
      }
    })
  }

  private async flush (): Promise<void> {
    this.flushScheduled = false
    const group = this.pending
    this.pending = []
    if (group.length === 0) return
    this.flushing = true
    try {
      // One batch per ~BATCH_TARGET_BYTES of records (a call's records stay together), so
      // that every batch fits one gossip message and one sync frame.
      const parts: Array<{ calls: typeof group, bytes: number }> = [{ calls: [], bytes: 0 }]
      for (const p of group) {
        const bytes = p.records.reduce((n, r) => n + recordBytes(r.body), 0)
        let last = parts[parts.length - 1] as { calls: typeof group, bytes: number }
        if (last.calls.length > 0 && last.bytes + bytes > BATCH_TARGET_BYTES) parts.push(last = { calls: [], bytes: 0 })
        last.calls.push(p)
        last.bytes += bytes
      }
      const stored: Array<{ batch: Batch, authors: string[] }> = []
      const allEntries: FoldEntry[] = []
      const results = new Map<PendingAppend, AppendResult>()
      let seq = this.ownSeq
      for (const part of parts) {
        seq++
        const recs: LedgerRecord[] = []
        const entries: FoldEntry[] = []
        for (const p of part.calls) {
          const ids: string[] = []
          const clocks: Hlc[] = []
          for (const r of p.records) {
            const rec: LedgerRecord = { o: this.nodeId, t: this.clock.tick(), b: r.body }
            const id = recordId(rec)
            recs.push(rec)
            ids.push(id)
            clocks.push(rec.t)
            entries.push(r.body.k === 'env'
              ? (r.author !== undefined && r.msg !== undefined ? makeEntry(rec, r.author, r.msg, undefined, id, seq) : entryFromRecord(rec, id, r.author, seq))
              : makeEntry(rec, this.nodeId, undefined, undefined, id, seq))
          }
          results.set(p, { ids, clocks, seq, refusals: [] })
        }
        const batch = signBatch(this.nodeId, seq, recs, this.nodeKey, entries.map(e => e.id))
        stored.push({ batch, authors: entries.map(e => e.author) })
        allEntries.push(...entries)
      }
      await this.commit(stored, allEntries)
      for (const r of results.values()) r.refusals.push(...r.ids.map(id => this.foldNow.refusal(id)))
      this.ownSeq = seq
      // durable now: other sites may hear of it (gossip)
      for (const { batch } of stored) this.emit('batch', batch)
      for (const p of group) p.resolve(results.get(p) as AppendResult)
    } catch (err) {
      this.fail(err)
      for (const p of group) p.reject(err)
    } finally {
      this.flushing = false
    }
  }

  /**
   * This node's log head with its clock, when nothing is being written: every record it
   * wrote with a clock up to `h` is in batches up to `seq`, and every later one will have a
   * later clock. Undefined while an append is pending or in flight. Other sites use it to
   * know that no claim of ours earlier than theirs can still turn up (see Federation).
   */
  head (): { h: Hlc, seq: number } | undefined {
    if (this.pending.length > 0 || this.flushScheduled || this.flushing) return undefined
    return { h: this.clock.peek(), seq: this.ownSeq }
  }

  /**
   * Stores batches from other nodes: verifies the batch signature and each envelope once,
   * skips batches already held, holds back records from the far future.
   * The caller has validated the batch shape (parseBatch) at the boundary.
   *
   * Verification starts at once, outside the write chain: a caller with several groups
   * (a sync pull) has the next group's signatures recovered, on the worker threads, while
   * this one is written. Writes still happen one at a time, in call order.
   */
  ingest (batches: readonly Batch[]): Promise<IngestResult> {
    if (this.failed !== undefined) return Promise.reject(this.failed)
    // with an earlier ingest still to be written, this thread has that to do meanwhile
    const verified = this.verifyIncoming(batches, this.ingestsQueued > 0)
    this.ingestsQueued++
    // awaited in its turn below; until then a rejection must not count as unhandled
    verified.catch(() => {})
    const run = async (): Promise<IngestResult> => {
      const stored: Array<{ batch: Batch, authors: string[] }> = []
      const entries: FoldEntry[] = []
      const { fresh, signers } = await verified
      for (const { batch, ids } of fresh) {
        // stored meanwhile by another ingest (gossip and sync overlap)
        if (this.hasBatch(batch.origin, batch.seq)) continue
        const authors: string[] = []
        batch.records.forEach((rec, i) => {
          // a signer recovered in the pool; where it failed, entryFromRecord finds out why
          const e = entryFromRecord(rec, ids[i] as string, signers.get(rec) ?? undefined, batch.seq)
          authors.push(e.author)
          entries.push(e)
          this.clock.observe(rec.t)
        })
        stored.push({ batch, authors })
      }
      if (stored.length === 0) return { stored: 0, applied: 0, held: 0 }
      const before = this.held.length
      await this.commit(stored, entries)
      for (const { batch } of stored) if (batch.origin === this.nodeId && batch.seq > this.ownSeq) this.ownSeq = batch.seq
      const held = this.held.length - before
      return { stored: stored.length, applied: entries.length - held, held }
    }
    return this.chain.run(run).finally(() => { this.ingestsQueued-- })
  }

  /** The batches not held yet, with their records' ids, and the envelopes' signers. */
  private async verifyIncoming (batches: readonly Batch[], busy: boolean): Promise<{ fresh: Array<{ batch: Batch, ids: string[] }>, signers: Map<LedgerRecord, string | null> }> {
    const seen = new Set<string>()
    const fresh: Array<{ batch: Batch, ids: string[] }> = []
    for (const batch of batches) {
      const k = batch.origin + SEP + batch.seq
      if (this.hasBatch(batch.origin, batch.seq) || seen.has(k)) continue
      // Our own batches come back only when this node lost part of its disk (a restore
      // from backup): take them, so the next local batch does not reuse a sequence.
      if (batch.origin === this.nodeId && batch.seq <= this.ownSeq) continue
      seen.add(k)
      fresh.push({ batch, ids: verifyBatch(batch) })
    }
    return { fresh, signers: await this.signers.recover(fresh.flatMap(f => f.batch.records), busy) }
  }

  /**
   * Gives entries to the fold, holding back those from the far future; the units they
   * name come back into memory first.
   */
  private async feed (all: readonly FoldEntry[]): Promise<void> {
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

  private scheduleRelease (): void {
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

  private async releaseHeld (): Promise<number> {
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

  /** Processes (and colony-level state) changed and not yet written to the projections. */
  projectionsPending (): number {
    return this.projections.pendingCount()
  }

  /** Settled processes' views written to `procs` since the ledger opened (a rebuild's not counted). */
  get viewsWritten (): number {
    return this.projections.viewsWritten
  }

  /**
   * One atomic write of the batches and their envelopes' authors; acknowledged once it
   * resolves. Only then does the fold see the records (no state that the disk does not
   * hold), and the projections follow in a coalesced write.
   */
  private async commit (stored: ReadonlyArray<{ batch: Batch, authors: string[] }>, entries: readonly FoldEntry[]): Promise<void> {
    const { db, batches, authors, meta } = this.store
    if (!this.dirtyMarked) {
      // Until a clean close says otherwise, a restart rebuilds the projections.
      await meta.put('clean', false)
      this.dirtyMarked = true
    }
    const ops = this.colonyLogOps(entries)
    for (const { batch, authors: a } of stored) {
      const key = batchKey(batch.origin, batch.seq)
      ops.push(put(batches, key, batch), put(this.store.sizes, key, batchMeta(batch)))
      // the envelopes' verified authors, with the batch: one entry, not one per record
      if (batch.records.some(r => r.b.k === 'env')) {
        ops.push(put(authors, key, batch.records.map((r, i) => r.b.k === 'env' ? (a[i] as string) : '')))
      }
    }
    await writeOps(db, ops)
    for (const { batch } of stored) this.log.note(batch.origin, batch.seq, batch.records.length, batchMeta(batch).t)
    await this.feed(this.deadAhead.size === 0 ? entries : this.skipDead(stored, entries))
    this.announce()
  }

  /** The entries of the stored batches, without the records a joiner's summary says are dead. */
  private skipDead (stored: ReadonlyArray<{ batch: Batch }>, entries: readonly FoldEntry[]): FoldEntry[] {
    const gone = new Set<string>()
    for (const { batch } of stored) {
      const k = batchKey(batch.origin, batch.seq)
      for (const key of this.deadAhead.get(k) ?? []) gone.add(key)
      this.deadAhead.delete(k)
    }
    return gone.size === 0 ? [...entries] : entries.filter(e => !gone.has(e.key))
  }

  // ---- joining from a summary of what was pruned (DESIGN decision 12) -------------------

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
  private announce (): void {
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
  private schedulePrune (): void {
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
  private sweep (): void {
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
  private async sweepAndWrite (): Promise<void> {
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

  /** Writes the pending projections now. */
  async flushProjections (): Promise<void> {
    await this.projections.flush()
  }

  private fail (err: unknown): void {
    this.failed ??= err instanceof Error ? err : new Error(String(err))
    this.emit('error', this.failed)
  }

  // ---- projections ---------------------------------------------------------------------

  /**
   * Drops every projection and writes it anew from the fold of the stored batches
   * (`colonies node rebuild`). Returns the projection hash, equal before and after
   * when nothing was wrong.
   */
  async rebuildProjections (): Promise<{ records: number, processes: number, hash: string }> {
    await this.settled()
    const { processes } = await this.chain.run(async () => await this.rebuildAll())
    return { records: this.foldNow.size, processes, hash: await this.projections.hash() }
  }

  /** A hash over every projection entry as stored on disk. */
  async projectionHash (): Promise<string> {
    return await this.projections.hash()
  }

  /** Waiting process ids for one executor type, lowest priority time first. */
  async waiting (colony: string, executortype: string, limit = 100): Promise<string[]> {
    return await this.projections.waiting(colony, executortype, limit)
  }

  async processesByState (colony: string, state: number, limit = 100): Promise<string[]> {
    return await this.projections.byState(colony, state, limit)
  }

  /** A settled process's view as stored; undefined while it is live (the fold has it) or once removed. */
  async storedProcess (processid: string): Promise<StoredProcess | undefined> {
    return await this.projections.process(processid)
  }

  async storedLogs (processid: string, limit = 500, sinceMs = 0, latest = false): Promise<LogEntry[]> {
    return await this.projections.logs(processid, limit, sinceMs, latest)
  }

  // ---- node-local state -------------------------------------------------------------------

  /** A node-local value (never replicated, no part of the fold) as it was when the ledger opened. */
  localAtOpen (name: string): unknown {
    return this.localValues.get(name)
  }

  /**
   * Stores a node-local value. Like every write here it survives the process's crash once
   * this resolves (not the machine's: no fsync). Refused once the ledger is closing.
   */
  async putLocal (name: string, value: unknown): Promise<void> {
    if (this.closed || this.store.db.status !== 'open') throw new Error('the ledger is closed')
    await this.store.meta.put(LOCAL_PREFIX + name, value)
  }

  // ---- life cycle ------------------------------------------------------------------------

  /** Waits for every write in flight, then marks the store clean and closes it. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.heldTimer !== undefined) clearTimeout(this.heldTimer)
    if (this.checkpointTimer !== undefined) clearInterval(this.checkpointTimer)
    if (this.pruneTimer !== undefined) clearTimeout(this.pruneTimer)
    this.projections.close()
    await this.sweeping
    await this.chain.idle()
    const { db, meta } = this.store
    if (this.failed === undefined && db.status === 'open') await this.projections.flush()
    if (this.failed === undefined && db.status === 'open') await this.chain.run(async () => { await this.checkpoint() })
    if (this.failed === undefined && db.status === 'open') await meta.put('clean', true)
    await db.close()
    await this.signers.close()
  }
}
