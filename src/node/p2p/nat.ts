/**
 * NAT traversal: how this site can be reached, and how it reaches each peer.
 *
 * A site behind NAT (an HPC login node, an edge cluster) can dial out but accepts no
 * inbound connection. It learns that it is behind NAT from what its peers see: identify
 * tells each peer the address our connection came from, and an address that is none of
 * ours means a NAT rewrote it. (libp2p's autonat confirms public listen addresses by asking
 * peers to dial back, but it needs four to eight peers in distinct networks to judge an
 * observed address, more than a colony of a few sites has; and js-libp2p ignores observed
 * TCP addresses altogether, js-libp2p#2620, since Node cannot dial from its listening port.)
 *
 * A site behind NAT, or one that listens on nothing, reserves a slot on a relay among its
 * peers (circuit relay v2: any site with a public address serves the sites of its colonies)
 * and announces the relayed address; other sites reach it through the relay, and DCUtR
 * upgrades such a connection to a direct one where one side is directly dialable. Which
 * path each connection took is what `colonies node ls` shows.
 */
import type { Libp2p } from 'libp2p'
import type { Connection, IdentifyResult } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { isPrivate } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Clock, Timer } from '../clock.js'

/** When a site reserves a relay slot: behind NAT or with nothing to listen on (auto), always, or never. */
export type RelayReserve = 'auto' | 'always' | 'never'

/** How a connected peer is reached. */
export type PeerPath =
  | { readonly how: 'direct' }
  /** a direct connection made while a relayed one was open (DCUtR's upgrade) */
  | { readonly how: 'upgraded', readonly via: string }
  | { readonly how: 'relayed', readonly via: string }

/** What `node status` shows of this site's reachability. */
export interface NatStatus {
  /**
   * public: the operator announced where to dial us, or a public address of ours is verified
   * (listened on, confirmed by autonat or UPnP); nat: peers see us at an address that is not ours, none of ours is
   * public; private: neither (a LAN, or loopback)
   */
  readonly reachability: 'public' | 'nat' | 'private'
  /** addresses peers saw our connections come from, that are not ours (at most 8) */
  readonly observed: string[]
  /** relays we hold a reservation on (peer ids) */
  readonly relays: string[]
  /** whether we ask relays for a slot: the --relay-reserve setting and what it decided */
  readonly reserving: boolean
}

const RESERVE_CHECK_MS = 2_000
const MAX_OBSERVED = 8

/** The relay peer of a circuit address: /…/p2p/<relay>/p2p-circuit/… */
export function relayOf (addr: Multiaddr): string | undefined {
  const parts = addr.getComponents()
  const circuit = parts.findIndex(p => p.name === 'p2p-circuit')
  if (circuit <= 0) return undefined
  const before = parts[circuit - 1]
  return before?.name === 'p2p' ? before.value : undefined
}

function ipOf (addr: Multiaddr): string | undefined {
  const first = addr.getComponents()[0]
  return first !== undefined && (first.name === 'ip4' || first.name === 'ip6') ? first.value : undefined
}

interface AddressManagerLike {
  getAddressesWithMetadata: () => Array<{ multiaddr: Multiaddr, verified: boolean, type: string }>
}
interface TransportManagerLike {
  listen: (addrs: Multiaddr[]) => Promise<void>
  getAddrs: () => Multiaddr[]
}

export interface NatComponents {
  readonly node: Libp2p<any>
  readonly reserve: RelayReserve
  readonly clock: Clock
  readonly signal: AbortSignal
  /** whether a relay would serve us now (a connected peer shares a colony with us) */
  readonly ready: () => boolean
  /** the operator gave the addresses to dial us at (--announce): we are reachable, never reserve */
  readonly announced: boolean
  readonly log?: (line: string) => void
}

export class NatTraversal {
  private readonly c: NatComponents
  private readonly observed = new Set<string>()
  /** peers whose direct connection opened while a relayed one was up: the relay it went through */
  private readonly upgraded = new Map<string, string>()
  private reserved = false
  private timer: Timer | undefined

