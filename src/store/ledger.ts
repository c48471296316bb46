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
import { idFromPrivateKey } from '../protocol/crypto.js'
import { type FoldEntry, makeEntry } from '../protocol/entry.js'
import { LedgerFold } from '../protocol/fold.js'
import { compareHlc, type Hlc, HybridClock } from '../protocol/hlc.js'
import {
  type Batch, isFromFuture, type LedgerRecord, type RecordBody, recordId, signBatch, verifyBatch
} from '../protocol/records.js'
import type { LogEntry } from '../protocol/state.js'
import { entryFromRecord } from '../protocol/verify.js'
import type { Message } from '../protocol/messages.js'
import { VerifierPool } from './verifier-pool.js'
import { batchKey, END, SEP } from './keys.js'
import { OriginLog } from './origin-log.js'
import { PROJECTION_VERSION, Projections } from './projections.js'
import { openStore, put, type RecordRef, type Store, type StoredProcess, writeOps } from './sublevels.js'
import { WriteChain } from './write-chain.js'

export { PROJECTION_DELAY_MS, PROJECTION_MAX_DELAY_MS, PROJECTION_MAX_PENDING, PROJECTION_VERSION } from './projections.js'

/** Envelopes in one ingest from which recovery goes to the worker pool. */
const POOL_THRESHOLD = 64

export interface LedgerOptions {
  readonly dir: string
  /** the node's secp256k1 private key: its identity as an origin of records */
  readonly nodeKey: string
  readonly now?: () => number
  /** records further ahead than this are held back until their time (default 60 s) */
  readonly maxSkewMs?: number
  /** worker threads for signature recovery of large ingests (default: cores − 1; 0 = none) */
  readonly verifyThreads?: number
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
}

/** Emitted as 'change' after each durable write: which processes changed, and whether colony-level state did. */
export interface LedgerChange {
  readonly processes: readonly string[]
  readonly colonyLevel: boolean
}

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

interface PendingAppend {
  readonly records: readonly LocalRecord[]
  readonly resolve: (r: AppendResult) => void
  readonly reject: (err: unknown) => void
}

