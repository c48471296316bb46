/**
 * Pull to repair (decision 5): asks a peer for exactly the batches we lack (version vectors,
 * then the missing batches), at most one pull per peer and one at a time. A failed pull is
 * retried once, later and later (backoff); a batch that seems missing is pulled only if it
 * is still missing a moment later; a jittered timer pulls from every peer now and then.
 */
import { ColonyError } from '../../protocol/errors.js'
import type { Ledger } from '../../store/ledger.js'
import type { Clock, Timer } from '../clock.js'
import type { P2PHost } from '../p2p/host.js'
import { logNameOfPeer, siteIdOfPeer } from '../p2p/peer-identity.js'
import { pull, type PullResult, SYNC_PROTOCOL, SyncRefusedError, type SyncStream } from '../p2p/sync-protocol.js'
import type { Membership } from './membership.js'
import type { Sites } from './sites.js'

/** how long a seemingly missing batch may take to arrive by itself before we pull it */
export const REPAIR_DELAY_MS = 300
/** how long opening a sync stream may take (ms); see schedulePull */
const SYNC_OPEN_TIMEOUT_MS = 4000
/** the first retry after a failed pull waits twice this; each failure doubles it up to BACKOFF_MAX_MS */
const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 15_000

export interface PullerComponents {
  readonly host: Pick<P2PHost, 'connectedPeers'> & {
    open: (peer: string, protocol: string, signal?: AbortSignal) => Promise<SyncStream>
  }
  readonly ledger: Pick<Ledger, 'seqOf' | 'versionVector' | 'ingest' | 'fresh' | 'adoptSummary'>
  readonly membership: Pick<Membership, 'isCoSite'>
  readonly sites: Pick<Sites, 'touch' | 'setVector'>
  readonly clock: Clock
  /** jitter of the repair timer, in [0, 1) */
  readonly random: () => number
  readonly log: (line: string) => void
  /** a pull brought batches */
  readonly onSynced?: (s: { peer: string, stored: number, bytes: number }) => void
  /** a pull brought a summary of what the peer pruned (taken by a fresh site, or not) */
  readonly onSummary?: (peer: string, summary: NonNullable<PullResult['summary']>) => void
}

export interface PullerInit {
  /** mean of the jittered repair timer (default 15 s) */
  readonly syncIntervalMs?: number
  /** the operator's bootstrap multiaddrs: we pull from those peers before we are admitted */
  readonly bootstrap?: readonly string[]
}

export interface PullerStats {
  readonly pulls: number
  /** pulls the peer refused (we are not a site of its colonies, yet) */
  readonly pullsRefused: number
  /** bytes received by pulls */
  readonly bytes: number
}

export class Puller {
  private readonly c: PullerComponents
  private readonly syncIntervalMs: number
  /** peer ids named in the bootstrap multiaddrs */
  private readonly bootstrapPeers: Set<string>
  private readonly pulling = new Map<string, Promise<void>>()
  private readonly backoff = new Map<string, number>()
  /** per peer: the one retry pending after a failed pull */
  private readonly retries = new Map<string, Timer>()
  /** per origin: batches up to `seq` seem missing; `peer` is asked if they still are after a moment */
  private readonly repairs = new Map<string, { seq: number, peer: string }>()
  /** resolves when the pull before the next one has ended */
  private pullTurn: Promise<void> = Promise.resolve()
  /** pulls bringing batches in right now; a claim waits for them (ClaimSettling) */
  private streamingPulls = 0
  /** called when the last streaming pull ends */
  private readonly pullsEndedWaiters = new Set<() => void>()
  private firstSyncDone = false
  private readonly firstSyncWaiters = new Set<() => void>()
  private timer: Timer | undefined
  private stopped = false
  private pulls = 0
  private pullsRefused = 0
  private bytes = 0

  constructor (components: PullerComponents, init: PullerInit = {}) {
    this.c = components
    this.syncIntervalMs = init.syncIntervalMs ?? 15_000
    this.bootstrapPeers = new Set((init.bootstrap ?? []).flatMap(a => /\/p2p\/([^/]+)/.exec(a)?.[1] ?? []))
  }

