/**
 * The libp2p host's settings in one place: what the operator chooses (P2PHostOptions), the
 * timings colonynet uses (P2P_SETTINGS), and the libp2p node they make (transports,
 * encryption, muxer, gossipsub tuned for a few sites that all connect to each other).
 */
import { createHash } from 'node:crypto'
import type { Libp2pOptions } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import { mdns } from '@libp2p/mdns'
import { preSharedKey } from '@libp2p/pnet'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { autoNAT } from '@libp2p/autonat'
import { dcutr } from '@libp2p/dcutr'
import { uPnPNAT } from '@libp2p/upnp-nat'
import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface'
import type { Clock } from '../clock.js'
import { MAX_FRAME_BYTES } from './framed-stream.js'
import { libp2pKeyOfNodeKey } from './peer-identity.js'
import type { RelayReserve } from './nat.js'

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
  /** the time and timers of the redial loops and the liveness check (default: the system's) */
  clock?: Clock
  /** NAT traversal: relaying for other sites, reserving a relay slot, UPnP (see nat.ts) */
  relay?: RelaySettings
}

/** NAT traversal settings (`node start --relay…`, `--upnp`). */
export interface RelaySettings {
  /** relay for the sites of our colonies (circuit relay v2); default true */
  readonly serve?: boolean
  /** when to reserve a slot on a relay ourselves; default 'auto' (behind NAT, or listening on nothing) */
  readonly reserve?: RelayReserve
  /** the most bytes one relayed connection may carry before the relay closes it (the sites reconnect) */
  readonly maxBytes?: number
  /** the longest one relayed connection may stay open, ms */
  readonly maxDurationMs?: number
  /** the most sites holding a slot on us at once */
  readonly maxReservations?: number
  /** ask the router for a port mapping (UPnP / NAT-PMP); default false */
  readonly upnp?: boolean
}

/** Defaults of RelaySettings: generous for a colony's traffic, bounded for a relay that serves many. */
export const RELAY_DEFAULTS = {
  maxBytes: 1024 * 1024 * 1024,
  maxDurationMs: 60 * 60_000,
  maxReservations: 64
} as const

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

export type Services = { identify: Identify, ping: Ping, pubsub: GossipSub, autoNAT: unknown, dcutr: unknown, relay?: CircuitRelayService, upnp?: unknown }

const ZERO = new Uint8Array([0])

export function libp2pOptions (opts: P2PHostOptions, gater: ConnectionGater): Libp2pOptions<Services> {
  return {
    privateKey: libp2pKeyOfNodeKey(opts.nodeKey),
    addresses: { listen: opts.listen, ...(opts.announce !== undefined && opts.announce.length > 0 ? { announce: opts.announce } : {}) },
    // a relayed connection is how a site behind NAT is reached until a direct one exists
    transports: [tcp(), webSockets(), circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
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
      ...relayServices(opts.relay ?? {}),
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
        // a site behind NAT is reached through a relay, whose connections carry limits
        runOnLimitedConnection: true,
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
 * autonat (do others reach our public listen addresses? libp2p announces a public address
 * only once confirmed), DCUtR (a relayed connection upgraded to a direct one), a relay for
 * the colony's sites (who may use it is the connection gater's decision, host.ts) and UPnP.
 */
function relayServices (r: RelaySettings): {
  autoNAT: ReturnType<typeof autoNAT>
  dcutr: ReturnType<typeof dcutr>
  relay?: ReturnType<typeof circuitRelayServer>
  upnp?: ReturnType<typeof uPnPNAT>
} {
  const maxBytes = r.maxBytes ?? RELAY_DEFAULTS.maxBytes
  const maxDurationMs = r.maxDurationMs ?? RELAY_DEFAULTS.maxDurationMs
  return {
    autoNAT: autoNAT(),
    dcutr: dcutr(),
    ...(r.serve === false
      ? {}
      : {
          relay: circuitRelayServer({
            reservations: {
              maxReservations: r.maxReservations ?? RELAY_DEFAULTS.maxReservations,
              applyDefaultLimit: true,
              defaultDataLimit: BigInt(maxBytes),
              defaultDurationLimit: maxDurationMs
            }
          })
        }),
    ...(r.upnp === true ? { upnp: uPnPNAT() } : {})
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
export const TOPIC_SCORE: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.5
}

// Parts of the gossipsub class that its exported interface omits; read defensively.
export interface GossipSubInternals {
  score?: { params?: { topics?: Record<string, TopicScoreParams> } }
  streamsOutbound?: Map<string, unknown>
  getScore?: (peer: string) => number
  getMeshPeers?: (topic: string) => string[]
  createOutboundStream?: (peer: PeerId, connection: Connection) => Promise<void>
}
