/**
 * Reads of the colony's processes and workflows, wherever they are: a live one from the
 * fold in memory, a settled one from the store (DESIGN decision 11). Every read of history
 * goes through here, so that the node never needs the whole ledger in memory.
 */
import type { LedgerFold } from '../protocol/fold.js'
import { type AttributeInfo, type GraphInfo, type LogEntry, type ProcessInfo, ProcessState } from '../protocol/state.js'
import type { FunctionTimes } from '../protocol/wire.js'
import { END, SEP, statePrefix } from './keys.js'
import type { Projections } from './projections.js'
import type { StoredProcess, Store } from './sublevels.js'

/** A page of a listing: the processes, and how many match in all (`exact` false: at least that many). */
export interface ListPage {
  readonly total: number
  readonly exact: boolean
  readonly processes: StoredProcess[]
}

/** Settled processes looked at, at most, to count a filtered listing's total. */
export const LIST_SCAN_LIMIT = 20_000

/** Waiting: the order they will run in. Running: oldest first. */
function liveOrder (state: number): (a: StoredProcess, b: StoredProcess) => number {
  if (state === ProcessState.WAITING) return (a, b) => a.prioritytime - b.prioritytime || (a.submitkey < b.submitkey ? -1 : 1)
  return (a, b) => a.starttime - b.starttime || (a.submitkey < b.submitkey ? -1 : 1)
}

/** A workflow as read: its view and its nodes' views. */
export interface WorkflowView {
  readonly graph: GraphInfo
  readonly procs: ReadonlyMap<string, StoredProcess>
}

/** The filter that keeps every process. */
export const everything = (): boolean => true

export class LedgerReads {
  constructor (
    private readonly store: Store,
    private readonly fold: () => LedgerFold,
    private readonly projections: Projections
  ) {}

  /** A process (not removed), live or settled; undefined when there is none. */
  async process (processid: string): Promise<StoredProcess | undefined> {
    const fold = this.fold()
    const p = fold.processRaw(processid)
    if (p !== undefined) return p.removed ? undefined : p
    return await this.projections.process(processid)
  }

  /** Processes by id (those that exist, not removed), in the order asked. */
  async processes (ids: readonly string[]): Promise<StoredProcess[]> {
    const fold = this.fold()
    const out: Array<StoredProcess | undefined> = ids.map(id => fold.processRaw(id))
    const away = ids.filter((_, i) => out[i] === undefined)
    if (away.length > 0) {
      await this.projections.flush()
      const stored = await this.store.procs.getMany(away)
      let j = 0
      ids.forEach((_, i) => { if (out[i] === undefined) out[i] = stored[j++] })
    }
    return out.filter((p): p is StoredProcess => p !== undefined && !p.removed)
  }

  /** A process with its logs (live ones only hold them in memory; settled ones read them). */
  async processWithLogs (processid: string): Promise<ProcessInfo | undefined> {
    const fold = this.fold()
    const p = fold.processRaw(processid)
    if (p !== undefined) return p.removed ? undefined : p
    const view = await this.projections.process(processid)
    if (view === undefined) return undefined
    return { ...view, logs: await this.projections.logs(processid, 100_000) }
  }

  /** A workflow (not removed) and its nodes. */
  async workflow (graphid: string): Promise<WorkflowView | undefined> {
    const g = this.fold().graph(graphid)
    if (g !== undefined) return { graph: g.graph, procs: g.procs }
    await this.projections.flush()
    const graph = await this.store.graphs.get(graphid)
    if (graph === undefined || graph.removed) return undefined
    const views = await this.store.procs.getMany(graph.processids)
    const procs = new Map<string, StoredProcess>()
    views.forEach(v => { if (v !== undefined) procs.set(v.processid, v) })
    return { graph, procs }
  }

  /**
   * A page of a colony's processes in a state (-1: any), in listing order: waiting ones in
   * the order they will run, running ones oldest first (both from memory), settled ones
   * latest to end first, any state latest submitted first (from the store's indices).
   * `keep` filters; the total of a filtered listing of settled processes is counted over
   * at most LIST_SCAN_LIMIT of them.
   */
  async page (colony: string, state: number, keep: (p: StoredProcess) => boolean, offset: number, count: number): Promise<ListPage> {
    if (state === ProcessState.WAITING || state === ProcessState.RUNNING) {
      const all: StoredProcess[] = []
      for (const p of this.fold().processes(colony)) if (p.state === state && keep(p)) all.push(p)
      all.sort(liveOrder(state))
      return { total: all.length, exact: true, processes: all.slice(offset, offset + count) }
    }
    await this.projections.flush()
    const counts = this.counts(colony).processes
    const unfiltered = keep === everything
    const total = unfiltered ? (state >= 0 ? counts[state] ?? 0 : counts.reduce((a, b) => a + b, 0)) : 0
    const page: StoredProcess[] = []
    let matched = 0
    let looked = 0
    const ids = state >= 0 ? this.idsInState(colony, state) : this.idsBySubmission(colony)
    let batch: string[] = []
    const take = async (): Promise<boolean> => {
      for (const p of await this.processes(batch)) {
        if (!keep(p)) continue
        if (matched >= offset && page.length < count) page.push(p)
        matched++
      }
      batch = []
      return unfiltered ? matched < offset + count : looked < LIST_SCAN_LIMIT
    }
    let more = true
    for await (const id of ids) {
      if (unfiltered && looked < offset) { looked++; matched++; continue }
      batch.push(id)
      looked++
      if (batch.length >= 256 && !(more = await take())) break
    }
    if (more && batch.length > 0) await take()
    return unfiltered ? { total, exact: true, processes: page } : { total: matched, exact: more, processes: page }
  }

