/**
 * One libp2p 3 node, wrapped: gossip on topics, request/response over framed streams,
 * bootstrap peers kept connected, and a partition switch for tests and demos.
 *
 * The node's secp256k1 ledger key is also its libp2p identity, so the peer id of every
 * authenticated connection names a site (see peer-identity.ts).
 */
import '../polyfills.js' // Promise.withResolvers and a global WebSocket (Node 22+): load before libp2p
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createLibp2p } from 'libp2p'
import type { Libp2p, Libp2pOptions } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { gossipsub, TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, GossipsubMessage, Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import { mdns } from '@libp2p/mdns'
import { preSharedKey } from '@libp2p/pnet'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, ConnectionGater, PeerId, PeerInfo } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { framedStream, MAX_FRAME_BYTES } from './framed-stream.js'
import type { FramedStream } from './framed-stream.js'
import { libp2pKeyOfNodeKey, logNameOfPeer, peerInMultiaddr } from './peer-identity.js'
import { installHalfWindowUpdates } from './yamux-window.js'
import { installCheapEmptyPrefix } from './lp-decoder.js'
import { installRelayOnlyGossip } from './gossip-relay.js'

export type { FramedStream } from './framed-stream.js'

export interface P2PHostOptions {
  /** the node's secp256k1 private key, 64 hex: both its libp2p identity and its ledger identity */
  nodeKey: string
  /** listen multiaddrs, e.g. ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] */
  listen: string[]
  /** addresses to advertise instead of the listen addresses (behind NAT, a proxy or a port forward) */
  announce?: string[]
  /** multiaddrs ending in /p2p/<peerId>: dialled at start and redialled with backoff when dropped */
  bootstrap?: string[]
  /** discover (and dial) peers on the LAN */
  mdns?: boolean
  /** @libp2p/pnet pre-shared key (swarm.key text format); omit for an open network */
  psk?: Uint8Array
  /**
   * gossipsub's mesh degree (D, with Dlo = Dhi = D): how many peers forward each message they
   * receive. Default: gossipsub's (6, 4–12). 0 when every peer that should hear a message is
   * connected directly to whoever publishes it (a federation's sites, see `keepPeer`): the
   * publisher floods it to them all and forwarding would only send duplicates; a peer
   * reached only through another still hears of it by gossip (IHAVE/IWANT) within a heartbeat.
   */
  meshDegree?: number
  /** told when a connection closes (who closed it, after how long, and why) */
  log?: (line: string) => void
}

export type ValidationResult = 'accept' | 'reject' | 'ignore'
export type Validator = (topic: string, data: Uint8Array, fromPeer: string) => ValidationResult
export type MessageHandler = (topic: string, data: Uint8Array, fromPeer: string) => void
export type StreamHandler = (stream: FramedStream, peer: string) => Promise<void>

export interface P2PHostEvents {
  'peer:connect': (peer: string) => void
  'peer:disconnect': (peer: string) => void
  /** `subscribed`/`unsubscribed`: the topics this announcement from `peer` changed */
  'subscription-change': (peer: string, subscribed: string[], unsubscribed: string[]) => void
}

// ---------------------------------------------------------------------------------------------
// Settings, in one place

export const P2P_SETTINGS = {
  /** our request/response protocols: a sync round may open many streams at once (default 32 in / 64 out) */
  maxStreamsPerProtocol: 256,
  maxFrameBytes: MAX_FRAME_BYTES,
  /** bootstrap redial backoff: first retry soon, then doubling, capped, with jitter */
  redialMinMs: 200,
  redialMaxMs: 3_000,
  /** a bootstrap connection that lasted this long was real: redial at once when it drops */
  stableMs: 2_000,
  /**
   * Liveness: a peer we have not heard from (gossip or pong) for `silentMs` is pinged; no
   * pong within `pingTimeoutMs` and the connection is closed, so the redial loop makes a
   * fresh one. A link that went down leaves TCP connections that revive only after TCP's
   * backed-off retransmission once the link is back (measured: ~13 s after a 15 s cut);
   * sites gossip adverts every 2 s, so silence means the link, generously, even under load.
   */
  silentMs: 8_000,
  pingTimeoutMs: 4_000,
  livenessCheckMs: 2_000
} as const

