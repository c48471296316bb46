/**
 * Ledger records and signed batches (DESIGN decisions 3 and 4).
 *
 * A record is either a client's signed ColonyOS envelope carried verbatim (so no node can
 * forge a client's mutation) or a fact signed by the node that wrote it (its site
 * declaration, a claim, an expiry). Every record names its origin node and carries a
 * hybrid logical clock; its id is the SHA3-256 of its canonical JSON, so appending is
 * idempotent and ids agree everywhere. A node appends what it originates to its own log
 * as sequence-numbered batches and signs each batch once: one signature covers the node
 * facts of a batch, while client envelopes keep their own.
 */
import { canonicalJson } from './canonical.js'
import { recoverId, sha3Hex, sign } from './crypto.js'
import type { RpcEnvelope } from './envelope.js'
import { SignatureError, ValidationError } from './errors.js'
import { type Hlc, hlcKey, isHlc } from './hlc.js'

/** A client mutation, exactly as the client signed it. */
export interface EnvelopeBody {
  readonly k: 'env'
  readonly env: RpcEnvelope
  /**
   * The attempt the origin node had handed to the signing executor, when the signer acts
   * on a process it was assigned. Fences results: a close from a superseded attempt is
   * refused by the fold even if the same executor holds the newer attempt.
   */
  readonly att?: number
}

/** A node declares itself: the operator key (ColonyOS's server owner) that speaks for it. */
export interface SiteBody {
  readonly k: 'site'
  readonly operatorid: string
  readonly name: string
}

/** A node claims attempt `attempt` of a waiting process for one of its executors. */
export interface ClaimBody {
  readonly k: 'claim'
  readonly processid: string
  readonly attempt: number
  readonly executorid: string
}

/** Any node may record that a deadline passed; duplicates collapse in the fold. */
export interface ExpireBody {
  readonly k: 'expire'
  readonly processid: string
  readonly attempt: number
  readonly what: 'wait' | 'exec'
}

export type RecordBody = EnvelopeBody | SiteBody | ClaimBody | ExpireBody

export interface LedgerRecord {
  /** origin: the id of the node that wrote the record into its log */
  readonly o: string
  readonly t: Hlc
  readonly b: RecordBody
}

export interface Batch {
  readonly origin: string
  /** 1, 2, 3, … per origin, never reused */
  readonly seq: number
  readonly records: readonly LedgerRecord[]
  /** ColonyOS-style signature by the origin's key over batchSigningText */
  readonly sig: string
}

const HEX64 = /^[0-9a-f]{64}$/

export function recordId (rec: LedgerRecord): string {
  return sha3Hex(canonicalJson(rec))
}

/** Total order of the ledger: (hlc, record id). Text comparison of keys gives that order. */
export function orderKey (t: Hlc, id: string): string {
  return hlcKey(t) + '.' + id
}

export function batchSigningText (origin: string, seq: number, ids: readonly string[]): string {
  return canonicalJson({ kind: 'colonynet/batch/1', origin, seq, ids })
}

/** Signs a batch; `ids` may be passed when the caller already computed them. */
export function signBatch (origin: string, seq: number, records: readonly LedgerRecord[], prvkey: string, ids = records.map(recordId)): Batch {
  return { origin, seq, records, sig: sign(batchSigningText(origin, seq, ids), prvkey) }
}

/**
 * Structural check of a batch from outside (gossip or sync frame): every field typed,
 * every record's origin equal to the batch origin. Signatures are checked by verifyBatch.
 */
export function parseBatch (v: unknown): Batch {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError('batch', 'must be an object')
  const b = v as Record<string, unknown>
  if (typeof b.origin !== 'string' || !HEX64.test(b.origin)) throw new ValidationError('batch.origin', 'must be a 64-hex node id')
  if (!Number.isSafeInteger(b.seq) || (b.seq as number) < 1) throw new ValidationError('batch.seq', 'must be an integer ≥ 1')
  if (typeof b.sig !== 'string') throw new ValidationError('batch.sig', 'must be a signature string')
  if (!Array.isArray(b.records) || b.records.length === 0) throw new ValidationError('batch.records', 'must be a non-empty array')
  const records = b.records.map((r, i) => parseRecord(r, `batch.records[${i}]`))
  for (const [i, r] of records.entries()) {
    if (r.o !== b.origin) throw new ValidationError(`batch.records[${i}].o`, 'must equal the batch origin')
  }
  return { origin: b.origin, seq: b.seq as number, records, sig: b.sig }
}

