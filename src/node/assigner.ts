/**
 * Assignment: `assignprocessmsg` as a real long-poll. An idle executor waits on an event,
 * not a polling loop; each process that becomes waiting wakes exactly one waiting
 * executor of its colony and type (no thundering herd). The chosen process is claimed by
 * a ledger record (`claim`), and the executor gets it only once the fold has accepted
 * that claim and, when other sites compete, once the settle window has passed with the
 * claim still winning (DESIGN decision 6). The claim policy says when this site may
 * claim a process (its rendezvous rank) and how long to settle.
 *
 * A claim the executor never got (its request went away while the claim settled, or this
 * node died before answering) is not left RUNNING until its maxexectime: the executor's
 * next assign here gets the same attempt back. What a restart needs to know of that is
 * saved (`DeliveryState`).
 */
import { ForbiddenError, NotFoundError } from '../protocol/errors.js'
import { compareHlc, type Hlc, isHlc } from '../protocol/hlc.js'
import { executorMatches, type Offer, resourcesFit } from '../protocol/matching.js'
import { type ExecutorInfo, ExecutorState, type ProcessInfo, ProcessState } from '../protocol/state.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import { WaitingQueue } from './waiting-queue.js'
import { type Clock, every, type Service, systemClock, type Timer } from './clock.js'

/** How this site takes part in claiming; a lone site claims at once and needs no settling. */
export interface ClaimPolicy {
  /** This site's rendezvous rank for `p` among the sites that could claim it (0 = first). */
  rank: (p: ProcessInfo) => number
  /** Wall-clock ms from which this site may claim `p` (its rank's turn). */
  claimableAt: (p: ProcessInfo) => number
  /**
   * Resolves when a claim this site just wrote (clock `claimT`) may be handed to the
   * executor: when no competing claim that would win can still turn up (see Federation).
   */
  confirmClaim: (p: ProcessInfo, claimT: Hlc) => Promise<void>
  /**
   * This site's executors of a colony and type: `attached` have asked for work in the
   * last few seconds (busy or not), `idle` are parked in a long-poll now (for adverts).
   */
  onPresence: (colony: string, executortype: string, attached: number, idle: number) => void
}

export const SINGLE_SITE: ClaimPolicy = {
  rank: () => 0,
  claimableAt: () => 0,
  confirmClaim: async () => {},
  onPresence: () => {}
}

/**
 * An executor counts as attached to this site while it waits in a long-poll here, and for
 * this long after its last request began or its last long-poll ended: an idle executor's
 * polls follow each other (10 s each) and it stays attached throughout, busy or idle.
 */
export const ATTACHED_MS = 5000
/** How many claimable processes, best priority first, an assign weighs by rank. */
const CANDIDATES = 128
/** At most this often this site's claims' delivery state is saved, and only when it moved. */
const DELIVERY_SAVE_MS = 100
/** The node-local value holding the DeliveryState. */
const DELIVERY_KEY = 'claims'

/**
 * Which of this site's claims may not have reached their executor, as saved: every claim
 * this site wrote with a clock up to `through` was answered or is listed in `undelivered`;
 * a later one may not have been. After a crash those are offered to their executor again.
 */
interface DeliveryState {
  readonly through: Hlc
  readonly undelivered: readonly string[]
}

function parseDeliveryState (v: unknown): DeliveryState | undefined {
  if (v === null || typeof v !== 'object') return undefined
  const { through, undelivered } = v as Record<string, unknown>
  if (!isHlc(through) || !Array.isArray(undelivered) || !undelivered.every(x => typeof x === 'string')) return undefined
  return { through, undelivered: undelivered as string[] }
}

interface Waiter {
  readonly executor: ExecutorInfo
  readonly wake: () => void
}

const key = (colony: string, type: string): string => colony + '\x00' + type

