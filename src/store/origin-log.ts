/**
 * The per-origin log index (DESIGN decision 4): for each origin, which of its batch
 * sequences are stored, the highest contiguous one (the version vector a sync exchanges),
 * and how many records each stored batch holds (for "records behind"). Kept in memory,
 * rebuilt from the batch keys when the store opens.
 */
import type { Sublevel } from './sublevels.js'
import type { Batch } from '../protocol/records.js'
import { batchKey, END } from './keys.js'

export class OriginLog {
  /** per origin: highest sequence such that 1…seq are all stored */
  private readonly vv = new Map<string, number>()
  /** per origin: stored sequences above the contiguous prefix */
  private readonly gaps = new Map<string, Set<number>>()
  /** per origin: records in each stored batch, indexed by sequence */
  private readonly batchSizes = new Map<string, number[]>()
  /** records in all stored batches */
  private total = 0

  /** Notes a stored batch. */
  note (origin: string, seq: number, records: number): void {
    let sizes = this.batchSizes.get(origin)
    if (sizes === undefined) this.batchSizes.set(origin, sizes = [])
    if (sizes[seq] === undefined) this.total += records
    sizes[seq] = records
    let top = this.vv.get(origin) ?? 0
    if (seq <= top) return
    let gaps = this.gaps.get(origin)
    if (gaps === undefined) this.gaps.set(origin, gaps = new Set())
    gaps.add(seq)
    while (gaps.has(top + 1)) gaps.delete(++top)
    this.vv.set(origin, top)
    if (gaps.size === 0) this.gaps.delete(origin)
  }

  /** How many records the stored batches hold. */
  get records (): number {
    return this.total
  }

  has (origin: string, seq: number): boolean {
    return seq <= (this.vv.get(origin) ?? 0) || (this.gaps.get(origin)?.has(seq) ?? false)
  }

  /** The highest contiguous sequence stored from `origin` (0: none). */
  seqOf (origin: string): number {
    return this.vv.get(origin) ?? 0
  }

  /** How many records `origin`'s batches after `afterSeq`, up to `toSeq`, hold here (those not stored count 0). */
  recordsBetween (origin: string, afterSeq: number, toSeq: number): number {
    const sizes = this.batchSizes.get(origin)
    let n = 0
    if (sizes !== undefined) for (let seq = Math.max(1, afterSeq + 1); seq <= toSeq; seq++) n += sizes[seq] ?? 0
    return n
  }

  versionVector (): Map<string, number> {
    return new Map(this.vv)
  }

  /** Every origin with a stored batch, sorted. */
  origins (): string[] {
    return [...new Set([...this.vv.keys(), ...this.gaps.keys()])].sort()
  }

  /**
   * What a peer with version vector `theirs` lacks of ours, origin by origin, in sequence
   * order, as stored (JSON text, never parsed here), one batch at a time from an iterator:
   * the first frame leaves at once and memory stays flat however much is missing.
   */
  async * missingFor (batches: Sublevel<Batch>, theirs: ReadonlyMap<string, number>): AsyncGenerator<string> {
    for (const origin of this.origins()) {
      const from = (theirs.get(origin) ?? 0) + 1
      yield * batches.values<string, string>({ gte: batchKey(origin, from), lt: origin + END, valueEncoding: 'utf8' })
    }
  }
}
