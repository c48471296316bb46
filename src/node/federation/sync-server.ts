/**
 * The other side of a pull: serves our log to the sites we share a colony with, refuses
 * anyone else, and pulls back from a peer whose pull showed batches we lack.
 */
import type { Ledger } from '../../store/ledger.js'
import type { P2PHost } from '../p2p/host.js'
import { siteIdOfPeer } from '../p2p/peer-identity.js'
import { type RemovalNotice, serve, SYNC_PROTOCOL } from '../p2p/sync-protocol.js'
import type { Membership } from './membership.js'
import type { Puller } from './puller.js'
import type { Sites } from './sites.js'

export interface SyncServerComponents {
  readonly host: Pick<P2PHost, 'handle'>
  readonly ledger: Ledger
  readonly membership: Pick<Membership, 'isCoSite'>
  readonly sites: Pick<Sites, 'touch' | 'setVector'>
  readonly puller: Pick<Puller, 'schedulePull'>
}

export interface SyncServerStats {
  /** pulls served to sites */
  readonly served: number
  /** pulls refused to strangers */
  readonly refused: number
}

export class SyncServer {
  private readonly c: SyncServerComponents
  private served = 0
  private refused = 0

  constructor (components: SyncServerComponents) {
    this.c = components
  }

  stats (): SyncServerStats {
    return { served: this.served, refused: this.refused }
  }

  /** Answers the sync protocol on the host from now on. */
  async start (): Promise<void> {
    await this.c.host.handle(SYNC_PROTOCOL, async (stream, peer) => {
      const { ledger, sites, puller } = this.c
      const site = siteIdOfPeer(peer)
      const allowed = site !== undefined && this.c.membership.isCoSite(site)
      let ahead = false
      if (!allowed) this.refused++
      const told = allowed || site === undefined ? undefined : await this.removalNotice(site).catch(() => undefined)
      try {
        let theirs: Map<string, number> | undefined
        // what the pull will carry at least (batches stored while it runs may go too)
        const held = ledger.versionVector()
        await serve(stream, ledger, allowed, vv => {
          theirs = vv
          sites.setVector(site as string, vv)
          sites.touch(site as string)
          this.served++
          ahead = this.holdsMore(vv)
        }, told)
        // served in full: besides what it had, it now holds all we held as the pull began
        if (theirs !== undefined) {
          const now = new Map(theirs)
          for (const [origin, seq] of held) if (seq > (now.get(origin) ?? 0)) now.set(origin, seq)
          sites.setVector(site as string, now)
        }
      } catch {
        stream.abort(new Error('sync failed'))
      }
      // A site whose vector shows batches we lack: pull them back. Only then: pulling back
      // unconditionally made two sites pull from each other in an endless loop.
      if (ahead) puller.schedulePull(peer, 0)
      // A stranger that asks may have just admitted us (we have not heard yet): ask it back
      // at once, if it is one we may pull from (a --bootstrap peer). A site pulls from a new
      // member as soon as it has stored its admission, so the ask is the admission's news;
      // one pull per peer at a time bounds how often a stranger makes us ask.
      if (!allowed) puller.schedulePull(peer, 0)
    })
  }

  /**
   * For a site removed from colonies we are a site of: the batches holding the removal
   * records (signed by their origins, the records by the colony's owner), so it learns it
   * was removed as its fold would have had it stayed connected, and says so; nothing else.
   */
  private async removalNotice (site: string): Promise<RemovalNotice | undefined> {
    const { ledger } = this.c
    const removals = ledger.fold.removals(site).filter(r => ledger.fold.colony(r.colony)?.sites.includes(ledger.nodeId) === true)
    if (removals.length === 0) return undefined
    const batches: string[] = []
    for (const r of removals) {
      if (r.seq === undefined) continue
      const [b] = await ledger.getBatches(r.origin, r.seq, 1)
      if (b !== undefined && b.seq === r.seq) batches.push(JSON.stringify(b))
    }
    const reason = removals.map(r => `removed from colony ${JSON.stringify(r.colony)} by ${r.by} at ${new Date(r.at).toISOString()}`).join('; ')
    return { batches, reason }
  }

  /** Whether a peer's version vector holds a batch this node lacks. */
  private holdsMore (theirs: ReadonlyMap<string, number>): boolean {
    for (const [origin, seq] of theirs) if (seq > this.c.ledger.seqOf(origin)) return true
    return false
  }
}
