/**
 * Projections of the fold into the store (DESIGN decision 10): the waiting `queue`,
 * process ids `bystate`, `logs` by process, the colony-level `colony` snapshot, and the
 * views of settled processes (`procs`). They are caches, written after the records that
 * caused them and rebuildable from the batches alone.
 *
 * Writes are coalesced: changes gather for PROJECTION_DELAY_MS (longer while a sync pull
 * streams in), then go in chunks, one link of the write chain each. A live process's view
 * (waiting, running) is not written: the fold in memory serves every read of it.
 */
import { canonicalJson } from '../protocol/canonical.js'
import { sha3Hex } from '../protocol/crypto.js'
import type { LedgerFold } from '../protocol/fold.js'
import { isFinal, type LogEntry, type ProcessInfo, ProcessState } from '../protocol/state.js'
import { END, logKey, queueKey, queuePrefix, SEP, stateKey, statePrefix } from './keys.js'
import { type ColonySnapshot, del, type Op, put, type StoredProcess, type Store, writeOps } from './sublevels.js'
import type { WriteChain } from './write-chain.js'

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

/** What is in the store for one process, to write only what changed. */
interface Written {
  queue?: string
  state?: string
  /** its view is in `procs` (it is settled: SUCCESS, FAILED or CANCELLED, and not removed) */
  view: boolean
  logs: number
  lastLog: string
}

export interface ProjectionsOptions {
  readonly store: Store
  readonly fold: LedgerFold
  readonly chain: WriteChain
  /** more records are queued for the store: wait for them before writing */
  readonly streaming: () => boolean
  /** a write failed: the ledger stops accepting writes */
  readonly fail: (err: unknown) => void
}

export class Projections {
  private readonly store: Store
  private readonly fold: LedgerFold
  private readonly chain: WriteChain
  private readonly streaming: () => boolean
  private readonly fail: (err: unknown) => void
  private readonly written = new Map<string, Written>()
  /** processes (and whether colony-level state) changed since the last write */
  private readonly pending = new Set<string>()
  private colonyPending = false
  private timer: NodeJS.Timeout | undefined
  /** when the oldest change not yet written was announced (0: none) */
  private since = 0
  private closed = false
  /** settled processes' views written to `procs` since the ledger opened (a rebuild's not counted) */
  viewsWritten = 0

  constructor (opts: ProjectionsOptions) {
    this.store = opts.store
    this.fold = opts.fold
    this.chain = opts.chain
    this.streaming = opts.streaming
    this.fail = opts.fail
  }

  /** After a clean open: what the store holds is what the fold says. */
  adoptFold (): void {
    for (const p of this.fold.processesRaw()) this.written.set(p.processid, writtenFor(p))
  }

  /** Changes and not yet written (processes, plus one for colony-level state). */
  pendingCount (): number {
    return this.pending.size + (this.colonyPending ? 1 : 0)
  }

  /** Queues what the fold changed; writes it in PROJECTION_DELAY_MS, or later while records still stream in. */
  note (processes: readonly string[], colonyLevel: boolean): void {
    for (const pid of processes) this.pending.add(pid)
    if (colonyLevel) this.colonyPending = true
    if (this.since === 0 && this.pendingCount() > 0) this.since = Date.now()
    this.schedule()
  }

