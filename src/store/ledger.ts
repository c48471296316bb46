/**
 * The level-backed ledger of one node (DESIGN decisions 4 and 10).
 *
 * Truth: signed batches per origin (`batches`), each with the verified authors of its
 * envelopes (`authors`, one entry per batch, so that a restart recovers no signature).
 * Everything else is derived, written after the records that caused it and rebuildable
 * from the batches alone (ledger-state.ts: the fold of what is live, units away from
 * memory, projections, prunes); which batches are held, per origin, is the origin log.
 *
 * This file is the write path. Local appends are group-committed: every append requested
 * while a write is in flight goes into the next batch, one signature and one disk write
 * for all of them. Ingested batches are verified once, off the write chain when large.
 */
import { availableParallelism } from 'node:os'
import { unlessDead } from '../protocol/bulk-fold.js'
import { type FoldEntry, makeEntry } from '../protocol/entry.js'
import type { Hlc } from '../protocol/hlc.js'
import { type Batch, type LedgerRecord, type RecordBody, recordId, signBatch, verifyBatch } from '../protocol/records.js'
import type { LogEntry } from '../protocol/state.js'
import { entryFromRecord } from '../protocol/verify.js'
import { EnvelopeSigners } from './envelope-signers.js'
import { batchKey, END, SEP } from './keys.js'
import { batchMeta, CHECKPOINT_MS, LedgerState, LOCAL_PREFIX } from './ledger-state.js'
import type { AppendResult, IngestResult, LedgerOptions, LocalRecord } from './ledger-types.js'
import { put, type StoredProcess, writeOps } from './sublevels.js'

export { PROJECTION_DELAY_MS, PROJECTION_MAX_DELAY_MS, PROJECTION_MAX_PENDING, PROJECTION_VERSION } from './projections.js'
export type { WorkflowView } from './reads.js'
export { CHECKPOINT_MS } from './ledger-state.js'
export type { AppendResult, IngestResult, LedgerChange, LedgerEvents, LedgerOptions, LocalRecord } from './ledger-types.js'

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

interface PendingAppend {
  readonly records: readonly LocalRecord[]
  readonly resolve: (r: AppendResult) => void
  readonly reject: (err: unknown) => void
}

export class Ledger extends LedgerState {
  private readonly signers: EnvelopeSigners
  private pending: PendingAppend[] = []
  private flushing = false
  private flushScheduled = false
  private dirtyMarked = false

  private constructor (opts: LedgerOptions) {
    super(opts)
    this.signers = new EnvelopeSigners(opts.verifyThreads ?? Math.max(0, availableParallelism() - 1))
  }

  static async open (opts: LedgerOptions): Promise<Ledger> {
    const l = new Ledger(opts)
    await l.store.db.open()
    // Opening holds the write chain: a unit the replay brings back from the store sets off a
    // projection write on a timer, and that write must not send units out of memory while
    // the open still folds into them and reads back what the store holds for them.
    await l.chain.run(async () => { await l.load() })
    l.checkpointTimer = setInterval(() => {
      if (l.dirtyUnits.size > 0) l.chain.run(async () => { await l.checkpoint() }).catch(err => l.fail(err))
    }, CHECKPOINT_MS)
    l.checkpointTimer.unref()
    return l
  }


  hasBatch (origin: string, seq: number): boolean {
    return this.log.has(origin, seq)
  }


  /** The highest contiguous sequence stored from `origin` (0: none). */
  seqOf (origin: string): number {
    return this.log.seqOf(origin)
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
            if (r.next === undefined) continue
            const fact: LedgerRecord = { o: this.nodeId, t: this.clock.tick(), b: r.next(id) }
            const factId = recordId(fact)
            recs.push(fact)
            ids.push(factId)
            clocks.push(fact.t)
            entries.push(makeEntry(fact, this.nodeId, undefined, undefined, factId, seq))
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
    return gone.size === 0 ? [...entries] : entries.flatMap(e => unlessDead(e, gone) ?? [])
  }


  /** Writes the pending projections now. */
  async flushProjections (): Promise<void> {
    await this.projections.flush()
  }


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
