/**
 * Projections of the fold into the store (DESIGN decisions 10 and 11): the waiting
 * `queue`, process ids `bystate`, `logs` by process, attribute ids (`attrs`), the
 * colony-level `colony` snapshot, the views of settled processes (`procs`), and counts per
 * colony and state. They are written after the records that caused them and can be
 * rebuilt from the batches alone.
 *
 * Writes are coalesced: changes gather for PROJECTION_DELAY_MS (longer while a sync pull
 * streams in), then go in chunks, one link of the write chain each. A live process's view
 * (waiting, running) is not written: the fold in memory serves every read of it. A unit
 * that has settled leaves memory in the same write as its last projections (see Pager).
 */
import { canonicalJson } from '../protocol/canonical.js'
import { duplicateRuns } from '../protocol/duplicates.js'
import { sha3Hex } from '../protocol/crypto.js'
import type { LedgerFold } from '../protocol/fold.js'
import { type GraphInfo, isFinal, type LogEntry, type ProcessInfo, ProcessState } from '../protocol/state.js'
import { END, graphStateKey, logKey, queueKey, queuePrefix, removedKey, SEP, stateKey, statePrefix, submitKey } from './keys.js'
import type { Pager } from './pager.js'
import {
  type ColonySnapshot, type Counts, del, type FunctionStats, type GraphCounted, type Op, put, type StoredProcess, type Store, type Written, writeOps
} from './sublevels.js'
import type { WriteChain } from './write-chain.js'

/**
 * Bump when the projection layout or the fold's semantics change: the store rebuilds on open.
 * 2: `procs` holds settled processes only (1 held every process).
 * 3: settled units leave memory for `units`; counts, attrs, graphs, colonylog, checkpoints.
 * 4: a process notes claims that lost its attempt (`dups`): stored units' hashes change.
 */
export const PROJECTION_VERSION = 4

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

export interface ProjectionsOptions {
  readonly store: Store
  readonly fold: () => LedgerFold
  readonly chain: WriteChain
  readonly pager: Pager
  /** more records are queued for the store: wait for them before writing */
  readonly streaming: () => boolean
  /** a write failed: the ledger stops accepting writes */
  readonly fail: (err: unknown) => void
}

