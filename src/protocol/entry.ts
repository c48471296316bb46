/**
 * A ledger record as the fold sees it: verified once at ingest (signatures recovered,
 * message parsed), so the fold itself does no crypto and stays a pure function.
 */
import type { Message } from './messages.js'
import { type LedgerRecord, orderKey, recordId } from './records.js'

export interface FoldEntry {
  readonly id: string
  /** ledger order: (hlc, id) as sortable text */
  readonly key: string
  readonly rec: LedgerRecord
  /** who is speaking: the client who signed an envelope, or the origin node for node facts */
  readonly author: string
  /** the parsed client message (env records only) */
  readonly msg?: Message
  /** why an env record could not be read (bad signature, invalid message); the fold refuses it */
  readonly invalid?: string
}

export function makeEntry (rec: LedgerRecord, author: string, msg?: Message, invalid?: string, id = recordId(rec)): FoldEntry {
  const e: { id: string, key: string, rec: LedgerRecord, author: string, msg?: Message, invalid?: string } =
    { id, key: orderKey(rec.t, id), rec, author }
  if (msg !== undefined) e.msg = msg
  if (invalid !== undefined) e.invalid = invalid
  return e
}

export function compareEntries (a: FoldEntry, b: FoldEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}
