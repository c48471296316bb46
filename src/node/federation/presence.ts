/**
 * Presence: what each site advertises, and our own adverts. Every 2 s (and when our
 * executors come or go) each site tells every colony it is a site of which executor types
 * it has attached, its log head (an acknowledgement of the claims it holds, see
 * ClaimSettling), where it can be dialled and how much of each log it holds. The sites
 * with executors of a type attached are those a process's claim is ranked over.
 */
import type { Hlc } from '../../protocol/hlc.js'
import type { Ledger } from '../../store/ledger.js'
import type { Clock, Timer } from '../clock.js'
import { encodeGossip, type IdleFrame, MAX_ADVERT_ADDRS, MAX_ADVERT_ORIGINS, peerOfAddrs, topicOf } from '../p2p/gossip.js'
import type { P2PHost } from '../p2p/host.js'
import { siteIdOfPeer } from '../p2p/peer-identity.js'
import type { Membership } from './membership.js'
import type { ColonyView } from './options.js'
import type { Publisher } from './publisher.js'

/** adverts older than this are forgotten (a site that stopped advertising has no executors left) */
export const PRESENCE_TTL_MS = 6000
export const PRESENCE_HEARTBEAT_MS = 2000
/**
 * A site counts among those a partition's shares are ranked over (partitionSites) if it had
 * executors of the type this recently before its last advert: longer than an idle
 * executor's long-poll (10 s) and the time it then counts as attached (5 s), so a quiet
 * spell does not change the set.
 */
export const TYPE_RECENT_MS = 20_000
/** How long claimingSites may answer from its cache (adverts expire after PRESENCE_TTL_MS). */
const CLAIMING_CACHE_MS = 100

type Types = Readonly<Record<string, number>>

/** A site gone silent: when its last advert reached us (ms, our clock). */
export interface SilentSite {
  readonly heardAt: number
}

const NONE: ReadonlyMap<string, SilentSite> = new Map()

/** Whether two adverts name the same executor types (with executors attached). */
function sameTypes (a: Types, b: Types): boolean {
  const ka = Object.keys(a).filter(t => (a[t] ?? 0) > 0)
  const kb = Object.keys(b).filter(t => (b[t] ?? 0) > 0)
  return ka.length === kb.length && ka.every(t => (b[t] ?? 0) > 0)
}

/** Executor types with at least one executor attached, and how many. */
function attachedTypes (counts: Iterable<readonly [string, number]>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [t, n] of counts) if (n > 0) out[t] = n
  return out
}

export interface PresenceComponents {
  readonly ledger: { readonly fold: ColonyView } & Pick<Ledger, 'head' | 'seqOf' | 'versionVector'>
  readonly nodeId: string
  readonly host: Pick<P2PHost, 'publish' | 'addresses' | 'keepPeer' | 'connectedPeers'>
  readonly membership: Pick<Membership, 'myColonies' | 'speaksIn' | 'isCoSite'>
  readonly publisher: Pick<Publisher, 'flush' | 'firstHeldSeq'>
  readonly clock: Clock
  readonly log: (line: string) => void
}

export class Presence {
  private readonly c: PresenceComponents
  /** colony → site → (type → attached executors, when heard) */
  private readonly adverts = new Map<string, Map<string, { types: Types, at: number }>>()
  /** our own attached executors: colony → type → count */
  private readonly local = new Map<string, Map<string, number>>()
  /** claimingSites per colony and type, while `version` is unchanged (and briefly: adverts expire) */
  private readonly claimingCache = new Map<string, { sites: string[], at: number, version: number }>()
  /** colony → site (this one too) → executor type → when it last had executors of that type attached */
  private readonly typeSeen = new Map<string, Map<string, Map<string, number>>>()
  /** silentSites per colony and type, kept as claimingSites' answers are */
  private readonly silentCache = new Map<string, { sites: ReadonlyMap<string, SilentSite>, at: number, version: number }>()
  /** bumped whenever a site's advertised executor types, or ours, change */
  private version = 0
  private heartbeat: Timer | undefined
  private stopped = false

  constructor (components: PresenceComponents) {
    this.c = components
  }

  /** Starts the heartbeat: every colony hears our executors, log head and addresses every 2 s. */
  start (): void {
    this.stopped = false
    this.armHeartbeat()
  }

  stop (): void {
    this.stopped = true
    this.c.clock.clearTimeout(this.heartbeat)
    this.heartbeat = undefined
  }

  private armHeartbeat (): void {
    if (this.stopped) return
    this.heartbeat = this.c.clock.setTimeout(() => {
      this.advertiseAll()
      this.armHeartbeat()
    }, PRESENCE_HEARTBEAT_MS, { unref: true })
  }