  /** Arms the jittered repair timer. */
  start (): void {
    this.armTimer()
  }

  /** No pull starts from now on; resolves when the ones running have ended. */
  async stop (): Promise<void> {
    this.stopped = true
    this.c.clock.clearTimeout(this.timer)
    for (const t of this.retries.values()) this.c.clock.clearTimeout(t)
    await Promise.allSettled([...this.pulling.values()])
  }

  stats (): PullerStats {
    return { pulls: this.pulls, pullsRefused: this.pullsRefused, bytes: this.bytes }
  }

  private armTimer (): void {
    if (this.stopped) return
    const jittered = this.syncIntervalMs * (0.5 + this.c.random())
    this.timer = this.c.clock.setTimeout(() => {
      this.pullFromAll()
      this.armTimer()
    }, jittered, { unref: true })
  }

  /** Pulls from every connected peer now (a site admitted or removed, the repair timer). */
  pullFromAll (): void {
    for (const peer of this.c.host.connectedPeers()) this.schedulePull(peer, 0)
  }

  /**
   * Whose batches we take by sync: a site of a colony we are a site of, or a peer the
   * operator named with --bootstrap (a new node learns the colony from it before it is
   * admitted). Anyone else could otherwise answer our pull with its own signed batches.
   */
  private mayPullFrom (peer: string): boolean {
    const site = siteIdOfPeer(peer)
    return site !== undefined && (this.bootstrapPeers.has(peer) || this.c.membership.isCoSite(site))
  }

  /** Pulls from `peer` after `delayMs`, at most one pull per peer at a time. */
  schedulePull (peer: string, delayMs: number): void {
    if (this.stopped || this.pulling.has(peer)) return
    const run = (async () => {
      if (delayMs > 0) await new Promise<void>(resolve => this.c.clock.setTimeout(resolve, delayMs, { unref: true }))
      if (this.stopped) return
      // One pull at a time: a site that joins pulls the ledger from one peer, and the next
      // pull (from any peer) asks only for what is still missing, not for all of it again.
      const turn = this.pullTurn
      let release = (): void => {}
      this.pullTurn = new Promise<void>(resolve => { release = resolve })
      await turn
      try {
        if (this.stopped || !this.mayPullFrom(peer)) return
        await this.pullOnce(peer)
      } catch (err) {
        this.failed(peer, err)
      } finally {
        release()
      }
    })().finally(() => this.pulling.delete(peer))
    this.pulling.set(peer, run)
  }

