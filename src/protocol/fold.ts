/**
 * The deterministic fold (DESIGN decision 3): records → colony state. Any two nodes that
 * hold the same records compute the same state, whatever order the records arrived in,
 * and however often. `LedgerFold` is the incremental engine; `foldRecords` the pure
 * function over a whole record set, and both give the same `stateHash`.
 *
 * Partitioning keeps late arrivals cheap: colony-level records (sites, colonies,
 * executors, users, functions) fold into a versioned Timeline; each process folds alone
 * against it. A record arriving in order is one step; an out-of-order process record
 * re-folds only its process; an out-of-order colony-level record re-folds the timeline
 * and the processes of that colony that it could affect.
 */
import { canonicalJson } from './canonical.js'
import type { ChannelEntry, ProcChannels } from './channel-fold.js'
import { channelRefusals } from './channel-units.js'
import { sha3Hex } from './crypto.js'
import type { FoldEntry } from './entry.js'
import { type CronRun, cronRunOf, route, type Unit, xorHex } from './fold-units.js'
import type { FileFold } from './file-fold.js'
import { PagedFold } from './fold-paging.js'
import type { GenState } from './gen-fold.js'
import { generatorRef } from './gen-fold.js'
import type { GraphState } from './graph-fold.js'
import { notFound, type Refusal } from './refusal.js'
import type { ColonyInfo, CronInfo, ExecutorInfo, FunctionInfo, GeneratorInfo, ProcessInfo, UserInfo } from './state.js'

export { route, type CronRun, type EvictedUnit, type PagingNeeds, type Route, type UnitRecords } from './fold-units.js'

/** A site's removal from a colony, as the fold holds it (see LedgerFold.removals). */
export interface SiteRemoval {
  readonly colony: string
  /** the signer of the removesitemsg: the colony's owner */
  readonly by: string
  /** ms since the epoch, the removal record's clock */
  readonly at: number
  readonly record: string
  /** the node whose batch holds the record, and that batch's sequence (when the store knows it) */
  readonly origin: string
  readonly seq?: number
}

export class LedgerFold extends PagedFold {
  // ---- reading the state -----------------------------------------------------------------

  /** Why a record was refused, or undefined when it was applied (or is unknown). */
  refusal (id: string): Refusal | undefined {
    const e = this.seen.get(id)
    if (e === undefined) return undefined
    const r = route(e)
    switch (r.kind) {
      case 'colony': return this.timeline.refusals.get(id)
      case 'file': return this.fileFold.refusal(e)
      case 'pack': return this.gens.get(generatorRef(e) as string)?.state.refusals.get(id)
      case 'blueprint': return this.books.get(r.colony)?.refusal(id)
      case 'create': {
        const unit = this.units.get(r.unit)
        return unit === undefined ? notFound('the process does not exist') : this.refusalsByUnit.get(unit)?.get(id)
      }
      case 'bulk': {
        // its processes are judged alike: the first one held speaks for the record
        const unit = r.units.map(pid => this.units.get(pid)).find(u => u !== undefined)
        return unit === undefined ? notFound('the process does not exist') : this.refusalsByUnit.get(unit)?.get(id)
      }
      case 'graph': {
        const unit = this.units.get(r.gid)
        return unit === undefined ? notFound('the workflow does not exist') : this.refusalsByUnit.get(unit)?.get(id)
      }
      case 'process': {
        const unit = this.byProcess.get(r.pid)
        return unit === undefined ? notFound('the process does not exist') : this.refusalsByUnit.get(unit)?.get(id)
      }
      case 'channel': {
        const unit = this.byProcess.get(r.pid)
        return unit === undefined ? notFound('the process does not exist') : unit.chans?.get(r.pid)?.refusals.get(id)
      }
    }
  }

  /** Every refused record and why. */
  refusals (): Map<string, Refusal> {
    const out = new Map(this.timeline.refusals)
    for (const [id, why] of this.fileFold.refusals()) out.set(id, why)
    for (const g of this.gens.values()) {
      for (const [id, why] of g.state.refusals) if (this.seen.get(id)?.rec.b.k === 'env') out.set(id, why)
    }
    for (const m of this.refusalsByUnit.values()) for (const [id, why] of m) out.set(id, why)
    for (const b of this.books.values()) for (const [id, why] of b.refusals()) out.set(id, why)
    for (const u of this.units.values()) for (const [id, why] of channelRefusals(u)) out.set(id, why)
    for (const list of this.orphans.values()) {
      for (const e of list) out.set(e.id, notFound(route(e).kind === 'graph' ? 'the workflow does not exist' : 'the process does not exist'))
    }
    return out
  }

