/**
 * A site that joined from a summary of what was pruned (DESIGN decision 12) checks it
 * against the other sites: the summary's generation (the last prune its site applied) has
 * a digest that every site applying the same prunes computes alike. Until another site
 * than the one it came from names the same digest for the same generation, the summary is
 * `unverified`; a different digest is a `conflict`, said loudly in the log and in /health
 * (the site that served it kept or dropped something the others did not: wipe this site's
 * data directory and join again through another site).
 */
import type { Generation } from '../../store/prune-summary.js'
import type { Clock, Timer } from '../clock.js'
import { logNameOfPeer, siteIdOfPeer } from '../p2p/peer-identity.js'
import { askGenerations, SYNC_PROTOCOL, type SyncStream } from '../p2p/sync-protocol.js'
import type { Membership } from './membership.js'

/** How often the other sites are asked until one agrees. */
const CHECK_EVERY_MS = 2000

export interface SummaryCheckComponents {
  readonly host: {
    connectedPeers: () => string[]
    open: (peer: string, protocol: string, signal?: AbortSignal) => Promise<SyncStream>
  }
  readonly membership: Pick<Membership, 'isCoSite'>
  readonly clock: Clock
  readonly log: (line: string) => void
}

export interface SummaryStatus {
  readonly state: 'unverified' | 'verified' | 'conflict' | 'behind'
  /** the site whose summary this site took */
  readonly from: string
  readonly generation: Generation
  /** the sites that named the same digest */
  readonly agreed: readonly string[]
  /** a site that named another digest, and its digest */
  readonly conflict?: { readonly site: string, readonly digest: string }
}

export class SummaryCheck {
  private readonly c: SummaryCheckComponents
  private current: SummaryStatus | undefined
  private timer: Timer | undefined
  private stopped = false

  constructor (components: SummaryCheckComponents) {
    this.c = components
  }

  status (): SummaryStatus | undefined {
    return this.current
  }

  /** A pull brought a summary from `peer`: taken (check it) or not (this site is behind). */
  taken (peer: string, s: { state: 'adopted' | 'behind', generation: Generation, node: string }): void {
    if (s.state === 'behind') {
      // joined from a summary already: another site's later prunes are ones this site
      // applies itself, and batches it still lacks come from a site that kept them
      if (this.current !== undefined && this.current.state !== 'behind') return
      if (this.current?.state !== 'behind') {
        this.c.log(`site ${logNameOfPeer(peer)} pruned records this site lacks: it was away past the colony's stable frontier. ` +
          'Stop it, empty its data directory (keep node.key) and start it again to join from a summary')
      }
      this.current = { state: 'behind', from: s.node, generation: s.generation, agreed: [] }
      return
    }
    this.current = { state: 'unverified', from: s.node, generation: s.generation, agreed: [s.node] }
    this.c.log(`joined from ${logNameOfPeer(peer)}'s summary of what was pruned (generation ${s.generation.id.slice(0, 12)}…): checking it with another site`)
    this.arm(0)
  }

  private arm (ms: number): void {
    if (this.stopped || this.timer !== undefined) return
    this.timer = this.c.clock.setTimeout(() => {
      this.timer = undefined
      void this.check().finally(() => { if (this.current?.state === 'unverified') this.arm(CHECK_EVERY_MS) })
    }, ms, { unref: true })
  }

  /** Asks every connected site but the summary's own for its generations; one agreement verifies. */
  private async check (): Promise<void> {
    const cur = this.current
    if (cur === undefined || cur.state !== 'unverified') return
    for (const peer of this.c.host.connectedPeers()) {
      const site = siteIdOfPeer(peer)
      if (site === undefined || site === cur.from || !this.c.membership.isCoSite(site)) continue
      let gens: Generation[]
      try {
        gens = await askGenerations(await this.c.host.open(peer, SYNC_PROTOCOL))
      } catch {
        continue
      }
      const same = gens.find(g => g.id === cur.generation.id)
      // not there yet (it applies prunes later) or forgotten (long after): ask again later
      if (same === undefined) continue
      if (same.digest === cur.generation.digest) {
        this.current = { ...cur, state: 'verified', agreed: [...cur.agreed, site] }
        this.c.log(`the summary this site joined from agrees with ${logNameOfPeer(peer)}'s`)
        return
      }
      this.current = { ...cur, state: 'conflict', conflict: { site, digest: same.digest } }
      this.c.log(`the summary this site joined from (${cur.from.slice(0, 12)}…) does not agree with ${logNameOfPeer(peer)}'s: ` +
        `generation ${cur.generation.id.slice(0, 12)}… digest ${cur.generation.digest.slice(0, 12)}… there, ${same.digest.slice(0, 12)}… here. ` +
        'Stop this site, empty its data directory (keep node.key) and join again through another site')
      return
    }
  }

  stop (): void {
    this.stopped = true
    this.c.clock.clearTimeout(this.timer)
    this.timer = undefined
  }
}
