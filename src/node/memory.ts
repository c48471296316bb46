/**
 * A node's heap holds its live work: waiting and running processes and open workflows
 * with their records (settled ones live in the store; DESIGN decision 11), and V8's heap
 * has a limit (`--max-old-space-size`; by default about 4 GiB on a 64-bit machine with
 * memory to spare). A backlog of millions of waiting processes can still fill it, and a
 * node that reaches it dies. MemoryWatch warns, in the node's log, well before that
 * happens and says what to do; `/health` reports the figures.
 */
import { getHeapStatistics } from 'node:v8'
import { type Clock, every, type Service, systemClock } from './clock.js'

export interface MemoryStatus {
  /** bytes of V8 heap in use */
  readonly heapused: number
  /** bytes the heap may grow to before the process dies */
  readonly heaplimit: number
  /** resident set size of the whole process, bytes */
  readonly rss: number
}

export function memoryStatus (): MemoryStatus {
  const h = getHeapStatistics()
  return { heapused: h.used_heap_size, heaplimit: h.heap_size_limit, rss: process.memoryUsage.rss() }
}

export interface MemoryWatchOptions {
  readonly log: (line: string) => void
  /** processes held in memory (the live ones), to say what each costs */
  readonly live: () => number
  /** how often the heap is looked at (default 30 s) */
  readonly periodMs?: number
  /** warn when the heap in use is past this share of its limit at two looks in a row (default 0.8) … */
  readonly warnAt?: number
  /** … and again only after it has fallen below this share (default 0.7) */
  readonly clearAt?: number
  /** the heap's figures (V8's by default; tests pass their own) */
  readonly stats?: () => MemoryStatus
  /** the timer of the looks (the system's by default) */
  readonly clock?: Clock
}

const MIB = 2 ** 20

export class MemoryWatch implements Service {
  private readonly opts: MemoryWatchOptions
  private warned = false
  /** consecutive looks above warnAt (a heap between two collections holds garbage too) */
  private above = 0
  private cancel: (() => void) | undefined

  constructor (opts: MemoryWatchOptions) {
    this.opts = opts
  }

  start (): void {
    this.cancel ??= every(this.opts.clock ?? systemClock, this.opts.periodMs ?? 30_000, () => { this.check() }, { unref: true })
  }

  stop (): void {
    this.cancel?.()
    this.cancel = undefined
  }

  /** Looks at the heap once; returns the warning it logged, if it logged one. */
  check (): string | undefined {
    const { heapused, heaplimit } = (this.opts.stats ?? memoryStatus)()
    const share = heapused / heaplimit
    if (share < (this.opts.clearAt ?? 0.7)) this.warned = false
    this.above = share < (this.opts.warnAt ?? 0.8) ? 0 : this.above + 1
    if (this.warned || this.above < 2) return undefined
    this.warned = true
    const live = this.opts.live()
    const each = live > 0 ? `, about ${(heapused / live / 1024).toFixed(1)} KiB per process in memory` : ''
    const line = `memory: the heap holds ${Math.round(heapused / MIB)} of its ${Math.round(heaplimit / MIB)} MiB (${Math.round(share * 100)} %) with ${live} waiting or running processes${each}. ` +
      `A node whose heap is full stops. Give it more (NODE_OPTIONS=--max-old-space-size=<MiB>, on a machine with that much memory to spare) or run down the backlog of waiting work`
    this.opts.log(line)
    return line
  }
}
