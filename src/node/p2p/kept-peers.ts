/**
 * Connections kept open: the bootstrap peers, for good, and the peers given to `keepPeer`
 * (a federation's sites), each by one redial loop that dials it again, with capped
 * jittered backoff, whenever the connection drops. Also the partition switch for tests
 * and demos: a blocked peer is refused and not redialled until unblocked.
 */
import type { Libp2p } from 'libp2p'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Clock } from '../clock.js'
import { P2P_SETTINGS } from './host-options.js'
import { peerInMultiaddr } from './peer-identity.js'

export function peerOfMultiaddr (ma: Multiaddr): string {
  const peer = peerInMultiaddr(ma)
  if (peer === undefined) throw new TypeError(`bootstrap address needs a /p2p/<peerId> suffix: ${ma.toString()}`)
  return peer
}

/** Whether the node has an open connection to `peer`. */
export function isConnected (node: Pick<Libp2p, 'getConnections'>, peer: string): boolean {
  return node.getConnections(peerIdFromString(peer)).some(c => c.status === 'open')
}

export interface KeptPeersComponents {
  readonly node: Pick<Libp2p, 'dial' | 'getConnections' | 'hangUp'>
  /** our own peer id (never kept) */
  readonly peerId: string
  /** peers refused by the connection gater; shared with it */
  readonly blocked: Set<string>
  /** aborted when the host stops */
  readonly signal: AbortSignal
  readonly clock: Clock
  readonly random: () => number
}

export class KeptPeers {
  private readonly c: KeptPeersComponents
  /** per kept peer: wakes its redial loop; `onDisconnect` only while it sleeps connected */
  private readonly wakers = new Map<string, { wake: () => void, onDisconnect: boolean }>()
  /** the redial loops running (a dropped peer's loop ends and leaves) */
  private readonly redialers = new Set<Promise<void>>()
  /**
   * Peers kept connected, each by one redial loop that dials the addresses listed here (read
   * afresh on every dial): the bootstrap peers, for good, and peers given to `keep`.
   */
  private readonly kept = new Map<string, { addrs: Multiaddr[], bootstrap: boolean }>()

  constructor (components: KeptPeersComponents) {
    this.c = components
  }

  /** Keeps the bootstrap peers connected for good: one redial loop per peer, trying all of its addresses. */
  keepBootstrap (addrs: readonly string[]): void {
    const byPeer = new Map<string, Multiaddr[]>()
    for (const addr of addrs) {
      const ma = multiaddr(addr)
      const peer = peerOfMultiaddr(ma)
      if (peer !== this.c.peerId) byPeer.set(peer, [...(byPeer.get(peer) ?? []), ma])
    }
    for (const [peer, mas] of byPeer) {
      this.kept.set(peer, { addrs: mas, bootstrap: true })
      this.startRedialer(peer)
    }
  }

  /** See P2PHost.keepPeer. */
  keep (peer: string, addrs: readonly string[], replace: boolean): void {
    if (peer === this.c.peerId || this.c.signal.aborted) return
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

  /** Stops redialling a peer given to `keep` (an open connection stays until it drops). */
  drop (peer: string): void {
    if (this.kept.get(peer)?.bootstrap !== false) return
    this.kept.delete(peer)
    this.wakers.get(peer)?.wake()
  }

  peers (): string[] {
    return [...this.kept.keys()]
  }

  /** Refuses and drops every connection with these peers until unblocked. */
  async block (peers: string[]): Promise<void> {
    for (const p of peers) this.c.blocked.add(p)
    await Promise.all(peers.map(async p => {
      await this.c.node.hangUp(peerIdFromString(p)).catch(() => {})
    }))
  }

  unblock (peers: string[]): void {
    for (const p of peers) {
      this.c.blocked.delete(p)
      this.wakers.get(p)?.wake()
    }
  }

  /** `peer` disconnected: its loop, asleep while connected, dials again. */
  disconnected (peer: string): void {
    const waker = this.wakers.get(peer)
    if (waker?.onDisconnect === true) waker.wake()
  }

  /** Wakes every loop (the stop signal is aborted: they end) and waits for them. */
  async stop (): Promise<void> {
    for (const waker of this.wakers.values()) waker.wake()
    await Promise.allSettled([...this.redialers])
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
    const { signal, clock, node } = this.c
    const entry = this.kept.get(peer)
    let delay: number = P2P_SETTINGS.redialMinMs
    let connectedAt: number | undefined
    const backOff = async (): Promise<void> => {
      const wait = delay * (0.5 + this.c.random())
      delay = Math.min(delay * 2, P2P_SETTINGS.redialMaxMs)
      await this.sleep(peer, wait, false)
    }
    // ends when the peer is dropped (a new keep starts a new loop)
    while (!signal.aborted && entry !== undefined && this.kept.get(peer) === entry) {
      if (this.c.blocked.has(peer)) {
        connectedAt = undefined
        await this.sleep(peer, Infinity, false) // until unblock() or stop()
        continue
      }
      if (isConnected(node, peer)) {
        connectedAt ??= clock.now()
        await this.sleep(peer, Infinity, true) // until it disconnects
        continue
      }
      if (connectedAt !== undefined) {
        const lasted = clock.now() - connectedAt
        connectedAt = undefined
        if (lasted >= P2P_SETTINGS.stableMs) {
          delay = P2P_SETTINGS.redialMinMs
        } else {
          await backOff()
          continue
        }
      }
      try {
        await node.dial(entry.addrs, { signal })
        connectedAt = clock.now()
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
    if (this.c.signal.aborted) return
    const { clock } = this.c
    await new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : clock.setTimeout(wake, ms)
      const wakers = this.wakers
      const waker = { wake, onDisconnect }
      function wake (): void {
        clock.clearTimeout(timer)
        if (wakers.get(peer) === waker) wakers.delete(peer)
        resolve()
      }
      wakers.set(peer, waker)
    })
  }
}