type Services = { identify: Identify, ping: Ping, pubsub: GossipSub }

const ZERO = new Uint8Array([0])

function libp2pOptions (opts: P2PHostOptions, gater: ConnectionGater): Libp2pOptions<Services> {
  return {
    privateKey: libp2pKeyOfNodeKey(opts.nodeKey),
    addresses: { listen: opts.listen, ...(opts.announce !== undefined && opts.announce.length > 0 ? { announce: opts.announce } : {}) },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({
      // A stream paused for backpressure buffers at most one receive window; keep the window
      // (default max 16 MiB) under the read-buffer limit, or a paused stream is reset.
      streamOptions: { maxStreamWindowSize: 4 * 1024 * 1024, maxReadBufferLength: 8 * 1024 * 1024 }
    })],
    ...(opts.psk !== undefined ? { connectionProtector: preSharedKey({ psk: opts.psk }) } : {}),
    peerDiscovery: opts.mdns === true ? [mdns()] : [],
    connectionGater: gater,
    connectionManager: {
      // default is 5 connections/s per remote host: sites behind one NAT (or tests on
      // 127.0.0.1) reconnecting after a partition would be refused
      inboundConnectionThreshold: 100
    },
    // Under CPU load late pings made the monitor abort healthy connections and lose queued
    // gossip (measured: 4 of 18 runs). Keep measuring RTT, never abort on a late ping.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: {
      identify: identify(), // required: gossipsub learns a peer's protocols from identify
      // answers the connection monitor's pings. The liveness check's go over the same
      // protocol, and libp2p allows one outbound ping stream per connection by default: one
      // of ours that met the monitor's was refused at once, read as "no answer", and a
      // healthy connection was aborted (seen in a test's log; test/node/p2p-host.test.ts)
      ping: ping({ maxOutboundStreams: 4, maxInboundStreams: 4 }),
      pubsub: gossipsub({
        // Records carry their own signatures: don't sign twice. With no author/seqno, the
        // message id must come from the content.
        globalSignaturePolicy: 'StrictNoSign',
        // sha256(topic ‖ 0 ‖ data), synchronous. The topic is included because gossipsub's
        // seen-cache is global: data-only ids would swallow the same bytes on a second topic.
        msgIdFn: (msg: Message) => createHash('sha256').update(msg.topic).update(ZERO).update(msg.data).digest(),
        // meshes are small (2–5 sites): send our own messages to every subscriber, not just D
        floodPublish: true,
        // alone (or before subscriptions arrive) publishing must not throw; sync repairs later
        allowPublishToZeroTopicPeers: true,
        // republishing bytes already seen is a no-op, not an error
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        scoreParams: {
          // sites of one owner often share an address (one NAT, or one test machine)
          IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1'])
        },
        ...(opts.meshDegree === undefined ? {} : meshOptions(opts.meshDegree))
      })
    }
  }
}

/**
 * A mesh of exactly `d` peers per topic (gossipsub wants Dout ≤ D/2, and below Dlo where d > 0).
 * With no mesh nobody forwards messages to us, so IDONTWANT (which asks mesh peers not to
 * forward a large message we already have) is never due: gossipsub would still build one
 * for every message received.
 */
function meshOptions (d: number): { D: number, Dlo: number, Dhi: number, Dout: number, Dscore: number, idontwantMinDataSize?: number } {
  if (!Number.isSafeInteger(d) || d < 0) throw new TypeError(`meshDegree must be an integer ≥ 0, got ${d}`)
  return { D: d, Dlo: d, Dhi: d, Dout: Math.floor(d / 2), Dscore: Math.min(d, 4), ...(d === 0 ? { idontwantMinDataSize: Number.MAX_SAFE_INTEGER } : {}) }
}