  private schedule (): void {
    if (this.timer !== undefined || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.streaming() && Date.now() - this.since < PROJECTION_MAX_DELAY_MS && this.pending.size < PROJECTION_MAX_PENDING) {
        this.schedule()
        return
      }
      this.flush().catch(err => this.fail(err))
    }, PROJECTION_DELAY_MS)
  }

  /**
   * Writes the projections of everything changed since the last flush, one write for
   * many records (a process submitted, claimed and closed within the delay is written
   * once), one link of the write chain per chunk: appends and ingests asked for meanwhile
   * go between chunks instead of waiting for a large deferred flush to end.
   */
  async flush (): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    for (;;) {
      await this.chain.run(async () => {
        await writeOps(this.store.db, await this.ops(PROJECTION_CHUNK))
        if (this.pendingCount() === 0) this.since = 0
      })
      if (this.pendingCount() === 0) return
    }
  }

  /** No more timers; a last `flush` may still be called. */
  close (): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Projection writes for up to `limit` of the processes changed since they were last written. */
  private async ops (limit: number): Promise<Op[]> {
    const { procs, queue, bystate, logs, colony } = this.store
    const ops: Op[] = []
    const processes: string[] = []
    for (const pid of this.pending) {
      if (processes.length >= limit) break
      processes.push(pid)
    }
    for (const pid of processes) this.pending.delete(pid)
    const colonyLevel = this.colonyPending
    this.colonyPending = false
    for (const pid of processes) {
      const p = this.fold.processRaw(pid)
      const old = this.written.get(pid)
      if (p === undefined) {
        // a workflow node that no longer exists (its generator firing lost to an earlier one)
        if (old !== undefined) {
          if (old.queue !== undefined) ops.push(del(queue, old.queue))
          if (old.state !== undefined) ops.push(del(bystate, old.state))
          if (old.view) ops.push(del(procs, pid))
          for await (const k of logs.keys({ gt: pid + SEP, lt: pid + END })) ops.push(del(logs, k))
          this.written.delete(pid)
        }
        continue
      }
      const w = writtenFor(p)
      if (old?.queue !== undefined && old.queue !== w.queue) ops.push(del(queue, old.queue))
      if (old?.state !== undefined && old.state !== w.state) ops.push(del(bystate, old.state))
      if (w.queue !== undefined && w.queue !== old?.queue) ops.push(put(queue, w.queue, pid))
      if (w.state !== undefined && w.state !== old?.state) ops.push(put(bystate, w.state, pid))
      if (w.view) {
        // it settled, or changed after it settled (a re-fold's other result, say)
        ops.push(put(procs, pid, viewOf(p)))
        this.viewsWritten++
      } else if (old?.view === true) {
        // removed, or unsettled by a re-fold (a late claim that wins the attempt)
        ops.push(del(procs, pid))
      }
      // Logs are append-only in the normal case; after a re-fold changed them, rewrite them.
      const appendOnly = old !== undefined && old.logs <= p.logs.length && (old.logs === 0 || p.logs[old.logs - 1]?.id === old.lastLog)
      if (!appendOnly && old !== undefined) {
        for await (const k of logs.keys({ gt: pid + SEP, lt: pid + END })) ops.push(del(logs, k))
      }
      const from = appendOnly ? old.logs : 0
      if (!p.removed) {
        for (let i = from; i < p.logs.length; i++) {
          const l = p.logs[i]
          if (l !== undefined) ops.push(put(logs, logKey(pid, l.timestamp, l.id), l))
        }
      }
      this.written.set(pid, w)
    }
    if (colonyLevel) ops.push(put(colony, 'state', colonySnapshot(this.fold)))
    return ops
  }

  /**
   * Drops every projection and writes it anew from the fold (`colonies node rebuild`).
   * Returns how many live processes it wrote and the projection hash, equal before and
   * after when nothing was wrong.
   */
  async rebuild (): Promise<{ processes: number, hash: string }> {
    const { procs, queue, bystate, logs, colony, db } = this.store
    for (const s of [procs, queue, bystate, logs, colony]) await s.clear()
    this.written.clear()
    this.pending.clear()
    this.colonyPending = false
    this.since = 0
    const ops: Op[] = []
    let n = 0
    for (const p of this.fold.processesRaw()) {
      const w = writtenFor(p)
      if (w.view) ops.push(put(procs, p.processid, viewOf(p)))
      if (!p.removed) {
        if (w.state !== undefined) ops.push(put(bystate, w.state, p.processid))
        if (w.queue !== undefined) ops.push(put(queue, w.queue, p.processid))
        for (const l of p.logs) ops.push(put(logs, logKey(p.processid, l.timestamp, l.id), l))
        n++
      }
      this.written.set(p.processid, w)
      if (ops.length > 5000) await writeOps(db, ops.splice(0))
    }
    ops.push(put(colony, 'state', colonySnapshot(this.fold)))
    await writeOps(db, ops)
    return { processes: n, hash: await this.hash() }
  }

  /** A hash over every projection entry as stored on disk. */
  async hash (): Promise<string> {
    await this.flush()
    const { procs, queue, bystate, logs, colony } = this.store
    const parts: string[] = []
    const add = async <V>(name: string, it: AsyncIterable<[string, V]>): Promise<void> => {
      for await (const [k, v] of it) parts.push(name + SEP + k + SEP + canonicalJson(v))
    }
    await add('procs', procs.iterator())
    await add('queue', queue.iterator())
    await add('bystate', bystate.iterator())
    await add('logs', logs.iterator())
    await add('colony', colony.iterator())
    return sha3Hex(parts.join('\n'))
  }

  // ---- queries (each first writes what is pending, so a reader sees its own writes) ----

  /** Waiting process ids for one executor type, lowest priority time first. */
  async waiting (colony: string, executortype: string, limit = 100): Promise<string[]> {
    await this.flush()
    const prefix = queuePrefix(colony, executortype)
    return await this.store.queue.values({ gte: prefix, lt: prefix.slice(0, -1) + END, limit }).all()
  }

  async byState (colony: string, state: number, limit = 100): Promise<string[]> {
    await this.flush()
    const prefix = statePrefix(colony, state)
    return await this.store.bystate.values({ gte: prefix, lt: prefix.slice(0, -1) + END, limit }).all()
  }

  /** A settled process's view as stored; undefined while it is live (the fold has it) or once removed. */
  async process (processid: string): Promise<StoredProcess | undefined> {
    await this.flush()
    return await this.store.procs.get(processid)
  }

  async logs (processid: string, limit = 500, sinceMs = 0): Promise<LogEntry[]> {
    await this.flush()
    return await this.store.logs.values({ gte: logKey(processid, sinceMs, ''), lt: processid + END, limit }).all()
  }
}

function writtenFor (p: ProcessInfo): Written {
  const w: Written = { logs: p.logs.length, lastLog: p.logs[p.logs.length - 1]?.id ?? '', view: !p.removed && isFinal(p.state) }
  if (!p.removed) {
    w.state = stateKey(p.colonyname, p.state, p.submissiontime, p.processid)
    if (p.state === ProcessState.WAITING && !p.waitforparents) {
      w.queue = queueKey(p.colonyname, p.spec.conditions.executortype, p.prioritytime, p.submitkey)
    }
  }
  return w
}

function viewOf (p: ProcessInfo): StoredProcess {
  const { logs: _logs, ...rest } = p
  return rest
}

function colonySnapshot (fold: LedgerFold): ColonySnapshot[] {
  return fold.colonies().map(c => ({
    colony: c,
    executors: fold.executors(c.name),
    users: fold.users(c.name),
    functions: fold.functions(c.name)
  }))
}
