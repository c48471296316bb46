/**
 * Reading stored batches back as the fold's entries, in ledger order across origins:
 * after an unclean stop (the batches after the last checkpoint) and for a rebuild (all of
 * them). Each origin's log is in clock order already (a node's clock only moves forward),
 * so the origins are merged by the record's order key, a chunk at a time: memory holds a
 * few batches per origin, whatever the size of the ledger.
 */
import { unlessDead } from '../protocol/bulk-fold.js'
import type { FoldEntry } from '../protocol/entry.js'
import type { Batch } from '../protocol/records.js'
import { recordId } from '../protocol/records.js'
import { entryFromRecord } from '../protocol/verify.js'
import { batchKey, END } from './keys.js'
import type { RecordRef, Store } from './sublevels.js'

/** The entries of a stored batch: authors were verified when it was stored, none is recovered again. */
export function batchEntries (batch: Batch, authors: readonly string[] | undefined, refs?: ReadonlyMap<string, RecordRef>): FoldEntry[] {
  return batch.records.map((rec, i) => {
    const id = recordId(rec)
    const author = rec.b.k !== 'env' ? undefined : (authors?.[i] ?? refs?.get(id)?.a)
    return entryFromRecord(rec, id, author === '' ? undefined : author, batch.seq)
  })
}

/** How many batches each origin's reader takes from the store at a time. */
const READ_AHEAD = 64

/** One origin's log from a sequence on, as entries, a few batches at a time. */
class OriginReader {
  private readonly queue: FoldEntry[] = []
  private at = 0
  private next: string
  private done = false

  constructor (private readonly store: Store, private readonly origin: string, fromSeq: number, private readonly refs?: ReadonlyMap<string, RecordRef>) {
    this.next = batchKey(origin, fromSeq)
  }

  /** The next entry, without taking it; undefined at the end of the log. */
  async peek (): Promise<FoldEntry | undefined> {
    if (this.at < this.queue.length) return this.queue[this.at]
    if (this.done) return undefined
    this.queue.length = 0
    this.at = 0
    const batches: Array<[string, Batch]> = await this.store.batches.iterator({ gte: this.next, lt: this.origin + END, limit: READ_AHEAD }).all()
    if (batches.length < READ_AHEAD) this.done = true
    if (batches.length === 0) return undefined
    const keys = batches.map(([k]) => k)
    const [authors, dead] = await Promise.all([this.store.authors.getMany(keys), this.store.dead.getMany(keys)])
    batches.forEach(([, b], i) => {
      // records a prune made dead are not read back: what was pruned stays pruned
      const gone = new Set(dead[i] ?? [])
      for (const e of batchEntries(b, authors[i], this.refs)) {
        const kept = unlessDead(e, gone)
        if (kept !== undefined) this.queue.push(kept)
      }
    })
    const [lastKey] = batches[batches.length - 1] as [string, Batch]
    this.next = lastKey + '\x00' // just after it
    return this.queue[this.at]
  }

  take (): void {
    this.at++
  }
}

/**
 * Every stored record of every origin after `after` (origin → sequence; all of an origin
 * not in it), in ledger order, in chunks of about `chunk` entries.
 */
export async function * recordsInOrder (store: Store, origins: readonly string[], after: ReadonlyMap<string, number>,
  chunk = 2000, refs?: ReadonlyMap<string, RecordRef>): AsyncGenerator<FoldEntry[]> {
  const readers = origins.map(o => new OriginReader(store, o, (after.get(o) ?? 0) + 1, refs))
  let out: FoldEntry[] = []
  for (;;) {
    let best: FoldEntry | undefined
    let from: OriginReader | undefined
    for (const r of readers) {
      const e = await r.peek()
      if (e !== undefined && (best === undefined || e.key < best.key)) {
        best = e
        from = r
      }
    }
    if (best === undefined || from === undefined) break
    from.take()
    out.push(best)
    if (out.length >= chunk) {
      yield out
      out = []
    }
  }
  if (out.length > 0) yield out
}
