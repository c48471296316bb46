/**
 * The claim policy the assigner follows when other sites compete for the same processes
 * (decision 6): this site's rank for a process among the sites that could claim it, when
 * its turn comes, and when a claim it wrote stands (every other live site has
 * acknowledged it). Also the other side: acknowledging the claims other sites make.
 */
import { claimableAt, partitionOwner, rankOf } from '../../protocol/claims.js'
import { compareHlc, type Hlc } from '../../protocol/hlc.js'
import type { ProcessInfo } from '../../protocol/state.js'
import type { Ledger } from '../../store/ledger.js'
import type { ClaimPolicy } from '../assigner.js'
import type { Clock } from '../clock.js'
import type { P2PHost } from '../p2p/host.js'
import { siteIdOfPeer } from '../p2p/peer-identity.js'
import { type ColonyView, PARTITION_GRACE_MS } from './options.js'
import { PRESENCE_HEARTBEAT_MS, PRESENCE_TTL_MS, type Presence, TYPE_RECENT_MS } from './presence.js'
import type { Publisher } from './publisher.js'
import type { Puller } from './puller.js'

/** the longest a claim waits for the other sites' acknowledgements */
export const CONFIRM_CAP_MS = 2000
/**
 * The longest a claim's delivery waits for pulls streaming batches in (see confirmClaim);
 * a pull that stalls is aborted sooner (PULL_FRAME_TIMEOUT_MS between frames).
 */
export const PULL_HOLD_CAP_MS = 30_000
/**
 * Acknowledgements owed wait this long (ms) for a batch of ours to carry them while requests
 * are being handled here (`busy`); at rest they go after two turns of the event loop (a
 * claim our executor makes on the batch just stored still carries them).
 */
export const ACK_DELAY_MS = 2
/** beyond a heartbeat after a silent site's last advert, when a submission surely missed it (a late heartbeat, a busy loop) */
const FRESH_MARGIN_MS = 1000

export interface ClaimSettlingComponents {
  readonly ledger: { readonly fold: Pick<ColonyView, 'colony'> & { submitOrigin?: (processid: string) => string | undefined } } & Pick<Ledger, 'seqOf' | 'head'>
  readonly nodeId: string
  readonly presence: Pick<Presence, 'claimingSites' | 'liveSites' | 'advertise'> & Partial<Pick<Presence, 'silentSites' | 'partitionSites'>>
  readonly pulls: Pick<Puller, 'streaming' | 'noPullStreaming'>
  readonly publisher: Pick<Publisher, 'publishedClock'>
  readonly host: Pick<P2PHost, 'connectedPeers'>
  /** whether a request under way here is about to write a batch of ours (see ACK_DELAY_MS) */
  readonly busy?: () => boolean
  readonly clock: Clock
  readonly log: (line: string) => void
}

export interface ClaimSettlingStats {
  /** claims that waited for acknowledgements, gave up waiting (CONFIRM_CAP_MS), or first waited for a pull */
  readonly claims: { readonly waited: number, readonly capped: number, readonly heldForPull: number }
  /** waiting processes this site left to a silent site's side for the partition grace (each counted once) */
  readonly leftToSilentSide: number
  /**
   * acknowledgements owed to other sites' claims: sent as an advert, or given by a batch of
   * ours; `atOnce`: times they were owed at rest, and so sent after two turns of the event
   * loop rather than ACK_DELAY_MS
   */
  readonly acks: { readonly adverts: number, readonly byBatch: number, readonly atOnce: number }
}

export class ClaimSettling implements Pick<ClaimPolicy, 'rank' | 'claimableAt' | 'confirmClaim'> {
  private readonly c: ClaimSettlingComponents
  private readonly rankStepMs: number
  private readonly graceMs: number
  /** processes held back for a silent site's side (for stats: each counted once) */
  private readonly heldBack = new Set<string>()
  private leftToSilentSide = 0
  /** partitionOwner by process id, for the set of sites `sig` it was worked out over */
  private readonly owners = new Map<string, { sig: string, owner: string | undefined }>()
  /**
   * per site: its latest acknowledgement (clock h, log head seq): every claim it wrote with
   * a clock up to h is in its batches up to seq; any it writes later has a later clock
   */
  private readonly watermarks = new Map<string, { h: Hlc, seq: number, at: number }>()
  /** claims waiting for acknowledgements: each check resolves its claim when true */
  private readonly confirmWaiters = new Set<() => boolean>()
  /** colonies where a site's claim reached us and we owe an acknowledgement: the latest such claim's clock */
  private readonly ackWanted = new Map<string, Hlc>()
  private ackArmed = false
  /** ranks by process id, valid while the set of claiming sites is `rankSig` */
  private readonly rankCache = new Map<string, number>()
  private rankSig = ''
  /** the claimingSites answer `rankSig` was last checked against (the cache hands out the same array) */
  private rankSites: string[] | undefined
  private stopped = false
  private readonly claims = { waited: 0, capped: 0, heldForPull: 0 }
  private readonly acks = { adverts: 0, byBatch: 0, atOnce: 0 }

