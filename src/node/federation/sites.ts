/**
 * What this node knows of each other site (when it last heard from it, how much of each
 * log it holds, how far its clock is from ours), and the status of a colony's sites that
 * `getsitesmsg` / `colonies node ls` shows.
 */
import type { Ledger } from '../../store/ledger.js'
import type { Clock } from '../clock.js'
import type { P2PHost } from '../p2p/host.js'
import { siteIdOfPeer } from '../p2p/peer-identity.js'
import type { ColonyView } from './options.js'
import { PRESENCE_TTL_MS, type Presence } from './presence.js'

/** What `getsitesmsg` / `colonies node ls` shows of one site. */
export interface SiteStatus {
  readonly nodeid: string
  readonly name: string
  readonly self: boolean
  /** a connection is open and the site was heard from within SILENT_MS */
  readonly connected: boolean
  /** a connection is open but the site said nothing for SILENT_MS (frozen, or its link went down) */
  readonly silent: boolean
  /** ms since the epoch of the last gossip or sync with it (0 = never) */
  readonly lastseen: number
  /**
   * per origin: records we hold that this site lacked when it last told us: its heartbeat
   * advert (every 2 s, straight from it) or a sync with us (after it pulled from us in
   * full, it holds at least what we held as its pull began)
   */
  readonly behind: Record<string, number>
  /**
   * false while the site has not told us what it holds since this node started (no advert,
   * no sync: cut off, or just started): `behind` is then unknown, not "in sync"
   */
  readonly behindknown: boolean
  /**
   * ms its clock is ahead of ours (negative: behind), estimated from the times it stamps on
   * what it gossips, so within about one gossip delay; null until it has gossiped (0 for us)
   */
  readonly clockskew: number | null
  /**
   * executors attached there (asking for work, busy or idle) per executor type: for us, our
   * own; for another site, as its last advert said, empty once no advert came for
   * PRESENCE_TTL_MS. These are the sites a process's claim is ranked over (decision 6).
   */
  readonly executors: Record<string, number>
  /**
   * how this node reaches it now: 'direct', 'relayed' (through the site `via`), 'upgraded'
   * (a direct connection made while relayed, DCUtR), 'none' (not connected); 'self' for us
   */
  readonly reach: 'self' | 'direct' | 'relayed' | 'upgraded' | 'none'
  /** the relay site (node id) of a relayed or upgraded connection */
  readonly via?: string
  /** this site, no longer a site of the colony: who removed it and when (ms since the epoch) */
  readonly removed?: { readonly by: string, readonly at: number }
}

/**
 * A connected site heard from less recently than this is shown as not answering: every site
 * advertises every 2 s, so three heartbeats missed. The transport notices later (a ping after
 * 8 s of silence, answered within 4 s, see P2P_SETTINGS): until then the connection stays
 * open to a site that was frozen (SIGSTOP) or whose link went down.
 */
export const SILENT_MS = PRESENCE_TTL_MS

/** clock samples kept per site; the estimate is the one that travelled fastest */
const SKEW_SAMPLES = 16

export interface SitesComponents {
  readonly ledger: { readonly fold: ColonyView } & Pick<Ledger, 'versionVector' | 'recordsBetween'>
  readonly nodeId: string
  readonly host: Pick<P2PHost, 'connectedPeers' | 'pathTo'>
  readonly presence: Pick<Presence, 'ownExecutors' | 'advertisedExecutors'>
  readonly clock: Clock
  readonly log?: (line: string) => void
}

export class Sites {
  private readonly c: SitesComponents
  private readonly lastSeen = new Map<string, number>()
  private readonly vectors = new Map<string, Map<string, number>>()
  /** site → recent (their stamp − our receipt) samples: from adverts (their wall clock) and batches (their HLC) */
  private readonly clockSamples = new Map<string, { wall: number[], hlc: number[] }>()
  /** removal records of this site already logged */
  private readonly removalsSaid = new Set<string>()

  constructor (components: SitesComponents) {
    this.c = components
  }

  /** We heard from `site` just now (gossip or a sync). */
  touch (site: string): void {
    this.lastSeen.set(site, this.c.clock.now())
  }

  /** How much of each log `site` holds, as it last told us (or as a sync showed). */
  /** The version vector a site last showed (an advert or a pull), if any. */
  vectorOf (site: string): ReadonlyMap<string, number> | undefined {
    return this.vectors.get(site)
  }

