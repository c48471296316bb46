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
 */
import { EventEmitter } from 'node:events'
import { claimableAt, rankOf } from '../protocol/claims.js'
import { ColonyError } from '../protocol/errors.js'
import { compareHlc, type Hlc } from '../protocol/hlc.js'
import type { Batch } from '../protocol/records.js'
import type { ProcessInfo } from '../protocol/state.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import type { ClaimPolicy } from './assigner.js'
import { batchesOf, colonyOfTopic, decodeGossip, encodeBatchFrame, encodeGossip, type GossipFrame, type IdleFrame, MAX_ADVERT_ADDRS, MAX_ADVERT_ORIGINS, MAX_MORE_BATCHES, peerOfAddrs, topicOf } from './p2p/gossip.js'
import { P2PHost } from './p2p/host.js'
import { logNameOfPeer, siteIdOfPeer } from './p2p/peer-identity.js'
import { pull, serve, SYNC_PROTOCOL, SyncRefusedError } from './p2p/sync-protocol.js'

/** How a node takes part in a federation (`NodeOptions.p2p`). */
export interface P2POptions {
  /** multiaddrs to listen on, e.g. /ip4/0.0.0.0/tcp/50081 (and …/ws for WebSockets) */
  readonly listen: string[]
  /** addresses other sites should dial instead of the listen addresses (NAT, a proxy) */
  readonly announce?: string[]
  /** multiaddrs (with /p2p/<peer id>) of sites to connect to */
  readonly bootstrap?: string[]
  readonly mdns?: boolean
  /** a private network's pre-shared key (swarm.key format) */
  readonly psk?: Uint8Array
  /** mean of the jittered repair timer (default 15 s) */
  readonly syncIntervalMs?: number
  /** delay per claim rank (default 40 ms) */
  readonly rankStepMs?: number
  /**
   * gossipsub mesh degree (default 0): sites connect to each other directly, so the one that
   * publishes reaches every other itself; see P2PHostOptions.meshDegree
   */
  readonly meshDegree?: number
  /**
   * how long a batch of nothing but closes may wait for this site's next batch, to travel in
   * one gossip message with it (default CLOSE_HOLD_MS; 0 sends every batch at once)
   */
  readonly closeHoldMs?: number
}

export interface FederationOptions extends P2POptions {
  readonly ledger: Ledger
  readonly nodeKey: string
  readonly nodeId: string
  /**
   * Whether something under way here (a request being handled) is likely to write a batch
   * of ours within ACK_DELAY_MS, which would carry owed acknowledgements; if not, they go at
   * once. Omitted: always wait ACK_DELAY_MS.
   */
  readonly busy?: () => boolean
  readonly log?: (line: string) => void
}

/** What `getsitesmsg` / `colonies node ls` shows of one site. */
export interface SiteStatus {
  readonly nodeid: string
  readonly name: string
  readonly self: boolean
  readonly connected: boolean
  /** ms since the epoch of the last gossip or sync with it (0 = never) */
  readonly lastseen: number
  /**
   * per origin: records we hold that this site lacked when it last told us: its heartbeat
   * advert (every 2 s, straight from it) or a sync with us (after it pulled from us in
   * full, it holds at least what we held as its pull began)
   */
  readonly behind: Record<string, number>
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
}

/** clock samples kept per site; the estimate is the one that travelled fastest */
const SKEW_SAMPLES = 16
/** adverts older than this are forgotten (a site that stopped advertising has no executors left) */
const PRESENCE_TTL_MS = 6000
const PRESENCE_HEARTBEAT_MS = 2000
/** the longest a claim waits for the other sites' acknowledgements */
const CONFIRM_CAP_MS = 2000
/** how long a seemingly missing batch may take to arrive by itself before we pull it */
const REPAIR_DELAY_MS = 300
/**
 * The longest a claim's delivery waits for pulls streaming batches in (see confirmClaim);
 * a pull that stalls is aborted sooner (PULL_FRAME_TIMEOUT_MS between frames).
 */
const PULL_HOLD_CAP_MS = 30_000
/** how long opening a sync stream may take (ms); see schedulePull */
const SYNC_OPEN_TIMEOUT_MS = 4000
/**
 * Acknowledgements owed wait this long (ms) for a batch of ours to carry them while requests
 * are being handled here (FederationOptions.busy); at rest they go after two turns of the
 * event loop (a claim our executor makes on the batch just stored still carries them).
 */
const ACK_DELAY_MS = 2

/**
 * A closing executor asks for its next process at once, and the claim that answers it is
 * this site's next batch: the close waits up to this long to go with it, one gossip
 * message instead of two (a third fewer messages in the 3-site bench; docs/PERFORMANCE.md).
 * Only closes wait: nothing waits on them but other sites' view of the result. An executor
 * that parks with nothing to claim, a heartbeat or presence advert and a full hold send
 * what waits at once; an acknowledgement advert leaves it waiting (see advertise).
 */
export const CLOSE_HOLD_MS = 8
/** the most a held close batch (encoded) may weigh; a larger one goes at once */
const HOLD_MAX_BYTES = 64 * 1024
/** the most one gossip message of held batches and the next one may weigh */
const FRAME_MAX_BYTES = 1024 * 1024