  constructor (components: NatComponents) {
    this.c = components
    const { node } = components
    node.addEventListener('peer:identify', (evt: CustomEvent<IdentifyResult>) => {
      const seen = evt.detail.observedAddr
      // through a relay, a peer sees the relay's end of the circuit, not us
      if (seen === undefined || relayOf(evt.detail.connection.remoteAddr) !== undefined || seen.toString().includes('/p2p-circuit')) return
      if (this.c.announced) return // the operator said where we are reachable
      const ip = ipOf(seen)
      if (ip === undefined || this.ownIps().has(ip) || this.observed.size >= MAX_OBSERVED) return
      const s = seen.decapsulateCode(421).toString() // without /p2p/<us>
      if (!this.observed.has(s)) {
        this.observed.add(s)
        this.c.log?.(`a peer sees this site at ${s}, not at an address of its own: behind NAT`)
        this.maybeReserve()
      }
    })
    node.addEventListener('connection:open', (evt: CustomEvent<Connection>) => {
      const c = evt.detail
      if (relayOf(c.remoteAddr) !== undefined) return
      // a direct connection while a relayed one is still open (DCUtR closes it after)
      const relayed = this.open(c.remotePeer.toString()).find(o => relayOf(o.remoteAddr) !== undefined)
      if (relayed !== undefined) this.upgraded.set(c.remotePeer.toString(), relayOf(relayed.remoteAddr) as string)
    })
    node.addEventListener('peer:disconnect', (evt: CustomEvent) => {
      this.upgraded.delete(String(evt.detail))
    })
  }

  start (): void {
    this.maybeReserve()
    const tick = (): void => {
      if (this.c.signal.aborted || this.reserved) return
      this.maybeReserve()
      this.timer = this.c.clock.setTimeout(tick, RESERVE_CHECK_MS, { unref: true })
    }
    this.timer = this.c.clock.setTimeout(tick, RESERVE_CHECK_MS, { unref: true })
  }

  stop (): void {
    this.c.clock.clearTimeout(this.timer)
  }

  /** How `peer` is reached now (undefined: not connected). */
  pathTo (peer: string): PeerPath | undefined {
    const open = this.open(peer)
    if (open.length === 0) return undefined
    if (open.some(c => relayOf(c.remoteAddr) === undefined)) {
      const via = this.upgraded.get(peer)
      return via === undefined ? { how: 'direct' } : { how: 'upgraded', via }
    }
    return { how: 'relayed', via: relayOf(open[0]!.remoteAddr)! }
  }

  status (): NatStatus {
    const relays = new Set<string>()
    for (const a of this.c.node.getMultiaddrs()) {
      const r = relayOf(a)
      if (r !== undefined) relays.add(r)
    }
    return {
      reachability: this.hasPublicAddress() ? 'public' : this.observed.size > 0 ? 'nat' : 'private',
      observed: [...this.observed],
      relays: [...relays],
      reserving: this.reserved
    }
  }

  private open (peer: string): Connection[] {
    return this.c.node.getConnections(peerIdFromString(peer)).filter(c => c.status === 'open')
  }

  private get internals (): { addressManager?: AddressManagerLike, transportManager?: TransportManagerLike } {
    return (this.c.node as unknown as { components?: { addressManager?: AddressManagerLike, transportManager?: TransportManagerLike } }).components ?? {}
  }

  /** The IPs of our own listening sockets (wildcards expanded to the interfaces' addresses). */
  private ownIps (): Set<string> {
    const ips = new Set<string>()
    for (const a of this.internals.transportManager?.getAddrs() ?? []) {
      const ip = ipOf(a)
      if (ip !== undefined) ips.add(ip)
    }
    return ips
  }

  private hasPublicAddress (): boolean {
    if (this.c.announced) return true
    const meta = this.internals.addressManager?.getAddressesWithMetadata() ?? []
    return meta.some(m => m.verified && relayOf(m.multiaddr) === undefined && ipOf(m.multiaddr) !== undefined && isPrivate(m.multiaddr) !== true)
  }

  /** Behind NAT (and no public address), or listening on nothing: nobody can dial us but through a relay. */
  private wantsRelay (): boolean {
    if (this.c.reserve === 'never') return false
    if (this.c.reserve === 'always') return true
    if (this.hasPublicAddress()) return false
    return this.observed.size > 0 || this.ownIps().size === 0
  }

  private maybeReserve (): void {
    if (this.reserved || this.c.signal.aborted || !this.wantsRelay() || !this.c.ready()) return
    const tm = this.internals.transportManager
    if (tm === undefined) return
    this.reserved = true
    // one slot; when its relay goes away, the transport looks for another among the peers
    // that speak the relay protocol (the colony's other public sites)
    tm.listen([multiaddr('/p2p-circuit')]).then(
      () => { this.c.log?.('reserving a slot on a relay among the peers (circuit relay v2)') },
      (err: unknown) => {
        this.reserved = false
        this.c.log?.(`could not listen on a relay: ${(err as Error).message}`)
      }
    )
  }
}