export class Assigner implements Service {
  private readonly waiters = new Map<string, Waiter[]>()
  /**
   * Counts wake-worthy changes per (colony, type): an executor that looked at the queue
   * while a process arrived must look again rather than park (no lost wake-up).
   */
  private readonly generation = new Map<string, number>()
  private colonyGeneration = 0
  /**
   * Processes this node is claiming right now (never offered twice), each with the clock
   * before its claim was written: the claim's own clock is later.
   */
  private readonly reserved = new Map<string, Hlc>()
  /** claims of this site whose executor did not get them: processid → for whom, which attempt */
  private readonly undelivered = new Map<string, { executorid: string, attempt: number }>()
  private saveTimer: Timer | undefined
  private saving: Promise<void> = Promise.resolve()
  /** claims resolved (answered or undelivered) since the last save */
  private unsaved = false
  private stopped = false
  private readonly ledger: Ledger
  private readonly queue = new WaitingQueue()
  private policy: ClaimPolicy = SINGLE_SITE
  /** colony+type → executor id → last assign request (ms) */
  private readonly attached = new Map<string, Map<string, number>>()
  private readonly clock: Clock

  constructor (ledger: Ledger, clock: Clock = systemClock) {
    this.ledger = ledger
    this.clock = clock
    // after a restart: this site's claims that still stand and may never have been answered
    // (written after the last save, or saved as undelivered) go back to their executor;
    // without a saved state (a new store, or one of a version before this) none do
    const saved = parseDeliveryState(ledger.localAtOpen(DELIVERY_KEY))
    const listed = new Set(saved?.undelivered)
    for (const p of ledger.fold.processes()) {
      this.queue.update(p.processid, p)
      if (saved !== undefined && this.mayNotHaveReached(p, saved.through, listed)) {
        this.undelivered.set(p.processid, { executorid: p.assignedexecutorid, attempt: p.attempt })
      }
    }
    // what was found is saved at once (a second crash must not forget it); with nothing saved
    // before, every claim so far counts as answered
    this.unsaved = true
    this.scheduleSave()
  }

  /** Whether `p` stands claimed by this site with a claim written after `through`, or listed. */
  private mayNotHaveReached (p: ProcessInfo, through: Hlc, listed: ReadonlySet<string>): boolean {
    if (p.state !== ProcessState.RUNNING || p.site !== this.ledger.nodeId || p.assignedexecutorid === '') return false
    if (listed.has(p.processid)) return true
    const claim = p.history.at(-1)
    const t = claim?.state === ProcessState.RUNNING ? this.ledger.fold.entry(claim.record)?.rec.t : undefined
    return t !== undefined && compareHlc(t, through) > 0
  }

  /** Processes claimed here for an executor that has not got them yet (for tests and status). */
  undeliveredCount (): number {
    return this.undelivered.size
  }

  /** Saves the delivery state if a claim resolved since the last save; resolves once written. */
  async saveDeliveries (): Promise<void> {
    if (this.saveTimer !== undefined) {
      this.clock.clearTimeout(this.saveTimer)
      this.saveTimer = undefined
    }
    if (!this.unsaved) {
      await this.saving
      return
    }
    this.unsaved = false
    // every claim with a clock up to `through` is resolved: those in flight were written after
    // their reservation's clock, later ones will be written after the clock now
    let through = this.ledger.clock.peek()
    for (const t of this.reserved.values()) if (compareHlc(t, through) < 0) through = t
    const undelivered: string[] = []
    for (const [pid, u] of this.undelivered) {
      if (this.stillOwed(pid, u) === undefined) this.undelivered.delete(pid)
      else undelivered.push(pid)
    }
    const state: DeliveryState = { through, undelivered }
    this.saving = this.saving.then(async () => { await this.ledger.putLocal(DELIVERY_KEY, state) }).catch(() => {})
    await this.saving
  }

  private scheduleSave (): void {
    if (this.saveTimer !== undefined || this.stopped) return
    this.saveTimer = this.clock.setTimeout(async () => {
      this.saveTimer = undefined
      await this.saveDeliveries()
    }, DELIVERY_SAVE_MS, { unref: true })
  }

  /** The process if the claim this site made for `u.executorid` still stands unanswered. */
  private stillOwed (pid: string, u: { executorid: string, attempt: number }): ProcessInfo | undefined {
    const p = this.ledger.fold.process(pid)
    return p?.state === ProcessState.RUNNING && p.assignedexecutorid === u.executorid && p.attempt === u.attempt &&
      p.site === this.ledger.nodeId
      ? p
      : undefined
  }