/**
 * Per-topic score: only invalid messages count. Without topic params gossipsub ignores
 * 'reject' entirely; the default delivery-rate penalties would prune quiet colonies' peers.
 * One reject costs 10 (at the gossip threshold, -10), three cost 90 (graylisted, < -80); the
 * count halves every second. Note that while a peer's score is negative we refuse its GRAFT
 * and back it off for a minute (gossipsub's prune backoff): no mesh link between the two for
 * that long, though flood publish and gossip still carry messages. Validators should say
 * 'ignore' when in doubt and 'reject' only what is provably invalid.
 */
const TOPIC_SCORE: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.5
}

// Parts of the gossipsub class that its exported interface omits; read defensively.
interface GossipSubInternals {
  score?: { params?: { topics?: Record<string, TopicScoreParams> } }
  streamsOutbound?: Map<string, unknown>
  getScore?: (peer: string) => number
  getMeshPeers?: (topic: string) => string[]
  createOutboundStream?: (peer: PeerId, connection: Connection) => Promise<void>
}

// ---------------------------------------------------------------------------------------------

function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

function peerOfMultiaddr (ma: Multiaddr): string {
  const peer = peerInMultiaddr(ma)
  if (peer === undefined) throw new TypeError(`bootstrap address needs a /p2p/<peerId> suffix: ${ma.toString()}`)
  return peer
}

export class P2PHost {
  readonly peerId: string
  private readonly node: Libp2p<Services>
  private readonly blocked: Set<string>
  private readonly events = new EventEmitter()
  private readonly messageHandlers = new Set<MessageHandler>()
  private validator: Validator = () => 'accept'
  private readonly stopController = new AbortController()
  /** per kept peer: wakes its redial loop; `onDisconnect` only while it sleeps connected */
  private readonly wakers = new Map<string, { wake: () => void, onDisconnect: boolean }>()
  /** the redial loops running (a dropped peer's loop ends and leaves) */
  private readonly redialers = new Set<Promise<void>>()
  /**
   * Peers kept connected, each by one redial loop that dials the addresses listed here (read
   * afresh on every dial): the bootstrap peers, for good, and peers given to `keepPeer`.
   */
  private readonly kept = new Map<string, { addrs: Multiaddr[], bootstrap: boolean }>()
  /** when each connected peer was last heard from (a gossip message or a pong) */
  private readonly lastHeard = new Map<string, number>()
  private readonly liveness: NodeJS.Timeout
  /** connections closed for silence, for `node status` and tests */
  silentHangUps = 0