  setVector (site: string, vv: Map<string, number>): void {
    this.vectors.set(site, vv)
  }

  /** A time `site` stamped on what it gossiped: its wall clock (adverts) or its HLC (batches). */
  sampleClock (site: string, kind: 'wall' | 'hlc', stamp: number | undefined): void {
    if (stamp === undefined) return
    let s = this.clockSamples.get(site)
    if (s === undefined) this.clockSamples.set(site, s = { wall: [], hlc: [] })
    const list = s[kind]
    list.push(stamp - this.c.clock.now())
    if (list.length > SKEW_SAMPLES) list.shift()
  }

  /**
   * Their clock minus ours. Each sample is that minus the message's travel time, so the
   * largest is the closest. Wall-clock adverts are preferred: an HLC is pulled forward by
   * faster clocks it has heard from, which hides a clock that is behind.
   */
  clockSkew (site: string): number | null {
    const s = this.clockSamples.get(site)
    const list = s === undefined ? [] : s.wall.length > 0 ? s.wall : s.hlc
    return list.length === 0 ? null : Math.max(...list)
  }

  /**
   * Logs each removal of this site from a colony once, when the fold first holds it (the
   * removal gossiped, or sent by a site that refused our pull because of it).
   */
  noticeRemovals (): void {
    for (const r of this.c.ledger.fold.removals(this.c.nodeId)) {
      if (this.removalsSaid.has(r.record)) continue
      this.removalsSaid.add(r.record)
      this.c.log?.(`this site was removed from colony ${r.colony} by ${r.by} at ${new Date(r.at).toISOString()}: it no longer takes part in it`)
    }
  }

  status (colony: string): SiteStatus[] {
    const { ledger, nodeId, host, presence, clock } = this.c
    const c = ledger.fold.colony(colony)
    if (c === undefined) return []
    const peers = new Map(host.connectedPeers().map(p => [siteIdOfPeer(p), p]))
    const ours = ledger.versionVector()
    const now = clock.now()
    const rows: SiteStatus[] = c.sites.map(nodeid => {
      const theirs = this.vectors.get(nodeid)
      const behind: Record<string, number> = {}
      // with no vector heard from it (since our start) we cannot tell what it lacks: counting
      // everything we hold showed a site restarted while cut off every other site behind on
      // all the records they wrote themselves
      if (nodeid !== nodeId && theirs !== undefined) {
        for (const [origin, seq] of ours) {
          const missing = ledger.recordsBetween(origin, theirs?.get(origin) ?? 0, seq)
          if (missing > 0) behind[origin] = missing
        }
      }
      const self = nodeid === nodeId
      const lastseen = self ? now : (this.lastSeen.get(nodeid) ?? 0)
      const peer = peers.get(nodeid)
      const open = self || peer !== undefined
      const heard = self || now - lastseen < SILENT_MS
      const path = peer === undefined ? undefined : host.pathTo(peer)
      const via = path === undefined || path.how === 'direct' ? undefined : siteIdOfPeer(path.via) ?? path.via
      return {
        nodeid,
        name: ledger.fold.siteName(colony, nodeid),
        self,
        connected: open && heard,
        silent: open && !heard,
        reach: self ? 'self' : path?.how ?? (peer === undefined ? 'none' : 'direct'),
        ...(via === undefined ? {} : { via }),
        lastseen,
        behind,
        behindknown: self || theirs !== undefined,
        clockskew: nodeid === nodeId ? 0 : this.clockSkew(nodeid),
        executors: nodeid === nodeId ? presence.ownExecutors(colony) : presence.advertisedExecutors(colony, nodeid)
      }
    })
    // this site was removed: it says so rather than list the others as if it were one of them
    const removal = c.sites.includes(nodeId) ? undefined : ledger.fold.removals(nodeId).find(r => r.colony === colony)
    if (removal === undefined) return rows
    return [...rows, {
      nodeid: nodeId,
      name: ledger.fold.siteName(colony, nodeId),
      self: true,
      connected: false,
      silent: false,
      reach: 'self',
      lastseen: now,
      behind: {},
      behindknown: true,
      clockskew: 0,
      executors: {},
      removed: { by: removal.by, at: removal.at }
    }]
  }
}