  constructor (components: ClaimSettlingComponents, init: { rankStepMs?: number, partitionGraceMs?: number } = {}) {
    this.c = components
    this.rankStepMs = init.rankStepMs ?? 40
    this.graceMs = init.partitionGraceMs ?? PARTITION_GRACE_MS
  }

  /** No acknowledgement is sent from now on. */
  stop (): void {
    this.stopped = true
  }

  stats (): ClaimSettlingStats {
    return { claims: { ...this.claims }, acks: { ...this.acks }, leftToSilentSide: this.leftToSilentSide }
  }

  rank (p: ProcessInfo): number {
    const { ledger, nodeId } = this.c
    const c = ledger.fold.colony(p.colonyname)
    if (c === undefined || c.sites.length <= 1) return 0
    const sites = this.c.presence.claimingSites(p.colonyname, p.spec.conditions.executortype)
    if (sites !== this.rankSites) {
      const sig = sites.join(',')
      if (sig !== this.rankSig) {
        this.rankCache.clear()
        this.rankSig = sig
      }
      this.rankSites = sites
    }
    let r = this.rankCache.get(p.processid)
    if (r === undefined) {
      const set = new Set(sites)
      set.add(nodeId)
      r = rankOf(p.processid, nodeId, set)
      if (this.rankCache.size > 100_000) this.rankCache.clear()
      this.rankCache.set(p.processid, r)
    }
    return r
  }

  claimableAt (p: ProcessInfo): number {
    const held = this.heldForSilentSide(p)
    if (held > 0) return held
    const rank = this.rank(p)
    if (rank === 0) return 0
    const since = p.history[p.history.length - 1]?.at ?? p.submissiontime
    return claimableAt(since, rank, this.rankStepMs)
  }

  /**
   * During a partition (a site with executors for `p` has gone silent), when `p` belongs to
   * the silent side (partitionOwner): the end of the grace, before which this site leaves
   * it alone; else 0. Without a silent site this costs one cached lookup.
   */
  private heldForSilentSide (p: ProcessInfo): number {
    const silent = this.c.presence.silentSites?.(p.colonyname, this.graceMs)
    if (silent === undefined || silent.size === 0) return 0
    const type = p.spec.conditions.executortype
    const sites = this.c.presence.partitionSites?.(p.colonyname, type, TYPE_RECENT_MS, this.graceMs) ?? []
    let firstSilence = Infinity
    let sig = ''
    for (const [s, v] of silent) {
      firstSilence = Math.min(firstSilence, v.heardAt)
      sig += `${s}@${v.heardAt},`
    }
    sig += sites.join(',')
    let owned = this.owners.get(p.processid)
    if (owned?.sig !== sig) {
      const origin = this.c.ledger.fold.submitOrigin?.(p.processid)
      // submitted after its side lost sight of the other: the other side cannot hold it. The
      // cut came within a heartbeat after the last advert heard; what was submitted before
      // may have reached the other side, which then ranks it as before the cut, as we do
      const since = origin === undefined ? Infinity : silent.get(origin)?.heardAt ?? firstSilence
      owned = { sig, owner: partitionOwner(p.processid, origin, p.submissiontime > since + PRESENCE_HEARTBEAT_MS + FRESH_MARGIN_MS, sites) }
      if (this.owners.size > 100_000) this.owners.clear()
      this.owners.set(p.processid, owned)
    }
    const gone = owned.owner === undefined ? undefined : silent.get(owned.owner)
    if (gone === undefined) return 0
    if (!this.heldBack.has(p.processid)) {
      if (this.heldBack.size > 100_000) this.heldBack.clear()
      this.heldBack.add(p.processid)
      this.leftToSilentSide++
    }
    return gone.heardAt + PRESENCE_TTL_MS + this.graceMs
  }

