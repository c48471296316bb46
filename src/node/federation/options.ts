/**
 * How a node takes part in a federation, and what the federation's parts are given: the
 * operator's settings (`P2POptions`), and the components one Federation wires together.
 */
import type { SiteRemoval } from '../../protocol/fold.js'
import type { ColonyInfo } from '../../protocol/state.js'
import type { Ledger } from '../../store/ledger.js'
import type { Clock } from '../clock.js'
import type { P2PHost } from '../p2p/host.js'
import type { RelaySettings } from '../p2p/host-options.js'

/**
 * How long (ms) after a site of the colony went silent this site still leaves to that
 * site's side the waiting processes ranked to it, or submitted there while cut off
 * (partitionOwner), and
 * claims only its own side's: a partition then runs each process once, on one side. Longer
 * means fewer duplicate executions in a longer partition, but work submitted on the other
 * side waits longer here while it is cut off (or down). 0: claim everything at once.
 */
export const PARTITION_GRACE_MS = 30_000

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
  /** NAT traversal: relaying for the colony's sites, reserving a relay slot, UPnP */
  readonly relay?: RelaySettings
  /** mean of the jittered repair timer (default 15 s) */
  readonly syncIntervalMs?: number
  /** delay per claim rank (default 40 ms) */
  readonly rankStepMs?: number
  /**
   * during a partition, how long this site leaves the other side's waiting processes to it
   * (default PARTITION_GRACE_MS; 0: off): see ClaimSettling.claimableAt
   */
  readonly partitionGraceMs?: number
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

/** What a Federation works with; the host is made by `Federation.start` or given (tests). */
export interface FederationComponents {
  readonly host: P2PHost
  readonly ledger: Ledger
  readonly nodeId: string
  /**
   * Whether something under way here (a request being handled) is likely to write a batch
   * of ours within ACK_DELAY_MS, which would carry owed acknowledgements; if not, they go at
   * once. Omitted: always wait ACK_DELAY_MS.
   */
  readonly busy?: () => boolean
  readonly log?: (line: string) => void
  /** the time and timers (default: the system's) */
  readonly clock?: Clock
  /** jitter for the repair timer (default Math.random) */
  readonly random?: () => number
}

/** The settings the federation's parts read (the rest of P2POptions configures the host). */
export type FederationSettings = Pick<P2POptions, 'bootstrap' | 'syncIntervalMs' | 'rankStepMs' | 'partitionGraceMs' | 'closeHoldMs'>

export interface FederationOptions extends P2POptions, Omit<FederationComponents, 'host'> {
  readonly nodeKey: string
}

/** The colonies of the ledger, as the federation's parts read them. */
export interface ColonyView {
  colony: (name: string) => ColonyInfo | undefined
  colonies: () => ColonyInfo[]
  siteName: (colony: string, nodeid: string) => string
  removals: (nodeid: string) => SiteRemoval[]
}