  /** Ids of a colony's processes in a state, latest first (by end time for settled ones). */
  private async * idsInState (colony: string, state: number): AsyncGenerator<string> {
    await this.projections.flush()
    const prefix = statePrefix(colony, state)
    yield * this.store.bystate.values({ gte: prefix, lt: prefix.slice(0, -1) + END, reverse: true })
  }

  private async * idsBySubmission (colony: string): AsyncGenerator<string> {
    await this.projections.flush()
    yield * this.store.bysubmit.values({ gte: colony + SEP, lt: colony + END, reverse: true })
  }

  /**
   * The times (ms) at which a colony's processes entered a settled state since `sinceMs`
   * (end times), or were submitted (`state` -1): read from the indices' keys alone.
   */
  async times (colony: string, state: number, sinceMs: number): Promise<number[]> {
    await this.projections.flush()
    const prefix = state >= 0 ? statePrefix(colony, state) : colony + SEP
    const sub = state >= 0 ? this.store.bystate : this.store.bysubmit
    const out: number[] = []
    for await (const k of sub.keys({ gte: prefix + String(Math.max(0, Math.trunc(sinceMs))).padStart(15, '0'), lt: prefix.slice(0, -1) + END })) {
      out.push(Number(k.slice(prefix.length, prefix.length + 15)))
    }
    return out
  }

  /** A function's successful runs (its executor type and name) in a colony. */
  functionTimes (colony: string, executortype: string, funcname: string): FunctionTimes | undefined {
    return this.projections.functionStats(colony)[executortype + SEP + funcname]
  }

  /** Processes that ran more than once (duplicates.ts), of one colony or all, with their executions beyond the winning ones. */
  duplicates (colony?: string): Array<{ processid: string, colony: string, n: number }> {
    return this.projections.duplicates(colony)
  }

  /** Where each executor of a colony last got work (the site whose claim handed it), and when. */
  executorsSeen (colony: string): Readonly<Record<string, { site: string, at: number }>> {
    return this.projections.executorsSeen(colony)
  }

  /** The node whose log holds the record that created a process: where it was submitted. */
  async submitOrigin (processid: string): Promise<string | undefined> {
    const fold = this.fold()
    const here = fold.submitOrigin(processid)
    if (here !== undefined) return here
    const unit = await this.store.nodeof.get(processid) ?? processid
    const u = await this.store.units.get(unit)
    return u?.entries.find(e => e.id === unit || e.rec.b.k === 'fire' || e.rec.b.k === 'genfire' || e.msg?.msgtype === 'submitworkflowspecmsg' || e.msg?.msgtype === 'runcronmsg')?.rec.o ?? u?.entries[0]?.rec.o
  }

  /** Process ids in a state, oldest submission first (newest first with `reverse`), from `sinceMs`. */
  async processIds (colony: string, state: number, limit: number, opts: { reverse?: boolean, sinceMs?: number } = {}): Promise<string[]> {
    return await this.projections.byState(colony, state, limit, opts)
  }

  /** Workflow ids in a state, oldest first (newest first with `reverse`). */
  async workflowIds (colony: string, state: number, limit: number, reverse = false): Promise<string[]> {
    return await this.projections.graphsByState(colony, state, limit, reverse)
  }

  /** An attribute by id, with the process it belongs to. */
  async attribute (attributeid: string): Promise<{ attribute: AttributeInfo, process: StoredProcess } | undefined> {
    await this.projections.flush()
    const pid = await this.store.attrs.get(attributeid)
    if (pid === undefined) return undefined
    const p = await this.process(pid)
    const a = p?.attributes.find(x => x.attributeid === attributeid)
    return p === undefined || a === undefined ? undefined : { attribute: a, process: p }
  }

  /** Whether the colony has removed processes or workflows whose space a prune has yet to free. */
  async hasRemoved (colony: string): Promise<boolean> {
    await this.projections.flush()
    return (await this.store.removed.keys({ gte: colony + SEP, lt: colony + END, limit: 1 }).all()).length > 0
  }

  /** Processes and workflows per state (WAITING … CANCELLED) in a colony, removed ones not counted. */
  counts (colony: string): { processes: number[], workflows: number[] } {
    return this.projections.countsOf(colony)
  }

  async logs (processid: string, limit = 500, sinceMs = 0): Promise<LogEntry[]> {
    return await this.projections.logs(processid, limit, sinceMs)
  }

  /** Log entries of a colony's processes, newest last, from `sinceMs` (a scan: searches are rare). */
  async * colonyLogs (colony: string, sinceMs: number): AsyncGenerator<LogEntry> {
    await this.projections.flush()
    for await (const l of this.store.logs.values()) if (l.colonyname === colony && l.timestamp >= sinceMs) yield l
  }
}
