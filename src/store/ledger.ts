/**
 * The level-backed ledger of one node (DESIGN decisions 4 and 10).
 *
 * Truth: signed batches per origin (`batches`), each with the verified authors of its
 * envelopes (`authors`, one entry per batch, so that a restart recovers no signature).
 * Everything else is a projection of the fold, written after the records that caused it
 * (coalesced, see flushProjections) and rebuildable from the batches alone: the waiting
 * `queue`, process ids `bystate`, `logs` by process, the colony-level `colony` snapshot,
 * and the views of settled processes (`procs`). A live process's view (waiting, running)
 * is not written: the fold in memory serves every read of it, and writing it wrote each
 * process's whole view again at every step of its life, at every site.
 *
 * Local appends are group-committed: every append requested while a write is in flight
 * goes into the next batch, one signature and one disk write for all of them.
 */
import { EventEmitter } from 'node:events'
import { availableParallelism } from 'node:os'
import { Level } from 'level'
import { canonicalJson } from '../protocol/canonical.js'
import { idFromPrivateKey, sha3Hex } from '../protocol/crypto.js'
import { type FoldEntry, makeEntry } from '../protocol/entry.js'
import { LedgerFold } from '../protocol/fold.js'
import { compareHlc, type Hlc, HybridClock } from '../protocol/hlc.js'
import {
  type Batch, isFromFuture, type LedgerRecord, type RecordBody, recordId, signBatch, verifyBatch
} from '../protocol/records.js'
import { isFinal, type ProcessInfo, ProcessState } from '../protocol/state.js'
import { entryFromRecord } from '../protocol/verify.js'
import type { Message } from '../protocol/messages.js'
import { VerifierPool } from './verifier-pool.js'
import {
  batchKey, END, logKey, queueKey, queuePrefix, SEP, stateKey, statePrefix
} from './keys.js'

/**
 * Bump when the projection layout or the fold's semantics change: projections rebuild on open.
 * 2: `procs` holds settled processes only (1 held every process).
 */
export const PROJECTION_VERSION = 2

/** How long changes gather before their projections are written (one write for many). */
export const PROJECTION_DELAY_MS = 25
/**
 * While more records are on their way to the store (a sync pull streaming in), projections
 * wait for them, up to this long and this many processes: a process whose submit, claim
 * and close arrive seconds apart in one pull is written once, not once per 25 ms.
 */
export const PROJECTION_MAX_DELAY_MS = 10_000
export const PROJECTION_MAX_PENDING = 50_000
/** Processes per level batch when projections are written (a deferred flush can be large). */
const PROJECTION_CHUNK = 2000

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

export interface IngestResult {
  /** batches stored now (not seen before) */
  readonly stored: number
  /** records handed to the fold now */
  readonly applied: number
  /** records held back because their clock is too far ahead */
  readonly held: number
}

/** How data dirs written before `authors` existed kept a record's verified author: one entry per record. */
interface RecordRef {
  /** origin */ o: string
  /** batch sequence */ s: number
  /** verified author */ a: string
}

interface Written {
  queue?: string
  state?: string
  /** its view is in `procs` (it is settled: SUCCESS, FAILED or CANCELLED, and not removed) */
  view: boolean
  logs: number
  lastLog: string
}

type Op = { type: 'put', sublevel: any, key: string, value: unknown } | { type: 'del', sublevel: any, key: string }

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