  private constructor (node: Libp2p<Services>, blocked: Set<string>, dialDiscovered: boolean) {
    this.node = node
    this.blocked = blocked
    this.peerId = node.peerId.toString()
    this.liveness = setInterval(() => { void this.checkLiveness() }, P2P_SETTINGS.livenessCheckMs)
    this.liveness.unref()

    node.addEventListener('peer:connect', (evt) => {
      this.lastHeard.set(evt.detail.toString(), Date.now())
      this.emit('peer:connect', evt.detail.toString())
    })
    node.addEventListener('peer:disconnect', (evt) => {
      const peer = evt.detail.toString()
      this.lastHeard.delete(peer)
      const waker = this.wakers.get(peer)
      if (waker?.onDisconnect === true) waker.wake()
      this.emit('peer:disconnect', peer)
    })
    // Two sites that dial each other at once are connected twice. gossipsub keeps one
    // outbound stream per peer, on one of the connections, and opens another only for a new
    // connection: when the one carrying it closes, the peer stays connected by the other and
    // never hears from us again (measured: every message lost until that connection dropped
    // too; the other site then claimed as if we were gone). Reopen it on a remaining one.
    node.addEventListener('connection:close', (evt: CustomEvent<Connection>) => {
      const id = evt.detail.remotePeer
      // after the closed connection's streams have been let go of
      setImmediate(() => {
        const open = node.getConnections(id).find(c => c.status === 'open')
        if (open === undefined || this.stopController.signal.aborted) return
        const pubsub = node.services.pubsub as unknown as GossipSubInternals
        if (pubsub.streamsOutbound?.has(id.toString()) === true) return
        if (typeof pubsub.createOutboundStream === 'function') {
          pubsub.createOutboundStream.call(pubsub, id, open).catch(() => {})
        } else {
          // without the hook, a fresh connection: the redial loops make one
          node.hangUp(id).catch(() => {})
        }
      })
    })
    node.addEventListener('peer:discovery', (evt: CustomEvent<PeerInfo>) => {
      // libp2p 3 does not dial discovered peers by itself (mdns only fills the peer store)
      if (!dialDiscovered) return
      const peer = evt.detail.id.toString()
      if (peer === this.peerId || this.blocked.has(peer) || this.isConnected(peer)) return
      node.dial(evt.detail.id, { signal: this.stopController.signal }).catch(() => {})
    })

    const pubsub = node.services.pubsub
    pubsub.addEventListener('gossipsub:message', (evt: CustomEvent<GossipsubMessage>) => {
      const { msg, propagationSource } = evt.detail
      const from = propagationSource.toString()
      this.lastHeard.set(from, Date.now())
      for (const fn of this.messageHandlers) {
        try { fn(msg.topic, msg.data, from) } catch { /* a handler's bug must not stop the others */ }
      }
    })
    pubsub.addEventListener('subscription-change', (evt: CustomEvent<SubscriptionChangeData>) => {
      const { peerId, subscriptions } = evt.detail
      const on = subscriptions.filter(s => s.subscribe).map(s => s.topic)
      const off = subscriptions.filter(s => !s.subscribe).map(s => s.topic)
      this.emit('subscription-change', peerId.toString(), on, off)
    })
  }

  static async start (opts: P2PHostOptions): Promise<P2PHost> {
    installHalfWindowUpdates()
    installCheapEmptyPrefix()
    const blocked = new Set<string>()
    // the gater is consulted for every dial and at every stage of an incoming connection
    const deny = (peer: PeerId): boolean => blocked.has(peer.toString())
    const gater: ConnectionGater = {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny
    }
    const node = await createLibp2p<Services>(libp2pOptions(opts, gater))
    installRelayOnlyGossip(node.services.pubsub)
    const log = opts.log
    if (log !== undefined) {
      node.addEventListener('connection:open', (evt: CustomEvent<Connection>) => {
        const c = evt.detail
        c.addEventListener('close', (e: Event) => {
          const { local, error } = e as Event & { local?: boolean, error?: Error }
          const lived = c.timeline.close !== undefined ? c.timeline.close - c.timeline.open : Date.now() - c.timeline.open
          log(`${c.direction} connection with ${logNameOfPeer(c.remotePeer.toString())} closed by ${local === true ? 'us' : 'the peer'} after ${lived} ms` +
            (error !== undefined ? `: ${error.message}` : ''))
        }, { once: true })
      })
    }
    const host = new P2PHost(node, blocked, opts.mdns === true)
    // one redial loop per peer, trying all of its listed addresses
    const byPeer = new Map<string, Multiaddr[]>()
    for (const addr of opts.bootstrap ?? []) {
      const ma = multiaddr(addr)
      const peer = peerOfMultiaddr(ma)
      if (peer !== host.peerId) byPeer.set(peer, [...(byPeer.get(peer) ?? []), ma])
    }
    for (const [peer, addrs] of byPeer) {
      host.kept.set(peer, { addrs, bootstrap: true })
      host.startRedialer(peer)
    }
    return host
  }

  /** The underlying libp2p node, for diagnostics and tests; the rest of colonynet uses the methods here. */
  get libp2p (): Libp2p<Services> {
    return this.node
  }