/** Whether every record of `batch` closes a process: nothing waits on those but other sites' view. */
function onlyCloses (batch: Batch): boolean {
  return batch.records.every(r => r.b.k === 'env' && (r.b.env.payloadtype === 'closesuccessfulmsg' || r.b.env.payloadtype === 'closefailedmsg'))
}

/** How long claimingSites may answer from its cache (adverts expire after PRESENCE_TTL_MS). */
const CLAIMING_CACHE_MS = 100

/** Whether two adverts name the same executor types (with executors attached). */
function sameTypes (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ka = Object.keys(a).filter(t => (a[t] ?? 0) > 0)
  const kb = Object.keys(b).filter(t => (b[t] ?? 0) > 0)
  return ka.length === kb.length && ka.every(t => (b[t] ?? 0) > 0)
}

/**
 * Stores `batches` in one ingest; if that fails (a batch that does not verify), stores them
 * one by one, so one bad batch costs only itself. Returns the refused ones and why.
 */
export async function storeTogether (ledger: Ledger, batches: readonly Batch[]): Promise<Array<[Batch, Error]>> {
  try {
    await ledger.ingest(batches)
    return []
  } catch {
    const refused: Array<[Batch, Error]> = []
    for (const batch of batches) {
      try {
        await ledger.ingest([batch])
      } catch (err) {
        refused.push([batch, err as Error])
      }
    }
    return refused
  }
}

export class Federation extends EventEmitter implements ClaimPolicy {
  readonly host: P2PHost
  private readonly ledger: Ledger
  private readonly nodeId: string
  private readonly topics = new Set<string>()
  /** colony → site → (type → attached executors, when heard) */
  private readonly presence = new Map<string, Map<string, { types: Readonly<Record<string, number>>, at: number }>>()
  /** our own attached executors: colony → type → count */
  private readonly localPresence = new Map<string, Map<string, number>>()
  private readonly pulling = new Map<string, Promise<void>>()
  private readonly backoff = new Map<string, number>()
  /** per peer: the one retry pending after a failed pull */
  private readonly retries = new Map<string, NodeJS.Timeout>()
  private readonly lastSeen = new Map<string, number>()
  private readonly theirVectors = new Map<string, Map<string, number>>()
  /** peer ids named in the bootstrap multiaddrs */
  private readonly bootstrapPeers: Set<string>
  /** site → recent (their stamp − our receipt) samples: from adverts (their wall clock) and batches (their HLC) */
  private readonly clockSamples = new Map<string, { wall: number[], hlc: number[] }>()
  /**
   * per site: its latest acknowledgement (clock h, log head seq): every claim it wrote with
   * a clock up to h is in its batches up to seq; any it writes later has a later clock
   */
  private readonly watermarks = new Map<string, { h: Hlc, seq: number, at: number }>()
  /** claims waiting for acknowledgements: each check resolves its claim when true */
  private readonly confirmWaiters = new Set<() => boolean>()
  /** colonies where a site's claim reached us and we owe an acknowledgement: the latest such claim's clock */
  private readonly ackWanted = new Map<string, Hlc>()
  /** the latest clock in a batch of ours we published: it acknowledges every claim before it */
  private publishedH: Hlc = { w: 0, l: 0 }
  private ackArmed = false
  private firstSyncDone = false
  /** resolves when the pull before the next one has ended */
  private pullTurn: Promise<void> = Promise.resolve()
  /** pulls bringing batches in right now; confirmClaim waits for them */
  private streamingPulls = 0
  /** called when the last streaming pull ends */
  private readonly pullsEndedWaiters = new Set<() => void>()
  private timer: NodeJS.Timeout | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private readonly syncIntervalMs: number
  private readonly closeHoldMs: number
  private readonly busy: (() => boolean) | undefined
  /** our close batches waiting for the next batch (encoded), in log order; see CLOSE_HOLD_MS */
  private held: Array<{ batch: Batch, json: string }> = []
  private heldBytes = 0
  private holdTimer: NodeJS.Timeout | undefined
  private readonly rankStepMs: number
  private readonly log: (line: string) => void
  private stopped = false
  private ingestChain: Promise<unknown> = Promise.resolve()
  /** frames the validator decoded, by message bytes, for the handler that follows it */
  private readonly judged = new WeakMap<Uint8Array, GossipFrame>()
  /** gossiped batches waiting for the ingest in flight to end */
  private gossipQueue: Array<{ batch: Batch, colony: string | undefined }> = []
  /** per origin: the highest sequence received by gossip in order (stored or on its way to the store) */
  private readonly gossipedSeq = new Map<string, number>()
  /** per origin: batches up to `seq` seem missing; `peer` is asked if they still are after a moment */
  private readonly repairs = new Map<string, { seq: number, peer: string }>()
  /** claimingSites per colony and type, while `presenceVersion` is unchanged (and briefly: adverts expire) */
  private readonly claimingCache = new Map<string, { sites: string[], at: number, version: number }>()
  /** bumped whenever a site's advertised executor types, or ours, change */
  private presenceVersion = 0
  /** ranks by process id, valid while the set of claiming sites is `rankSig` */
  private readonly rankCache = new Map<string, number>()
  private rankSig = ''
  /** the claimingSites answer `rankSig` was last checked against (the cache hands out the same array) */
  private rankSites: string[] | undefined
  /** gossip frames judged by the validator, for `node status` and tests */
  readonly gossipStats = { accepted: 0, rejected: 0, ignored: 0 }
  /** bytes received by gossip and by sync pulls, for `node status` and the bench */
  readonly traffic = { gossipBytes: 0, syncBytes: 0 }
  /** sync pulls this node made and served to sites, for `node status` and tests */
  readonly syncStats = { pulls: 0, served: 0, refused: 0, pullsRefused: 0 }
  /** claims that waited for acknowledgements, and those that gave up waiting (CONFIRM_CAP_MS) */
  readonly confirmStats = { waited: 0, capped: 0, heldForPull: 0 }
  /**
   * acknowledgements owed to other sites' claims: sent as an advert, or given by a batch of
   * ours; `atOnce`: times they were owed at rest, and so sent after two turns of the event
   * loop rather than ACK_DELAY_MS
   */
  readonly ackStats = { adverts: 0, byBatch: 0, atOnce: 0 }
  /** gossip messages of our batches sent (several batches may share one, see CLOSE_HOLD_MS) */
  readonly publishStats = { messages: 0 }

