/**
 * The waiting processes of one site in memory, per (colony, executor type), in the order
 * they are to run: priority time, then ledger order. Kept from the ledger's change
 * events so that an assign never reads the disk (the level projection of the same queue
 * serves queries and rebuilds).
 */
import { type ProcessInfo, ProcessState } from '../protocol/state.js'
import { priorityPart } from '../store/keys.js'

class SortedIds {
  private readonly keys: string[] = []
  private readonly ids: string[] = []

  private find (k: string): number {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.keys[mid] as string) < k) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  insert (k: string, id: string): void {
    const i = this.find(k)
    this.keys.splice(i, 0, k)
    this.ids.splice(i, 0, id)
  }

  remove (k: string): void {
    const i = this.find(k)
    if (this.keys[i] === k) {
      this.keys.splice(i, 1)
      this.ids.splice(i, 1)
    }
  }

  get size (): number {
    return this.ids.length
  }

  * [Symbol.iterator] (): IterableIterator<string> {
    // a snapshot: the list may change while a caller awaits between items
    yield * this.ids.slice()
  }
}

const queueOf = (p: ProcessInfo): string => p.colonyname + '\x00' + p.spec.conditions.executortype
const sortKey = (p: ProcessInfo): string => priorityPart(p.prioritytime) + '\x00' + p.submitkey

export class WaitingQueue {
  private readonly queues = new Map<string, SortedIds>()
  /** process id → [queue, sort key] for the processes currently queued */
  private readonly where = new Map<string, [string, string]>()

  /** Puts the process in its queue if it is claimable now, takes it out otherwise. */
  update (pid: string, p: ProcessInfo | undefined): void {
    const claimable = p !== undefined && p.state === ProcessState.WAITING && !p.waitforparents
    const at = this.where.get(pid)
    if (at !== undefined) {
      if (claimable && at[0] === queueOf(p) && at[1] === sortKey(p)) return
      this.queues.get(at[0])?.remove(at[1])
      this.where.delete(pid)
    }
    if (!claimable) return
    const q = queueOf(p)
    const k = sortKey(p)
    let list = this.queues.get(q)
    if (list === undefined) this.queues.set(q, list = new SortedIds())
    list.insert(k, pid)
    this.where.set(pid, [q, k])
  }

  /** Waiting process ids of one colony and executor type, best first. */
  list (colony: string, executortype: string): Iterable<string> {
    return this.queues.get(colony + '\x00' + executortype) ?? []
  }

  get size (): number {
    return this.where.size
  }
}