export class Ledger extends EventEmitter<LedgerEvents> {
  readonly nodeId: string
  readonly fold = new LedgerFold()
  readonly clock: HybridClock
  private readonly store: Store
  private readonly log = new OriginLog()
  private readonly projections: Projections
  private readonly chain = new WriteChain()
  private readonly nodeKey: string
  private readonly now: () => number
  private readonly maxSkewMs: number
  private held: FoldEntry[] = []
  private heldTimer: NodeJS.Timeout | undefined
  private ownSeq = 0
  private pool: VerifierPool | undefined
  private poolFailed = false
  private readonly verifyThreads: number
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
    this.verifyThreads = opts.verifyThreads ?? Math.max(0, availableParallelism() - 1)
    this.clock = new HybridClock({ now: this.now, maxSkewMs: this.maxSkewMs })
    this.store = openStore(opts.dir)
    this.projections = new Projections({
      store: this.store,
      fold: this.fold,
      chain: this.chain,
      streaming: () => this.ingestsQueued > 0,
      fail: err => this.fail(err)
    })
  }

  static async open (opts: LedgerOptions): Promise<Ledger> {
    const l = new Ledger(opts)
    await l.store.db.open()
    await l.load()
    return l
  }

  /** Reads every batch back into the fold; rebuilds the projections if the last run did not close cleanly. */
  private async load (): Promise<void> {
    const { authors, records, batches, meta } = this.store
    const authorsOf = new Map<string, string[]>()
    for await (const [key, a] of authors.iterator()) authorsOf.set(key, a)
    // a data dir of an earlier version: authors per record
    const refs = new Map<string, RecordRef>()
    for await (const [id, ref] of records.iterator()) refs.set(id, ref)
    const entries: FoldEntry[] = []
    let maxT: Hlc = { w: 0, l: 0 }
    for await (const [key, b] of batches.iterator()) {
      this.log.note(b.origin, b.seq, b.records.length)
      if (b.origin === this.nodeId && b.seq > this.ownSeq) this.ownSeq = b.seq
      const batchAuthors = authorsOf.get(key)
      for (const [i, rec] of b.records.entries()) {
        const id = recordId(rec)
        // Authors were verified when the batch was first stored: no signature recovery on restart.
        const author = rec.b.k !== 'env' ? undefined : (batchAuthors?.[i] ?? refs.get(id)?.a)
        entries.push(entryFromRecord(rec, id, author === '' ? undefined : author))
        if (compareHlc(rec.t, maxT) > 0) maxT = rec.t
      }
    }
    this.clock.observe(maxT)
    this.feed(entries)
    this.fold.drainChanges()
    for await (const [k, v] of meta.iterator({ gte: LOCAL_PREFIX, lt: LOCAL_END })) this.localValues.set(k.slice(LOCAL_PREFIX.length), v)
    const version = await meta.get('projection-version')
    const clean = await meta.get('clean')
    if (version !== PROJECTION_VERSION || clean !== true) {
      await this.rebuildProjections()
    } else {
      this.projections.adoptFold()
    }
  }

  // ---- the per-origin logs ----------------------------------------------------------------

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
              ? (r.author !== undefined && r.msg !== undefined ? makeEntry(rec, r.author, r.msg, undefined, id) : entryFromRecord(rec, id, r.author))
              : makeEntry(rec, this.nodeId, undefined, undefined, id))
          }
          results.set(p, { ids, clocks, seq })
        }
        const batch = signBatch(this.nodeId, seq, recs, this.nodeKey, entries.map(e => e.id))
        stored.push({ batch, authors: entries.map(e => e.author) })
        allEntries.push(...entries)
      }
      await this.commit(stored, allEntries)
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
          const e = entryFromRecord(rec, ids[i] as string, signers.get(rec) ?? undefined)
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
    return { fresh, signers: await this.recoverEnvelopes(fresh.flatMap(f => f.batch.records), busy) }
  }

  /**
   * Signers of the client envelopes among `records`, recovered on worker threads when
   * there are enough of them to be worth it (a sync frame; not a gossiped batch); this
   * thread takes a share unless it is `busy` with writes meanwhile.
   */
  private async recoverEnvelopes (records: readonly LedgerRecord[], busy: boolean): Promise<Map<LedgerRecord, string | null>> {
    const out = new Map<LedgerRecord, string | null>()
    const envs = records.filter(r => r.b.k === 'env')
    if (envs.length < POOL_THRESHOLD || this.verifyThreads === 0 || this.poolFailed) return out
    this.pool ??= VerifierPool.create(this.verifyThreads)
    if (this.pool === undefined) return out
    try {
      const ids = await this.pool.recover(envs.map(r => {
        const env = (r.b as { env: { payload: string, signature: string } }).env
        return [env.payload, env.signature]
      }), !busy)
      envs.forEach((r, i) => out.set(r, ids[i] ?? null))
    } catch {
      // a broken pool only costs speed: verify on this thread from now on
      this.poolFailed = true
      void this.pool.close().catch(() => {})
      this.pool = undefined
    }
    return out
  }

  /** Gives entries to the fold, holding back those from the far future. */
  private feed (entries: readonly FoldEntry[]): void {
    const now = this.now()
    const ready: FoldEntry[] = []
    for (const e of entries) {
      if (isFromFuture(e.rec, now, this.maxSkewMs)) this.held.push(e)
      else ready.push(e)
    }
    this.fold.add(ready)
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
      this.fold.add(ready)
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
    const ops = []
    for (const { batch, authors: a } of stored) {
      const key = batchKey(batch.origin, batch.seq)
      ops.push(put(batches, key, batch))
      // the envelopes' verified authors, with the batch: one entry, not one per record
      if (batch.records.some(r => r.b.k === 'env')) {
        ops.push(put(authors, key, batch.records.map((r, i) => r.b.k === 'env' ? (a[i] as string) : '')))
      }
    }
    await writeOps(db, ops)
    for (const { batch } of stored) this.log.note(batch.origin, batch.seq, batch.records.length)
    this.feed(entries)
    this.announce()
  }

  /** Tells listeners what the fold just changed, and queues those projections for writing. */
  private announce (): void {
    const change = this.fold.drainChanges()
    this.emit('change', change)
    this.projections.note(change.processes, change.colonyLevel)
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
    const { processes, hash } = await this.projections.rebuild()
    this.fold.drainChanges()
    await this.store.meta.put('projection-version', PROJECTION_VERSION)
    return { records: this.fold.size, processes, hash }
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

  async storedLogs (processid: string, limit = 500, sinceMs = 0): Promise<LogEntry[]> {
    return await this.projections.logs(processid, limit, sinceMs)
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
    this.projections.close()
    await this.chain.idle()
    const { db, meta } = this.store
    if (this.failed === undefined && db.status === 'open') await this.projections.flush()
    if (this.failed === undefined && db.status === 'open') await meta.put('clean', true)
    await db.close()
    await this.pool?.close()
  }
}