  addresses (): string[] {
    return this.node.getMultiaddrs().map(ma => ma.toString())
  }

  // -------------------------------------------------------------------------------------------
  // gossip

  subscribe (topic: string): void {
    const pubsub = this.node.services.pubsub
    pubsub.topicValidators.set(topic, (peer, msg) => this.validate(msg.topic, msg.data, peer.toString()))
    const topics = (pubsub as unknown as GossipSubInternals).score?.params?.topics
    if (topics !== undefined) topics[topic] = createTopicScoreParams(TOPIC_SCORE)
    pubsub.subscribe(topic)
  }

  unsubscribe (topic: string): void {
    const pubsub = this.node.services.pubsub
    pubsub.unsubscribe(topic)
    pubsub.topicValidators.delete(topic)
  }

  /** Never throws for "no peers" or "duplicate": the sync protocol repairs what gossip misses. */
  async publish (topic: string, data: Uint8Array): Promise<void> {
    try {
      await this.node.services.pubsub.publish(topic, data)
    } catch (err) {
      const msg = toError(err).message
      if (msg.includes('NoPeersSubscribedToTopic') || msg.includes('Duplicate')) return
      throw err
    }
  }

  /** Synchronous, called by gossipsub before delivery and forwarding; 'reject' scores the sender down. */
  setValidator (fn: Validator): void {
    this.validator = fn
  }

  /** Accepted messages only; returns a function that removes the handler. */
  onMessage (fn: MessageHandler): () => void {
    this.messageHandlers.add(fn)
    return () => { this.messageHandlers.delete(fn) }
  }

  /**
   * Peers subscribed to `topic` that a publish would reach now. A peer's subscription can
   * arrive before our own outbound gossip stream to it is open, and a message published in
   * that gap is dropped; such peers are left out until the stream exists.
   */
  topicPeers (topic: string): string[] {
    const pubsub = this.node.services.pubsub
    const outbound = (pubsub as unknown as GossipSubInternals).streamsOutbound
    const peers = pubsub.getSubscribers(topic).map(p => p.toString())
    return outbound instanceof Map ? peers.filter(p => outbound.has(p)) : peers
  }

  /**
   * Peers in our gossipsub mesh for `topic`. A relay forwards others' messages only to its
   * mesh, and a peer that subscribes later joins it at the next heartbeat (about 1 s), so a
   * multi-hop path is ready when each hop has the next in its mesh.
   */
  meshPeers (topic: string): string[] {
    return (this.node.services.pubsub as unknown as GossipSubInternals).getMeshPeers?.(topic) ?? []
  }

  /** gossipsub's current score of a peer (0 when unknown); negative after rejected messages. */
  peerScore (peer: string): number {
    return (this.node.services.pubsub as unknown as GossipSubInternals).getScore?.(peer) ?? 0
  }

  private validate (topic: string, data: Uint8Array, from: string): TopicValidatorResult {
    let verdict: ValidationResult
    try {
      verdict = this.validator(topic, data, from)
    } catch {
      verdict = 'ignore' // a validator bug is not the sender's fault
    }
    switch (verdict) {
      case 'accept': return TopicValidatorResult.Accept
      case 'reject': return TopicValidatorResult.Reject
      default: return TopicValidatorResult.Ignore
    }
  }

  // -------------------------------------------------------------------------------------------
  // request/response streams

  async handle (protocol: string, handler: StreamHandler): Promise<void> {
    await this.node.handle(protocol, (stream, connection) => {
      // wrap synchronously: an unread libp2p 3 stream buffers and then resets
      const framed = framedStream(stream)
      const peer = connection.remotePeer.toString()
      handler(framed, peer).then(
        async () => { await framed.closeWrite() },
        (err: unknown) => { framed.abort(toError(err)) }
      ).catch((err: unknown) => { framed.abort(toError(err)) })
    }, {
      maxInboundStreams: P2P_SETTINGS.maxStreamsPerProtocol,
      maxOutboundStreams: P2P_SETTINGS.maxStreamsPerProtocol
    })
  }