  private constructor (opts: FederationOptions, host: P2PHost) {
    super()
    this.ledger = opts.ledger
    this.nodeId = opts.nodeId
    this.host = host
    this.syncIntervalMs = opts.syncIntervalMs ?? 15_000
    this.closeHoldMs = opts.closeHoldMs ?? CLOSE_HOLD_MS
    this.busy = opts.busy
    this.rankStepMs = opts.rankStepMs ?? 40
    this.log = opts.log ?? (() => {})
    this.bootstrapPeers = new Set((opts.bootstrap ?? []).flatMap(a => /\/p2p\/([^/]+)/.exec(a)?.[1] ?? []))
  }

  static async start (opts: FederationOptions): Promise<Federation> {
    const host = await P2PHost.start({
      nodeKey: opts.nodeKey,
      listen: opts.listen,
      ...(opts.announce === undefined ? {} : { announce: opts.announce }),
      bootstrap: opts.bootstrap ?? [],
      mdns: opts.mdns ?? false,
      ...(opts.psk === undefined ? {} : { psk: opts.psk }),
      meshDegree: opts.meshDegree ?? 0,
      ...(opts.log === undefined ? {} : { log: opts.log })
    })
    const f = new Federation(opts, host)
    await f.wire()
    return f
  }

  private async wire (): Promise<void> {
    const { host, ledger } = this
    host.setValidator((topic, data, from) => this.validate(topic, data, from))
    host.onMessage((topic, data, from) => this.onGossip(topic, data, from))
    await host.handle(SYNC_PROTOCOL, async (stream, peer) => {
      const site = siteIdOfPeer(peer)
      const allowed = site !== undefined && this.isCoSite(site)
      let ahead = false
      if (!allowed) this.syncStats.refused++
      try {
        let theirs: Map<string, number> | undefined
        // what the pull will carry at least (batches stored while it runs may go too)
        const held = ledger.versionVector()
        await serve(stream, ledger, allowed, vv => {
          theirs = vv
          this.theirVectors.set(site as string, vv)
          this.touch(site as string)
          this.syncStats.served++
          ahead = this.holdsMore(vv)
        })
        // served in full: besides what it had, it now holds all we held as the pull began
        if (theirs !== undefined) {
          const now = new Map(theirs)
          for (const [origin, seq] of held) if (seq > (now.get(origin) ?? 0)) now.set(origin, seq)
          this.theirVectors.set(site as string, now)
        }
      } catch {
        stream.abort(new Error('sync failed'))
      }
      // A site whose vector shows batches we lack: pull them back. Only then: pulling back
      // unconditionally made two sites pull from each other in an endless loop.
      if (ahead) this.schedulePull(peer, 0)
      // A stranger that asks may have just admitted us (we have not heard yet): ask it back
      // at once, if it is one we may pull from (a --bootstrap peer). A site pulls from a new
      // member as soon as it has stored its admission, so the ask is the admission's news;
      // one pull per peer at a time bounds how often a stranger makes us ask.
      if (!allowed) this.schedulePull(peer, 0)
    })
    host.on('peer:connect', (peer: string) => {
      this.log(`connected to ${logNameOfPeer(peer)}`)
      this.schedulePull(peer, 0)
    })
    host.on('peer:disconnect', (peer: string) => this.log(`disconnected from ${logNameOfPeer(peer)}`))
    host.on('subscription-change', (peer: string) => this.schedulePull(peer, 0))
    // the host dials its bootstrap peers as it starts: those connections came before our listeners
    for (const peer of host.connectedPeers()) this.schedulePull(peer, 0)
    ledger.on('batch', (batch: Batch) => { this.publishBatch(batch) })
    this.updateTopics()
    this.armTimer()
    this.heartbeat = setInterval(() => this.advertiseAll(), PRESENCE_HEARTBEAT_MS)
    this.heartbeat.unref()
  }

  get peerId (): string {
    return this.host.peerId
  }

  addresses (): string[] {
    return this.host.addresses()
  }

  /** Colonies this node is a site of (it gossips and claims only in those). */
  private myColonies (): string[] {
    return this.ledger.fold.colonies().filter(c => c.sites.includes(this.nodeId)).map(c => c.name)
  }

  /** A site of some colony this node is also a site of. */
  private isCoSite (site: string): boolean {
    return this.ledger.fold.colonies().some(c => c.sites.includes(this.nodeId) && c.sites.includes(site))
  }

