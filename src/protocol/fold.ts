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
import { sha3Hex } from './crypto.js'
import { compareEntries, type FoldEntry } from './entry.js'
import { applyEntry, applyEvent, createProcess, foldProcess, keyWall } from './process-fold.js'
import type { ColonyInfo, ExecutorInfo, FunctionInfo, ProcessInfo, UserInfo } from './state.js'
import { colonyOfEntry, Timeline } from './timeline.js'

interface Unit {
  readonly id: string
  colony: string
  readonly entries: FoldEntry[]
  proc: ProcessInfo | undefined
}

/** The process id a process-level entry refers to, or undefined for colony-level entries. */
function processRef (e: FoldEntry): string | undefined {
  const b = e.rec.b
  if (b.k === 'claim' || b.k === 'expire') return b.processid
  if (b.k !== 'env' || e.msg === undefined) return undefined
  const m = e.msg
  switch (m.msgtype) {
    case 'submitfuncspecmsg': return e.id
    case 'addattributemsg': return m.attribute.targetid
    case 'closesuccessfulmsg':
    case 'closefailedmsg':
    case 'setoutputmsg':
    case 'addlogmsg':
    case 'cancelprocessmsg':
    case 'removeprocessmsg':
      return m.processid
    default:
      return undefined
  }
}

function insertSorted (list: FoldEntry[], e: FoldEntry): boolean {
  // Returns true when appended at the end (the common, in-order case).
  const n = list.length
  if (n === 0 || (list[n - 1] as FoldEntry).key < e.key) {
    list.push(e)
    return true
  }
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as FoldEntry).key < e.key) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, e)
  return false
}

export class LedgerFold {
  private readonly seen = new Map<string, FoldEntry>()
  private readonly colonyEntries: FoldEntry[] = []
  private timeline = new Timeline()
  private readonly units = new Map<string, Unit>()
  private readonly unitsByColony = new Map<string, Set<Unit>>()
  /** process-level entries whose process has not arrived (yet) */
  private readonly orphans = new Map<string, FoldEntry[]>()
  private readonly refusalsByUnit = new Map<Unit, Map<string, string>>()
  private readonly changed = new Set<string>()
  private colonyChanged = false

  get size (): number {
    return this.seen.size
  }

  has (id: string): boolean {
    return this.seen.has(id)
  }

  /** Adds entries (any order, duplicates ignored). */
  add (batch: readonly FoldEntry[]): void {
    const fresh = batch.filter(e => {
      if (this.seen.has(e.id)) return false
      this.seen.set(e.id, e)
      return true
    }).sort(compareEntries)
    if (fresh.length === 0) return

    // 1. Colony level first: the process records below are judged against it.
    const colonyNew = fresh.filter(e => processRef(e) === undefined)
    const affected = new Map<string, string>() // colony → lowest new key ('*' for all colonies)
    let rebuild = false
    for (const e of colonyNew) {
      rebuild = !insertSorted(this.colonyEntries, e) || rebuild
      const c = e.rec.b.k === 'site' ? '*' : colonyOfEntry(e)
      const prev = affected.get(c)
      if (prev === undefined || e.key < prev) affected.set(c, e.key)
    }
    if (colonyNew.length > 0) {
      this.colonyChanged = true
      if (rebuild) {
        this.timeline = new Timeline()
        for (const e of this.colonyEntries) this.timeline.apply(e)
      } else {
        for (const e of colonyNew) this.timeline.apply(e)
      }
    }

    // 2. Process records: one step when in order, a re-fold of the process otherwise.
    const refold = new Set<Unit>()
    for (const e of fresh) {
      const pid = processRef(e)
      if (pid === undefined) continue
      let unit = this.units.get(pid)
      if (unit === undefined && e.msg?.msgtype === 'submitfuncspecmsg') {
        const colony = e.msg.spec.conditions.colonyname
        unit = { id: pid, colony, entries: [e, ...(this.orphans.get(pid) ?? [])].sort(compareEntries), proc: undefined }
        this.orphans.delete(pid)
        this.units.set(pid, unit)
        let set = this.unitsByColony.get(colony)
        if (set === undefined) this.unitsByColony.set(colony, set = new Set())
        set.add(unit)
        refold.add(unit)
        continue
      }
      if (unit === undefined) {
        let list = this.orphans.get(pid)
        if (list === undefined) this.orphans.set(pid, list = [])
        list.push(e)
        continue
      }
      const atEnd = insertSorted(unit.entries, e)
      const events = this.timeline.eventsOf(unit.colony)
      const lastEvent = events[events.length - 1]
      if (atEnd && !refold.has(unit) && unit.proc !== undefined && (lastEvent === undefined || lastEvent.key < e.key)) {
        const reason = applyEntry(unit.proc, e, this.timeline)
        if (reason !== undefined) this.refusalsOf(unit).set(e.id, reason)
        this.changed.add(unit.id)
      } else {
        refold.add(unit)
      }
    }

    // 3. Processes that a colony-level change reaches into.
    for (const [colony, key] of affected) {
      const all = colony === '*' ? [...this.units.values()] : [...(this.unitsByColony.get(colony) ?? [])]
      for (const unit of all) {
        if (refold.has(unit)) continue
        const last = unit.entries[unit.entries.length - 1]
        // After a timeline rebuild, events already applied may be listed again: re-fold.
        if (rebuild || (last !== undefined && last.key > key)) refold.add(unit)
      }
      if (colony !== '*' && !rebuild) this.applyNewEvents(colony, key, refold)
    }
    for (const unit of refold) this.refoldUnit(unit)
  }

