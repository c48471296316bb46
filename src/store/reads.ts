/**
 * Reads of the colony's processes and workflows, wherever they are: a live one from the
 * fold in memory, a settled one from the store (DESIGN decision 11). Every read of history
 * goes through here, so that the node never needs the whole ledger in memory.
 */
import type { LedgerFold } from '../protocol/fold.js'
import type { AttributeInfo, GraphInfo, LogEntry, ProcessInfo } from '../protocol/state.js'
import type { Projections } from './projections.js'
import type { StoredProcess, Store } from './sublevels.js'

/** A workflow as read: its view and its nodes' views. */
export interface WorkflowView {
  readonly graph: GraphInfo
  readonly procs: ReadonlyMap<string, StoredProcess>
}

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