  private touch (site: string): void {
    this.lastSeen.set(site, Date.now())
  }

  /** Called by the node on every ledger change. */
  onChange (change: LedgerChange): void {
    if (this.confirmWaiters.size > 0) this.checkConfirmations()
    if (!change.colonyLevel) return
    // sites admitted or removed: who may claim changes
    this.presenceVersion++
    this.updateTopics()
    // a removed site is no longer redialled (bootstrap peers are kept regardless)
    for (const peer of this.host.keptPeers()) {
      const site = siteIdOfPeer(peer)
      if (site === undefined || !this.isCoSite(site)) this.host.dropPeer(peer)
    }
    // a site admitted or removed, or this node joined a colony: repair with everyone now
    for (const peer of this.host.connectedPeers()) this.schedulePull(peer, 0)
  }

  private updateTopics (): void {
    const want = new Set(this.myColonies().map(topicOf))
    for (const t of want) {
      if (!this.topics.has(t)) {
        this.host.subscribe(t)
        this.topics.add(t)
      }
    }
    for (const t of [...this.topics]) {
      if (!want.has(t)) {
        this.host.unsubscribe(t)
        this.topics.delete(t)
      }
    }
  }

  // ---- gossip ----------------------------------------------------------------------------

  private validate (topic: string, data: Uint8Array, from: string): 'accept' | 'reject' | 'ignore' {
    const verdict = this.judge(topic, data, from)
    this.gossipStats[verdict === 'accept' ? 'accepted' : verdict === 'reject' ? 'rejected' : 'ignored']++
    return verdict
  }

  private judge (topic: string, data: Uint8Array, from: string): 'accept' | 'reject' | 'ignore' {
    const colony = colonyOfTopic(topic)
    const c = colony === undefined ? undefined : this.ledger.fold.colony(colony)
    if (c === undefined || !c.sites.includes(this.nodeId)) return 'ignore'
    let f
    try {
      f = decodeGossip(data)
    } catch {
      // malformed: whoever sent it is faulty or hostile, and gossipsub scores it down
      return 'reject'
    }
    this.judged.set(data, f)
    // Only sites of the colony may speak on its topic. A sender or origin we do not know
    // as a site is dropped without a penalty: it may have been admitted where we have not
    // heard of it yet (one rejection would cut it from our mesh for a minute).
    const sender = siteIdOfPeer(from)
    if (sender === undefined || !c.sites.includes(sender)) return 'ignore'
    if (f.k === 'batch') return c.sites.includes(f.batch.origin) ? 'accept' : 'ignore'
    return f.colony === colony && c.sites.includes(f.site) ? 'accept' : 'ignore'
  }

  private onGossip (topic: string, data: Uint8Array, from: string): void {
    this.traffic.gossipBytes += data.length
    const site = siteIdOfPeer(from)
    if (site !== undefined) this.touch(site)
    // decoded once, by the validator, for an accepted message
    let f = this.judged.get(data)
    if (f === undefined) {
      try {
        f = decodeGossip(data)
      } catch {
        return
      }
    }
    // stamped by the advertiser, or by the batch's origin (whoever forwarded it)
    if (f.k === 'idle') this.sampleClock(f.site, 'wall', f.t)
    else this.sampleClock(f.batch.origin, 'hlc', f.batch.records[0]?.t.w)
    if (f.k === 'idle') {
      let m = this.presence.get(f.colony)
      if (m === undefined) this.presence.set(f.colony, m = new Map())
      const before = m.get(f.site)
      if (before === undefined || !sameTypes(before.types, f.types)) this.presenceVersion++
      m.set(f.site, { types: f.types, at: Date.now() })
      if (f.h !== undefined && f.seq !== undefined && f.site !== this.nodeId) this.noteWatermark(f.site, f.h, f.seq)
      if (f.addrs !== undefined && f.site !== this.nodeId) this.connectSite(f.site, f.addrs, site === f.site)
      // adverts are not signed: only the site itself, not a relay, says what it holds
      if (f.vv !== undefined && f.site !== this.nodeId && site === f.site) this.theirVectors.set(f.site, new Map(f.vv))
      // its log goes further than ours: a batch was missed (the last one of a burst shows no gap)
      if (f.seq !== undefined && f.site !== this.nodeId) this.repairIfMissing(from, f.site, f.seq)
      return
    }
    for (const batch of batchesOf(f)) this.onGossipedBatch(batch, topic, from)
  }

