/**
 * Assignment leases: a process this site claimed stays with its executor only while the
 * executor shows, for that process, that it is alive. The executor SDK checks its running
 * process on the node every few seconds (getprocessmsg), and its log lines, output and
 * close name the process too; each such request from the assigned executor renews the
 * lease. Once a held process has not been renewed for `leaseMs`, this site writes
 * `expire {what: 'lease'}` and the fold puts the process back in the queue with a new
 * attempt, so a close from the lost attempt is fenced (process-fold.ts).
 *
 * Its log lines and attributes renew it too when they reach this site through another one.
 * Renewals are per process, not per executor: an executor killed and restarted with the
 * same identity long-polls for work again but never asks about what it held, so what it
 * held comes back to the queue. Renewals cost no record: the lease lives in this node's
 * memory, and only the end of one is written. After a restart of this node every held
 * lease counts from the start, so a node that was down does not expire healthy executors.
 *
 * Only the holding site may write a lease expiry (the fold refuses one from elsewhere): it
 * alone hears the executor, and a cut between sites must not take a cut-off site's work
 * away. A site that dies for good leaves its running attempts to their maxexectime, or
 * RUNNING until it returns or the owner removes the site, which requeues them
 * (docs/ARCHITECTURE.md, "LeaseWatcher").
 */
import { ProcessState } from '../protocol/state.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import { type Clock, every, type Service, systemClock } from './clock.js'

/**
 * How long a held process may go without word from its executor (ms); 0 turns leases off.
 * The SDK's check of a running process (executor.ts watchIntervalMs, 5 s) is well inside it.
 */
export const DEFAULT_LEASE_MS = 60_000
/** How often lapsed leases are looked for: a quarter of the lease, within these bounds. */
const MIN_TICK_MS = 50
const MAX_TICK_MS = 5000

interface Held {
  readonly executorid: string
  readonly attempt: number
  /** last renewal (ms on this node's clock) */
  heard: number
  /** the expiry for this attempt was written */
  written: boolean
  /** log lines and attributes the process had when last looked at */
  seen: number
}

export interface LeaseOptions {
  readonly ledger: Ledger
  readonly leaseMs?: number
  readonly clock?: Clock
  readonly log?: (line: string) => void
}

export class LeaseWatcher implements Service {
  private readonly held = new Map<string, Held>()
  private readonly ledger: Ledger
  private readonly clock: Clock
  private readonly log: ((line: string) => void) | undefined
  readonly leaseMs: number
  private stopTimer: (() => void) | undefined
  private writing = false
  /** lease expiries this node wrote since its start (for health and tests; one the fold refused, after a close won the race, counts too) */
  written = 0

  constructor (opts: LeaseOptions) {
    this.ledger = opts.ledger
    this.clock = opts.clock ?? systemClock
    this.log = opts.log
    this.leaseMs = Math.max(0, opts.leaseMs ?? DEFAULT_LEASE_MS)
    for (const p of this.ledger.fold.processes()) this.track(p.processid)
  }

  start (): void {
    if (this.leaseMs === 0) return
    // a node that was down heard nobody: every lease it holds counts from now
    const now = this.clock.now()
    for (const h of this.held.values()) h.heard = Math.max(h.heard, now)
    const tick = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(this.leaseMs / 4)))
    this.stopTimer = every(this.clock, tick, async () => { await this.check() }, { unref: true })
  }

  stop (): void {
    this.stopTimer?.()
    this.stopTimer = undefined
  }

  onChange (change: LedgerChange): void {
    for (const pid of change.processes) this.track(pid)
  }

  /**
   * A request from `signer` names process `pid`: when `signer` is the executor this site
   * handed the running attempt to, its lease is renewed. Cheap for anything else.
   */
  renew (pid: string, signer: string): void {
    const h = this.held.get(pid)
    if (h !== undefined && h.executorid === signer) h.heard = this.clock.now()
  }

  /** Processes whose lease this site holds now (for tests and health). */
  holding (): number {
    return this.held.size
  }

  private track (pid: string): void {
    const p = this.ledger.fold.process(pid)
    if (p === undefined || p.state !== ProcessState.RUNNING || p.site !== this.ledger.nodeId || p.assignedexecutorid === '') {
      this.held.delete(pid)
      return
    }
    const h = this.held.get(pid)
    const seen = p.logs.length + p.attributes.length
    if (h !== undefined && h.attempt === p.attempt && h.executorid === p.assignedexecutorid) {
      // only the assigned executor adds these to a running process: a new one, sent through any
      // site of the colony, shows it alive (counts, not any change: a re-fold changes nothing here)
      if (seen > h.seen) {
        h.seen = seen
        h.heard = this.clock.now()
      }
      return
    }
    // a new attempt: its lease starts now (the claim was just written here, or this node starts)
    this.held.set(pid, { executorid: p.assignedexecutorid, attempt: p.attempt, heard: this.clock.now(), written: false, seen })
  }

  private async check (): Promise<void> {
    if (this.writing) return
    const now = this.clock.now()
    const bodies = []
    const marked: Held[] = []
    for (const [pid, h] of this.held) {
      if (h.written || now - h.heard < this.leaseMs) continue
      h.written = true
      marked.push(h)
      bodies.push({ body: { k: 'expire' as const, processid: pid, attempt: h.attempt, what: 'lease' as const } })
    }
    if (bodies.length === 0) return
    this.writing = true
    try {
      await this.ledger.appendLocal(bodies)
      this.written += bodies.length
      this.log?.(`${bodies.length} process${bodies.length === 1 ? '' : 'es'} went back to the queue: ${bodies.length === 1 ? 'its' : 'their'} executor was not heard from for ${this.leaseMs / 1000} s`)
    } catch {
      // The ledger reports its own failures; the next tick tries again.
      for (const h of marked) h.written = false
    } finally {
      this.writing = false
    }
  }
}