  async open (peer: string, protocol: string, signal?: AbortSignal): Promise<FramedStream> {
    const stream = await this.node.dialProtocol(peerIdFromString(peer), protocol, {
      signal,
      maxOutboundStreams: P2P_SETTINGS.maxStreamsPerProtocol
    })
    return framedStream(stream)
  }

  // -------------------------------------------------------------------------------------------
  // peers

  connectedPeers (): string[] {
    return this.node.getPeers().map(p => p.toString())
  }

  /**
   * A refused dial can take until libp2p's dial timeout (5 s) to fail: a peer with another
   * psk reads garbage and may wait for a frame that never completes. Pass `signal` to bound it.
   */
  async dial (addr: string, signal?: AbortSignal): Promise<void> {
    const signals = signal === undefined ? [this.stopController.signal] : [this.stopController.signal, signal]
    await this.node.dial(multiaddr(addr), { signal: AbortSignal.any(signals) })
  }

  on<E extends keyof P2PHostEvents> (event: E, fn: P2PHostEvents[E]): this {
    this.events.on(event, fn)
    return this
  }

  off<E extends keyof P2PHostEvents> (event: E, fn: P2PHostEvents[E]): this {
    this.events.off(event, fn)
    return this
  }

  private emit<E extends keyof P2PHostEvents> (event: E, ...args: Parameters<P2PHostEvents[E]>): void {
    for (const fn of this.events.listeners(event)) {
      try { (fn as (...a: unknown[]) => void)(...args) } catch { /* keep libp2p's dispatch safe */ }
    }
  }

  /**
   * Keeps a connection to `peer` open from now on, as to a bootstrap peer: dialled at once
   * (unless connected) and redialled with backoff when it drops, at `addrs` (multiaddrs
   * naming <peer> in their /p2p/ part). A later call replaces the addresses only with
   * `replace` (addresses the peer gave itself, not ones heard from a third party); a
   * bootstrap peer keeps the operator's. Throws TypeError for an address of another peer.
   */
  keepPeer (peer: string, addrs: readonly string[], replace = true): void {
    if (peer === this.peerId || this.stopController.signal.aborted) return
    const mas = addrs.map(a => multiaddr(a))
    for (const ma of mas) {
      if (peerOfMultiaddr(ma) !== peer) throw new TypeError(`${ma.toString()} is not an address of ${peer}`)
    }
    const entry = this.kept.get(peer)
    if (entry?.bootstrap === true) return
    if (entry !== undefined) {
      if (replace) entry.addrs = mas
      return
    }
    this.kept.set(peer, { addrs: mas, bootstrap: false })
    this.startRedialer(peer)
  }

  /** Stops redialling a peer given to `keepPeer` (an open connection stays until it drops). */
  dropPeer (peer: string): void {
    if (this.kept.get(peer)?.bootstrap !== false) return
    this.kept.delete(peer)
    this.wakers.get(peer)?.wake()
  }

  /** Peers kept connected: the bootstrap peers and those given to `keepPeer`. */
  keptPeers (): string[] {
    return [...this.kept.keys()]
  }

  /** Test/demo partitions: refuse and drop every connection with these peers until unblocked. */
  async block (peers: string[]): Promise<void> {
    for (const p of peers) this.blocked.add(p)
    await Promise.all(peers.map(async p => {
      await this.node.hangUp(peerIdFromString(p)).catch(() => {})
    }))
  }

  unblock (peers: string[]): void {
    for (const p of peers) {
      this.blocked.delete(p)
      this.wakers.get(p)?.wake()
    }
  }