  private onGossipedBatch (batch: Batch, topic: string, from: string): void {
    // Batches of one origin arrive in order but are stored one after another: a gap is a
    // sequence beyond the last one stored or already on its way to the store. Only the
    // next sequence moves that mark: a forged batch far ahead (refused later, when its
    // signature is checked) must not hide the gaps after it.
    const known = Math.max(this.ledger.seqOf(batch.origin), this.gossipedSeq.get(batch.origin) ?? 0)
    if (batch.seq === known + 1) this.gossipedSeq.set(batch.origin, batch.seq)
    this.gossipQueue.push({ batch, colony: colonyOfTopic(topic) })
    if (this.gossipQueue.length === 1) {
      this.ingestChain = this.ingestChain.then(async () => await this.ingestGossiped())
        .catch(err => this.log(`storing gossiped batches failed: ${(err as Error).message}`))
    }
    // a gap in that log: something was missed, repair from the peer that forwarded this
    if (batch.seq > known + 1) this.repairIfMissing(from, batch.origin, batch.seq - 1)
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
  private connectSite (site: string, addrs: readonly string[], direct: boolean): void {
    const peer = peerOfAddrs(addrs)
    // addresses in an advert stand for the site that signs nothing here: they must name it
    if (peer === undefined || siteIdOfPeer(peer) !== site || !this.isCoSite(site)) return
    try {
      this.host.keepPeer(peer, addrs, direct || !this.host.connectedPeers().includes(peer))
    } catch (err) {
      this.log(`addresses of ${site.slice(0, 8)} not usable: ${(err as Error).message}`)
    }
  }

  /**
   * Stores the gossiped batches that arrived while the previous ones were being stored,
   * together: one verification pass and one disk write for all of them (storeTogether).
   */
  private async ingestGossiped (): Promise<void> {
    const group = this.gossipQueue
    this.gossipQueue = []
    const refused = await storeTogether(this.ledger, group.map(g => g.batch))
    for (const [batch, err] of refused) this.log(`gossip batch from ${batch.origin.slice(0, 8)} refused: ${err.message}`)
    for (const { batch, colony } of group) {
      if (batch.origin === this.nodeId || !this.ledger.hasBatch(batch.origin, batch.seq)) continue
      // its own batch is an acknowledgement too: its later claims have later clocks
      let h = batch.records[0]?.t as Hlc
      let claimH: Hlc | undefined
      for (const r of batch.records) {
        if (compareHlc(r.t, h) > 0) h = r.t
        if (r.b.k === 'claim' && (claimH === undefined || compareHlc(r.t, claimH) > 0)) claimH = r.t
      }
      this.noteWatermark(batch.origin, h, batch.seq)
      // another site claimed: tell it, soon, that we cannot hold an earlier claim it lacks
      // (our clock has passed the claim's: any batch of ours from now on says so too)
      if (colony !== undefined && claimH !== undefined) this.wantAck(colony, claimH)
    }
  }

  /**
   * Pulls from `peer` if, after REPAIR_DELAY_MS, we still lack batches of `origin` up to
   * `seq`: a batch overtaken on another path, or an advert ahead of a batch still being
   * stored, arrives by itself; only a lost one needs a pull.
   */
  private repairIfMissing (peer: string, origin: string, seq: number): void {
    if (this.ledger.seqOf(origin) >= seq) return
    const want = this.repairs.get(origin)
    if (want !== undefined) {
      want.seq = Math.max(want.seq, seq)
      return
    }
    const entry = { seq, peer }
    this.repairs.set(origin, entry)
    setTimeout(() => {
      this.repairs.delete(origin)
      if (this.ledger.seqOf(origin) < entry.seq) this.schedulePull(entry.peer, 0)
    }, REPAIR_DELAY_MS).unref()
  }

  private sampleClock (site: string, kind: 'wall' | 'hlc', stamp: number | undefined): void {
    if (stamp === undefined) return
    let s = this.clockSamples.get(site)
    if (s === undefined) this.clockSamples.set(site, s = { wall: [], hlc: [] })
    const list = s[kind]
    list.push(stamp - Date.now())
    if (list.length > SKEW_SAMPLES) list.shift()
  }

  /**
   * Their clock minus ours. Each sample is that minus the message's travel time, so the
   * largest is the closest. Wall-clock adverts are preferred: an HLC is pulled forward by
   * faster clocks it has heard from, which hides a clock that is behind.
   */
  private clockSkew (site: string): number | null {
    const s = this.clockSamples.get(site)
    const list = s === undefined ? [] : s.wall.length > 0 ? s.wall : s.hlc
    return list.length === 0 ? null : Math.max(...list)
  }

  /** Sends a batch we just wrote to the other sites, or holds a close batch for the next one. */
  private publishBatch (batch: Batch): void {
    const json = JSON.stringify(batch)
    if (this.closeHoldMs > 0 && json.length <= HOLD_MAX_BYTES && onlyCloses(batch)) {
      this.held.push({ batch, json })
      this.heldBytes += json.length
      if (this.held.length > MAX_MORE_BATCHES || this.heldBytes > FRAME_MAX_BYTES - HOLD_MAX_BYTES) this.flushHeld()
      else this.holdTimer ??= setTimeout(() => { this.holdTimer = undefined; this.flushHeld() }, this.closeHoldMs)
      return
    }
    if (this.heldBytes + json.length > FRAME_MAX_BYTES) this.flushHeld()
    this.send([...this.takeHeld(), { batch, json }])
  }

  /** Sends the held close batches now (before an advert names their sequence, for one). */
  private flushHeld (): void {
    if (this.held.length > 0) this.send(this.takeHeld())
  }

  /** The held close batches, in log order; nothing is held after. */
  private takeHeld (): Array<{ batch: Batch, json: string }> {
    this.heldBytes = 0
    if (this.holdTimer !== undefined) {
      clearTimeout(this.holdTimer)
      this.holdTimer = undefined
    }
    return this.held.splice(0)
  }

  private send (batches: ReadonlyArray<{ batch: Batch, json: string }>): void {
    const data = encodeBatchFrame(batches.map(b => b.json))
    this.publishStats.messages++
    for (const { batch } of batches) {
      for (const r of batch.records) if (compareHlc(r.t, this.publishedH) > 0) this.publishedH = r.t
    }
    for (const t of this.topics) {
      this.host.publish(t, data).catch(err => { this.log(`publish failed: ${(err as Error).message}`) })
    }
  }

  // ---- sync --------------------------------------------------------------------------------

  private armTimer (): void {
    if (this.stopped) return
    const jittered = this.syncIntervalMs * (0.5 + Math.random())
    this.timer = setTimeout(() => {
      for (const peer of this.host.connectedPeers()) this.schedulePull(peer, 0)
      this.armTimer()
    }, jittered)
    this.timer.unref()
  }

  /**
   * Whose batches we take by sync: a site of a colony we are a site of, or a peer the
   * operator named with --bootstrap (a new node learns the colony from it before it is
   * admitted). Anyone else could otherwise answer our pull with its own signed batches.
   */
  private mayPullFrom (peer: string): boolean {
    const site = siteIdOfPeer(peer)
    return site !== undefined && (this.bootstrapPeers.has(peer) || this.isCoSite(site))
  }

  /** Whether a peer's version vector holds a batch this node lacks. */
  private holdsMore (theirs: ReadonlyMap<string, number>): boolean {
    for (const [origin, seq] of theirs) if (seq > this.ledger.seqOf(origin)) return true
    return false
  }

  /** Pulls from `peer` after `delayMs`, at most one pull per peer at a time. */
  schedulePull (peer: string, delayMs: number): void {
    if (this.stopped || this.pulling.has(peer)) return
    const run = (async () => {
      if (delayMs > 0) await new Promise(resolve => setTimeout(resolve, delayMs).unref())
      if (this.stopped) return
      // One pull at a time: a site that joins pulls the ledger from one peer, and the next
      // pull (from any peer) asks only for what is still missing, not for all of it again.
      const turn = this.pullTurn
      let release = (): void => {}
      this.pullTurn = new Promise<void>(resolve => { release = resolve })
      await turn
      try {
        if (this.stopped || !this.mayPullFrom(peer)) return
        // bounded: on a connection that stalled (and is not yet known dead) libp2p's own
        // protocol negotiation waits ~10 s, holding up every repair queued behind this pull
        const stream = await this.host.open(peer, SYNC_PROTOCOL, AbortSignal.timeout(SYNC_OPEN_TIMEOUT_MS))
        let streaming = false
        const r = await pull(stream, this.ledger, {
          onBatches: () => {
            streaming = true
            this.streamingPulls++
          }
        }).finally(() => { if (streaming) this.pullEnded() })
        this.syncStats.pulls++
        this.traffic.syncBytes += r.bytes
        const site = siteIdOfPeer(peer)
        if (site !== undefined) {
          this.touch(site)
          this.theirVectors.set(site, r.theirs)
        }
        this.backoff.delete(peer)
        // a retry set up by an earlier failure is moot now
        clearTimeout(this.retries.get(peer))
        this.retries.delete(peer)
        this.noteFirstSync()
        if (r.stored > 0) {
          this.log(`pulled ${r.stored} batches (${r.bytes} bytes) from ${logNameOfPeer(peer)}`)
          this.emit('synced', { peer, stored: r.stored, bytes: r.bytes })
        }
      } catch (err) {
        if (err instanceof SyncRefusedError) {
          this.syncStats.pullsRefused++
          this.noteFirstSync()
        }
        // refused (not admitted yet) or the connection went: try again later, backing off
        const next = Math.min(15_000, (this.backoff.get(peer) ?? 500) * 2)
        this.backoff.set(peer, next)
        if (!(err instanceof SyncRefusedError) && !(err instanceof ColonyError)) this.log(`sync with ${logNameOfPeer(peer)}: ${(err as Error).message}`)
        clearTimeout(this.retries.get(peer))
        const retry = setTimeout(() => {
          this.retries.delete(peer)
          if (this.host.connectedPeers().includes(peer)) this.schedulePull(peer, 0)
        }, next)
        retry.unref()
        this.retries.set(peer, retry)
      } finally {
        release()
      }
    })().finally(() => this.pulling.delete(peer))
    this.pulling.set(peer, run)
  }

  /**
   * Resolves once a first pull from a peer has ended (taken or refused), or after
   * `timeoutMs`: a node restored from an old backup gets its own later batches back
   * before it writes again, so it never reuses a sequence number (decision 4).
   */
  async firstSync (timeoutMs: number): Promise<boolean> {
    if (this.firstSyncDone) return true
    return await new Promise(resolve => {
      const t = setTimeout(() => resolve(false), timeoutMs)
      t.unref()
      this.once('first-sync', () => {
        clearTimeout(t)
        resolve(true)
      })
    })
  }

  private noteFirstSync (): void {
    if (this.firstSyncDone) return
    this.firstSyncDone = true
    this.emit('first-sync')
  }

  private pullEnded (): void {
    if (--this.streamingPulls > 0) return
    for (const resolve of [...this.pullsEndedWaiters]) resolve()
  }

  /** Resolves when no pull is streaming batches in, or after `ms` (false then). */
  private async noPullStreaming (ms: number): Promise<boolean> {
    if (this.streamingPulls === 0) return true
    return await new Promise(resolve => {
      const done = (ok: boolean): void => {
        clearTimeout(timer)
        this.pullsEndedWaiters.delete(ended)
        resolve(ok)
      }
      const ended = (): void => done(true)
      const timer = setTimeout(() => done(false), ms)
      timer.unref()
      this.pullsEndedWaiters.add(ended)
    })
  }

  /** Resolves when no pull is running (for tests and the demo). */
  async idleSync (): Promise<void> {
    while (this.pulling.size > 0) await Promise.allSettled([...this.pulling.values()])
    await this.ingestChain
  }

  // ---- claims ------------------------------------------------------------------------------

  /**
   * Sites with executors of this colony and type attached (asking for work, busy or not),
   * as last advertised; this site included when it has some. Ranking over attached
   * rather than idle executors keeps the set stable when everyone is busy, so each site
   * takes its own share of a full queue instead of all racing for its head.
   */
  private claimingSites (colony: string, type: string): string[] {
    // an assign asks this for every process it weighs: the answer is kept for a moment, and
    // dropped at once when an advert or our own executors change who has this type
    const now = Date.now()
    const k = colony + '\x00' + type
    const kept = this.claimingCache.get(k)
    if (kept !== undefined && kept.version === this.presenceVersion && now - kept.at < CLAIMING_CACHE_MS) return kept.sites
    const sites = this.computeClaimingSites(colony, type, now)
    if (this.claimingCache.size > 1000) this.claimingCache.clear()
    this.claimingCache.set(k, { sites, at: now, version: this.presenceVersion })
    return sites
  }

  private computeClaimingSites (colony: string, type: string, now: number): string[] {
    const c = this.ledger.fold.colony(colony)
    const out: string[] = []
    for (const [site, ad] of this.presence.get(colony) ?? []) {
      if (now - ad.at < PRESENCE_TTL_MS && (ad.types[type] ?? 0) > 0 && (c?.sites.includes(site) ?? false)) out.push(site)
    }
    if ((this.localPresence.get(colony)?.get(type) ?? 0) > 0) out.push(this.nodeId)
    return out
  }

  rank (p: ProcessInfo): number {
    const c = this.ledger.fold.colony(p.colonyname)
    if (c === undefined || c.sites.length <= 1) return 0
    const sites = this.claimingSites(p.colonyname, p.spec.conditions.executortype)
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
      set.add(this.nodeId)
      r = rankOf(p.processid, this.nodeId, set)
      if (this.rankCache.size > 100_000) this.rankCache.clear()
      this.rankCache.set(p.processid, r)
    }
    return r
  }

