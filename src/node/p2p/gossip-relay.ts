/**
 * IHAVE gossip only for messages a peer may lack: those we heard from someone else.
 *
 * With flood publishing and no mesh (the sites' setting, see host-options.ts), every message reaches
 * each peer connected to its publisher directly; gossip (IHAVE, then IWANT) is how it reaches
 * a peer that is not. @libp2p/gossipsub (17.x) advertises, at every heartbeat, the ids of
 * *all* messages of its last `mcacheGossip` windows to every gossip peer: our own messages,
 * which each peer got from us a moment ago, and the peer's own, which it sent us. At a few
 * hundred messages a second that is thousands of ids per heartbeat that the receiver looks
 * up only to find it has them all (measured: ~5 % of a site's CPU in the claims bench).
 *
 * Here a peer is offered only the messages that reached us from another peer: what we relay.
 * Our own messages were flood-published to every subscriber we knew; one that missed a peer
 * (its subscription not yet known, a connection dropped) is repaired by the sync protocol,
 * which runs on every subscription change and new connection, and by the log head every
 * advert carries (2 s): a batch missing behind it is pulled. Peer selection (D_lazy,
 * gossipFactor) and the IHAVE length cap are gossipsub's.
 */
import type { GossipsubMessage } from '@libp2p/gossipsub'

interface CacheEntry { validated: boolean }
interface HistoryEntry { msgId: Uint8Array, msgIdStr: string, topic: string }

interface Internals {
  mcache: { gossip: number, history: HistoryEntry[][], msgs: Map<string, CacheEntry> }
  opts: { Dlazy: number, gossipFactor: number }
  emitGossip: (peersToGossipByTopic: Map<string, Set<string>>) => void
  pushGossip: (peer: string, ihave: Array<{ topicID: string, messageIDs: Uint8Array[] }>) => void
  addEventListener: (type: 'gossipsub:message', fn: (evt: CustomEvent<GossipsubMessage>) => void) => void
  __relayOnly?: boolean
}

/** gossipsub's GossipsubMaxIHaveLength: most ids in one IHAVE */
const MAX_IHAVE_LENGTH = 5000

function shuffled<T> (xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = xs[i] as T
    xs[i] = xs[j] as T
    xs[j] = t
  }
  return xs
}

/**
 * Replaces the gossipsub instance's emitGossip. Returns false (and changes nothing) where
 * the internals it relies on are not there, so a gossipsub upgrade that moves them falls
 * back to gossipsub's own behaviour rather than breaking gossip.
 */
export function installRelayOnlyGossip (pubsub: unknown): boolean {
  const ps = pubsub as Internals
  if (ps.__relayOnly === true) return true
  const mcache = ps.mcache
  if (mcache === undefined || !Array.isArray(mcache.history) || !(mcache.msgs instanceof Map) ||
    typeof ps.emitGossip !== 'function' || typeof ps.pushGossip !== 'function' || ps.opts === undefined) return false
  // who delivered each message, for as long as the cache holds its entry
  const deliveredBy = new WeakMap<CacheEntry, string>()
  ps.addEventListener('gossipsub:message', (evt) => {
    const entry = mcache.msgs.get(evt.detail.msgId)
    if (entry !== undefined) deliveredBy.set(entry, evt.detail.propagationSource.toString())
  })
  ps.emitGossip = function (this: Internals, peersToGossipByTopic: Map<string, Set<string>>): void {
    // relayed messages of the gossip windows, by topic: [id, who delivered it]
    const byTopic = new Map<string, Array<[Uint8Array, string]>>()
    for (let i = 0; i < mcache.gossip && i < mcache.history.length; i++) {
      for (const h of mcache.history[i] as HistoryEntry[]) {
        if (!peersToGossipByTopic.has(h.topic)) continue
        const entry = mcache.msgs.get(h.msgIdStr)
        if (entry === undefined || !entry.validated) continue
        const from = deliveredBy.get(entry)
        if (from === undefined) continue // ours: published to every subscriber
        let list = byTopic.get(h.topic)
        if (list === undefined) byTopic.set(h.topic, list = [])
        list.push([h.msgId, from])
      }
    }
    for (const [topic, candidates] of peersToGossipByTopic) {
      const relayed = byTopic.get(topic)
      if (relayed === undefined || candidates.size === 0) continue
      const target = Math.min(candidates.size, Math.max(this.opts.Dlazy, this.opts.gossipFactor * candidates.size))
      const peers = target >= candidates.size ? [...candidates] : shuffled([...candidates]).slice(0, target)
      for (const peer of peers) {
        let ids: Uint8Array[] = []
        for (const [id, from] of relayed) if (from !== peer) ids.push(id)
        if (ids.length === 0) continue
        if (ids.length > MAX_IHAVE_LENGTH) ids = shuffled(ids).slice(0, MAX_IHAVE_LENGTH)
        this.pushGossip(peer, [{ topicID: topic, messageIDs: ids }])
      }
    }
  }
  ps.__relayOnly = true
  return true
}