  /** A process claimed here earlier for this executor (in its colony) that it never got, if any. */
  private takeUndelivered (executor: ExecutorInfo): ProcessInfo | undefined {
    for (const [pid, u] of this.undelivered) {
      if (u.executorid !== executor.executorid) continue
      const p = this.stillOwed(pid, u)
      if (p !== undefined && p.colonyname !== executor.colonyname) continue
      this.undelivered.delete(pid)
      this.unsaved = true
      this.scheduleSave()
      if (p !== undefined) return p
    }
    return undefined
  }

  private stopPresence: (() => void) | undefined

  setPolicy (policy: ClaimPolicy): void {
    this.policy = policy
    // executors that stopped asking fall out of the attached count: re-report now and then
    if (this.stopPresence === undefined) {
      this.stopPresence = every(this.clock, ATTACHED_MS / 2, () => {
        for (const k of this.attached.keys()) {
          const [colony, type] = k.split('\x00') as [string, string]
          this.report(colony, type)
        }
      }, { unref: true })
    }
  }

  /** Nothing to start: it works as executors ask (the save after a restart is armed at construction). */
  start (): void {}

  /** Stops the timers; `saveDeliveries` afterwards writes what the last requests left. */
  stop (): void {
    this.stopped = true
    this.stopPresence?.()
    this.clock.clearTimeout(this.saveTimer)
    this.saveTimer = undefined
  }

  /** Tells the policy how many executors of this colony and type are attached and parked here. */
  private report (colony: string, type: string): void {
    const k = key(colony, type)
    const waiting = this.waiters.get(k) ?? []
    this.policy.onPresence(colony, type, this.attachedIds(k).size, waiting.length)
  }

  /**
   * The executors of a colony+type key attached now: parked in a long-poll here, or whose
   * last request began (or long-poll ended) within ATTACHED_MS. Older stamps are dropped.
   */
  private attachedIds (k: string): Set<string> {
    const seen = this.attached.get(k)
    const now = this.clock.now()
    const ids = new Set<string>()
    for (const [id, at] of seen ?? []) {
      if (now - at < ATTACHED_MS) ids.add(id)
      else seen?.delete(id)
    }
    for (const w of this.waiters.get(k) ?? []) ids.add(w.executor.executorid)
    return ids
  }

  /** `executorid` asked for work, or its long-poll ended, just now. */
  private touch (k: string, executorid: string): void {
    let seenBy = this.attached.get(k)
    if (seenBy === undefined) this.attached.set(k, seenBy = new Map())
    seenBy.set(executorid, this.clock.now())
  }

