/**
 * A site among sites (DESIGN decisions 5, 6, 8): the libp2p host, one gossip topic per
 * colony this node is a site of, the sync protocol, and the claim policy the assigner
 * follows when other sites compete for the same processes.
 *
 * Replication is push live, pull to repair: new batches of this node's log are gossiped;
 * a pull (version vectors, then exactly the missing batches) runs on every new
 * connection, on subscription changes, when a batch is still missing a moment after a
 * gossiped log or a log-head advert showed it, when a peer that syncs with us shows
 * batches we lack, when the colony admits a site, and on a jittered timer. A lost gossip
 * message can delay a record but never lose it.
 *
 * This file wires the parts, each with one job: Membership (colonies and topics), Presence
 * (adverts), ClaimSettling (the claim policy), Puller and SyncServer (pull to repair),
 * Publisher (what goes out), GossipIn (what comes in) and Sites (what we know of each site).
 */
import { EventEmitter } from 'node:events'
import type { Hlc } from '../../protocol/hlc.js'
import type { Batch } from '../../protocol/records.js'
import type { ProcessInfo } from '../../protocol/state.js'
import type { LedgerChange } from '../../store/ledger.js'
import type { ClaimPolicy } from '../assigner.js'
import { type Clock, type Service, systemClock } from '../clock.js'
import { P2PHost } from '../p2p/host.js'
import { logNameOfPeer, siteIdOfPeer } from '../p2p/peer-identity.js'
import { ClaimSettling, type ClaimSettlingStats } from './claim-settling.js'
import { GossipIn } from './gossip-in.js'
import { Membership } from './membership.js'
import type { FederationComponents, FederationOptions, FederationSettings } from './options.js'
import { Presence } from './presence.js'
import { Publisher } from './publisher.js'
import { Puller } from './puller.js'
import { Sites, type SiteStatus } from './sites.js'
import { SyncServer } from './sync-server.js'
import { SummaryCheck, type SummaryStatus } from './summary-check.js'

export type { FederationComponents, FederationOptions, FederationSettings, P2POptions } from './options.js'
export type { SiteStatus } from './sites.js'
export { CLOSE_HOLD_MS } from './publisher.js'
export { storeTogether } from './gossip-in.js'

/** The federation's counters, for `node status` (/health), the bench and tests: a snapshot. */
export interface FederationStats {
  /** gossip frames judged by the validator */
  readonly gossip: { readonly accepted: number, readonly rejected: number, readonly ignored: number }
  /** sync pulls this node made (and those refused to it), and served to sites (and refused to strangers) */
  readonly sync: { readonly pulls: number, readonly served: number, readonly refused: number, readonly pullsRefused: number }
  /** claims that waited for acknowledgements, gave up waiting, or first waited for a pull */
  readonly claims: ClaimSettlingStats['claims']
  /** waiting processes left to a silent site's side for the partition grace (each counted once) */
  readonly leftToSilentSide: number
  /** acknowledgements owed to other sites' claims: by advert, by a batch of ours; sent at rest */
  readonly acks: { readonly adverts: number, readonly byBatch: number, readonly atOnce: number }
  /** gossip messages of our batches sent */
  readonly published: { readonly messages: number }
  /** bytes received by gossip and by sync pulls */
  readonly traffic: { readonly gossipBytes: number, readonly syncBytes: number }
  /** connections closed because the peer went silent */
  readonly silentHangUps: number
}

/** The federation's part of the node's /health, as `node status` prints it. */
export function healthOf (s: FederationStats): Record<string, unknown> {
  return { gossip: s.gossip, claims: s.claims, lefttosilentside: s.leftToSilentSide, acks: s.acks, sync: s.sync, silenthangups: s.silentHangUps }
}

/** The parts a Federation wires, for diagnostics and white-box tests. */
export interface FederationParts {
  readonly membership: Membership
  readonly presence: Presence
  readonly settling: ClaimSettling
  readonly puller: Puller
  readonly server: SyncServer
  readonly publisher: Publisher
  readonly gossip: GossipIn
  readonly sites: Sites
  readonly summary: SummaryCheck
}