  process (processid: string): ProcessInfo | undefined {
    const p = this.processRaw(processid)
    return p === undefined || p.removed ? undefined : p
  }

  /** The node whose log holds the record that created the process: where it was submitted. */
  submitOrigin (processid: string): string | undefined {
    const unit = this.byProcess.get(processid)
    if (unit?.graph !== undefined) return unit.graph.creator.rec.o
    return unit?.entries[0]?.rec.o
  }

  /** The folded process, removed ones included (for projections). */
  processRaw (processid: string): ProcessInfo | undefined {
    const unit = this.byProcess.get(processid)
    if (unit === undefined) return undefined
    return unit.proc ?? unit.graph?.procs.get(processid)
  }

  * processesRaw (): IterableIterator<ProcessInfo> {
    for (const u of this.units.values()) {
      if (u.proc !== undefined) yield u.proc
      else if (u.graph !== undefined) yield * u.graph.procs.values()
    }
  }

  /** All live (not removed) processes, in no particular order. */
  * processes (colony?: string): IterableIterator<ProcessInfo> {
    const units = colony === undefined ? this.units.values() : (this.unitsByColony.get(colony) ?? new Set<Unit>()).values()
    for (const u of units) {
      if (u.proc !== undefined) {
        if (!u.proc.removed) yield u.proc
      } else if (u.graph !== undefined && !u.graph.graph.removed) {
        for (const p of u.graph.procs.values()) if (!p.removed) yield p
      }
    }
  }

  /** A live workflow and its nodes. */
  graph (processgraphid: string): GraphState | undefined {
    const g = this.units.get(processgraphid)?.graph
    return g === undefined || g.graph.removed ? undefined : g
  }

  /** The live workflows of a colony, in no particular order. */
  * graphs (colony: string): IterableIterator<GraphState> {
    for (const u of this.unitsByColony.get(colony) ?? []) {
      if (u.graph !== undefined && !u.graph.graph.removed) yield u.graph
    }
  }

  /** A live process's channels (undefined when it is not in memory or has none). */
  channels (processid: string): ProcChannels | undefined {
    return this.byProcess.get(processid)?.chans?.get(processid)
  }

  /** The entries of a live process's channel, in ledger order (the same at every site). */
  channelEntries (processid: string, name: string): readonly ChannelEntry[] {
    return this.channels(processid)?.logs.get(name) ?? []
  }

  cron (cronid: string): CronInfo | undefined {
    return this.timeline.crons.get(cronid)?.current
  }

  crons (colony: string): CronInfo[] {
    const out: CronInfo[] = []
    for (const v of this.timeline.crons.values()) if (v.current?.colonyname === colony) out.push(v.current)
    return out.sort((a, b) => a.created - b.created || (a.cronid < b.cronid ? -1 : 1))
  }

  /** The workflows a cron started (removed ones excluded), oldest first. */
  cronRunsOf (cronid: string): GraphState[] {
    const out: GraphState[] = []
    for (const u of this.cronRuns.get(cronid) ?? []) {
      const g = u.graph
      if (g !== undefined && !g.graph.removed && g.graph.source.kind === 'cron' && g.graph.source.cronid === cronid) out.push(g)
    }
    return out.sort((a, b) => a.creator.key < b.creator.key ? -1 : 1)
  }

  /** A cron's latest run (removed ones excluded), in memory or not. */
  cronRun (cronid: string): CronRun | undefined {
    const r = this.cronLatest.get(cronid)
    if (r === undefined) return undefined
    const g = this.units.get(r.processgraphid)?.graph
    if (g !== undefined) return g.graph.removed ? undefined : cronRunOf(g)
    return r
  }

  /** The latest scheduled time a run of the cron was started for (0: none). */
  cronLastAt (cronid: string): number {
    return this.lastAtByCron.get(cronid) ?? 0
  }

  generator (generatorid: string): GeneratorInfo | undefined {
    return this.timeline.generators.get(generatorid)?.current
  }