export class Ledger extends EventEmitter {
  readonly nodeId: string
  readonly fold = new LedgerFold()
  readonly clock: HybridClock
  private readonly db: Level<string, any>
  private readonly batches: any
  /** batch key → its records' verified authors ('' for a node fact, whose author is the origin) */
  private readonly authors: any
  /** record id → RecordRef: written by earlier versions, read on open, never written */
  private readonly records: any
  private readonly procs: any
  private readonly queue: any
  private readonly bystate: any
  private readonly logs: any
  private readonly colony: any
  private readonly meta: any
  private readonly nodeKey: string
  private readonly now: () => number
  private readonly maxSkewMs: number
  /** per origin: highest sequence such that 1…seq are all stored */
  private readonly vv = new Map<string, number>()
  /** per origin: stored sequences above the contiguous prefix */
  private readonly gaps = new Map<string, Set<number>>()
  /** per origin: records in each stored batch, indexed by sequence (for "records behind") */
  private readonly batchSizes = new Map<string, number[]>()
  private readonly written = new Map<string, Written>()
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
  private chain: Promise<unknown> = Promise.resolve()
  private flushScheduled = false
  private dirtyMarked = false
  private failed: Error | undefined
  /** processes (and whether colony-level state) changed since the last projection write */
  private readonly projPending = new Set<string>()
  private projColony = false
  private projTimer: NodeJS.Timeout | undefined
  /** when the oldest change not yet projected was announced (0: none) */
  private projSince = 0
  /** settled processes' views written to `procs` since the ledger opened (a rebuild's not counted) */
  viewsWritten = 0
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
    this.db = new Level<string, any>(opts.dir, { valueEncoding: 'json' })
    const sub = (name: string): any => this.db.sublevel<string, any>(name, { valueEncoding: 'json' })
    this.batches = sub('batches')
    this.authors = sub('authors')
    this.records = sub('records')
    this.procs = sub('procs')
    this.queue = sub('queue')
    this.bystate = sub('bystate')
    this.logs = sub('logs')
    this.colony = sub('colony')
    this.meta = sub('meta')
  }

  static async open (opts: LedgerOptions): Promise<Ledger> {
    const l = new Ledger(opts)
    await l.db.open()
    await l.load()
    return l
  }

  /** Reads every batch back into the fold; rebuilds the projections if the last run did not close cleanly. */
  private async load (): Promise<void> {
    const authorsOf = new Map<string, string[]>()
    for await (const [key, authors] of this.authors.iterator()) authorsOf.set(key, authors)
    // a data dir of an earlier version: authors per record
    const refs = new Map<string, RecordRef>()
    for await (const [id, ref] of this.records.iterator()) refs.set(id, ref)
    const entries: FoldEntry[] = []
    let maxT: Hlc = { w: 0, l: 0 }
    for await (const [key, batch] of this.batches.iterator()) {
      const b = batch as Batch
      this.noteSeq(b.origin, b.seq, b.records.length)
      if (b.origin === this.nodeId && b.seq > this.ownSeq) this.ownSeq = b.seq
      const authors = authorsOf.get(key)
      for (const [i, rec] of b.records.entries()) {
        const id = recordId(rec)
        // Authors were verified when the batch was first stored: no signature recovery on restart.
        const author = rec.b.k !== 'env' ? undefined : (authors?.[i] ?? refs.get(id)?.a)
        entries.push(entryFromRecord(rec, id, author === '' ? undefined : author))
        if (compareHlc(rec.t, maxT) > 0) maxT = rec.t
      }
    }
    this.clock.observe(maxT)
    this.feed(entries)
    this.fold.drainChanges()
    for await (const [k, v] of this.meta.iterator({ gte: LOCAL_PREFIX, lt: LOCAL_END })) this.localValues.set((k as string).slice(LOCAL_PREFIX.length), v)
    const version = await this.meta.get('projection-version')
    const clean = await this.meta.get('clean')
    if (version !== PROJECTION_VERSION || clean !== true) {
      await this.rebuildProjections()
    } else {
      for (const p of this.fold.processesRaw()) this.written.set(p.processid, this.writtenFor(p))
    }
  }

  // ---- version vectors ---------------------------------------------------------------

  private noteSeq (origin: string, seq: number, records: number): void {
    let sizes = this.batchSizes.get(origin)
    if (sizes === undefined) this.batchSizes.set(origin, sizes = [])
    sizes[seq] = records
    let top = this.vv.get(origin) ?? 0
    if (seq <= top) return
    let gaps = this.gaps.get(origin)
    if (gaps === undefined) this.gaps.set(origin, gaps = new Set())
    gaps.add(seq)
    while (gaps.has(top + 1)) gaps.delete(++top)
    this.vv.set(origin, top)
    if (gaps.size === 0) this.gaps.delete(origin)
  }

  hasBatch (origin: string, seq: number): boolean {
    return seq <= (this.vv.get(origin) ?? 0) || (this.gaps.get(origin)?.has(seq) ?? false)
  }

  /** origin → highest contiguous sequence stored */
  /** The highest contiguous sequence stored from `origin` (0: none). */
  seqOf (origin: string): number {
    return this.vv.get(origin) ?? 0
  }

  /** How many records `origin`'s batches after `afterSeq`, up to `toSeq`, hold here (those not stored count 0). */
  recordsBetween (origin: string, afterSeq: number, toSeq: number): number {
    const sizes = this.batchSizes.get(origin)
    let n = 0
    if (sizes !== undefined) for (let seq = Math.max(1, afterSeq + 1); seq <= toSeq; seq++) n += sizes[seq] ?? 0
    return n
  }

  versionVector (): Map<string, number> {
    return new Map(this.vv)
  }

  /**
   * What a peer with version vector `theirs` lacks of ours, origin by origin, in sequence
   * order: the sync protocol streams it. Cost is proportional to the difference. Batches
   * come as stored (their JSON text, never parsed here), one at a time from an iterator,
   * so the first frame leaves at once and memory stays flat however much is missing.
   */
  async * missingFor (theirs: ReadonlyMap<string, number>): AsyncGenerator<string> {
    const origins = new Set([...this.vv.keys(), ...this.gaps.keys()])
    for (const origin of [...origins].sort()) {
      const from = (theirs.get(origin) ?? 0) + 1
      yield * this.batches.values({ gte: batchKey(origin, from), lt: origin + END, valueEncoding: 'utf8' })
    }
  }

  /** Stored batches of one origin from `fromSeq` on, in order, at most `limit`. */
  async getBatches (origin: string, fromSeq: number, limit = 1000): Promise<Batch[]> {
    const out: Batch[] = []
    for await (const [, b] of this.batches.iterator({ gte: batchKey(origin, fromSeq), lt: origin + END, limit })) out.push(b)
    return out
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
        setImmediate(() => setImmediate(() => { this.chain = this.chain.then(async () => await this.flush()) }))
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
    const p = this.chain.then(run).finally(() => { this.ingestsQueued-- })
    this.chain = p.catch(() => {})
    return p
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
    const p = this.chain.then(async () => await this.releaseHeld())
    this.chain = p.catch(() => {})
    return await p
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
    return this.projPending.size + (this.projColony ? 1 : 0)
  }

  /**
   * One atomic write of the batches and their record refs; acknowledged once it resolves.
   * Only then does the fold see the records (no state that the disk does not hold), and
   * the projections follow in a coalesced write (see flushProjections).
   */
  private async commit (stored: ReadonlyArray<{ batch: Batch, authors: string[] }>, entries: readonly FoldEntry[]): Promise<void> {
    if (!this.dirtyMarked) {
      // Until a clean close says otherwise, a restart rebuilds the projections.
      await this.meta.put('clean', false)
      this.dirtyMarked = true
    }
    const ops: Op[] = []
    for (const { batch, authors } of stored) {
      const key = batchKey(batch.origin, batch.seq)
      ops.push({ type: 'put', sublevel: this.batches, key, value: batch })
      // the envelopes' verified authors, with the batch: one entry, not one per record
      if (batch.records.some(r => r.b.k === 'env')) {
        ops.push({ type: 'put', sublevel: this.authors, key, value: batch.records.map((r, i) => r.b.k === 'env' ? authors[i] : '') })
      }
    }
    await this.db.batch(ops as any)
    for (const { batch } of stored) this.noteSeq(batch.origin, batch.seq, batch.records.length)
    this.feed(entries)
    this.announce()
  }

  /** Tells listeners what the fold just changed, and queues those projections for writing. */
  private announce (): void {
    const change = this.fold.drainChanges()
    for (const pid of change.processes) this.projPending.add(pid)
    if (change.colonyLevel) this.projColony = true
    this.emit('change', change)
    if (this.projSince === 0 && this.projectionsPending() > 0) this.projSince = Date.now()
    this.scheduleProjections()
  }

  /** Writes the pending projections in PROJECTION_DELAY_MS, or later while records still stream in. */
  private scheduleProjections (): void {
    if (this.projTimer !== undefined || this.closed) return
    this.projTimer = setTimeout(() => {
      this.projTimer = undefined
      if (this.ingestsQueued > 0 && Date.now() - this.projSince < PROJECTION_MAX_DELAY_MS && this.projPending.size < PROJECTION_MAX_PENDING) {
        this.scheduleProjections()
        return
      }
      this.flushProjections().catch(err => this.fail(err))
    }, PROJECTION_DELAY_MS)
  }

  /**
   * Writes the projections of everything changed since the last flush, one write for
   * many records (a process submitted, claimed and closed within the delay is written
   * once). Projections are caches: after a crash the unclean open rebuilds them.
   */
  async flushProjections (): Promise<void> {
    if (this.projTimer !== undefined) {
      clearTimeout(this.projTimer)
      this.projTimer = undefined
    }
    // one link of the write chain per chunk: appends and ingests asked for meanwhile go
    // between chunks instead of waiting for a large deferred flush to end
    for (;;) {
      const p = this.chain.then(async () => {
        const ops = await this.projectionOps(PROJECTION_CHUNK)
        if (ops.length > 0) await this.db.batch(ops as any)
        if (this.projectionsPending() === 0) this.projSince = 0
      })
      this.chain = p.catch(() => {})
      await p
      if (this.projectionsPending() === 0) return
    }
  }

  private fail (err: unknown): void {
    this.failed ??= err instanceof Error ? err : new Error(String(err))
    this.emit('error', this.failed)
  }

  // ---- projections ---------------------------------------------------------------------

  private writtenFor (p: ProcessInfo): Written {
    const w: Written = { logs: p.logs.length, lastLog: p.logs[p.logs.length - 1]?.id ?? '', view: !p.removed && isFinal(p.state) }
    if (!p.removed) {
      w.state = stateKey(p.colonyname, p.state, p.submissiontime, p.processid)
      if (p.state === ProcessState.WAITING && !p.waitforparents) {
        w.queue = queueKey(p.colonyname, p.spec.conditions.executortype, p.prioritytime, p.submitkey)
      }
    }
    return w
  }

  /** Projection writes for up to `limit` of the processes changed since they were last written. */
  private async projectionOps (limit: number): Promise<Op[]> {
    const ops: Op[] = []
    const processes: string[] = []
    for (const pid of this.projPending) {
      if (processes.length >= limit) break
      processes.push(pid)
    }
    for (const pid of processes) this.projPending.delete(pid)
    const colonyLevel = this.projColony
    this.projColony = false
    for (const pid of processes) {
      const p = this.fold.processRaw(pid)
      const old = this.written.get(pid)
      if (p === undefined) {
        // a workflow node that no longer exists (its generator firing lost to an earlier one)
        if (old !== undefined) {
          if (old.queue !== undefined) ops.push({ type: 'del', sublevel: this.queue, key: old.queue })
          if (old.state !== undefined) ops.push({ type: 'del', sublevel: this.bystate, key: old.state })
          if (old.view) ops.push({ type: 'del', sublevel: this.procs, key: pid })
          for await (const k of this.logs.keys({ gt: pid + SEP, lt: pid + END })) ops.push({ type: 'del', sublevel: this.logs, key: k })
          this.written.delete(pid)
        }
        continue
      }
      const w = this.writtenFor(p)
      if (old?.queue !== undefined && old.queue !== w.queue) ops.push({ type: 'del', sublevel: this.queue, key: old.queue })
      if (old?.state !== undefined && old.state !== w.state) ops.push({ type: 'del', sublevel: this.bystate, key: old.state })
      if (w.queue !== undefined && w.queue !== old?.queue) ops.push({ type: 'put', sublevel: this.queue, key: w.queue, value: pid })
      if (w.state !== undefined && w.state !== old?.state) ops.push({ type: 'put', sublevel: this.bystate, key: w.state, value: pid })
      if (w.view) {
        // it settled, or changed after it settled (a re-fold's other result, say)
        const { logs: _logs, ...rest } = p
        ops.push({ type: 'put', sublevel: this.procs, key: pid, value: rest })
        this.viewsWritten++
      } else if (old?.view === true) {
        // removed, or unsettled by a re-fold (a late claim that wins the attempt)
        ops.push({ type: 'del', sublevel: this.procs, key: pid })
      }
      // Logs are append-only in the normal case; after a re-fold changed them, rewrite them.
      const appendOnly = old !== undefined && old.logs <= p.logs.length && (old.logs === 0 || p.logs[old.logs - 1]?.id === old.lastLog)
      if (!appendOnly && old !== undefined) {
        for await (const k of this.logs.keys({ gt: pid + SEP, lt: pid + END })) ops.push({ type: 'del', sublevel: this.logs, key: k })
      }
      const from = appendOnly ? old.logs : 0
      if (!p.removed) {
        for (let i = from; i < p.logs.length; i++) {
          const l = p.logs[i]
          if (l !== undefined) ops.push({ type: 'put', sublevel: this.logs, key: logKey(pid, l.timestamp, l.id), value: l })
        }
      }
      this.written.set(pid, w)
    }
    if (colonyLevel) ops.push({ type: 'put', sublevel: this.colony, key: 'state', value: this.colonySnapshot() })
    return ops
  }

  private colonySnapshot (): unknown {
    return this.fold.colonies().map(c => ({
      colony: c,
      executors: this.fold.executors(c.name),
      users: this.fold.users(c.name),
      functions: this.fold.functions(c.name)
    }))
  }

  /**
   * Drops every projection and writes it anew from the fold of the stored batches
   * (`colonies node rebuild`). Returns the projection hash, equal before and after
   * when nothing was wrong.
   */
  async rebuildProjections (): Promise<{ records: number, processes: number, hash: string }> {
    for (const s of [this.procs, this.queue, this.bystate, this.logs, this.colony]) await s.clear()
    this.written.clear()
    this.projPending.clear()
    this.projColony = false
    this.projSince = 0
    const ops: Op[] = []
    let n = 0
    const flush = async (): Promise<void> => {
      if (ops.length > 0) await this.db.batch(ops.splice(0) as any)
    }
    for (const p of this.fold.processesRaw()) {
      const w = this.writtenFor(p)
      if (w.view) {
        const { logs: _logs, ...rest } = p
        ops.push({ type: 'put', sublevel: this.procs, key: p.processid, value: rest })
      }
      if (!p.removed) {
        if (w.state !== undefined) ops.push({ type: 'put', sublevel: this.bystate, key: w.state, value: p.processid })
        if (w.queue !== undefined) ops.push({ type: 'put', sublevel: this.queue, key: w.queue, value: p.processid })
        for (const l of p.logs) ops.push({ type: 'put', sublevel: this.logs, key: logKey(p.processid, l.timestamp, l.id), value: l })
        n++
      }
      this.written.set(p.processid, w)
      if (ops.length > 5000) await flush()
    }
    ops.push({ type: 'put', sublevel: this.colony, key: 'state', value: this.colonySnapshot() })
    await flush()
    this.fold.drainChanges()
    await this.meta.put('projection-version', PROJECTION_VERSION)
    return { records: this.fold.size, processes: n, hash: await this.projectionHash() }
  }

  /** A hash over every projection entry as stored on disk. */
  async projectionHash (): Promise<string> {
    await this.flushProjections()
    const parts: string[] = []
    for (const [name, s] of [['procs', this.procs], ['queue', this.queue], ['bystate', this.bystate], ['logs', this.logs], ['colony', this.colony]] as const) {
      for await (const [k, v] of s.iterator()) parts.push(name + SEP + k + SEP + canonicalJson(v))
    }
    return sha3Hex(parts.join('\n'))
  }

  // ---- queries on the projections ------------------------------------------------------
  // Each first writes the pending projections, so a reader sees its own writes.

  /** Waiting process ids for one executor type, lowest priority time first. */
  async waiting (colony: string, executortype: string, limit = 100): Promise<string[]> {
    await this.flushProjections()
    const prefix = queuePrefix(colony, executortype)
    return await this.queue.values({ gte: prefix, lt: prefix.slice(0, -1) + END, limit }).all()
  }

  async processesByState (colony: string, state: number, limit = 100): Promise<string[]> {
    await this.flushProjections()
    const prefix = statePrefix(colony, state)
    return await this.bystate.values({ gte: prefix, lt: prefix.slice(0, -1) + END, limit }).all()
  }

  /** A settled process's view as stored; undefined while it is live (the fold has it) or once removed. */
  async storedProcess (processid: string): Promise<Omit<ProcessInfo, 'logs'> | undefined> {
    await this.flushProjections()
    return await this.procs.get(processid)
  }

  async storedLogs (processid: string, limit = 500, sinceMs = 0): Promise<Array<ProcessInfo['logs'][number]>> {
    await this.flushProjections()
    return await this.logs.values({ gte: logKey(processid, sinceMs, ''), lt: processid + END, limit }).all()
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
    if (this.closed || this.db.status !== 'open') throw new Error('the ledger is closed')
    await this.meta.put(LOCAL_PREFIX + name, value)
  }

  // ---- life cycle ------------------------------------------------------------------------

  /** Waits for every write in flight, then marks the store clean and closes it. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.heldTimer !== undefined) clearTimeout(this.heldTimer)
    await this.chain.catch(() => {})
    if (this.failed === undefined && this.db.status === 'open') await this.flushProjections()
    if (this.failed === undefined && this.db.status === 'open') await this.meta.put('clean', true)
    await this.db.close()
    await this.pool?.close()
  }
}