  /**
   * The settle window (decision 6), by acknowledgement rather than by a guess at the gossip
   * delay: a claim stands once every other live site of the colony has shown a clock at or
   * after the claim's together with its log head, and we hold its log up to that head. Any
   * competing claim from that site is then either in what we hold (and the fold has
   * decided) or later than ours (and loses). Sites acknowledge a claim as soon as they have
   * it (`wantAck`); their own batches acknowledge too. A site that has not advertised for
   * PRESENCE_TTL_MS is not waited for (a partition: execution is at-least-once there), and
   * no claim waits more than CONFIRM_CAP_MS (a site too slow to answer).
   *
   * First, while a pull streams batches in, the claim waits for it to end. A pull is the
   * serving site's log, origin after origin: a site back from a partition learns a process
   * from one origin's batches before the claim that another site, silent to it for seconds
   * and so not waited for, made of it meanwhile, which comes with a later origin's. The
   * pull's end brings that claim, which wins (it is older), and the executor here is not
   * handed a process that already ran. A pull that stalls is aborted (PULL_FRAME_TIMEOUT_MS);
   * none holds a claim longer than PULL_HOLD_CAP_MS.
   */
  async confirmClaim (p: ProcessInfo, claimT: Hlc): Promise<void> {
    const { ledger, clock, log } = this.c
    const c = ledger.fold.colony(p.colonyname)
    if (c === undefined || c.sites.length <= 1) return
    if (this.c.pulls.streaming() > 0) {
      this.claims.heldForPull++
      if (!await this.c.pulls.noPullStreaming(PULL_HOLD_CAP_MS)) log(`claim of ${p.processid.slice(0, 12)} stands after waiting ${PULL_HOLD_CAP_MS} ms for pulls still streaming in`)
    }
    const live = this.c.presence.liveSites(p.colonyname, c.sites)
    const done = (): boolean => live.every(site => this.acknowledged(site, claimT))
    if (done()) return
    this.claims.waited++
    await new Promise<void>(resolve => {
      const check = (): boolean => {
        if (!done()) return false
        clock.clearTimeout(timer)
        resolve()
        return true
      }
      const timer = clock.setTimeout(() => {
        this.confirmWaiters.delete(check)
        this.claims.capped++
        log(`claim of ${p.processid.slice(0, 12)} stands unacknowledged after ${CONFIRM_CAP_MS} ms: ${this.ackLag(live, claimT).join('; ')}`)
        resolve()
      }, CONFIRM_CAP_MS)
      this.confirmWaiters.add(check)
    })
  }

  /** Whether `site` has shown a clock at or after `claimT`, and we hold its log up to the head it named. */
  private acknowledged (site: string, claimT: Hlc): boolean {
    const w = this.watermarks.get(site)
    return w !== undefined && compareHlc(w.h, claimT) >= 0 && this.c.ledger.seqOf(site) >= w.seq
  }

  /**
   * `site` acknowledged every claim it wrote with a clock up to `h`: they are in its log up
   * to `seq` (its advert's log head, or its own batch).
   */
  noteWatermark (site: string, h: Hlc, seq: number): void {
    const cur = this.watermarks.get(site)
    if (cur !== undefined && compareHlc(h, cur.h) <= 0) return
    this.watermarks.set(site, { h, seq, at: this.c.clock.now() })
    this.checkConfirmations()
  }

  /** The ledger changed: a claim waiting for a site's log up to its watermark may stand now. */
  onChange (): void {
    if (this.confirmWaiters.size > 0) this.checkConfirmations()
  }

  /** For the log: why each of `sites` has not acknowledged a claim at `claimT` yet. */
  private ackLag (sites: readonly string[], claimT: Hlc): string[] {
    const { ledger, host, clock } = this.c
    const now = clock.now()
    const connected = new Set(host.connectedPeers().map(p => siteIdOfPeer(p)))
    const out: string[] = []
    for (const site of sites) {
      if (this.acknowledged(site, claimT)) continue
      const w = this.watermarks.get(site)
      const parts = [connected.has(site) ? 'connected' : 'not connected']
      if (w === undefined) parts.push('never acknowledged')
      else {
        parts.push(`last acknowledgement ${now - w.at} ms ago, ${Math.max(0, claimT.w - w.h.w)} ms before the claim`)
        if (ledger.seqOf(site) < w.seq) parts.push(`its log held to ${ledger.seqOf(site)} of ${w.seq}`)
      }
      out.push(`${site.slice(0, 8)} (${parts.join(', ')})`)
    }
    return out
  }

  private checkConfirmations (): void {
    for (const check of [...this.confirmWaiters]) if (check()) this.confirmWaiters.delete(check)
  }

  /**
   * Owes an acknowledgement in `colony` of claims up to clock `h`: an advert sent as soon as
   * our own log is at rest, unless a batch of ours with a later clock went out meanwhile
   * (a batch acknowledges too: its records' clocks are after every claim we had stored).
   */
  wantAck (colony: string, h: Hlc): void {
    const cur = this.ackWanted.get(colony)
    if (cur === undefined || compareHlc(h, cur) > 0) this.ackWanted.set(colony, h)
    this.armAck()
  }

  private armAck (): void {
    if (this.ackArmed || this.stopped) return
    this.ackArmed = true
    const send = (): void => {
      this.ackArmed = false
      if (this.stopped) return
      for (const [c, want] of this.ackWanted) {
        if (compareHlc(this.c.publisher.publishedClock(), want) < 0) continue
        this.ackWanted.delete(c)
        this.acks.byBatch++
      }
      if (this.ackWanted.size === 0) return
      const head = this.c.ledger.head()
      if (head === undefined) {
        // a write is in flight: its batch will carry a later clock; look again right after
        this.armAck()
        return
      }
      for (const c of this.ackWanted.keys()) {
        this.acks.adverts++
        this.c.presence.advertise(c, head, false)
      }
      this.ackWanted.clear()
    }
    if (this.c.busy?.() === false) {
      this.acks.atOnce++
      // turns of the event loop, not time: the clock has no part in it
      setImmediate(() => setImmediate(send))
    } else this.c.clock.setTimeout(send, ACK_DELAY_MS)
  }
}