  generators (colony: string): GeneratorInfo[] {
    const out: GeneratorInfo[] = []
    for (const v of this.timeline.generators.values()) if (v.current?.colonyname === colony) out.push(v.current)
    return out.sort((a, b) => a.created - b.created || (a.generatorid < b.generatorid ? -1 : 1))
  }

  /** A generator's queue: its packs (consumed or not) and accepted firings. */
  generatorQueue (generatorid: string): GenState | undefined {
    return this.gens.get(generatorid)?.state
  }

  /**
   * Every colony's file metadata and snapshots (file-fold.ts): the RPC's reads, and the
   * blob plane's `isChecksumLive` / `checksumsUnder`. Read it through the ledger each time
   * (`ledger.fold.files`): a rebuild replaces the fold.
   */
  get files (): FileFold {
    return this.fileFold
  }

  colony (name: string): ColonyInfo | undefined {
    return this.timeline.colonies.get(name)?.current
  }

  colonies (): ColonyInfo[] {
    const out: ColonyInfo[] = []
    for (const v of this.timeline.colonies.values()) if (v.current !== undefined) out.push(v.current)
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  executors (colony: string): ExecutorInfo[] {
    const out: ExecutorInfo[] = []
    for (const v of this.timeline.executors.get(colony)?.values() ?? []) if (v.current !== undefined) out.push(v.current)
    return out.sort((a, b) => a.executorname < b.executorname ? -1 : a.executorname > b.executorname ? 1 : 0)
  }

  executor (colony: string, executorid: string): ExecutorInfo | undefined {
    return this.timeline.executors.get(colony)?.get(executorid)?.current
  }

  users (colony: string): UserInfo[] {
    const out: UserInfo[] = []
    for (const v of this.timeline.users.get(colony)?.values() ?? []) if (v.current !== undefined) out.push(v.current)
    return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  }

  functions (colony: string): FunctionInfo[] {
    return [...(this.timeline.functions.get(colony)?.values() ?? [])]
      .sort((a, b) => a.functionid < b.functionid ? -1 : 1)
  }

  /** The operator a node declared, as of now. */
  siteOperator (nodeid: string): string | undefined {
    return this.timeline.sites.get(nodeid)?.current?.operatorid
  }

  /**
   * The colonies `nodeid` was a site of and was removed from (and not admitted again):
   * who removed it (the colony's owner), when (the record's wall clock), and the record.
   */
  removals (nodeid: string): SiteRemoval[] {
    const out: SiteRemoval[] = []
    for (const [name, v] of this.timeline.colonies) {
      const c = v.current
      if (c === undefined || c.sites.includes(nodeid)) continue
      const ev = [...this.timeline.eventsOf(name)].reverse().find(ev => ev.kind === 'removesite' && ev.siteid === nodeid)
      const e = ev === undefined ? undefined : this.entry(ev.key.slice(ev.key.lastIndexOf('.') + 1))
      if (e !== undefined) out.push({ colony: name, by: e.author, at: e.rec.t.w, record: e.id, origin: e.rec.o, ...(e.s === undefined ? {} : { seq: e.s }) })
    }
    return out
  }

  /** The name a node gave itself (`--name`, its latest site record; '' if none). */
  siteOwnName (nodeid: string): string {
    return this.timeline.sites.get(nodeid)?.current?.name ?? ''
  }

  /**
   * The name shown for a site of `colony`: the one it gives itself now, else the one the
   * colony's owner admitted it with (a restart with another --name renames it).
   */
  siteName (colony: string, nodeid: string): string {
    const own = this.siteOwnName(nodeid)
    return own !== '' ? own : (this.colony(colony)?.sitenames[nodeid] ?? '')
  }

  isMember (colony: string, id: string): boolean {
    return this.timeline.isMemberAt(colony, id, '\uffff')
  }

  /**
   * Process ids changed since the last call, whether colony-level state changed, the units
   * changed, the colonies whose files did, and the channel entries accepted meanwhile (in
   * the order they were).
   */
  drainChanges (): { processes: string[], colonyLevel: boolean, units: string[], files: string[], channels: ChannelEntry[] } {
    const units: string[] = []
    for (const id of this.unitsChanged) if (this.units.has(id)) units.push(id)
    const out = { processes: [...this.changed], colonyLevel: this.colonyChanged, units, files: this.fileFold.drainChanged(), channels: this.channelsFresh.splice(0) }
    this.changed.clear()
    this.unitsChanged.clear()
    this.colonyChanged = false
    return out
  }

  /** The canonical state: equal on every node that holds the same records. */
  canonicalState (): unknown {
    const byId = <T>(a: T[], k: (t: T) => string): T[] => a.sort((x, y) => k(x) < k(y) ? -1 : k(x) > k(y) ? 1 : 0)
    const colonies = this.colonies().map(c => ({
      ...c,
      executors: this.executors(c.name),
      users: this.users(c.name),
      functions: this.functions(c.name)
    }))
    const sites = byId([...this.timeline.sites.values()].flatMap(v => v.current === undefined ? [] : [v.current]), s => s.nodeid)
    const processes = byId([...this.processesRaw()], p => p.processid)
    const graphs = byId([...this.units.values()].flatMap(u => u.graph === undefined ? [] : [u.graph.graph]), g => g.processgraphid)
    const crons = byId([...this.timeline.crons.values()].flatMap(v => v.current === undefined ? [] : [v.current]), c => c.cronid)
    const generators = byId([...this.timeline.generators.values()].flatMap(v => v.current === undefined ? [] : [v.current]), g => g.generatorid)
    const packs = byId([...this.gens.values()].flatMap(g => g.state.packs.map(p => ({ id: p.id, generatorid: g.id, consumedBy: p.consumedBy ?? '' }))), p => p.id)
    const refusals = [...this.refusals()].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([id, r]) => [id, r.code, r.reason])
    return { sites, colonies, processes, graphs, crons, generators, packs, files: this.fileFold.canonical(), refusals, ...this.booksCanonical() }
  }

