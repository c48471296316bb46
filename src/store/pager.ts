/**
 * Paging (DESIGN decision 11): the fold keeps in memory what can still change often, and
 * the store keeps the rest. A unit (a standalone process or a workflow) that settles
 * leaves memory once its projections are written (`evictionOps`, called by the
 * projections); a record that names it brings it back first (`prepare`), and a
 * colony-level record that reaches into settled units folds them again in the background,
 * a few hundred at a time (`sweep`), so memory stays bounded whatever the history.
 *
 * The store always holds the XOR of the hashes of the units it keeps as settled (meta
 * `outside`), written with them: a restart takes the fold's outside hash from there.
 */
import type { EvictedUnit, LedgerFold } from '../protocol/fold.js'
import type { FoldEntry } from '../protocol/entry.js'
import { END, SEP, unitLastKey, unitLastPrefix } from './keys.js'
import { del, type GraphCounted, type Op, put, type StoredUnit, type Store, type Written } from './sublevels.js'

/** Units folded again per step of a sweep (each step evicts them again before the next). */
export const SWEEP_CHUNK = 256

const ZERO_HASH = '0'.repeat(64)

export function xorHex (a: string, b: string): string {
  let out = ''
  for (let i = 0; i < a.length; i += 8) {
    out += ((parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0).toString(16).padStart(8, '0')
  }
  return out
}

export interface PagerOptions {
  readonly store: Store
  readonly fold: () => LedgerFold
  /** a unit came back: its processes' projections (and its workflow's count) as written when it left */
  readonly adopt: (id: string, u: StoredUnit) => void
  /** a settled unit came back: it must go out again once nothing needs it */
  readonly again: (id: string) => void
}

export interface Sweep {
  readonly colony: string
  readonly key: string
  readonly events: boolean
  /**
   * The latest last record of a unit sent out before the colony-level record was folded:
   * units sent out later were in memory then, and the fold took the record into account
   */
  readonly upTo: string
}

export class Pager {
  private readonly store: Store
  private readonly fold: () => LedgerFold
  private readonly adopt: (id: string, u: StoredUnit) => void
  private readonly again: (id: string) => void
  /** the latest last record of any unit sent out (what a colony-level record may reach) */
  private maxEvicted = ''
  /** units brought back from the store: their hash and unitlast key as stored */
  private readonly stored = new Map<string, { hash: string, last: string }>()
  /** colony-level records whose effect on units away from memory is still to be folded */
  private readonly sweeps: Sweep[] = []
  /** XOR of the hashes of the units the store holds as settled */
  private diskOutside = ZERO_HASH
  /** units brought back into memory, and sent out of it, since the store opened */
  pagedIn = 0
  evicted = 0

  constructor (opts: PagerOptions) {
    this.store = opts.store
    this.fold = opts.fold
    this.adopt = opts.adopt
    this.again = opts.again
  }

  /** At open: the outside hash as stored. */
  async open (): Promise<string> {
    const h = await this.store.meta.get('outside')
    this.diskOutside = typeof h === 'string' ? h : ZERO_HASH
    const m = await this.store.meta.get('maxevicted')
    this.maxEvicted = typeof m === 'string' ? m : ''
    return this.diskOutside
  }

  /** Everything derived was dropped (a rebuild). */
  reset (): void {
    this.stored.clear()
    this.sweeps.length = 0
    this.diskOutside = ZERO_HASH
    this.maxEvicted = ''
  }

  /** Colony-level records still to be folded into settled units. */
  get sweepsPending (): number {
    return this.sweeps.length
  }

  /** The sweeps not done yet (a checkpoint keeps them; each starts again from its beginning). */
  pendingSweeps (): Sweep[] {
    return [...this.sweeps]
  }

  resume (sweeps: readonly Sweep[]): void {
    this.sweeps.push(...sweeps)
  }

  /**
   * Brings back every unit `entries` name that is away from memory, before they are added,
   * and notes the colony-level records whose reach into settled units a sweep must fold.
   */
  async prepare (entries: readonly FoldEntry[]): Promise<void> {
    if (entries.length === 0) return
    const fold = this.fold()
    const needs = fold.pagingNeeds(entries)
    const ids = new Set(needs.units)
    if (needs.processes.length > 0) {
      const graphs = await this.store.nodeof.getMany(needs.processes)
      needs.processes.forEach((pid, i) => ids.add(graphs[i] ?? pid))
    }
    await this.bringBack([...ids].filter(id => !fold.holds(id)))
    // only units sent out before now can have missed the record (the fold saw the others)
    for (const c of needs.colonies) {
      if (c.events ? this.maxEvicted !== '' : c.key < this.maxEvicted) this.sweeps.push({ ...c, upTo: this.maxEvicted })
    }
  }

  /** Restores these units from the store (those it holds). */
  async bringBack (ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0
    const units = await this.store.units.getMany([...ids])
    let n = 0
    ids.forEach((id, i) => {
      const u = units[i]
      if (u !== undefined && this.restore(id, u)) n++
    })
    return n
  }

  /** Brings one stored unit into the fold (a settled one, or a live one at open). */
  restore (id: string, u: StoredUnit): boolean {
    const fold = this.fold()
    if (fold.holds(id)) return false
    fold.restore({ id, graph: u.graph, entries: u.entries, hash: u.settled ? u.hash : ZERO_HASH })
    if (!fold.holds(id)) return false
    if (u.settled) {
      this.stored.set(id, { hash: u.hash, last: unitLastKey(u.colony, u.lastKey, id) })
      this.pagedIn++
    }
    this.adopt(id, u)
    if (u.settled) this.again(id)
    return true
  }

  /**
   * The writes that keep an evicted unit in the store, and its workflow's view; `written`
   * its processes' projections as just written.
   */
  evictionOps (u: EvictedUnit, written: Readonly<Record<string, Written>>, graphCounted: GraphCounted | undefined): Op[] {
    const { units, unitlast, nodeof, graphs, meta } = this.store
    const ops: Op[] = []
    const last = unitLastKey(u.colony, u.lastKey, u.id)
    const before = this.stored.get(u.id)
    this.stored.delete(u.id)
    if (before !== undefined && before.last !== last) ops.push(del(unitlast, before.last))
    if (before !== undefined) this.diskOutside = xorHex(this.diskOutside, before.hash)
    this.diskOutside = xorHex(this.diskOutside, u.hash)
    const stored: StoredUnit = {
      graph: u.graph,
      colony: u.colony,
      lastKey: u.lastKey,
      hash: u.hash,
      settled: true,
      entries: u.entries,
      written,
      ...(graphCounted === undefined ? {} : { graphCounted })
    }
    ops.push(put(units, u.id, stored), put(unitlast, last, ''), put(meta, 'outside', this.diskOutside), del(this.store.liveunits, u.id))
    if (u.lastKey > this.maxEvicted) {
      this.maxEvicted = u.lastKey
      ops.push(put(meta, 'maxevicted', this.maxEvicted))
    }
    if (u.graph) {
      for (const p of u.processes) ops.push(put(nodeof, p.processid, u.id))
      if (u.workflow !== undefined) ops.push(put(graphs, u.id, u.workflow))
    }
    this.evicted++
    return ops
  }

  /**
   * The writes that keep a live unit as it is now (a checkpoint). A settled copy in the
   * store is replaced: its hash leaves the stored outside hash.
   */
  liveOps (id: string, entries: readonly FoldEntry[], colony: string, graph: boolean, written: Readonly<Record<string, Written>>,
    graphCounted: GraphCounted | undefined): Op[] {
    const { units, liveunits, unitlast, meta } = this.store
    const ops: Op[] = []
    const before = this.stored.get(id)
    if (before !== undefined) {
      this.stored.delete(id)
      this.diskOutside = xorHex(this.diskOutside, before.hash)
      ops.push(del(units, id), del(unitlast, before.last), put(meta, 'outside', this.diskOutside))
    }
    const last = entries[entries.length - 1]?.key ?? ''
    ops.push(put(liveunits, id, { graph, colony, lastKey: last, hash: '', settled: false, entries, written, ...(graphCounted === undefined ? {} : { graphCounted }) }))
    return ops
  }

  /**
   * Forgets a unit for good (a prune): the store's copy goes, with its hash. Returns its
   * hash as stored when it was away from memory.
   */
  async forgetOps (id: string): Promise<{ ops: Op[], hash: string | undefined, unit: StoredUnit | undefined }> {
    const { units, liveunits, unitlast, nodeof, graphs, meta } = this.store
    const u = await units.get(id)
    const ops: Op[] = [del(liveunits, id)]
    this.stored.delete(id)
    if (u === undefined) return { ops, hash: undefined, unit: undefined }
    ops.push(del(units, id), del(unitlast, unitLastKey(u.colony, u.lastKey, id)), del(graphs, id))
    if (u.graph) for (const pid of Object.keys(u.written)) ops.push(del(nodeof, pid))
    if (u.settled) {
      this.diskOutside = xorHex(this.diskOutside, u.hash)
      ops.push(put(meta, 'outside', this.diskOutside))
    }
    return { ops, hash: u.settled ? u.hash : undefined, unit: u }
  }

  /**
   * One step of the oldest sweep: brings back up to SWEEP_CHUNK units away from memory that
   * its colony-level record reaches (every one after its key; every one of the colony for a
   * colony event), so that the fold folds them against the colony as it is now. The caller
   * then writes their projections, which sends them out again. Returns how many came
   * back, and whether more is to be done.
   */
  async sweepStep (): Promise<{ brought: number, more: boolean }> {
    const s = this.sweeps[0]
    if (s === undefined) return { brought: 0, more: false }
    const fold = this.fold()
    if (this.cursor === undefined || this.cursor.sweep !== s) {
      const colonies = s.colony === '*' ? ['', ...fold.colonies().map(c => c.name)] : [s.colony, '']
      this.cursor = { sweep: s, colonies, at: 0, after: undefined }
    }
    const c = this.cursor
    const ids: string[] = []
    while (c.at < c.colonies.length && ids.length < SWEEP_CHUNK) {
      const prefix = unitLastPrefix(c.colonies[c.at] as string)
      const from = c.after ?? (s.events ? prefix : prefix + s.key + END)
      let last: string | undefined
      // keys sort by last record: none after the sweep's bound can have missed the record
      for await (const k of this.store.unitlast.keys({ gt: from, lte: prefix + s.upTo + END, limit: SWEEP_CHUNK })) {
        last = k
        const id = k.slice(k.lastIndexOf(SEP) + 1)
        if (!fold.holds(id)) ids.push(id)
      }
      if (last === undefined) {
        c.at++
        c.after = undefined
      } else {
        c.after = last
      }
    }
    const brought = await this.bringBack(ids)
    if (c.at >= c.colonies.length) {
      this.sweeps.shift()
      this.cursor = undefined
    }
    return { brought, more: this.sweeps.length > 0 }
  }

  private cursor: { sweep: Sweep, colonies: string[], at: number, after: string | undefined } | undefined
}
