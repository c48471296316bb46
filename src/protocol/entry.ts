/**
 * A ledger record as the fold sees it: verified once at ingest (signatures recovered,
 * message parsed), so the fold itself does no crypto and stays a pure function.
 */
import type { Hlc } from './hlc.js'
import type { Message } from './messages.js'
import { type EnvelopeBody, type LedgerRecord, orderKey, recordId, type RecordBody } from './records.js'

/**
 * A client envelope as the fold keeps it: its signature and payload were read once, at
 * ingest (the signer is the entry's `author`, the payload its `msg`), and stay in the store
 * only. The fold holds every entry for as long as the node runs, so they would otherwise be
 * kept twice, as text and parsed (a base64 payload alone is 4/3 of the message's JSON):
 * 10–18 % of the heap a completed process costs (bench/memory.ts).
 */
export interface FoldEnvelopeBody extends Omit<EnvelopeBody, 'env'> {
  readonly env: { readonly payloadtype: string }
}
export type FoldBody = Exclude<RecordBody, EnvelopeBody> | FoldEnvelopeBody

/** A ledger record as the fold keeps it (see FoldEnvelopeBody). */
export interface FoldRecord {
  readonly o: string
  readonly t: Hlc
  readonly b: FoldBody
}

/**
 * Built field by field: a body copied with object rest and spread cost 0.33 KiB more per
 * process in bench/memory.ts (4.61 against 4.28 KiB). A field added to EnvelopeBody must be
 * added here too.
 */
function foldRecord (rec: LedgerRecord): FoldRecord {
  const b = rec.b
  if (b.k !== 'env') return rec as FoldRecord
  const kept: { k: 'env', env: { payloadtype: string }, att?: number, in?: EnvelopeBody['in'] } = { k: 'env', env: { payloadtype: b.env.payloadtype } }
  if (b.att !== undefined) kept.att = b.att
  if (b.in !== undefined) kept.in = b.in
  return { o: rec.o, t: rec.t, b: kept }
}

export interface FoldEntry {
  readonly id: string
  /** ledger order: (hlc, id) as sortable text */
  readonly key: string
  readonly rec: FoldRecord
  /** who is speaking: the client who signed an envelope, or the origin node for node facts */
  readonly author: string
  /** the parsed client message (env records only) */
  readonly msg?: Message
  /** why an env record could not be read (bad signature, invalid message); the fold refuses it */
  readonly invalid?: string
  /** the sequence of the batch that holds it in its origin's log (where the store knows it) */
  readonly s?: number
  /**
   * A bulk submit's record as one of its processes' units holds it (bulk-fold.ts): that
   * process's spec index `i` of `n`; `msg` then carries that one spec.
   */
  readonly part?: { readonly i: number, readonly n: number }
  /** a whole bulk submit read back from the store: the spec indexes whose processes a prune dropped (not created again) */
  readonly pruned?: readonly number[]
}

export function makeEntry (rec: LedgerRecord, author: string, msg?: Message, invalid?: string, id = recordId(rec), seq?: number): FoldEntry {
  const e: { id: string, key: string, rec: FoldRecord, author: string, msg?: Message, invalid?: string, s?: number } =
    { id, key: orderKey(rec.t, id), rec: foldRecord(rec), author }
  if (msg !== undefined) e.msg = msg
  if (invalid !== undefined) e.invalid = invalid
  if (seq !== undefined) e.s = seq
  return e
}

export function compareEntries (a: FoldEntry, b: FoldEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/** Inserts in key order (ledger order for entries); true when it went at the end (the common, in-order case). */
export function insertSorted<T extends { readonly key: string }> (list: T[], x: T): boolean {
  const n = list.length
  if (n === 0 || (list[n - 1] as T).key < x.key) {
    list.push(x)
    return true
  }
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as T).key < x.key) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, x)
  return false
}
