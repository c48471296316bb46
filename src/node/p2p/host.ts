/**
 * One libp2p 3 node, wrapped: gossip on topics, request/response over framed streams,
 * bootstrap peers kept connected, and a partition switch for tests and demos. Its settings
 * are in host-options.ts, the connections it keeps in kept-peers.ts, its check of silent
 * links in liveness.ts.
 *
 * The node's secp256k1 ledger key is also its libp2p identity, so the peer id of every
 * authenticated connection names a site (see peer-identity.ts).
 */
import '../polyfills.js' // Promise.withResolvers and a global WebSocket (Node 22+): load before libp2p
import { EventEmitter } from 'node:events'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipsubMessage, SubscriptionChangeData } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, ConnectionGater, PeerId, PeerInfo } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { systemClock } from '../clock.js'
import { framedStream } from './framed-stream.js'
import type { FramedStream } from './framed-stream.js'
import { type GossipSubInternals, libp2pOptions, P2P_SETTINGS, type P2PHostOptions, type Services, TOPIC_SCORE } from './host-options.js'
import { isConnected, KeptPeers } from './kept-peers.js'
import { Liveness } from './liveness.js'
import { logNameOfPeer } from './peer-identity.js'
import { installHalfWindowUpdates } from './yamux-window.js'
import { installCheapEmptyPrefix } from './lp-decoder.js'
import { installRelayOnlyGossip } from './gossip-relay.js'
import { NatTraversal, type NatStatus, type PeerPath } from './nat.js'

export type { FramedStream } from './framed-stream.js'
export { P2P_SETTINGS, type P2PHostOptions } from './host-options.js'
export type { NatStatus, PeerPath } from './nat.js'

export type ValidationResult = 'accept' | 'reject' | 'ignore'
export type Validator = (topic: string, data: Uint8Array, fromPeer: string) => ValidationResult
export type MessageHandler = (topic: string, data: Uint8Array, fromPeer: string) => void
export type StreamHandler = (stream: FramedStream, peer: string) => Promise<void>

export interface P2PHostEvents {
  'peer:connect': (peer: string) => void
  'peer:disconnect': (peer: string) => void
  /** `subscribed`/`unsubscribed`: the topics this announcement from `peer` changed */
  'subscription-change': (peer: string, subscribed: string[], unsubscribed: string[]) => void
  /** the addresses we can be dialled at changed (a relay slot was made or lost, autonat confirmed one) */
  'addresses': (addrs: string[]) => void
}

/** The host's counters, for `node status` and tests. */
export interface P2PHostStats {
  /** connections closed because the peer stopped answering (see Liveness) */
  readonly silentHangUps: number
}

interface RelayPolicy { allowed: (peer: string) => boolean }

function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

export class P2PHost {
  readonly peerId: string
  private readonly node: Libp2p<Services>
  private readonly blocked: Set<string>
  private readonly events = new EventEmitter()
  private readonly messageHandlers = new Set<MessageHandler>()
  private validator: Validator = () => 'accept'
  private readonly stopController = new AbortController()
  private readonly kept: KeptPeers
  private readonly liveness: Liveness
  private readonly nat: NatTraversal
  /** who may use us as a relay, and be reached through one (set by the federation: the colony's sites) */
  private relayPolicy: RelayPolicy