  /** A site's advert of its executors reached us. */
  heard (colony: string, site: string, types: Types): void {
    let m = this.adverts.get(colony)
    if (m === undefined) this.adverts.set(colony, m = new Map())
    const before = m.get(site)
    if (before === undefined || !sameTypes(before.types, types)) this.version++
    m.set(site, { types, at: this.c.clock.now() })
    this.noteTypes(colony, site, Object.keys(types).filter(t => (types[t] ?? 0) > 0))
  }

  /** When `site` last had executors of each of `types` (see partitionSites). */
  private noteTypes (colony: string, site: string, types: readonly string[]): void {
    if (types.length === 0) return
    let bySite = this.typeSeen.get(colony)
    if (bySite === undefined) this.typeSeen.set(colony, bySite = new Map())
    let m = bySite.get(site)
    if (m === undefined) bySite.set(site, m = new Map())
    const now = this.c.clock.now()
    for (const t of types) m.set(t, now)
  }

  /**
   * The sites a partition's shares are ranked over (partitionOwner): those of `colony` that
   * had executors of `type` within `recentMs` before their last advert (this site: before
   * now), of the sites still advertising or silent for less than `graceMs`. Not the last
   * advert alone: an idle executor drops out of an advert now and then, and both sides of
   * a partition must rank over the same sites.
   */
  partitionSites (colony: string, type: string, recentMs: number, graceMs: number): string[] {
    const c = this.c.ledger.fold.colony(colony)
    const now = this.c.clock.now()
    const seen = this.typeSeen.get(colony)
    const out: string[] = []
    for (const site of c?.sites ?? []) {
      const at = seen?.get(site)?.get(type)
      if (at === undefined) continue
      if (site === this.c.nodeId) {
        if (now - at < recentMs) out.push(site)
        continue
      }
      const ad = this.adverts.get(colony)?.get(site)
      if (ad !== undefined && now - ad.at < PRESENCE_TTL_MS + graceMs && ad.at - at < recentMs) out.push(site)
    }
    return out
  }

  /** When the site's last advert in `colony` reached us (undefined: never). */
  heardAt (colony: string, site: string): number | undefined {
    return this.adverts.get(colony)?.get(site)?.at
  }

  /** Who may claim changed otherwise (sites admitted or removed): cached answers are stale. */
  sitesChanged (): void {
    this.version++
  }

  /** Our executors of a colony and type (ClaimPolicy.onPresence). */
  onLocal (colony: string, executortype: string, attached: number, idle: number): void {
    // an executor parked with nothing to claim: no batch of ours is coming to carry the closes
    if (idle > 0) this.c.publisher.flush()
    let m = this.local.get(colony)
    if (m === undefined) this.local.set(colony, m = new Map())
    const before = m.get(executortype) ?? 0
    m.set(executortype, attached)
    if (attached > 0 || idle > 0) this.noteTypes(colony, this.c.nodeId, [executortype])
    if ((before === 0) !== (attached === 0)) {
      this.version++
      this.advertise(colony)
    }
  }

  /**
   * Sites with executors of this colony and type attached (asking for work, busy or not),
   * as last advertised; this site included when it has some. Ranking over attached
   * rather than idle executors keeps the set stable when everyone is busy, so each site
   * takes its own share of a full queue instead of all racing for its head. The same
   * array comes back while the answer holds.
   */
  claimingSites (colony: string, type: string): string[] {
    // an assign asks this for every process it weighs: the answer is kept for a moment, and
    // dropped at once when an advert or our own executors change who has this type
    const now = this.c.clock.now()
    const k = colony + '\x00' + type
    const kept = this.claimingCache.get(k)
    if (kept !== undefined && kept.version === this.version && now - kept.at < CLAIMING_CACHE_MS) return kept.sites
    const sites = this.computeClaimingSites(colony, type, now)
    if (this.claimingCache.size > 1000) this.claimingCache.clear()
    this.claimingCache.set(k, { sites, at: now, version: this.version })
    return sites
  }

  private computeClaimingSites (colony: string, type: string, now: number): string[] {
    const c = this.c.ledger.fold.colony(colony)
    const out: string[] = []
    for (const [site, ad] of this.adverts.get(colony) ?? []) {
      if (now - ad.at < PRESENCE_TTL_MS && (ad.types[type] ?? 0) > 0 && (c?.sites.includes(site) ?? false)) out.push(site)
    }
    if ((this.local.get(colony)?.get(type) ?? 0) > 0) out.push(this.c.nodeId)
    return out
  }