function parseRecord (v: unknown, path: string): LedgerRecord {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError(path, 'must be an object')
  const r = v as Record<string, unknown>
  if (typeof r.o !== 'string' || !HEX64.test(r.o)) throw new ValidationError(`${path}.o`, 'must be a 64-hex node id')
  if (!isHlc(r.t)) throw new ValidationError(`${path}.t`, 'must be a clock {w, l} of non-negative integers')
  return { o: r.o, t: { w: r.t.w, l: r.t.l }, b: parseBody(r.b, `${path}.b`) }
}

function parseBody (v: unknown, path: string): RecordBody {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError(path, 'must be an object')
  const b = v as Record<string, unknown>
  switch (b.k) {
    case 'env': {
      const env = b.env as Record<string, unknown> | null
      if (env === null || typeof env !== 'object' || typeof env.signature !== 'string' ||
        typeof env.payloadtype !== 'string' || typeof env.payload !== 'string') {
        throw new ValidationError(`${path}.env`, 'must be an envelope {signature, payloadtype, payload}')
      }
      if (b.att !== undefined && (!Number.isSafeInteger(b.att) || (b.att as number) < 1)) {
        throw new ValidationError(`${path}.att`, 'must be an integer ≥ 1')
      }
      const out: EnvelopeBody = { k: 'env', env: { signature: env.signature, payloadtype: env.payloadtype, payload: env.payload } }
      return b.att === undefined ? out : { ...out, att: b.att as number }
    }
    case 'site':
      if (typeof b.operatorid !== 'string' || !HEX64.test(b.operatorid)) throw new ValidationError(`${path}.operatorid`, 'must be a 64-hex id')
      if (typeof b.name !== 'string' || b.name.length > 200) throw new ValidationError(`${path}.name`, 'must be a string of at most 200 characters')
      return { k: 'site', operatorid: b.operatorid, name: b.name }
    case 'claim':
      if (typeof b.processid !== 'string' || !HEX64.test(b.processid)) throw new ValidationError(`${path}.processid`, 'must be a 64-hex id')
      if (!Number.isSafeInteger(b.attempt) || (b.attempt as number) < 1) throw new ValidationError(`${path}.attempt`, 'must be an integer ≥ 1')
      if (typeof b.executorid !== 'string' || !HEX64.test(b.executorid)) throw new ValidationError(`${path}.executorid`, 'must be a 64-hex id')
      return { k: 'claim', processid: b.processid, attempt: b.attempt as number, executorid: b.executorid }
    case 'expire':
      if (typeof b.processid !== 'string' || !HEX64.test(b.processid)) throw new ValidationError(`${path}.processid`, 'must be a 64-hex id')
      if (!Number.isSafeInteger(b.attempt) || (b.attempt as number) < 1) throw new ValidationError(`${path}.attempt`, 'must be an integer ≥ 1')
      if (b.what !== 'wait' && b.what !== 'exec') throw new ValidationError(`${path}.what`, 'must be "wait" or "exec"')
      return { k: 'expire', processid: b.processid, attempt: b.attempt as number, what: b.what }
    default:
      throw new ValidationError(`${path}.k`, 'must be one of env, site, claim, expire')
  }
}

/**
 * Checks the batch signature: the signer recovered from `sig` must be the origin.
 * Throws SignatureError otherwise. Client envelopes inside are verified separately.
 */
export function verifyBatch (batch: Batch): string[] {
  const ids = batch.records.map(recordId)
  const signer = recoverId(batchSigningText(batch.origin, batch.seq, ids), batch.sig)
  if (signer !== batch.origin) throw new SignatureError('batch signature is not the origin\'s')
  return ids
}

/** A record held back because its clock lies too far ahead of ours (DESIGN decision 7). */
export function isFromFuture (rec: LedgerRecord, nowMs: number, maxSkewMs: number): boolean {
  return rec.t.w > nowMs + maxSkewMs
}
