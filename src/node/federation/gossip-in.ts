/**
 * What comes in by gossip: each message is judged (only sites of the colony speak on its
 * topic), then a site's advert goes to the parts that keep what it says, and batches are
 * stored, several at once, with the gaps they show repaired by a pull.
 */
import { compareHlc, type Hlc } from '../../protocol/hlc.js'
import type { Batch } from '../../protocol/records.js'
import type { Ledger } from '../../store/ledger.js'
import { batchesOf, colonyOfTopic, decodeGossip, type GossipFrame, type IdleFrame } from '../p2p/gossip.js'
import type { ValidationResult } from '../p2p/host.js'
import { siteIdOfPeer } from '../p2p/peer-identity.js'
import type { ClaimSettling } from './claim-settling.js'
import type { ColonyView } from './options.js'
import type { Presence } from './presence.js'
import type { Puller } from './puller.js'
import type { Sites } from './sites.js'

/**
 * Stores `batches` in one ingest; if that fails (a batch that does not verify), stores them
 * one by one, so one bad batch costs only itself. Returns the refused ones and why.
 */
export async function storeTogether (ledger: Pick<Ledger, 'ingest'>, batches: readonly Batch[]): Promise<Array<[Batch, Error]>> {
  try {
    await ledger.ingest(batches)
    return []
  } catch {
    const refused: Array<[Batch, Error]> = []
    for (const batch of batches) {
      try {
        await ledger.ingest([batch])
      } catch (err) {
        refused.push([batch, err as Error])
      }
    }
    return refused
  }
}

export interface GossipInComponents {
  readonly ledger: { readonly fold: Pick<ColonyView, 'colony'> } & Pick<Ledger, 'seqOf' | 'hasBatch' | 'ingest'>
  readonly nodeId: string
  readonly presence: Pick<Presence, 'heard' | 'connectSite'>
  readonly settling: Pick<ClaimSettling, 'noteWatermark' | 'wantAck'>
  readonly puller: Pick<Puller, 'repairIfMissing'>
  readonly sites: Pick<Sites, 'touch' | 'sampleClock' | 'setVector'>
  readonly log: (line: string) => void
}

export interface GossipInStats {
  /** gossip frames judged by the validator */
  readonly gossip: { readonly accepted: number, readonly rejected: number, readonly ignored: number }
  /** bytes received by gossip */
  readonly bytes: number
}

export class GossipIn {
  private readonly c: GossipInComponents
  /** frames the validator decoded, by message bytes, for the handler that follows it */
  private readonly judged = new WeakMap<Uint8Array, GossipFrame>()
  /** gossiped batches waiting for the ingest in flight to end */
  private queue: Array<{ batch: Batch, colony: string | undefined }> = []
  /** per origin: the highest sequence received by gossip in order (stored or on its way to the store) */
  private readonly gossipedSeq = new Map<string, number>()
  private ingestChain: Promise<unknown> = Promise.resolve()
  private readonly verdicts = { accepted: 0, rejected: 0, ignored: 0 }
  private bytes = 0

  constructor (components: GossipInComponents) {
    this.c = components
  }

  stats (): GossipInStats {
    return { gossip: { ...this.verdicts }, bytes: this.bytes }
  }

  /** Resolves when the gossiped batches received so far are stored. */
  async idle (): Promise<void> {
    await this.ingestChain
  }

  /** The host's validator: synchronous, before delivery and forwarding ('reject' scores the sender down). */
  validate (topic: string, data: Uint8Array, from: string): ValidationResult {
    const verdict = this.judge(topic, data, from)
    this.verdicts[verdict === 'accept' ? 'accepted' : verdict === 'reject' ? 'rejected' : 'ignored']++
    return verdict
  }

  private judge (topic: string, data: Uint8Array, from: string): ValidationResult {
    const colony = colonyOfTopic(topic)
    const c = colony === undefined ? undefined : this.c.ledger.fold.colony(colony)
    if (c === undefined || !c.sites.includes(this.c.nodeId)) return 'ignore'
    let f
    try {
      f = decodeGossip(data)
    } catch {
      // malformed: whoever sent it is faulty or hostile, and gossipsub scores it down
      return 'reject'
    }
    this.judged.set(data, f)
    // Only sites of the colony may speak on its topic. A sender or origin we do not know
    // as a site is dropped without a penalty: it may have been admitted where we have not
    // heard of it yet (one rejection would cut it from our mesh for a minute).
    const sender = siteIdOfPeer(from)
    if (sender === undefined || !c.sites.includes(sender)) return 'ignore'
    if (f.k === 'batch') return c.sites.includes(f.batch.origin) ? 'accept' : 'ignore'
    return f.colony === colony && c.sites.includes(f.site) ? 'accept' : 'ignore'
  }

