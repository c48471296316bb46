/**
 * Liveness: a peer we have not heard from (gossip or pong) for P2P_SETTINGS.silentMs is
 * pinged, and its connections are aborted when no pong comes in time, so the redial loop
 * makes a fresh one instead of waiting on a link that went down (see P2P_SETTINGS).
 */
import type { Libp2p } from 'libp2p'
import type { Ping } from '@libp2p/ping'
import type { Clock, Timer } from '../clock.js'
import { P2P_SETTINGS } from './host-options.js'
import { isConnected } from './kept-peers.js'

export interface LivenessComponents {
  readonly node: Pick<Libp2p<{ ping: Ping }>, 'getPeers' | 'getConnections' | 'services'>
  /** aborted when the host stops */
  readonly signal: AbortSignal
  readonly clock: Clock
}

export class Liveness {
  private readonly c: LivenessComponents
  /** when each connected peer was last heard from (a gossip message or a pong) */
  private readonly lastHeard = new Map<string, number>()
  private timer: Timer | undefined
  private stopped = false
  private hangUps = 0

  constructor (components: LivenessComponents) {
    this.c = components
  }

  start (): void {
    this.stopped = false
    this.arm()
  }

  stop (): void {
    this.stopped = true
    this.c.clock.clearTimeout(this.timer)
  }

  /** Connections closed for silence. */
  get silentHangUps (): number {
    return this.hangUps
  }

  /** We heard from `peer` just now. */
  heard (peer: string): void {
    this.lastHeard.set(peer, this.c.clock.now())
  }

  /** `peer` disconnected. */
  forget (peer: string): void {
    this.lastHeard.delete(peer)
  }

  private arm (): void {
    if (this.stopped) return
    this.timer = this.c.clock.setTimeout(() => {
      void this.check()
      this.arm()
    }, P2P_SETTINGS.livenessCheckMs, { unref: true })
  }

  /** Pings every peer silent for `silentMs`; closes the connections of those that do not answer. */
  private async check (): Promise<void> {
    const { node, signal, clock } = this.c
    const now = clock.now()
    await Promise.all(node.getPeers().map(async id => {
      const peer = id.toString()
      if (now - (this.lastHeard.get(peer) ?? now) < P2P_SETTINGS.silentMs) return
      this.lastHeard.set(peer, now) // one ping at a time per peer
      try {
        await node.services.ping.ping(id, { signal: AbortSignal.any([AbortSignal.timeout(P2P_SETTINGS.pingTimeoutMs), signal]) })
        this.lastHeard.set(peer, clock.now())
      } catch {
        if (signal.aborted || !isConnected(node, peer)) return
        this.hangUps++
        // abort, not close: a graceful close would wait on the same dead link
        for (const c of node.getConnections(id)) c.abort(new Error(`no answer from ${peer} for ${P2P_SETTINGS.silentMs + P2P_SETTINGS.pingTimeoutMs} ms`))
      }
    }))
  }
}
