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
  /** ranges above `top` deleted by prunes elsewhere (a joiner's summary): held all the same */
  readonly ranges: Array<[number, number]>
  /** the clock of the last record of batch `top` (or later: clocks only grow) */
  headClock: Hlc
  /** records in each held batch from `base` on (sizes[i] is batch base + i) */
  base: number
  sizes: number[]
  /** the wall time (ms) of each held batch's last record, from `base` on */
  walls: number[]
}

export class OriginLog {
  private readonly origins = new Map<string, Origin>()
  /** records in all held batches (deleted ones no longer count) */
  private total = 0

  private get (origin: string): Origin {
    let o = this.origins.get(origin)
    if (o === undefined) this.origins.set(origin, o = { top: 0, gaps: new Map(), ranges: [], headClock: ZERO, base: 1, sizes: [], walls: [] })
    return o
  }

  /** Notes a held batch: its record count and its last record's clock. */
  note (origin: string, seq: number, records: number, last: Hlc): void {
    const o = this.get(origin)
    if (seq >= o.base && o.sizes[seq - o.base] === undefined) {
      o.sizes[seq - o.base] = records
      o.walls[seq - o.base] = last.w
      this.total += records
    }
    if (seq <= o.top) return
    o.gaps.set(seq, last)
    this.absorb(o)
  }

  /** Everything up to `seq` is held (or was pruned), as a checkpoint says; `clock` its head's. */
  holdUpTo (origin: string, seq: number, clock: Hlc): void {
    const o = this.get(origin)
    if (seq > o.top) {
      o.top = seq
      for (const s of [...o.gaps.keys()]) if (s <= seq) o.gaps.delete(s)
    }
    if (compareHlc(clock, o.headClock) > 0) o.headClock = clock
    this.absorb(o)
  }

  /** Batches `from`…`to` were deleted by prunes elsewhere (a joiner's summary): they count as held. */
  holdRange (origin: string, from: number, to: number): void {
    const o = this.get(origin)
    if (from <= o.top + 1) {
      if (to > o.top) o.top = to
    } else {
      o.ranges.push([from, to])
    }
    this.absorb(o)
  }

  /** The origin's head clock is at least `clock` (a joiner's summary says so). */
  raiseHead (origin: string, clock: Hlc): void {
    const o = this.get(origin)
    if (compareHlc(clock, o.headClock) > 0) o.headClock = clock
  }

  /** Moves the contiguous top over held batches and held ranges that now follow it. */
  private absorb (o: Origin): void {
    for (;;) {
      const t = o.gaps.get(o.top + 1)
      if (t !== undefined) {
        o.gaps.delete(++o.top)
        if (compareHlc(t, o.headClock) > 0) o.headClock = t
        continue
      }
      const r = o.ranges.findIndex(([a]) => a <= o.top + 1)
      if (r < 0) return
      const [, b] = o.ranges[r] as [number, number]
      o.ranges.splice(r, 1)
      if (b > o.top) o.top = b
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
      o.walls = o.walls.slice(drop)
      o.base += drop
    }
  }

  /** How many records the held batches hold. */
  get records (): number {
    return this.total
  }

  has (origin: string, seq: number): boolean {
    const o = this.origins.get(origin)
    return o !== undefined && (seq <= o.top || o.gaps.has(seq) || o.ranges.some(([a, b]) => seq >= a && seq <= b))
  }

  /** The highest contiguous sequence held from `origin` (0: none). */
  seqOf (origin: string): number {
    return this.origins.get(origin)?.top ?? 0
  }

  /** The clock of the last record at `origin`'s contiguous head (every earlier record of it is held). */
  headClock (origin: string): Hlc {
    return this.origins.get(origin)?.headClock ?? ZERO
  }

  /**
   * A clock at or before the last record of `origin`'s batch `seq` (its wall time, for a
   * batch noted here; undefined for one this log no longer knows).
   */
  clockAt (origin: string, seq: number): Hlc | undefined {
    const o = this.origins.get(origin)
    if (o === undefined || seq < o.base) return undefined
    const w = o.walls[seq - o.base]
    return w === undefined ? undefined : { w, l: 0 }
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
