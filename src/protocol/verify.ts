/**
 * From a ledger record to a fold entry: recover the envelope's signer (the only costly
 * step, done once per record) and parse the message. A record that cannot be read still
 * becomes an entry, marked invalid with the reason, so the fold refuses it visibly
 * instead of a node crashing or silently dropping part of a signed batch.
 */
import { makeEntry, type FoldEntry } from './entry.js'
import { openEnvelope, verifyEnvelope } from './envelope.js'
import { ColonyError } from './errors.js'
import { MUTATIONS, parseMessage } from './messages.js'
import { type LedgerRecord, recordId } from './records.js'

/**
 * `author` skips signature recovery when the signer is already known (a record this node
 * verified before, read back from its own store).
 */
export function entryFromRecord (rec: LedgerRecord, id = recordId(rec), author?: string, seq?: number): FoldEntry {
  const b = rec.b
  if (b.k !== 'env') return makeEntry(rec, rec.o, undefined, undefined, id, seq)
  let signer = author ?? ''
  try {
    if (author === undefined) signer = verifyEnvelope(b.env)
    const { json } = openEnvelope(b.env)
    if (!MUTATIONS.has(b.env.payloadtype)) return makeEntry(rec, signer, undefined, `${b.env.payloadtype} does not change state`, id, seq)
    return makeEntry(rec, signer, parseMessage(json), undefined, id, seq)
  } catch (err) {
    const why = err instanceof ColonyError ? err.message : 'unreadable envelope'
    return makeEntry(rec, signer, undefined, why, id, seq)
  }
}
