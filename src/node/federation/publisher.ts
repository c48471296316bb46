/**
 * What goes out: every batch this node writes is gossiped on every colony topic it speaks
 * on. A batch of nothing but closes may wait a moment for the next batch and travel in the
 * same gossip message (CLOSE_HOLD_MS).
 */
import { compareHlc, type Hlc } from '../../protocol/hlc.js'
import { CLOSES } from '../../protocol/messages.js'
import type { Batch } from '../../protocol/records.js'
import type { Clock, Timer } from '../clock.js'
import { encodeBatchFrame, MAX_MORE_BATCHES } from '../p2p/gossip.js'
import type { P2PHost } from '../p2p/host.js'

/**
 * A closing executor asks for its next process at once, and the claim that answers it is
 * this site's next batch: the close waits up to this long to go with it, one gossip
 * message instead of two (a third fewer messages in the 3-site bench; docs/PERFORMANCE.md).
 * Only closes wait: nothing waits on them but other sites' view of the result. An executor
 * that parks with nothing to claim, a heartbeat or presence advert and a full hold send
 * what waits at once; an acknowledgement advert leaves it waiting (see Presence.advertise).
 */
export const CLOSE_HOLD_MS = 8
/** the most a held close batch (encoded) may weigh; a larger one goes at once */
const HOLD_MAX_BYTES = 64 * 1024
/** the most one gossip message of held batches and the next one may weigh */
const FRAME_MAX_BYTES = 1024 * 1024

/** Whether every record of `batch` closes a process: nothing waits on those but other sites' view. */
function onlyCloses (batch: Batch): boolean {
  return batch.records.every(r => r.b.k === 'env' && CLOSES.has(r.b.env.payloadtype))
}

export interface PublisherComponents {
  readonly host: Pick<P2PHost, 'publish'>
  /** the topics to publish on (every colony this node is a site of) */
  readonly topics: () => Iterable<string>
  readonly clock: Clock
  readonly log: (line: string) => void
}

export interface PublisherStats {
  /** gossip messages of our batches sent (several batches may share one, see CLOSE_HOLD_MS) */
  readonly messages: number
}

export class Publisher {
  private readonly c: PublisherComponents
  private readonly closeHoldMs: number
  /** our close batches waiting for the next batch (encoded), in log order */
  private held: Array<{ batch: Batch, json: string }> = []
  private heldBytes = 0
  private holdTimer: Timer | undefined
  /** the latest clock in a batch of ours we published: it acknowledges every claim before it */
  private publishedH: Hlc = { w: 0, l: 0 }
  private messages = 0

  constructor (components: PublisherComponents, init: { closeHoldMs?: number } = {}) {
    this.c = components
    this.closeHoldMs = init.closeHoldMs ?? CLOSE_HOLD_MS
  }

  /** Sends a batch we just wrote to the other sites, or holds a close batch for the next one. */
  publish (batch: Batch): void {
    const json = JSON.stringify(batch)
    if (this.closeHoldMs > 0 && json.length <= HOLD_MAX_BYTES && onlyCloses(batch)) {
      this.held.push({ batch, json })
      this.heldBytes += json.length
      if (this.held.length > MAX_MORE_BATCHES || this.heldBytes > FRAME_MAX_BYTES - HOLD_MAX_BYTES) this.flush()
      else this.holdTimer ??= this.c.clock.setTimeout(() => { this.holdTimer = undefined; this.flush() }, this.closeHoldMs)
      return
    }
    if (this.heldBytes + json.length > FRAME_MAX_BYTES) this.flush()
    this.send([...this.takeHeld(), { batch, json }])
  }

  /** Sends the held close batches now (before an advert names their sequence, for one). */
  flush (): void {
    if (this.held.length > 0) this.send(this.takeHeld())
  }

  /** How many close batches wait for the next one. */
  get heldCount (): number {
    return this.held.length
  }

  /** The sequence of the first batch held back (every batch before it has been sent). */
  firstHeldSeq (): number | undefined {
    return this.held[0]?.batch.seq
  }

  /** The latest clock among the batches of ours sent so far. */
  publishedClock (): Hlc {
    return this.publishedH
  }

  stats (): PublisherStats {
    return { messages: this.messages }
  }

  /** Sends what is held: nothing we wrote stays behind. */
  stop (): void {
    this.flush()
  }

  /** The held close batches, in log order; nothing is held after. */
  private takeHeld (): Array<{ batch: Batch, json: string }> {
    this.heldBytes = 0
    if (this.holdTimer !== undefined) {
      this.c.clock.clearTimeout(this.holdTimer)
      this.holdTimer = undefined
    }
    return this.held.splice(0)
  }

  private send (batches: ReadonlyArray<{ batch: Batch, json: string }>): void {
    const data = encodeBatchFrame(batches.map(b => b.json))
    this.messages++
    for (const { batch } of batches) {
      for (const r of batch.records) if (compareHlc(r.t, this.publishedH) > 0) this.publishedH = r.t
    }
    for (const t of this.c.topics()) {
      this.c.host.publish(t, data).catch(err => { this.c.log(`publish failed: ${(err as Error).message}`) })
    }
  }
}
