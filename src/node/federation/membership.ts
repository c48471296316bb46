/**
 * Which colonies this node is a site of, and so which gossip topics it is subscribed to and
 * which sites it shares a colony with (the only ones it gossips with and pulls from).
 */
import type { P2PHost } from '../p2p/host.js'
import { topicOf } from '../p2p/gossip.js'
import type { ColonyView } from './options.js'

export interface MembershipComponents {
  readonly ledger: { readonly fold: ColonyView }
  readonly nodeId: string
  readonly host: Pick<P2PHost, 'subscribe' | 'unsubscribe'>
}

export class Membership {
  private readonly c: MembershipComponents
  private readonly subscribed = new Set<string>()

  constructor (components: MembershipComponents) {
    this.c = components
  }

  /** Colonies this node is a site of (it gossips and claims only in those). */
  myColonies (): string[] {
    return this.c.ledger.fold.colonies().filter(c => c.sites.includes(this.c.nodeId)).map(c => c.name)
  }

  /** A site of some colony this node is also a site of. */
  isCoSite (site: string): boolean {
    return this.c.ledger.fold.colonies().some(c => c.sites.includes(this.c.nodeId) && c.sites.includes(site))
  }

  /** Whether we are subscribed to the colony's topic (and so may speak on it). */
  speaksIn (colony: string): boolean {
    return this.subscribed.has(topicOf(colony))
  }

  /** The topics we are subscribed to, in the order we subscribed. */
  topics (): ReadonlySet<string> {
    return this.subscribed
  }

  /** Subscribes to the topics of the colonies we are a site of now, and leaves the others. */
  update (): void {
    const want = new Set(this.myColonies().map(topicOf))
    for (const t of want) {
      if (!this.subscribed.has(t)) {
        this.c.host.subscribe(t)
        this.subscribed.add(t)
      }
    }
    for (const t of [...this.subscribed]) {
      if (!want.has(t)) {
        this.c.host.unsubscribe(t)
        this.subscribed.delete(t)
      }
    }
  }
}