  claimableAt (p: ProcessInfo): number {
    const rank = this.rank(p)
    if (rank === 0) return 0
    const since = p.history[p.history.length - 1]?.at ?? p.submissiontime
    return claimableAt(since, rank, this.rankStepMs)
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
    const c = this.ledger.fold.colony(p.colonyname)
    if (c === undefined || c.sites.length <= 1) return
    if (this.streamingPulls > 0) {
      this.confirmStats.heldForPull++
      if (!await this.noPullStreaming(PULL_HOLD_CAP_MS)) this.log(`claim of ${p.processid.slice(0, 12)} stands after waiting ${PULL_HOLD_CAP_MS} ms for pulls still streaming in`)
    }
    const now = Date.now()
    const live: string[] = []
    for (const [site, ad] of this.presence.get(p.colonyname) ?? []) {
      if (site !== this.nodeId && now - ad.at < PRESENCE_TTL_MS && c.sites.includes(site)) live.push(site)
    }
    const done = (): boolean => live.every(site => {
      const w = this.watermarks.get(site)
      return w !== undefined && compareHlc(w.h, claimT) >= 0 && this.ledger.seqOf(site) >= w.seq
    })
    if (done()) return
    this.confirmStats.waited++
    await new Promise<void>(resolve => {
      const check = (): boolean => {
        if (!done()) return false
        clearTimeout(timer)
        resolve()
        return true
      }
      const timer = setTimeout(() => {
        this.confirmWaiters.delete(check)
        this.confirmStats.capped++
        this.log(`claim of ${p.processid.slice(0, 12)} stands unacknowledged after ${CONFIRM_CAP_MS} ms: ${this.ackLag(live, claimT).join('; ')}`)
        resolve()
      }, CONFIRM_CAP_MS)
      this.confirmWaiters.add(check)
    })
  }