export class Federation extends EventEmitter implements ClaimPolicy, Service {
  readonly host: P2PHost
  readonly parts: FederationParts
  private readonly ledger: FederationComponents['ledger']
  private readonly log: (line: string) => void
  private started = false
  private stopped = false

  constructor (components: FederationComponents, settings: FederationSettings = {}) {
    super()
    const { host, ledger, nodeId } = components
    this.host = host
    this.ledger = ledger
    const clock: Clock = components.clock ?? systemClock
    const log = this.log = components.log ?? (() => {})
    const membership = new Membership({ ledger, nodeId, host })
    const publisher = new Publisher({ host, topics: () => membership.topics(), clock, log }, settings)
    const presence = new Presence({ ledger, nodeId, host, membership, publisher, clock, log })
    const sites = new Sites({ ledger, nodeId, host, presence, clock, log })
    const summary = new SummaryCheck({ host, membership, clock, log })
    const puller = new Puller({
      host,
      ledger,
      membership,
      sites,
      clock,
      random: components.random ?? Math.random,
      log,
      onSynced: s => this.emit('synced', s),
      onSummary: (peer, s) => summary.taken(peer, s)
    }, settings)
    const settling = new ClaimSettling({
      ledger,
      nodeId,
      presence,
      pulls: puller,
      publisher,
      host,
      ...(components.busy === undefined ? {} : { busy: components.busy }),
      clock,
      log
    }, settings)
    const gossip = new GossipIn({ ledger, nodeId, presence, settling, puller, sites, log })
    const server = new SyncServer({ host, ledger, membership, sites, puller })
    this.parts = { membership, presence, settling, puller, server, publisher, gossip, sites, summary }
  }

  /** Makes the libp2p host from the operator's options, then a started Federation on it. */
  static async start (opts: FederationOptions): Promise<Federation> {
    const host = await P2PHost.start({
      nodeKey: opts.nodeKey,
      listen: opts.listen,
      ...(opts.announce === undefined ? {} : { announce: opts.announce }),
      bootstrap: opts.bootstrap ?? [],
      mdns: opts.mdns ?? false,
      ...(opts.psk === undefined ? {} : { psk: opts.psk }),
      meshDegree: opts.meshDegree ?? 0,
      ...(opts.relay === undefined ? {} : { relay: opts.relay }),
      ...(opts.log === undefined ? {} : { log: opts.log })
    })
    const f = new Federation({ ...opts, host }, opts)
    try {
      await f.start()
    } catch (err) {
      await host.stop()
      throw err
    }
    return f
  }