  /**
   * The state's hash, equal on every node that holds the same records: the colony level,
   * then the units (processes and workflows with their refusals), each hashed alone and
   * combined by XOR, so that units away from memory keep their part without being read.
   * Records that name a process that does not exist (orphans) are left out: which of them
   * a site still holds depends on when it dropped those of pruned units.
   */
  stateHash (): string {
    let units = this.outsideHash
    for (const u of this.units.values()) units = xorHex(units, this.unitHash(u))
    const byId = <T>(a: T[], k: (t: T) => string): T[] => a.sort((x, y) => k(x) < k(y) ? -1 : k(x) > k(y) ? 1 : 0)
    const colonies = this.colonies().map(c => ({
      ...c,
      executors: this.executors(c.name),
      users: this.users(c.name),
      functions: this.functions(c.name)
    }))
    const sites = byId([...this.timeline.sites.values()].flatMap(v => v.current === undefined ? [] : [v.current]), s => s.nodeid)
    const crons = byId([...this.timeline.crons.values()].flatMap(v => v.current === undefined ? [] : [v.current]), c => c.cronid)
    const generators = byId([...this.timeline.generators.values()].flatMap(v => v.current === undefined ? [] : [v.current]), g => g.generatorid)
    const packs = byId([...this.gens.values()].flatMap(g => g.state.packs.map(p => ({ id: p.id, generatorid: g.id, consumedBy: p.consumedBy ?? '' }))), p => p.id)
    const refusals = new Map(this.timeline.refusals)
    for (const g of this.gens.values()) {
      for (const [id, why] of g.state.refusals) if (this.seen.get(id)?.rec.b.k === 'env') refusals.set(id, why)
    }
    // (file refusals are in the files' part)
    const files = this.fileFold.canonical()
    return sha3Hex(canonicalJson({ sites, colonies, crons, generators, packs, files, refusals: [...refusals].sort((a, b) => a[0] < b[0] ? -1 : 1), units, ...this.booksCanonical() }))
  }

  /** The blueprint books (their records' refusals included), when there are any. */
  private booksCanonical (): { blueprints?: unknown[] } {
    if (this.books.size === 0) return {}
    return { blueprints: [...this.books.values()].sort((a, b) => a.colony < b.colony ? -1 : 1).map(b => b.canonical()) }
  }
}

/** The pure function: a record set (any order, any duplication) → the fold. */
export function foldRecords (entries: Iterable<FoldEntry>): LedgerFold {
  const f = new LedgerFold()
  f.add([...entries])
  return f
}