  /** Colony events (executor removed, remove-all) newer than every record of a process apply directly. */
  private applyNewEvents (colony: string, fromKey: string, refold: Set<Unit>): void {
    const events = this.timeline.eventsOf(colony).filter(ev => ev.key >= fromKey)
    if (events.length === 0) return
    for (const unit of this.unitsByColony.get(colony) ?? []) {
      if (refold.has(unit) || unit.proc === undefined) continue
      for (const ev of events) applyEvent(unit.proc, ev, keyWall(ev))
      this.changed.add(unit.id)
    }
  }

  private refoldUnit (unit: Unit): void {
    const refusals = new Map<string, string>()
    unit.proc = foldProcess(unit.entries, this.timeline.eventsOf(unit.colony), this.timeline, (id, why) => refusals.set(id, why))
    this.refusalsByUnit.set(unit, refusals)
    this.changed.add(unit.id)
  }

  private refusalsOf (unit: Unit): Map<string, string> {
    let m = this.refusalsByUnit.get(unit)
    if (m === undefined) this.refusalsByUnit.set(unit, m = new Map())
    return m
  }

  /**
   * Would `e` be applied if it were added now, after everything held? Returns the reason
   * it would be refused. Nothing changes. A node asks this before it appends a client's
   * mutation, so refused requests get an error reply instead of a ledger record.
   */
  preview (e: FoldEntry): string | undefined {
    if (e.invalid !== undefined) return e.invalid
    const pid = processRef(e)
    if (pid === undefined) {
      // Colony-level records are rare: replay the timeline on a scratch copy.
      const scratch = new Timeline()
      for (const c of this.colonyEntries) scratch.apply(c)
      scratch.apply(e)
      return scratch.refusals.get(e.id)
    }
    if (e.msg?.msgtype === 'submitfuncspecmsg') {
      const created = createProcess(e, this.timeline)
      return typeof created === 'string' ? created : undefined
    }
    const proc = this.units.get(pid)?.proc
    if (proc === undefined) return 'the process does not exist'
    // applyEntry only appends to these arrays: a scratch copy need not copy their contents.
    const scratch = { ...proc, logs: [], attributes: [], history: [] }
    return applyEntry(scratch, e, this.timeline)
  }

  // ---- reading the state -----------------------------------------------------------------

  /** Why a record was refused, or undefined when it was applied (or is unknown). */
  refusal (id: string): string | undefined {
    const e = this.seen.get(id)
    if (e === undefined) return undefined
    const pid = processRef(e)
    if (pid === undefined) return this.timeline.refusals.get(id)
    const unit = this.units.get(pid)
    if (unit === undefined) return 'the process does not exist'
    return this.refusalsByUnit.get(unit)?.get(id)
  }

  /** Every refused record and its reason. */
  refusals (): Map<string, string> {
    const out = new Map(this.timeline.refusals)
    for (const m of this.refusalsByUnit.values()) for (const [id, why] of m) out.set(id, why)
    for (const list of this.orphans.values()) for (const e of list) out.set(e.id, 'the process does not exist')
    return out
  }

  process (processid: string): ProcessInfo | undefined {
    const p = this.units.get(processid)?.proc
    return p === undefined || p.removed ? undefined : p
  }

  /** The node whose log holds the process's submit record: where it was submitted. */
  submitOrigin (processid: string): string | undefined {
    return this.units.get(processid)?.entries[0]?.rec.o
  }

  /** The folded process, removed ones included (for projections). */
  processRaw (processid: string): ProcessInfo | undefined {
    return this.units.get(processid)?.proc
  }

  * processesRaw (): IterableIterator<ProcessInfo> {
    for (const u of this.units.values()) if (u.proc !== undefined) yield u.proc
  }

  /** All live (not removed) processes, in no particular order. */
  * processes (colony?: string): IterableIterator<ProcessInfo> {
    const units = colony === undefined ? this.units.values() : (this.unitsByColony.get(colony) ?? new Set<Unit>()).values()
    for (const u of units) if (u.proc !== undefined && !u.proc.removed) yield u.proc
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

  isMember (colony: string, id: string): boolean {
    return this.timeline.isMemberAt(colony, id, '\uffff')
  }

  /** Process ids changed since the last call, and whether colony-level state changed. */
  drainChanges (): { processes: string[], colonyLevel: boolean } {
    const out = { processes: [...this.changed], colonyLevel: this.colonyChanged }
    this.changed.clear()
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
    const processes = byId([...this.units.values()].flatMap(u => u.proc === undefined ? [] : [u.proc]), p => p.processid)
    const refusals = [...this.refusals()].sort((a, b) => a[0] < b[0] ? -1 : 1)
    return { sites, colonies, processes, refusals }
  }

  stateHash (): string {
    return sha3Hex(canonicalJson(this.canonicalState()))
  }
}

/** The pure function: a record set (any order, any duplication) → the fold. */
export function foldRecords (entries: Iterable<FoldEntry>): LedgerFold {
  const f = new LedgerFold()
  f.add([...entries])
  return f
}

