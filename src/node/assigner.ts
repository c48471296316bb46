/**
 * Assignment: `assignprocessmsg` as a real long-poll. An idle executor waits on an event,
 * not a polling loop; each process that becomes waiting wakes exactly one waiting
 * executor of its colony and type (no thundering herd). The chosen process is claimed by
 * a ledger record (`claim`), and the executor gets it only once the fold has accepted
 * that claim and, when other sites compete, once the settle window has passed with the
 * claim still winning (DESIGN decision 6). The claim policy says when this site may
 * claim a process (its rendezvous rank) and how long to settle.
 */
import { ForbiddenError, NotFoundError } from '../protocol/errors.js'
import { executorMatches, type Offer, resourcesFit } from '../protocol/matching.js'
import { type ExecutorInfo, type ProcessInfo, ProcessState } from '../protocol/state.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import { WaitingQueue } from './waiting-queue.js'

/** How this site takes part in claiming; a lone site claims at once and needs no settling. */
export interface ClaimPolicy {
  /** Wall-clock ms from which this site may claim `p` (its rank's turn). */
  claimableAt: (p: ProcessInfo) => number
  /** How long a won claim must stand before the executor gets the process. */
  settleMs: (colony: string) => number
  /** This site's idle executors of a colony and type changed (for adverts). */
  onIdle: (colony: string, executortype: string, idle: number) => void
}

export const SINGLE_SITE: ClaimPolicy = {
  claimableAt: () => 0,
  settleMs: () => 0,
  onIdle: () => {}
}

interface Waiter {
  readonly executor: ExecutorInfo
  readonly wake: () => void
}

const key = (colony: string, type: string): string => colony + '\x00' + type

export class Assigner {
  private readonly waiters = new Map<string, Waiter[]>()
  /**
   * Counts wake-worthy changes per (colony, type): an executor that looked at the queue
   * while a process arrived must look again rather than park (no lost wake-up).
   */
  private readonly generation = new Map<string, number>()
  private colonyGeneration = 0
  /** processes this node is claiming right now: never offered twice */
  private readonly reserved = new Set<string>()
  private readonly ledger: Ledger
  private readonly queue = new WaitingQueue()
  private policy: ClaimPolicy = SINGLE_SITE
  /** claims this site won but lost in the settle window, and claims it wrote (for the demo and tests) */
  readonly stats = { claims: 0, lostInSettle: 0 }

  constructor (ledger: Ledger) {
    this.ledger = ledger
    for (const p of ledger.fold.processes()) this.queue.update(p.processid, p)
  }

  setPolicy (policy: ClaimPolicy): void {
    this.policy = policy
    for (const list of this.waiters.values()) {
      const x = list[0]?.executor
      if (x !== undefined) policy.onIdle(x.colonyname, x.executortype, list.length)
    }
  }

  /** Number of executors currently waiting (for statistics and tests). */
  waiting (): number {
    let n = 0
    for (const list of this.waiters.values()) n += list.length
    return n
  }

  /**
   * Finds and claims a process for `executor`. `timeoutSec` > 0 waits up to that long;
   * < 0 tries once. Throws NotFoundError when nothing could be assigned.
   */
  async assign (executor: ExecutorInfo, offer: Offer, timeoutSec: number, signal?: AbortSignal): Promise<ProcessInfo> {
    const deadline = Date.now() + Math.max(0, timeoutSec) * 1000
    const k = key(executor.colonyname, executor.executortype)
    for (;;) {
      if (signal?.aborted === true) throw new NotFoundError('the request was aborted')
      const seen = this.stamp(k)
      const paused = this.ledger.fold.colony(executor.colonyname)?.paused === true
      let retryAt = Infinity
      if (!paused) {
        const r = await this.tryClaim(executor, offer)
        if (r.process !== undefined) return r.process
        retryAt = r.retryAt
      }
      const left = deadline - Date.now()
      if (timeoutSec < 0 || left <= 0) {
        throw paused
          ? new NotFoundError('No processes available: colony assignments are paused')
          : new NotFoundError('No process available for assignment')
      }
      if (this.stamp(k) !== seen) continue
      // a process another site ranks first becomes ours to claim at retryAt if still waiting
      await this.waitForWork(executor, Math.min(left, Math.max(1, retryAt - Date.now())), signal)
    }
  }