  /** Listens to the host and the ledger, subscribes to our colonies' topics, arms the timers. */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const { host, ledger } = this
    const { gossip, server, puller, publisher, membership, presence } = this.parts
    host.setValidator((topic, data, from) => gossip.validate(topic, data, from))
    // relay for, and through a relay reach, only the sites we share a colony with
    host.setRelayPolicy(peer => {
      const site = siteIdOfPeer(peer)
      return site !== undefined && membership.isCoSite(site)
    })
    host.onMessage((topic, data, from) => gossip.onGossip(topic, data, from))
    await server.start()
    // a removal stored before this start is said again in this run's log
    this.parts.sites.noticeRemovals()
    host.on('peer:connect', (peer: string) => {
      this.log(`connected to ${logNameOfPeer(peer)}`)
      puller.schedulePull(peer, 0)
    })
    host.on('peer:disconnect', (peer: string) => this.log(`disconnected from ${logNameOfPeer(peer)}`))
    host.on('subscription-change', (peer: string) => puller.schedulePull(peer, 0))
    // a relay slot made or lost: tell the colonies where we can be dialled now, not at the next heartbeat
    host.on('addresses', (addrs: string[]) => {
      const relayed = addrs.filter(a => a.includes('/p2p-circuit'))
      if (relayed.length > 0) this.log(`reachable through a relay at ${relayed.join(', ')}`)
      presence.advertiseAll()
    })
    // the host dials its bootstrap peers as it starts: those connections came before our listeners
    puller.pullFromAll()
    ledger.on('batch', (batch: Batch) => { publisher.publish(batch) })
    membership.update()
    puller.start()
    presence.start()
  }

  /** Stops the timers, sends what is held, waits for the pulls under way, stops the host. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    const { settling, presence, publisher, puller, summary } = this.parts
    summary.stop()
    settling.stop()
    presence.stop()
    publisher.stop()
    await puller.stop()
    await this.host.stop()
  }

  stats (): FederationStats {
    const { gossip, server, puller, settling, publisher } = this.parts
    const g = gossip.stats()
    const p = puller.stats()
    const s = server.stats()
    const c = settling.stats()
    return {
      gossip: g.gossip,
      sync: { pulls: p.pulls, served: s.served, refused: s.refused, pullsRefused: p.pullsRefused },
      claims: c.claims,
      leftToSilentSide: c.leftToSilentSide,
      acks: c.acks,
      published: publisher.stats(),
      traffic: { gossipBytes: g.bytes, syncBytes: p.bytes },
      silentHangUps: this.host.stats().silentHangUps
    }
  }

  /** The version vector a site last showed us (undefined: none yet). */
  vectorOf (site: string): ReadonlyMap<string, number> | undefined {
    return this.parts.sites.vectorOf(site)
  }

  /** The summary of what was pruned this site joined from, and whether another site agrees with it. */
  summaryStatus (): SummaryStatus | undefined {
    return this.parts.summary.status()
  }

  get peerId (): string {
    return this.host.peerId
  }

  addresses (): string[] {
    return this.host.addresses()
  }

  /** Called by the node on every ledger change. */
  onChange (change: LedgerChange): void {
    const { settling, presence, membership, puller } = this.parts
    settling.onChange()
    if (!change.colonyLevel) return
    // sites admitted or removed: who may claim changes
    presence.sitesChanged()
    membership.update()
    this.parts.sites.noticeRemovals()
    // a removed site is no longer redialled (bootstrap peers are kept regardless)
    for (const peer of this.host.keptPeers()) {
      const site = siteIdOfPeer(peer)
      if (site === undefined || !membership.isCoSite(site)) this.host.dropPeer(peer)
    }
    // a site admitted or removed, or this node joined a colony: repair with everyone now
    puller.pullFromAll()
  }

  // ---- the claim policy (ClaimSettling; our executors' presence goes to Presence) ----------

  rank (p: ProcessInfo): number {
    return this.parts.settling.rank(p)
  }

  claimableAt (p: ProcessInfo): number {
    return this.parts.settling.claimableAt(p)
  }

  async confirmClaim (p: ProcessInfo, claimT: Hlc): Promise<void> {
    return await this.parts.settling.confirmClaim(p, claimT)
  }

  onPresence (colony: string, executortype: string, attached: number, idle: number): void {
    this.parts.presence.onLocal(colony, executortype, attached, idle)
  }

  // ---- sync ---------------------------------------------------------------------------------

  /** Pulls from `peer` after `delayMs`, at most one pull per peer at a time. */
  schedulePull (peer: string, delayMs: number): void {
    this.parts.puller.schedulePull(peer, delayMs)
  }

  /** Resolves once a first pull has ended (true), or after `timeoutMs` (false); see Puller.firstSync. */
  async firstSync (timeoutMs: number): Promise<boolean> {
    return await this.parts.puller.firstSync(timeoutMs)
  }

  /** Resolves when no pull is running and the gossiped batches received are stored (for tests and the demo). */
  async idleSync (): Promise<void> {
    await this.parts.puller.idle()
    await this.parts.gossip.idle()
  }

  /** The status of `colony`'s sites, as `getsitesmsg` answers. */
  sites (colony: string): SiteStatus[] {
    return this.parts.sites.status(colony)
  }
}