  /** Pings every peer silent for `silentMs`; closes the connections of those that do not answer. */
  private async checkLiveness (): Promise<void> {
    const now = Date.now()
    await Promise.all(this.node.getPeers().map(async id => {
      const peer = id.toString()
      if (now - (this.lastHeard.get(peer) ?? now) < P2P_SETTINGS.silentMs) return
      this.lastHeard.set(peer, now) // one ping at a time per peer
      try {
        await this.node.services.ping.ping(id, { signal: AbortSignal.any([AbortSignal.timeout(P2P_SETTINGS.pingTimeoutMs), this.stopController.signal]) })
        this.lastHeard.set(peer, Date.now())
      } catch {
        if (this.stopController.signal.aborted || !this.isConnected(peer)) return
        this.silentHangUps++
        // abort, not close: a graceful close would wait on the same dead link
        for (const c of this.node.getConnections(id)) c.abort(new Error(`no answer from ${peer} for ${P2P_SETTINGS.silentMs + P2P_SETTINGS.pingTimeoutMs} ms`))
      }
    }))
  }

  async stop (): Promise<void> {
    if (this.stopController.signal.aborted) return
    clearInterval(this.liveness)
    this.stopController.abort()
    for (const waker of this.wakers.values()) waker.wake()
    await this.node.stop()
    await Promise.allSettled([...this.redialers])
  }

  // -------------------------------------------------------------------------------------------

  private isConnected (peer: string): boolean {
    return this.node.getConnections(peerIdFromString(peer)).some(c => c.status === 'open')
  }

  private startRedialer (peer: string): void {
    const loop: Promise<void> = this.keepConnected(peer).finally(() => { this.redialers.delete(loop) })
    this.redialers.add(loop)
  }

  /**
   * Dial a kept peer, and again whenever it drops, with capped jittered backoff. A peer
   * that refuses us (its gater, a different psk) lets our dial finish and then hangs up, so
   * only a connection that lasted `stableMs` resets the backoff; a shorter one counts as a
   * failure (otherwise a blocked peer is redialled in a hot loop).
   */
  private async keepConnected (peer: string): Promise<void> {
    const signal = this.stopController.signal
    const entry = this.kept.get(peer)
    let delay: number = P2P_SETTINGS.redialMinMs
    let connectedAt: number | undefined
    const backOff = async (): Promise<void> => {
      const wait = delay * (0.5 + Math.random())
      delay = Math.min(delay * 2, P2P_SETTINGS.redialMaxMs)
      await this.sleep(peer, wait, false)
    }
    // ends when the peer is dropped (a new keepPeer starts a new loop)
    while (!signal.aborted && entry !== undefined && this.kept.get(peer) === entry) {
      if (this.blocked.has(peer)) {
        connectedAt = undefined
        await this.sleep(peer, Infinity, false) // until unblock() or stop()
        continue
      }
      if (this.isConnected(peer)) {
        connectedAt ??= Date.now()
        await this.sleep(peer, Infinity, true) // until it disconnects
        continue
      }
      if (connectedAt !== undefined) {
        const lasted = Date.now() - connectedAt
        connectedAt = undefined
        if (lasted >= P2P_SETTINGS.stableMs) {
          delay = P2P_SETTINGS.redialMinMs
        } else {
          await backOff()
          continue
        }
      }
      try {
        await this.node.dial(entry.addrs, { signal })
        connectedAt = Date.now()
      } catch {
        if (signal.aborted) return
        await backOff()
      }
    }
  }

  /**
   * Wait `ms` (Infinity: until woken), cut short by unblock(`peer`), stop(), and, with
   * `onDisconnect`, by `peer` disconnecting. A backoff must not be cut short by disconnects:
   * each refused connection ends in one, and the backoff would collapse into a hot loop.
   */
  private async sleep (peer: string, ms: number, onDisconnect: boolean): Promise<void> {
    if (this.stopController.signal.aborted) return
    await new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(wake, ms)
      const wakers = this.wakers
      const waker = { wake, onDisconnect }
      function wake (): void {
        clearTimeout(timer)
        if (wakers.get(peer) === waker) wakers.delete(peer)
        resolve()
      }
      wakers.set(peer, waker)
    })
  }
}