  private stamp (k: string): string {
    return `${this.generation.get(k) ?? 0}/${this.colonyGeneration}`
  }

  private async waitForWork (executor: ExecutorInfo, ms: number, signal?: AbortSignal): Promise<void> {
    const k = key(executor.colonyname, executor.executortype)
    await new Promise<void>(resolve => {
      let list = this.waiters.get(k)
      if (list === undefined) this.waiters.set(k, list = [])
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        const l = this.waiters.get(k)
        const i = l?.indexOf(waiter) ?? -1
        if (l !== undefined && i >= 0) {
          l.splice(i, 1)
          this.policy.onIdle(executor.colonyname, executor.executortype, l.length)
        }
        resolve()
      }
      const waiter: Waiter = { executor, wake: done }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
      list.push(waiter)
      this.policy.onIdle(executor.colonyname, executor.executortype, list.length)
    })
  }

  /**
   * The next waiting process this executor may run, claimed for it. When none may be
   * claimed yet, `retryAt` says when the first one's turn comes.
   */
  private async tryClaim (executor: ExecutorInfo, offer: Offer): Promise<{ process?: ProcessInfo, retryAt: number }> {
    const fold = this.ledger.fold
    let retryAt = Infinity
    for (const pid of this.queue.list(executor.colonyname, executor.executortype)) {
      if (this.reserved.has(pid)) continue
      const p = fold.process(pid)
      if (p === undefined || p.state !== ProcessState.WAITING || p.waitforparents) continue
      if (!executorMatches(p.spec.conditions, executor) || !resourcesFit(p.spec.conditions, offer)) continue
      const at = this.policy.claimableAt(p)
      if (at > Date.now()) {
        retryAt = Math.min(retryAt, at)
        continue
      }
      this.reserved.add(pid)
      try {
        const won = await this.claim(p, executor)
        if (won !== undefined) return { process: won, retryAt }
      } finally {
        this.reserved.delete(pid)
      }
    }
    return { retryAt }
  }

  /** Writes the claim; returns the process if the claim stands after the settle window. */
  private async claim (p: ProcessInfo, executor: ExecutorInfo): Promise<ProcessInfo | undefined> {
    const fold = this.ledger.fold
    const attempt = p.attempt
    const { ids: [claimId] } = await this.ledger.appendLocal([{
      body: { k: 'claim', processid: p.processid, attempt, executorid: executor.executorid }
    }])
    this.stats.claims++
    const ours = (): ProcessInfo | undefined => {
      const now = fold.process(p.processid)
      return claimId !== undefined && fold.refusal(claimId) === undefined && now?.assignedexecutorid === executor.executorid &&
        now.attempt === attempt && now.state === ProcessState.RUNNING
        ? now
        : undefined
    }
    if (ours() === undefined) return undefined
    const settle = this.policy.settleMs(p.colonyname)
    if (settle > 0) {
      // Another site's claim with a lower (clock, id) may still be on its way: let it arrive.
      await new Promise(resolve => setTimeout(resolve, settle))
      if (ours() === undefined) {
        this.stats.lostInSettle++
        return undefined
      }
    }
    return ours()
  }

  /** Wakes one waiting executor per process that became claimable. */
  onChange (change: LedgerChange): void {
    const fold = this.ledger.fold
    for (const pid of change.processes) {
      const p = fold.process(pid)
      this.queue.update(pid, p)
      if (p === undefined || p.state !== ProcessState.WAITING || p.waitforparents) continue
      const k = key(p.colonyname, p.spec.conditions.executortype)
      this.generation.set(k, (this.generation.get(k) ?? 0) + 1)
      const list = this.waiters.get(k)
      const w = list?.find(w => executorMatches(p.spec.conditions, w.executor))
      w?.wake()
    }
    if (change.colonyLevel) {
      this.colonyGeneration++
      // A resume (or an executor approved) may make waiting work assignable: let each waiter look once.
      for (const list of this.waiters.values()) for (const w of [...list]) w.wake()
    }
  }
}

export function requireApprovedExecutor (executor: ExecutorInfo | undefined, colony: string): ExecutorInfo {
  if (executor === undefined) throw new ForbiddenError(`Access denied, not an executor of colony ${JSON.stringify(colony)}`)
  if (executor.state !== 1) throw new ForbiddenError('Access denied, the executor is not approved')
  return executor
}