  /**
   * This site's executors of `colony` per type: those that asked for work in the last
   * ATTACHED_MS or are parked in a long-poll now (what a lone site shows as its sites' executors).
   */
  attachedExecutors (colony: string): Record<string, number> {
    const out: Record<string, number> = {}
    for (const k of [...this.attached.keys()]) {
      const [c, type] = k.split('\x00') as [string, string]
      if (c !== colony) continue
      const n = this.attachedIds(k).size
      if (n > 0) out[type] = n
    }
    return out
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
    const deadline = this.clock.now() + Math.max(0, timeoutSec) * 1000
    const k = key(executor.colonyname, executor.executortype)
    this.touch(k, executor.executorid)
    this.report(executor.colonyname, executor.executortype)
    for (;;) {
      if (signal?.aborted === true) throw new NotFoundError('the request was aborted')
      if (this.undelivered.size > 0) {
        const owed = this.takeUndelivered(executor)
        if (owed !== undefined) return owed
      }
      const seen = this.stamp(k)
      const paused = this.ledger.fold.colony(executor.colonyname)?.paused === true
      let retryAt = Infinity
      if (!paused) {
        const r = await this.tryClaim(executor, offer, signal)
        if (r.process !== undefined) return r.process
        retryAt = r.retryAt
      }
      const left = deadline - this.clock.now()
      if (timeoutSec < 0 || left <= 0) {
        throw paused
          ? new NotFoundError('No processes available: colony assignments are paused')
          : new NotFoundError('No process available for assignment')
      }
      if (this.stamp(k) !== seen) continue
      // a process another site ranks first becomes ours to claim at retryAt if still waiting
      await this.waitForWork(executor, Math.min(left, Math.max(1, retryAt - this.clock.now())), signal)
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
        this.clock.clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        const l = this.waiters.get(k)
        const i = l?.indexOf(waiter) ?? -1
        if (l !== undefined && i >= 0) {
          l.splice(i, 1)
          // attached for ATTACHED_MS after its wait ended: time to ask again, as it does
          this.touch(k, executor.executorid)
          this.report(executor.colonyname, executor.executortype)
        }
        resolve()
      }
      const waiter: Waiter = { executor, wake: done }
      const timer = this.clock.setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
      list.push(waiter)
      this.report(executor.colonyname, executor.executortype)
    })
  }

  /**
   * The next waiting process this executor may run, claimed for it. When none may be
   * claimed yet, `retryAt` says when the first one's turn comes.
   */
  private async tryClaim (executor: ExecutorInfo, offer: Offer, signal?: AbortSignal): Promise<{ process?: ProcessInfo, retryAt: number }> {
    const fold = this.ledger.fold
    /** processes whose claim this call lost: not tried again by it */
    const tried = new Set<string>()
    for (;;) {
      let retryAt = Infinity
      // Among the best-priority claimable processes, take this site's own share first (rank 0),
      // then other sites' in rank order: sites under load then rarely race for the same process.
      // The first process of our own share sorts first whatever follows it: the scan stops there.
      const candidates: Array<{ p: ProcessInfo, rank: number, i: number }> = []
      let own = false
      const now = this.clock.now()
      for (const pid of this.queue.list(executor.colonyname, executor.executortype)) {
        if (this.reserved.has(pid) || tried.has(pid)) continue
        const p = fold.process(pid)
        if (p === undefined || p.state !== ProcessState.WAITING || p.waitforparents) continue
        if (!executorMatches(p.spec.conditions, executor) || !resourcesFit(p.spec.conditions, offer)) continue
        const at = this.policy.claimableAt(p)
        if (at > now) {
          retryAt = Math.min(retryAt, at)
          continue
        }
        const rank = this.policy.rank(p)
        candidates.push({ p, rank, i: candidates.length })
        if (rank === 0) {
          own = true
          break
        }
        if (candidates.length >= CANDIDATES) break
      }
      // Own share in priority order; another site's share from its far end, since that site
      // works through it from the front (stealing its next process is what makes duplicates).
      candidates.sort((a, b) => a.rank - b.rank || (a.rank === 0 ? a.i - b.i : b.i - a.i))
      for (const { p, rank } of candidates) {
        if (this.reserved.has(p.processid) || fold.process(p.processid)?.state !== ProcessState.WAITING) continue
        this.reserved.set(p.processid, this.ledger.clock.peek())
        try {
          const won = await this.claim(p, executor)
          if (won !== undefined) {
            // the executor went away while the claim settled: it gets this on its next assign
            if (signal?.aborted === true) {
              this.undelivered.set(won.processid, { executorid: executor.executorid, attempt: won.attempt })
              this.waiters.get(key(executor.colonyname, executor.executortype))?.find(w => w.executor.executorid === executor.executorid)?.wake()
              throw new NotFoundError('the request was aborted')
            }
            return { process: won, retryAt }
          }
        } finally {
          this.reserved.delete(p.processid)
          this.unsaved = true
          this.scheduleSave()
        }
        tried.add(p.processid)
        // our own process went to another claim: the rest of our share is further on
        if (rank === 0) break
      }
      if (!own) return { retryAt }
    }
  }

  /** Writes the claim; returns the process if the claim stands after the settle window. */
  private async claim (p: ProcessInfo, executor: ExecutorInfo): Promise<ProcessInfo | undefined> {
    const fold = this.ledger.fold
    const attempt = p.attempt
    const { ids: [claimId], clocks: [claimT] } = await this.ledger.appendLocal([{
      body: { k: 'claim', processid: p.processid, attempt, executorid: executor.executorid }
    }])
    const ours = (): ProcessInfo | undefined => {
      const now = fold.process(p.processid)
      return claimId !== undefined && fold.refusal(claimId) === undefined && now?.assignedexecutorid === executor.executorid &&
        now.attempt === attempt && now.state === ProcessState.RUNNING
        ? now
        : undefined
    }
    if (ours() === undefined || claimT === undefined) return undefined
    // Another site's claim with a lower (clock, id) may still be on its way: let it arrive.
    await this.policy.confirmClaim(p, claimT)
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
  if (executor.state !== ExecutorState.APPROVED) throw new ForbiddenError('Access denied, the executor is not approved')
  return executor
}
