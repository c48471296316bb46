/**
 * The per-origin log index (DESIGN decision 4): for each origin, which of its batch
 * sequences are held, the highest contiguous one (the version vector a sync exchanges),
 * how many records each held batch has (for "records behind"), and the clock of the last
 * record at the contiguous head: every record the origin wrote before that clock is held,
 * and every later one will be later (its clock only moves forward), which is what makes a
 * frontier stable (DESIGN decision 12). A batch deleted by a prune still counts as held.
 * Kept in memory, rebuilt from the batch sizes when the store opens.
 */
import type { Sublevel } from './sublevels.js'
import { compareHlc, type Hlc } from '../protocol/hlc.js'
import type { Batch } from '../protocol/records.js'
import { batchKey, END } from './keys.js'

const ZERO: Hlc = { w: 0, l: 0 }

interface Origin {
  /** highest sequence such that 1…top are all held */
  top: number
  /** held sequences above `top`, with their last record's clock */
  readonly gaps: Map<number, Hlc>
  /** the clock of the last record of batch `top` (or later: clocks only grow) */
  headClock: Hlc
  /** records in each held batch from `base` on (sizes[i] is batch base + i) */
  base: number
  sizes: number[]
}

export class OriginLog {
  private readonly origins = new Map<string, Origin>()
  /** records in all held batches (deleted ones no longer count) */
  private total = 0

  private get (origin: string): Origin {
    let o = this.origins.get(origin)
    if (o === undefined) this.origins.set(origin, o = { top: 0, gaps: new Map(), headClock: ZERO, base: 1, sizes: [] })
    return o
  }

  /** Notes a held batch: its record count and its last record's clock. */
  note (origin: string, seq: number, records: number, last: Hlc): void {
    const o = this.get(origin)
    if (seq >= o.base && o.sizes[seq - o.base] === undefined) {
      o.sizes[seq - o.base] = records
      this.total += records
    }
    if (seq <= o.top) return
    o.gaps.set(seq, last)
    while (o.gaps.has(o.top + 1)) {
      const t = o.gaps.get(o.top + 1) as Hlc
      o.gaps.delete(++o.top)
      if (compareHlc(t, o.headClock) > 0) o.headClock = t
    }
  }

  /** Everything up to `seq` is held (or was pruned), as a checkpoint says; `clock` its head's. */
  holdUpTo (origin: string, seq: number, clock: Hlc): void {
    const o = this.get(origin)
    if (seq > o.top) {
      o.top = seq
      for (const s of [...o.gaps.keys()]) if (s <= seq) o.gaps.delete(s)
    }
    if (compareHlc(clock, o.headClock) > 0) o.headClock = clock
    while (o.gaps.has(o.top + 1)) {
      const t = o.gaps.get(o.top + 1) as Hlc
      o.gaps.delete(++o.top)
      if (compareHlc(t, o.headClock) > 0) o.headClock = t
    }
  }

  /** A batch was deleted by a prune: its records no longer count, it stays held. */
  deleted (origin: string, seq: number): void {
    const o = this.origins.get(origin)
    if (o === undefined || seq < o.base) return
    this.total -= o.sizes[seq - o.base] ?? 0
    o.sizes[seq - o.base] = 0
    // forget the sizes of a deleted prefix: memory stays bounded by the batches held
    let drop = 0
    while (drop < o.sizes.length && o.sizes[drop] === 0 && o.base + drop <= o.top) drop++
    if (drop > 1024) {
      o.sizes = o.sizes.slice(drop)
      o.base += drop
    }
  }

  /** How many records the held batches hold. */
  get records (): number {
    return this.total
  }

  has (origin: string, seq: number): boolean {
    const o = this.origins.get(origin)
    return o !== undefined && (seq <= o.top || o.gaps.has(seq))
  }

  /** The highest contiguous sequence held from `origin` (0: none). */
  seqOf (origin: string): number {
    return this.origins.get(origin)?.top ?? 0
  }

  /** The clock of the last record at `origin`'s contiguous head (every earlier record of it is held). */
  headClock (origin: string): Hlc {
    return this.origins.get(origin)?.headClock ?? ZERO
  }

  /** How many records `origin`'s batches after `afterSeq`, up to `toSeq`, hold here (those not held count 0). */
  recordsBetween (origin: string, afterSeq: number, toSeq: number): number {
    const o = this.origins.get(origin)
    let n = 0
    if (o !== undefined) for (let seq = Math.max(o.base, afterSeq + 1); seq <= toSeq; seq++) n += o.sizes[seq - o.base] ?? 0
    return n
  }

  versionVector (): Map<string, number> {
    const out = new Map<string, number>()
    for (const [origin, o] of this.origins) if (o.top > 0) out.set(origin, o.top)
    return out
  }

  /** Every origin with a held batch, sorted. */
  originIds (): string[] {
    return [...this.origins.keys()].sort()
  }

  /**
   * What a peer with version vector `theirs` lacks of ours, origin by origin, in sequence
   * order, as stored (JSON text, never parsed here), one batch at a time from an iterator:
   * the first frame leaves at once and memory stays flat however much is missing. Batches
   * deleted by a prune are not there to send.
   */
  async * missingFor (batches: Sublevel<Batch>, theirs: ReadonlyMap<string, number>): AsyncGenerator<string> {
    for (const origin of this.originIds()) {
      const from = (theirs.get(origin) ?? 0) + 1
      yield * batches.values<string, string>({ gte: batchKey(origin, from), lt: origin + END, valueEncoding: 'utf8' })
    }
  }
}