  private noteWatermark (site: string, h: Hlc, seq: number): void {
    const cur = this.watermarks.get(site)
    if (cur !== undefined && compareHlc(h, cur.h) <= 0) return
    this.watermarks.set(site, { h, seq, at: Date.now() })
    this.checkConfirmations()
  }

  /** For the log: why each of `sites` has not acknowledged a claim at `claimT` yet. */
  private ackLag (sites: readonly string[], claimT: Hlc): string[] {
    const now = Date.now()
    const connected = new Set(this.host.connectedPeers().map(p => siteIdOfPeer(p)))
    const out: string[] = []
    for (const site of sites) {
      const w = this.watermarks.get(site)
      if (w !== undefined && compareHlc(w.h, claimT) >= 0 && this.ledger.seqOf(site) >= w.seq) continue
      const parts = [connected.has(site) ? 'connected' : 'not connected']
      if (w === undefined) parts.push('never acknowledged')
      else {
        parts.push(`last acknowledgement ${now - w.at} ms ago, ${Math.max(0, claimT.w - w.h.w)} ms before the claim`)
        if (this.ledger.seqOf(site) < w.seq) parts.push(`its log held to ${this.ledger.seqOf(site)} of ${w.seq}`)
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
  private wantAck (colony: string, h: Hlc): void {
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
        if (compareHlc(this.publishedH, want) < 0) continue
        this.ackWanted.delete(c)
        this.ackStats.byBatch++
      }
      if (this.ackWanted.size === 0) return
      const head = this.ledger.head()
      if (head === undefined) {
        // a write is in flight: its batch will carry a later clock; look again right after
        this.armAck()
        return
      }
      for (const c of this.ackWanted.keys()) {
        this.ackStats.adverts++
        this.advertise(c, head, false)
      }
      this.ackWanted.clear()
    }
    if (this.busy?.() === false) {
      this.ackStats.atOnce++
      setImmediate(() => setImmediate(send))
    } else setTimeout(send, ACK_DELAY_MS)
  }

  onPresence (colony: string, executortype: string, attached: number, idle: number): void {
    // an executor parked with nothing to claim: no batch of ours is coming to carry the closes
    if (idle > 0) this.flushHeld()
    let m = this.localPresence.get(colony)
    if (m === undefined) this.localPresence.set(colony, m = new Map())
    const before = m.get(executortype) ?? 0
    m.set(executortype, attached)
    if ((before === 0) !== (attached === 0)) {
      this.presenceVersion++
      this.advertise(colony)
    }
  }

  /** Our executors and log head (and, but for acknowledgements, where we can be dialled). */
  private advertise (colony: string, head = this.ledger.head(), withAddrs = true): void {
    if (!this.topics.has(topicOf(colony))) return
    // The advert names our log's head. The heartbeat and presence changes send the held
    // closes first. An acknowledgement leaves them to go with our next batch and names the
    // last batch sent instead: it speaks only of claims (every claim of ours with an earlier
    // clock than h is in our log up to seq, which the receiver must hold), and held batches
    // hold no claim. All batches before the first held one have been sent.
    const first = this.held[0]
    if (withAddrs) this.flushHeld()
    else if (head !== undefined && first !== undefined) head = { h: head.h, seq: first.batch.seq - 1 }
    const types = this.ownExecutors(colony)
    // a fresh timestamp makes every advert a distinct gossip message (no "duplicate");
    // with our log at rest it carries our clock too: an acknowledgement (confirmClaim)
    let frame: IdleFrame = head === undefined
      ? { k: 'idle', site: this.nodeId, colony, types, t: Date.now(), seq: this.ledger.seqOf(this.nodeId) }
      : { k: 'idle', site: this.nodeId, colony, types, t: Date.now(), seq: head.seq, h: head.h }
    const addrs = withAddrs ? this.host.addresses().slice(0, MAX_ADVERT_ADDRS) : []
    if (addrs.length > 0) frame = { ...frame, addrs }
    // with the heartbeat (not with every acknowledgement): how much of each log we hold
    if (withAddrs) frame = { ...frame, vv: [...this.ledger.versionVector()].slice(0, MAX_ADVERT_ORIGINS) }
    void this.host.publish(topicOf(colony), encodeGossip(frame)).catch(() => {})
  }

  /** The heartbeat: every colony hears our executors, log head and addresses every 2 s. */
  private advertiseAll (): void {
    for (const colony of this.myColonies()) this.advertise(colony)
  }

  // ---- status ------------------------------------------------------------------------------

  sites (colony: string): SiteStatus[] {
    const c = this.ledger.fold.colony(colony)
    if (c === undefined) return []
    const connected = new Set(this.host.connectedPeers().map(p => siteIdOfPeer(p)))
    const ours = this.ledger.versionVector()
    const now = Date.now()
    const adverts = this.presence.get(colony)
    return c.sites.map(nodeid => {
      const theirs = this.theirVectors.get(nodeid)
      const behind: Record<string, number> = {}
      if (nodeid !== this.nodeId) {
        for (const [origin, seq] of ours) {
          const missing = this.ledger.recordsBetween(origin, theirs?.get(origin) ?? 0, seq)
          if (missing > 0) behind[origin] = missing
        }
      }
      return {
        nodeid,
        name: c.sitenames[nodeid] ?? '',
        self: nodeid === this.nodeId,
        connected: nodeid === this.nodeId || connected.has(nodeid),
        lastseen: nodeid === this.nodeId ? Date.now() : (this.lastSeen.get(nodeid) ?? 0),
        behind,
        clockskew: nodeid === this.nodeId ? 0 : this.clockSkew(nodeid),
        executors: nodeid === this.nodeId ? this.ownExecutors(colony) : advertised(adverts?.get(nodeid), now)
      }
    })
  }

  private ownExecutors (colony: string): Record<string, number> {
    return attachedTypes(this.localPresence.get(colony) ?? [])
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat)
    for (const t of this.retries.values()) clearTimeout(t)
    this.flushHeld()
    await Promise.allSettled([...this.pulling.values()])
    await this.host.stop()
  }
}

/** The executors a site's advert named, if it is recent enough to stand (PRESENCE_TTL_MS). */
function advertised (ad: { types: Readonly<Record<string, number>>, at: number } | undefined, now: number): Record<string, number> {
  return ad === undefined || now - ad.at >= PRESENCE_TTL_MS ? {} : attachedTypes(Object.entries(ad.types))
}

/** Executor types with at least one executor attached, and how many. */
function attachedTypes (counts: Iterable<readonly [string, number]>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [t, n] of counts) if (n > 0) out[t] = n
  return out
}