  /** An accepted message (`from`: the peer that forwarded it to us). */
  onGossip (topic: string, data: Uint8Array, from: string): void {
    this.bytes += data.length
    const site = siteIdOfPeer(from)
    if (site !== undefined) this.c.sites.touch(site)
    // decoded once, by the validator, for an accepted message
    let f = this.judged.get(data)
    if (f === undefined) {
      try {
        f = decodeGossip(data)
      } catch {
        return
      }
    }
    // stamped by the advertiser, or by the batch's origin (whoever forwarded it)
    if (f.k === 'idle') this.c.sites.sampleClock(f.site, 'wall', f.t)
    else this.c.sites.sampleClock(f.batch.origin, 'hlc', f.batch.records[0]?.t.w)
    if (f.k === 'idle') this.onAdvert(f, from, site)
    else for (const batch of batchesOf(f)) this.onBatch(batch, topic, from)
  }

  private onAdvert (f: IdleFrame, from: string, sender: string | undefined): void {
    const { nodeId, presence, settling, sites, puller } = this.c
    presence.heard(f.colony, f.site, f.types)
    if (f.h !== undefined && f.seq !== undefined && f.site !== nodeId) settling.noteWatermark(f.site, f.h, f.seq)
    if (f.addrs !== undefined && f.site !== nodeId) presence.connectSite(f.site, f.addrs, sender === f.site)
    // adverts are not signed: only the site itself, not a relay, says what it holds
    if (f.vv !== undefined && f.site !== nodeId && sender === f.site) sites.setVector(f.site, new Map(f.vv))
    // its log goes further than ours: a batch was missed (the last one of a burst shows no gap)
    if (f.seq !== undefined && f.site !== nodeId) puller.repairIfMissing(from, f.site, f.seq)
  }

  private onBatch (batch: Batch, topic: string, from: string): void {
    // Batches of one origin arrive in order but are stored one after another: a gap is a
    // sequence beyond the last one stored or already on its way to the store. Only the
    // next sequence moves that mark: a forged batch far ahead (refused later, when its
    // signature is checked) must not hide the gaps after it.
    const known = Math.max(this.c.ledger.seqOf(batch.origin), this.gossipedSeq.get(batch.origin) ?? 0)
    if (batch.seq === known + 1) this.gossipedSeq.set(batch.origin, batch.seq)
    this.queue.push({ batch, colony: colonyOfTopic(topic) })
    if (this.queue.length === 1) {
      this.ingestChain = this.ingestChain.then(async () => await this.ingestQueued())
        .catch(err => this.c.log(`storing gossiped batches failed: ${(err as Error).message}`))
    }
    // a gap in that log: something was missed, repair from the peer that forwarded this
    if (batch.seq > known + 1) this.c.puller.repairIfMissing(from, batch.origin, batch.seq - 1)
  }

  /**
   * Stores the gossiped batches that arrived while the previous ones were being stored,
   * together: one verification pass and one disk write for all of them (storeTogether).
   */
  private async ingestQueued (): Promise<void> {
    const { ledger, nodeId, settling, log } = this.c
    const group = this.queue
    this.queue = []
    const refused = await storeTogether(ledger, group.map(g => g.batch))
    for (const [batch, err] of refused) log(`gossip batch from ${batch.origin.slice(0, 8)} refused: ${err.message}`)
    for (const { batch, colony } of group) {
      if (batch.origin === nodeId || !ledger.hasBatch(batch.origin, batch.seq)) continue
      // its own batch is an acknowledgement too: its later claims have later clocks
      let h = batch.records[0]?.t as Hlc
      let claimH: Hlc | undefined
      for (const r of batch.records) {
        if (compareHlc(r.t, h) > 0) h = r.t
        if (r.b.k === 'claim' && (claimH === undefined || compareHlc(r.t, claimH) > 0)) claimH = r.t
      }
      settling.noteWatermark(batch.origin, h, batch.seq)
      // another site claimed: tell it, soon, that we cannot hold an earlier claim it lacks
      // (our clock has passed the claim's: any batch of ours from now on says so too)
      if (colony !== undefined && claimH !== undefined) settling.wantAck(colony, claimH)
    }
  }
}