export class Projections {
  private readonly store: Store
  private readonly fold: () => LedgerFold
  private readonly chain: WriteChain
  private readonly pager: Pager
  private readonly streaming: () => boolean
  private readonly fail: (err: unknown) => void
  /** what the store holds for each process in memory */
  private readonly written = new Map<string, Written>()
  /** each workflow in memory that is counted (and listed by state) */
  private readonly graphCounted = new Map<string, GraphCounted>()
  /** processes (and whether colony-level state) changed since the last write */
  private readonly pending = new Set<string>()
  /** units changed since the last write: candidates to leave memory once written */
  private readonly pendingUnits = new Set<string>()
  private colonyPending = false
  private counts: { processes: Map<string, number[]>, workflows: Map<string, number[]> } = { processes: new Map(), workflows: new Map() }
  /** per colony: successful runs' times per function, and where each executor last got work */
  private functions = new Map<string, Record<string, FunctionStats>>()
  private seen = new Map<string, Record<string, { site: string, at: number }>>()
  /** processes that ran more than once: id → colony and executions beyond the winning ones */
  private dups = new Map<string, { colony: string, n: number }>()
  private countsChanged = false
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
    this.pager = opts.pager
    this.streaming = opts.streaming
    this.fail = opts.fail
  }

  /** At open: the counts as stored. */
  async open (): Promise<void> {
    const c = await this.store.meta.get('counts') as Counts | undefined
    this.counts = {
      processes: new Map(Object.entries(c?.processes ?? {})),
      workflows: new Map(Object.entries(c?.workflows ?? {}))
    }
    // JSON keeps no Infinity: a minimum not yet set comes back as null
    this.functions = new Map(Object.entries(c?.functions ?? {}).map(([colony, fns]) => [colony, Object.fromEntries(Object.entries(fns).map(([k, st]) =>
      [k, { ...st, minWait: st.minWait ?? Infinity, minExec: st.minExec ?? Infinity }]))]))
    this.seen = new Map(Object.entries(c?.seen ?? {}))
    this.dups = new Map(Object.entries(c?.dups ?? {}))
  }

  /** Forgets everything it knew of the store (a rebuild drops the projections). */
  reset (): void {
    this.written.clear()
    this.graphCounted.clear()
    this.pending.clear()
    this.pendingUnits.clear()
    this.colonyPending = false
    this.since = 0
    this.counts = { processes: new Map(), workflows: new Map() }
    this.functions.clear()
    this.seen.clear()
    this.dups.clear()
    this.countsChanged = true
  }

  /** A unit came back into memory: what the store holds for its processes. */
  adopt (id: string, written: Readonly<Record<string, Written>>, graph: GraphCounted | undefined): void {
    for (const [pid, w] of Object.entries(written)) this.written.set(pid, w)
    if (graph !== undefined) this.graphCounted.set(id, graph)
  }

  /** What the store holds for these processes (a checkpoint keeps it with a live unit). */
  writtenOf (pids: readonly string[]): Record<string, Written> {
    const out: Record<string, Written> = {}
    for (const pid of pids) {
      const w = this.written.get(pid)
      if (w !== undefined) out[pid] = w
    }
    return out
  }

  /**
   * After an unclean stop the projections may be ahead of what the checkpoint says of a
   * process still in memory: read what the store really holds for it.
   */
  async readBack (p: ProcessInfo): Promise<void> {
    const { queue, bystate, procs, logs } = this.store
    let state: string | undefined
    for (const s of [ProcessState.WAITING, ProcessState.RUNNING, ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED]) {
      const k = stateKey(p.colonyname, s, isFinal(s) ? p.endtime : p.submissiontime, p.processid)
      if (await bystate.get(k) !== undefined) {
        if (state !== undefined) await bystate.del(state) // two: keep one, the diff fixes the rest
        state = k
      }
    }
    const qk = queueKey(p.colonyname, p.spec.conditions.executortype, p.prioritytime, p.submitkey)
    const w: Written = { view: await procs.get(p.processid) !== undefined, logs: 0, lastLog: '', attrs: 0 }
    if (state !== undefined) w.state = state
    const sk = submitKey(p.colonyname, p.submissiontime, p.processid)
    if (await this.store.bysubmit.get(sk) !== undefined) w.submit = sk
    if (await queue.get(qk) !== undefined) w.queue = qk
    const logKeys = await logs.keys({ gt: p.processid + SEP, lt: p.processid + END }).all()
    w.logs = logKeys.length
    w.lastLog = logKeys.length === 0 ? '' : (logKeys[logKeys.length - 1] as string).split(SEP)[2] ?? ''
    this.written.set(p.processid, w)
    this.pending.add(p.processid)
  }

  /** Changes and not yet written (processes, plus one for colony-level state). */
  pendingCount (): number {
    return this.pending.size + (this.colonyPending ? 1 : 0)
  }

  /** A settled unit came back into memory: it goes out again at the next write if nothing changes it. */
  noteUnit (id: string): void {
    this.pendingUnits.add(id)
    this.schedule()
  }

  /** Queues what the fold changed; writes it in PROJECTION_DELAY_MS, or later while records still stream in. */
  note (processes: readonly string[], colonyLevel: boolean, units: readonly string[]): void {
    for (const pid of processes) this.pending.add(pid)
    for (const u of units) this.pendingUnits.add(u)
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
      await this.chain.run(async () => { await this.writeChunk() })
      if (this.pendingCount() === 0 && this.pendingUnits.size === 0) return
    }
  }

  /** Every pending projection, chunk by chunk, in the write chain (the caller holds it). */
  async writeAll (): Promise<void> {
    do await this.writeChunk()
    while (this.pendingCount() > 0 || this.pendingUnits.size > 0)
  }

  /**
   * A unit is pruned: what the store held for its processes (as `written` says, or as
   * given for a unit away from memory) leaves the counts, and its workflow the list by
   * state. Returns what its processes and workflow had written.
   */
  forget (pids: readonly string[], away: Readonly<Record<string, Written>> | undefined, graph: string | undefined, awayGraph: GraphCounted | undefined): { written: Record<string, Written>, graph: GraphCounted | undefined } {
    const written: Record<string, Written> = { ...(away ?? {}) }
    for (const pid of pids) {
      const w = this.written.get(pid)
      if (w !== undefined) written[pid] = w
      this.written.delete(pid)
      this.pending.delete(pid)
    }
    for (const w of Object.values(written)) if (w.state !== undefined) this.countState(w.state, -1)
    let g: GraphCounted | undefined
    if (graph !== undefined) {
      g = this.graphCounted.get(graph) ?? awayGraph
      this.graphCounted.delete(graph)
      this.pendingUnits.delete(graph)
      if (g !== undefined) {
        bump(this.counts.workflows, g.colony, g.state, -1)
        this.countsChanged = true
      }
    }
    return { written, graph: g }
  }

  /** Writes the counts now (with a prune's deletions). */
  countsOps (): Op[] {
    if (!this.countsChanged) return []
    this.countsChanged = false
    return [put(this.store.meta, 'counts', this.countsValue())]
  }

  /** The workflow as counted, for a checkpoint of a live unit. */
  countedGraph (id: string): GraphCounted | undefined {
    return this.graphCounted.get(id)
  }

  /** One chunk of projection writes, in the write chain (the caller holds it). */
  async writeChunk (): Promise<void> {
    await writeOps(this.store.db, await this.ops(PROJECTION_CHUNK))
    if (this.pendingCount() === 0) this.since = 0
  }

  /** No more timers; a last `flush` may still be called. */
  close (): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Projection writes for up to `limit` of the processes changed since they were last written. */
  private async ops (limit: number): Promise<Op[]> {
    const fold = this.fold()
    const ops: Op[] = []
    const processes: string[] = []
    for (const pid of this.pending) {
      if (processes.length >= limit) break
      processes.push(pid)
    }
    for (const pid of processes) this.pending.delete(pid)
    const colonyLevel = this.colonyPending
    this.colonyPending = false
    for (const pid of processes) await this.processOps(pid, ops)
    if (colonyLevel) ops.push(put(this.store.colony, 'state', colonySnapshot(fold)))
    // units whose processes are all written: count their workflows; settled ones leave memory
    for (const id of [...this.pendingUnits]) {
      const pids = fold.processIdsOf(id)
      if (pids.some(pid => this.pending.has(pid))) continue
      this.pendingUnits.delete(id)
      const g = fold.graph(id)
      if (g !== undefined || this.graphCounted.has(id)) this.countGraph(id, g?.graph, ops)
      if (!fold.evictable(id)) continue
      const u = fold.evict(id)
      if (u === undefined) continue
      const written = this.writtenOf(u.processes.map(p => p.processid))
      for (const p of u.processes) this.written.delete(p.processid)
      const counted = this.graphCounted.get(id)
      this.graphCounted.delete(id)
      ops.push(...this.pager.evictionOps(u, written, counted))
    }
    if (this.countsChanged) {
      this.countsChanged = false
      ops.push(put(this.store.meta, 'counts', this.countsValue()))
    }
    return ops
  }

  private async processOps (pid: string, ops: Op[]): Promise<void> {
    const { procs, queue, bystate, logs, attrs } = this.store
    const p = this.fold().processRaw(pid)
    const old = this.written.get(pid)
    if (p === undefined) {
      // a workflow node that no longer exists (its generator firing lost to an earlier one)
      if (old !== undefined) {
        if (old.queue !== undefined) ops.push(del(queue, old.queue))
        if (old.state !== undefined) {
          ops.push(del(bystate, old.state))
          this.countState(old.state, -1)
        }
        if (old.view) ops.push(del(procs, pid))
        if (old.submit !== undefined) ops.push(del(this.store.bysubmit, old.submit))
        for await (const k of logs.keys({ gt: pid + SEP, lt: pid + END })) ops.push(del(logs, k))
        this.written.delete(pid)
      }
      return
    }
    const w = writtenFor(p)
    this.noteDuplicates(p)
    if (old?.queue !== undefined && old.queue !== w.queue) ops.push(del(queue, old.queue))
    if (old?.state !== undefined && old.state !== w.state) {
      ops.push(del(bystate, old.state))
      this.countState(old.state, -1)
    }
    if (w.queue !== undefined && w.queue !== old?.queue) ops.push(put(queue, w.queue, pid))
    if (w.state !== undefined && w.state !== old?.state) {
      ops.push(put(bystate, w.state, pid))
      this.countState(w.state, 1)
      this.noteRun(p, old?.state)
    }
    if (old?.submit !== undefined && old.submit !== w.submit) ops.push(del(this.store.bysubmit, old.submit))
    if (w.submit !== undefined && w.submit !== old?.submit) ops.push(put(this.store.bysubmit, w.submit, pid))
    // removed: listed by removal time, so a prune frees its space once the removal is stable
    if (p.removed) w.removed = removedKey(p.colonyname, p.removedat, this.fold().unitOf(pid) ?? pid)
    if (old?.removed !== undefined && old.removed !== w.removed) ops.push(del(this.store.removed, old.removed))
    if (w.removed !== undefined && w.removed !== old?.removed) ops.push(put(this.store.removed, w.removed, ''))
    if (w.view) {
      // it settled, or changed after it settled (a re-fold's other result, say)
      ops.push(put(procs, pid, viewOf(p)))
      this.viewsWritten++
    } else if (old?.view === true) {
      // removed, or unsettled by a re-fold (a late claim that wins the attempt)
      ops.push(del(procs, pid))
    }
    // Attributes: an index from id to process; all go when the process is removed.
    const attrsFrom = old?.attrs ?? 0
    if (p.removed) {
      for (const a of p.attributes) ops.push(del(attrs, a.attributeid))
    } else {
      for (let i = Math.min(attrsFrom, p.attributes.length); i < p.attributes.length; i++) {
        const a = p.attributes[i]
        if (a !== undefined) ops.push(put(attrs, a.attributeid, pid))
      }
    }
    // Logs are append-only in the normal case; after a re-fold changed them, rewrite them.
    const appendOnly = old !== undefined && old.logs <= p.logs.length && (old.logs === 0 || p.logs[old.logs - 1]?.id === old.lastLog)
    if ((!appendOnly || p.removed) && old !== undefined && old.logs > 0) {
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

  /**
   * A process changed state: a successful run adds to its function's times (a re-fold that
   * unsettles it takes them back; a removal does not, as in ColonyOS), and a claim says
   * where its executor got work.
   */
  private noteRun (p: ProcessInfo, oldState: string | undefined): void {
    const was = oldState === undefined ? undefined : Number(oldState.split(SEP)[1])
    const fn = p.spec.conditions.executortype + SEP + p.spec.funcname
    if (p.state === ProcessState.SUCCESS || was === ProcessState.SUCCESS) {
      let byFn = this.functions.get(p.colonyname)
      if (byFn === undefined) this.functions.set(p.colonyname, byFn = {})
      const st = byFn[fn] ??= { n: 0, waitSum: 0, execSum: 0, minWait: Infinity, maxWait: 0, minExec: Infinity, maxExec: 0 }
      const wait = (p.starttime - p.submissiontime) / 1000
      const exec = (p.endtime - p.starttime) / 1000
      if (p.state === ProcessState.SUCCESS) {
        st.n++
        st.waitSum += wait
        st.execSum += exec
        st.minWait = Math.min(st.minWait, wait)
        st.maxWait = Math.max(st.maxWait, wait)
        st.minExec = Math.min(st.minExec, exec)
        st.maxExec = Math.max(st.maxExec, exec)
      } else if (st.n > 0) {
        st.n--
        st.waitSum -= wait
        st.execSum -= exec
      }
      this.countsChanged = true
    }
    const last = p.history[p.history.length - 1]
    if (last !== undefined && last.executorid !== '' && last.site !== '') {
      let seen = this.seen.get(p.colonyname)
      if (seen === undefined) this.seen.set(p.colonyname, seen = {})
      const known = seen[last.executorid]
      if (known === undefined || last.at > known.at) {
        seen[last.executorid] = { site: last.site, at: last.at }
        this.countsChanged = true
      }
    }
  }

  /** Keeps the count of a process's duplicate executions as its fold now says (a re-fold may change it). */
  private noteDuplicates (p: ProcessInfo): void {
    const n = p.dups === undefined ? 0 : duplicateRuns(p).length
    if (n === (this.dups.get(p.processid)?.n ?? 0)) return
    if (n === 0) this.dups.delete(p.processid)
    else this.dups.set(p.processid, { colony: p.colonyname, n })
    this.countsChanged = true
  }

  /** Processes that ran more than once (of `colony`, or of every colony), with their executions beyond the winning ones. */
  duplicates (colony?: string): Array<{ processid: string, colony: string, n: number }> {
    const out: Array<{ processid: string, colony: string, n: number }> = []
    for (const [processid, d] of this.dups) if (colony === undefined || d.colony === colony) out.push({ processid, ...d })
    return out
  }

  /** Successful runs' times per function (executor type + NUL + function name) in a colony. */
  functionStats (colony: string): Readonly<Record<string, FunctionStats>> {
    return this.functions.get(colony) ?? {}
  }

  /** Where each executor of a colony last got work (the claiming site), and when. */
  executorsSeen (colony: string): Readonly<Record<string, { site: string, at: number }>> {
    return this.seen.get(colony) ?? {}
  }

  /** Counts one process more or fewer in the state its `bystate` key names. */
  private countState (key: string, by: number): void {
    const [colony, state] = key.split(SEP)
    bump(this.counts.processes, colony ?? '', Number(state), by)
    this.countsChanged = true
  }

  /** Counts a workflow under its state (none once removed) and lists it by state. */
  private countGraph (id: string, g: GraphInfo | undefined, ops: Op[]): void {
    const before = this.graphCounted.get(id)
    const key = g === undefined ? undefined : graphStateKey(g.colonyname, g.state, g.submissiontime, id)
    if (before?.key === key) return
    if (before !== undefined) {
      bump(this.counts.workflows, before.colony, before.state, -1)
      ops.push(del(this.store.graphstate, before.key))
    }
    if (g !== undefined && key !== undefined) {
      bump(this.counts.workflows, g.colonyname, g.state, 1)
      ops.push(put(this.store.graphstate, key, id))
      this.graphCounted.set(id, { colony: g.colonyname, state: g.state, key })
    } else {
      this.graphCounted.delete(id)
    }
    this.countsChanged = true
  }

  private countsValue (): Counts {
    return {
      processes: Object.fromEntries(this.counts.processes),
      workflows: Object.fromEntries(this.counts.workflows),
      functions: Object.fromEntries(this.functions),
      seen: Object.fromEntries(this.seen),
      ...(this.dups.size === 0 ? {} : { dups: Object.fromEntries(this.dups) })
    }
  }

  /** Processes and workflows per state in a colony (WAITING … CANCELLED), removed ones excluded. */
  countsOf (colony: string): { processes: number[], workflows: number[] } {
    return {
      processes: [...(this.counts.processes.get(colony) ?? [0, 0, 0, 0, 0])],
      workflows: [...(this.counts.workflows.get(colony) ?? [0, 0, 0, 0, 0])]
    }
  }

  /** A hash over every projection entry as stored on disk. */
  async hash (): Promise<string> {
    await this.flush()
    const { procs, queue, bystate, logs, colony, graphs, attrs } = this.store
    const parts: string[] = []
    const add = async <V>(name: string, it: AsyncIterable<[string, V]>): Promise<void> => {
      for await (const [k, v] of it) parts.push(name + SEP + k + SEP + canonicalJson(v))
    }
    await add('procs', procs.iterator())
    await add('queue', queue.iterator())
    await add('bystate', bystate.iterator())
    await add('logs', logs.iterator())
    await add('colony', colony.iterator())
    await add('graphs', graphs.iterator())
    await add('graphstate', this.store.graphstate.iterator())
    await add('attrs', attrs.iterator())
    await add('bysubmit', this.store.bysubmit.iterator())
    return sha3Hex(parts.join('\n'))
  }

  // ---- queries (each first writes what is pending, so a reader sees its own writes) ----

  /** Waiting process ids for one executor type, lowest priority time first. */
  async waiting (colony: string, executortype: string, limit = 100): Promise<string[]> {
    await this.flush()
    const prefix = queuePrefix(colony, executortype)
    return await this.store.queue.values({ gte: prefix, lt: prefix.slice(0, -1) + END, limit }).all()
  }

  /** Process ids in a state, oldest submission first (newest first with `reverse`), from `sinceMs` on. */
  async byState (colony: string, state: number, limit = 100, opts: { reverse?: boolean, sinceMs?: number } = {}): Promise<string[]> {
    await this.flush()
    const prefix = statePrefix(colony, state)
    const gte = opts.sinceMs === undefined ? prefix : prefix + String(Math.max(0, Math.trunc(opts.sinceMs))).padStart(15, '0')
    return await this.store.bystate.values({ gte, lt: prefix.slice(0, -1) + END, limit, reverse: opts.reverse === true }).all()
  }

  /** Process ids of every state by submission time, oldest first (newest first with `reverse`), from `sinceMs`. */
  async bySubmission (colony: string, limit = 100, opts: { reverse?: boolean, sinceMs?: number } = {}): Promise<string[]> {
    await this.flush()
    const prefix = colony + SEP
    const gte = opts.sinceMs === undefined ? prefix : prefix + String(Math.max(0, Math.trunc(opts.sinceMs))).padStart(15, '0')
    return await this.store.bysubmit.values({ gte, lt: colony + END, limit, reverse: opts.reverse === true }).all()
  }

  /** Workflow ids in a state, oldest first (newest first with `reverse`). */
  async graphsByState (colony: string, state: number, limit = 100, reverse = false): Promise<string[]> {
    await this.flush()
    const prefix = statePrefix(colony, state)
    return await this.store.graphstate.values({ gte: prefix, lt: prefix.slice(0, -1) + END, limit, reverse }).all()
  }

  /** A settled process's view as stored; undefined while it is live (the fold has it) or once removed. */
  async process (processid: string): Promise<StoredProcess | undefined> {
    await this.flush()
    return await this.store.procs.get(processid)
  }

  /** A process's logs from `sinceMs`, the first `limit` (the last `limit` with `latest`), oldest first. */
  async logs (processid: string, limit = 500, sinceMs = 0, latest = false): Promise<LogEntry[]> {
    await this.flush()
    const out = await this.store.logs.values({ gte: logKey(processid, sinceMs, ''), lt: processid + END, limit, reverse: latest }).all()
    return latest ? out.reverse() : out
  }
}

function bump (m: Map<string, number[]>, colony: string, state: number, by: number): void {
  let c = m.get(colony)
  if (c === undefined) m.set(colony, c = [0, 0, 0, 0, 0])
  c[state] = (c[state] ?? 0) + by
}

function writtenFor (p: ProcessInfo): Written {
  const w: Written = p.removed
    ? { logs: 0, lastLog: '', view: false, attrs: 0 }
    : { logs: p.logs.length, lastLog: p.logs[p.logs.length - 1]?.id ?? '', view: isFinal(p.state), attrs: p.attributes.length }
  if (!p.removed) {
    w.state = stateKey(p.colonyname, p.state, isFinal(p.state) ? p.endtime : p.submissiontime, p.processid)
    w.submit = submitKey(p.colonyname, p.submissiontime, p.processid)
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

export function colonySnapshot (fold: LedgerFold): ColonySnapshot[] {
  return fold.colonies().map(c => ({
    colony: c,
    executors: fold.executors(c.name),
    users: fold.users(c.name),
    functions: fold.functions(c.name)
  }))
}