  private async pullOnce (peer: string): Promise<void> {
    // bounded: on a connection that stalled (and is not yet known dead) libp2p's own
    // protocol negotiation waits ~10 s, holding up every repair queued behind this pull
    const opening = new AbortController()
    const timeout = this.c.clock.setTimeout(() => opening.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), SYNC_OPEN_TIMEOUT_MS, { unref: true })
    const stream = await this.c.host.open(peer, SYNC_PROTOCOL, opening.signal).finally(() => this.c.clock.clearTimeout(timeout))
    let streaming = false
    const r = await pull(stream, this.c.ledger, {
      onBatches: () => {
        streaming = true
        this.streamingPulls++
      }
    }).finally(() => { if (streaming) this.pullEnded() })
    this.pulls++
    this.bytes += r.bytes
    if (r.summary !== undefined) this.c.onSummary?.(peer, r.summary)
    const site = siteIdOfPeer(peer)
    if (site !== undefined) {
      this.c.sites.touch(site)
      this.c.sites.setVector(site, r.theirs)
    }
    this.backoff.delete(peer)
    // a retry set up by an earlier failure is moot now
    this.c.clock.clearTimeout(this.retries.get(peer))
    this.retries.delete(peer)
    this.noteFirstSync()
    if (r.stored > 0) {
      this.c.log(`pulled ${r.stored} batches (${r.bytes} bytes) from ${logNameOfPeer(peer)}`)
      this.c.onSynced?.({ peer, stored: r.stored, bytes: r.bytes })
    }
  }

  /** Refused (not admitted yet) or the connection went: try again later, backing off. */
  private failed (peer: string, err: unknown): void {
    if (err instanceof SyncRefusedError) {
      this.pullsRefused++
      this.noteFirstSync()
    }
    const next = Math.min(BACKOFF_MAX_MS, (this.backoff.get(peer) ?? BACKOFF_MIN_MS) * 2)
    this.backoff.set(peer, next)
    if (!(err instanceof SyncRefusedError) && !(err instanceof ColonyError)) this.c.log(`sync with ${logNameOfPeer(peer)}: ${(err as Error).message}`)
    this.c.clock.clearTimeout(this.retries.get(peer))
    const retry = this.c.clock.setTimeout(() => {
      this.retries.delete(peer)
      if (this.c.host.connectedPeers().includes(peer)) this.schedulePull(peer, 0)
    }, next, { unref: true })
    this.retries.set(peer, retry)
  }

  /**
   * Pulls from `peer` if, after REPAIR_DELAY_MS, we still lack batches of `origin` up to
   * `seq`: a batch overtaken on another path, or an advert ahead of a batch still being
   * stored, arrives by itself; only a lost one needs a pull.
   */
  repairIfMissing (peer: string, origin: string, seq: number): void {
    if (this.c.ledger.seqOf(origin) >= seq) return
    const want = this.repairs.get(origin)
    if (want !== undefined) {
      want.seq = Math.max(want.seq, seq)
      return
    }
    const entry = { seq, peer }
    this.repairs.set(origin, entry)
    this.c.clock.setTimeout(() => {
      this.repairs.delete(origin)
      if (this.c.ledger.seqOf(origin) < entry.seq) this.schedulePull(entry.peer, 0)
    }, REPAIR_DELAY_MS, { unref: true })
  }

  /** Whether a repair of `origin`'s log is due (a batch of it seemed missing). */
  repairDue (origin: string): boolean {
    return this.repairs.has(origin)
  }

  /** Whether no pull runs and none is due (no retry, no repair). */
  quiet (): boolean {
    return this.pulling.size === 0 && this.retries.size === 0 && this.repairs.size === 0
  }

  /**
   * Resolves once a first pull from a peer has ended (taken or refused), or after
   * `timeoutMs`: a node restored from an old backup gets its own later batches back
   * before it writes again, so it never reuses a sequence number (decision 4).
   */
  async firstSync (timeoutMs: number): Promise<boolean> {
    if (this.firstSyncDone) return true
    return await new Promise(resolve => {
      const done = (): void => {
        this.c.clock.clearTimeout(t)
        resolve(true)
      }
      const t = this.c.clock.setTimeout(() => {
        this.firstSyncWaiters.delete(done)
        resolve(false)
      }, timeoutMs, { unref: true })
      this.firstSyncWaiters.add(done)
    })
  }

  private noteFirstSync (): void {
    if (this.firstSyncDone) return
    this.firstSyncDone = true
    for (const done of [...this.firstSyncWaiters]) done()
    this.firstSyncWaiters.clear()
  }

  /** How many pulls are bringing batches in right now. */
  streaming (): number {
    return this.streamingPulls
  }

  private pullEnded (): void {
    if (--this.streamingPulls > 0) return
    for (const resolve of [...this.pullsEndedWaiters]) resolve()
  }

  /** Resolves when no pull is streaming batches in, or after `ms` (false then). */
  async noPullStreaming (ms: number): Promise<boolean> {
    if (this.streamingPulls === 0) return true
    return await new Promise(resolve => {
      const done = (ok: boolean): void => {
        this.c.clock.clearTimeout(timer)
        this.pullsEndedWaiters.delete(ended)
        resolve(ok)
      }
      const ended = (): void => done(true)
      const timer = this.c.clock.setTimeout(() => done(false), ms, { unref: true })
      this.pullsEndedWaiters.add(ended)
    })
  }

  /** Resolves when no pull is running. */
  async idle (): Promise<void> {
    while (this.pulling.size > 0) await Promise.allSettled([...this.pulling.values()])
  }
}
