/**
 * A fold whose settled units leave memory after every addition, kept in a Map: the same
 * paging protocol the store's ledger follows (pagingNeeds → restore → add → evict), with
 * no disk, so that property tests can fold every order of a history with paging in play.
 */
import type { FoldEntry } from '../../src/protocol/entry.js'
import { type EvictedUnit, LedgerFold } from '../../src/protocol/fold.js'
import type { ProcessInfo } from '../../src/protocol/state.js'

export class PagedFold {
  readonly fold = new LedgerFold()
  /** units away from memory, by unit id */
  readonly away = new Map<string, EvictedUnit>()
  /** a workflow node's process id → its workflow's unit id */
  private readonly nodeOf = new Map<string, string>()
  /** how many units were brought back */
  restored = 0

  /** `budget`: how many settled units may stay in memory after each addition. */
  constructor (private readonly budget = 0) {}

  add (batch: readonly FoldEntry[]): void {
    const needs = this.fold.pagingNeeds(batch)
    for (const id of needs.units) this.bringBack(id)
    for (const pid of needs.processes) this.bringBack(this.nodeOf.get(pid) ?? pid)
    for (const { colony, key, events } of needs.colonies) {
      for (const u of [...this.away.values()]) {
        if (colony !== '*' && u.colony !== colony && u.colony !== '') continue
        if (events || u.lastKey > key) this.bringBack(u.id)
      }
    }
    this.fold.add(batch)
    this.evictSettled()
  }

  private bringBack (id: string): void {
    const u = this.away.get(id)
    if (u === undefined) return
    this.away.delete(id)
    this.fold.restore(u)
    this.restored++
  }

  private evictSettled (): void {
    const ids = [...this.fold.unitIds()].filter(id => this.fold.evictable(id))
    for (const id of ids.slice(this.budget)) {
      const u = this.fold.evict(id)
      if (u === undefined) continue
      this.away.set(id, u)
      if (u.graph) for (const p of u.processes) this.nodeOf.set(p.processid, id)
    }
  }

  /** A process as the node would read it: from memory, or its view as evicted. */
  process (pid: string): ProcessInfo | undefined {
    const p = this.fold.processRaw(pid)
    if (p !== undefined) return p
    const u = this.away.get(this.nodeOf.get(pid) ?? pid)
    return u?.processes.find(q => q.processid === pid)
  }

  stateHash (): string {
    return this.fold.stateHash()
  }
}
