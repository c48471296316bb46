/**
 * Writes expiry records when a process's wait or execution deadline passes. The fold
 * decides from record clocks whether an expiry is valid, so any site may write it and
 * duplicates collapse; this watcher only makes sure someone does, promptly.
 */
import { type ProcessInfo, ProcessState } from '../protocol/state.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import { type Clock, type Service, systemClock, type Timer } from './clock.js'

/** The longest delay setTimeout holds (longer ones fire at once, with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1

interface Due {
  readonly at: number
  readonly attempt: number
  readonly what: 'wait' | 'exec'
}

function dueOf (p: ProcessInfo | undefined): Due | undefined {
  if (p === undefined) return undefined
  if (p.state === ProcessState.WAITING && p.waitdeadline > 0) return { at: p.waitdeadline, attempt: p.attempt, what: 'wait' }
  if (p.state === ProcessState.RUNNING && p.execdeadline > 0) return { at: p.execdeadline, attempt: p.attempt, what: 'exec' }
  return undefined
}

export class DeadlineWatcher implements Service {
  private readonly due = new Map<string, Due>()
  /** expiries already written; a refused one is not retried until its process changes */
  private readonly tried = new WeakSet<Due>()
  private timer: Timer | undefined
  private timerAt = Infinity
  private running = false
  private stopped = false
  private readonly ledger: Ledger
  private readonly clock: Clock

  constructor (ledger: Ledger, clock: Clock = systemClock) {
    this.ledger = ledger
    this.clock = clock
    this.stopped = true // until start(): a node that recovers its own log writes nothing before
    for (const p of ledger.fold.processes()) this.track(p.processid, p)
  }

  start (): void {
    this.stopped = false
    this.arm()
  }

  private track (pid: string, p: ProcessInfo | undefined): void {
    const d = dueOf(p)
    if (d === undefined) this.due.delete(pid)
    else this.due.set(pid, d)
    // O(1) per change: only an earlier deadline moves the timer; a removed one lets it fire early and rescan.
    if (d !== undefined) this.armAt(d.at)
  }

  onChange (change: LedgerChange): void {
    for (const pid of change.processes) this.track(pid, this.ledger.fold.process(pid))
  }

  /** Re-arms the timer at the earliest deadline not yet written (a full scan: on start and after each firing). */
  private arm (): void {
    let next = Infinity
    for (const d of this.due.values()) if (d.at < next && !this.tried.has(d)) next = d.at
    this.armAt(next)
  }

  private armAt (next: number): void {
    if (this.stopped || next === Infinity || next >= this.timerAt) return
    this.clock.clearTimeout(this.timer)
    this.timerAt = next
    // setTimeout holds at most 2^31 − 1 ms (24.8 days): a later deadline wakes early and re-arms
    this.timer = this.clock.setTimeout(async () => { await this.fire() }, Math.min(MAX_TIMER_MS, Math.max(0, next - this.clock.now())), { unref: true })
  }

  private async fire (): Promise<void> {
    this.timer = undefined
    this.timerAt = Infinity
    if (this.stopped) return
    if (this.running) {
      // a firing is writing expiries: look again when it is done
      return
    }
    this.running = true
    try {
      const now = this.clock.now()
      const bodies = []
      for (const [pid, d] of this.due) {
        if (d.at > now || this.tried.has(d)) continue
        this.tried.add(d)
        bodies.push({ body: { k: 'expire' as const, processid: pid, attempt: d.attempt, what: d.what } })
      }
      if (bodies.length > 0) await this.ledger.appendLocal(bodies)
    } catch {
      // The ledger reports its own failures; the next change re-arms the watcher.
    } finally {
      this.running = false
      this.arm()
    }
  }

  stop (): void {
    this.stopped = true
    this.clock.clearTimeout(this.timer)
    // a later start() arms afresh
    this.timer = undefined
    this.timerAt = Infinity
  }
}