  /**
   * Sites of `colony` that went silent (no advert for PRESENCE_TTL_MS) less than `graceMs`
   * ago: the other side of a partition, as far as this site can tell. Each with when its last
   * advert reached us (see ClaimSettling.claimableAt).
   */
  silentSites (colony: string, graceMs: number): ReadonlyMap<string, SilentSite> {
    if (graceMs <= 0) return NONE
    const now = this.c.clock.now()
    const kept = this.silentCache.get(colony)
    if (kept !== undefined && kept.version === this.version && now - kept.at < CLAIMING_CACHE_MS) return kept.sites
    const c = this.c.ledger.fold.colony(colony)
    let out: Map<string, SilentSite> | undefined
    for (const [site, ad] of this.adverts.get(colony) ?? []) {
      const since = ad.at + PRESENCE_TTL_MS
      if (site === this.c.nodeId || now < since || now >= since + graceMs || !(c?.sites.includes(site) ?? false)) continue
      if (out === undefined) out = new Map()
      out.set(site, { heardAt: ad.at })
    }
    const sites = out ?? NONE
    if (this.silentCache.size > 1000) this.silentCache.clear()
    this.silentCache.set(colony, { sites, at: now, version: this.version })
    return sites
  }

  /** The other sites of `colony` that advertised within PRESENCE_TTL_MS: a claim waits for those. */
  liveSites (colony: string, sites: readonly string[]): string[] {
    const now = this.c.clock.now()
    const live: string[] = []
    for (const [site, ad] of this.adverts.get(colony) ?? []) {
      if (site !== this.c.nodeId && now - ad.at < PRESENCE_TTL_MS && sites.includes(site)) live.push(site)
    }
    return live
  }

  /** Our attached executors per type in `colony`. */
  ownExecutors (colony: string): Record<string, number> {
    return attachedTypes(this.local.get(colony) ?? [])
  }

  /** The executors a site's advert named, if it is recent enough to stand (PRESENCE_TTL_MS). */
  advertisedExecutors (colony: string, site: string): Record<string, number> {
    const ad = this.adverts.get(colony)?.get(site)
    return ad === undefined || this.c.clock.now() - ad.at >= PRESENCE_TTL_MS ? {} : attachedTypes(Object.entries(ad.types))
  }

  /**
   * Our executors and log head (and, but for acknowledgements, where we can be dialled and
   * how much of each log we hold).
   */
  advertise (colony: string, head: { h: Hlc, seq: number } | undefined = this.c.ledger.head(), withAddrs = true): void {
    if (!this.c.membership.speaksIn(colony)) return
    // The advert names our log's head. The heartbeat and presence changes send the held
    // closes first. An acknowledgement leaves them to go with our next batch and names the
    // last batch sent instead: it speaks only of claims (every claim of ours with an earlier
    // clock than h is in our log up to seq, which the receiver must hold), and held batches
    // hold no claim. All batches before the first held one have been sent.
    const first = this.c.publisher.firstHeldSeq()
    if (withAddrs) this.c.publisher.flush()
    else if (head !== undefined && first !== undefined) head = { h: head.h, seq: first - 1 }
    const { ledger, nodeId, clock, host } = this.c
    const types = this.ownExecutors(colony)
    // a fresh timestamp makes every advert a distinct gossip message (no "duplicate");
    // with our log at rest it carries our clock too: an acknowledgement (confirmClaim)
    let frame: IdleFrame = head === undefined
      ? { k: 'idle', site: nodeId, colony, types, t: clock.now(), seq: ledger.seqOf(nodeId) }
      : { k: 'idle', site: nodeId, colony, types, t: clock.now(), seq: head.seq, h: head.h }
    const addrs = withAddrs ? host.addresses().slice(0, MAX_ADVERT_ADDRS) : []
    if (addrs.length > 0) frame = { ...frame, addrs }
    // with the heartbeat (not with every acknowledgement): how much of each log we hold
    if (withAddrs) frame = { ...frame, vv: [...ledger.versionVector()].slice(0, MAX_ADVERT_ORIGINS) }
    void host.publish(topicOf(colony), encodeGossip(frame)).catch(() => {})
  }

  /** The heartbeat's adverts, one per colony we are a site of. */
  advertiseAll (): void {
    for (const colony of this.c.membership.myColonies()) this.advertise(colony)
  }

  /**
   * Every site keeps a direct connection to every other site of its colonies it has heard
   * from: messages then go straight from the site that publishes to all the others (gossip
   * mesh degree 0, nothing relayed), and no site is a hub the others depend on to hear each
   * other (with bootstrap peers only, sites that all bootstrapped to A were cut off from
   * each other whenever A was down). The addresses come with the sites' heartbeat adverts,
   * which are not signed: while we are connected to a site, only an advert it sent us
   * itself (`direct`) changes its addresses, not one relayed by a third site.
   */
  connectSite (site: string, addrs: readonly string[], direct: boolean): void {
    const peer = peerOfAddrs(addrs)
    // addresses in an advert stand for the site that signs nothing here: they must name it
    if (peer === undefined || siteIdOfPeer(peer) !== site || !this.c.membership.isCoSite(site)) return
    try {
      this.c.host.keepPeer(peer, addrs, direct || !this.c.host.connectedPeers().includes(peer))
    } catch (err) {
      this.c.log(`addresses of ${site.slice(0, 8)} not usable: ${(err as Error).message}`)
    }
  }
}