  private constructor (node: Libp2p<Services>, blocked: Set<string>, opts: P2PHostOptions, policy: RelayPolicy) {
    this.node = node
    this.blocked = blocked
    this.peerId = node.peerId.toString()
    const clock = opts.clock ?? systemClock
    const signal = this.stopController.signal
    this.kept = new KeptPeers({ node, peerId: this.peerId, blocked, signal, clock, random: Math.random })
    this.liveness = new Liveness({ node, signal, clock })
    this.liveness.start()
    this.relayPolicy = policy
    const ready = (): boolean => node.getPeers().some(p => policy.allowed(p.toString()))
    const announced = (opts.announce ?? []).length > 0
    this.nat = new NatTraversal({ node, reserve: opts.relay?.reserve ?? 'auto', clock, signal, ready, announced, ...(opts.log === undefined ? {} : { log: opts.log }) })
    const dialDiscovered = opts.mdns === true

    node.addEventListener('peer:connect', (evt) => {
      this.liveness.heard(evt.detail.toString())
      this.emit('peer:connect', evt.detail.toString())
    })
    node.addEventListener('peer:disconnect', (evt) => {
      const peer = evt.detail.toString()
      this.liveness.forget(peer)
      this.kept.disconnected(peer)
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
      if (peer === this.peerId || this.blocked.has(peer) || isConnected(node, peer)) return
      node.dial(evt.detail.id, { signal: this.stopController.signal }).catch(() => {})
    })

    let addrs = ''
    node.addEventListener('self:peer:update', () => {
      const now = this.addresses()
      if (now.join(' ') === addrs) return
      addrs = now.join(' ')
      this.emit('addresses', now)
    })

    const pubsub = node.services.pubsub
    pubsub.addEventListener('gossipsub:message', (evt: CustomEvent<GossipsubMessage>) => {
      const { msg, propagationSource } = evt.detail
      const from = propagationSource.toString()
      this.liveness.heard(from)
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
    // until the federation says which peers are sites of our colonies, nobody is relayed
    const policy: RelayPolicy = { allowed: () => false }
    const gater: ConnectionGater = {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny,
      // as a relay: slots and circuits only for the sites of our colonies
      denyInboundRelayReservation: (peer: PeerId) => deny(peer) || !policy.allowed(peer.toString()),
      denyOutboundRelayedConnection: (src: PeerId, dst: PeerId) =>
        deny(src) || deny(dst) || !policy.allowed(src.toString()) || !policy.allowed(dst.toString()),
      denyInboundRelayedConnection: (relay: PeerId, remote: PeerId) => deny(relay) || deny(remote)
    }
    const node = await createLibp2p<Services>(libp2pOptions(opts, gater))
    installRelayOnlyGossip(node.services.pubsub)
    const log = opts.log
    const clock = opts.clock ?? systemClock
    if (log !== undefined) {
      node.addEventListener('connection:open', (evt: CustomEvent<Connection>) => {
        const c = evt.detail
        c.addEventListener('close', (e: Event) => {
          const { local, error } = e as Event & { local?: boolean, error?: Error }
          const lived = c.timeline.close !== undefined ? c.timeline.close - c.timeline.open : clock.now() - c.timeline.open
          log(`${c.direction} connection with ${logNameOfPeer(c.remotePeer.toString())} closed by ${local === true ? 'us' : 'the peer'} after ${lived} ms` +
            (error !== undefined ? `: ${error.message}` : ''))
        }, { once: true })
      })
    }
    const host = new P2PHost(node, blocked, opts, policy)
    host.kept.keepBootstrap(opts.bootstrap ?? [])
    host.nat.start()
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
      maxOutboundStreams: P2P_SETTINGS.maxStreamsPerProtocol,
      // sync and claims run over a relayed (limited) connection until a direct one exists
      runOnLimitedConnection: true
    })
  }

  async open (peer: string, protocol: string, signal?: AbortSignal): Promise<FramedStream> {
    const id = peerIdFromString(peer)
    const opts = { signal, maxOutboundStreams: P2P_SETTINGS.maxStreamsPerProtocol, runOnLimitedConnection: true }
    // libp2p never reuses a limited (relayed) connection for a dial: each stream to a site
    // reached only through a relay would open another circuit, closed at once as a
    // duplicate along with the stream on it (measured in the chaos NAT scenarios: pulls
    // aborted, claims seconds late). Open the stream on the connection we have; an
    // unlimited one first.
    const open = this.node.getConnections(id).filter(c => c.status === 'open')
    const conn = open.find(c => c.limits === undefined) ?? open[0]
    if (conn !== undefined) {
      try {
        return framedStream(await conn.newStream(protocol, opts))
      } catch (err) {
        if (signal?.aborted === true || conn.status === 'open') throw err
        // it closed as we asked: dial afresh
      }
    }
    return framedStream(await this.node.dialProtocol(id, protocol, opts))
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
    this.kept.keep(peer, addrs, replace)
  }

  /** Stops redialling a peer given to `keepPeer` (an open connection stays until it drops). */
  dropPeer (peer: string): void {
    this.kept.drop(peer)
  }

  /** Peers kept connected: the bootstrap peers and those given to `keepPeer`. */
  keptPeers (): string[] {
    return this.kept.peers()
  }

  /** Test/demo partitions: refuse and drop every connection with these peers until unblocked. */
  async block (peers: string[]): Promise<void> {
    await this.kept.block(peers)
  }

  unblock (peers: string[]): void {
    this.kept.unblock(peers)
  }

  /**
   * Who may hold a relay slot on us and be relayed through us (as source and destination):
   * the federation passes the sites of our colonies. Until then, nobody.
   */
  setRelayPolicy (allowed: (peer: string) => boolean): void {
    this.relayPolicy.allowed = allowed
  }

  /** How a connected peer is reached: directly, through a relay, or upgraded from a relay. */
  pathTo (peer: string): PeerPath | undefined {
    return this.nat.pathTo(peer)
  }

  /** Whether this site is behind NAT, and the relays it holds a slot on. */
  natStatus (): NatStatus {
    return this.nat.status()
  }

  stats (): P2PHostStats {
    return { silentHangUps: this.liveness.silentHangUps }
  }

  async stop (): Promise<void> {
    if (this.stopController.signal.aborted) return
    this.liveness.stop()
    this.nat.stop()
    this.stopController.abort()
    const loops = this.kept.stop()
    await this.node.stop()
    await loops
  }
}
