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
import { toJsonValue } from './json.js'

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
  /**
   * Inputs the origin node supplies with a client's `runcronmsg`: the previous run's leaf
   * outputs, which become the roots' `in` of the workflow the run starts.
   */
  readonly in?: readonly unknown[]
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

/**
 * Any node may record that a deadline passed; duplicates collapse in the fold. `lease`:
 * the site holding a running attempt no longer hears its executor (the executor died or
 * restarted and forgot it), so the attempt goes back to the queue; only that site may say
 * so (it alone hears the executor, and a cut between sites must not take work away).
 */
export interface ExpireBody {
  readonly k: 'expire'
  readonly processid: string
  readonly attempt: number
  readonly what: ExpiryKind
}

export type ExpiryKind = 'wait' | 'exec' | 'lease'

/**
 * A cron fired at its scheduled time `at` (ms). Its identity is (cron, at): any site may
 * write it, and every copy names the same workflow (graphIdOfFire), so one run results.
 * `in` carries the previous run's leaf outputs for the new run's roots.
 */
export interface FireBody {
  readonly k: 'fire'
  readonly colonyname: string
  readonly cronid: string
  readonly at: number
  readonly in: readonly unknown[]
}

/**
 * A generator consumed `packs` (pack record ids, in pack order) into one workflow whose
 * roots get `args`. Sites that see the same packs write the same firing (same workflow
 * id); of two firings that share a pack, the first in ledger order wins.
 */
export interface GenFireBody {
  readonly k: 'genfire'
  readonly colonyname: string
  readonly generatorid: string
  readonly packs: readonly string[]
  readonly args: readonly string[]
}

/**
 * A node proposes to forget what a colony can no longer change (DESIGN decision 12).
 * Every record ordered before `below` is stable: the node held, in `vv`, every current
 * site's log up to a record of its clock at or past `below`, so no earlier record can
 * still appear. Applied at every site once it holds `vv` (in order of the prune records),
 * it drops the colony's settled processes and workflows that ended before `horizon` (ms:
 * ColonyOS's retention; 0 for none) and those removed before `below`: the same units
 * everywhere, decided by the records alone.
 */
export interface PruneBody {
  readonly k: 'prune'
  readonly colonyname: string
  readonly below: Hlc
  readonly horizon: number
  /** origin → highest contiguous sequence the writer held */
  readonly vv: ReadonlyArray<readonly [string, number]>
}

/**
 * The site that accepted a client's blueprint change (add, update, remove, reconcile) asks
 * for the reconcile process upstream's server submits for it. Written in the same batch,
 * right after the change (`record`, its record id); the process id derives from that id
 * (reconcileProcessId), so every site folds the same one process. It is the process's own
 * record, so retention may drop it with the process while the change itself stays.
 */
export interface ReconcileBody {
  readonly k: 'reconcile'
  readonly colonyname: string
  readonly record: string
}

export type RecordBody = EnvelopeBody | SiteBody | ClaimBody | ExpireBody | FireBody | GenFireBody | PruneBody | ReconcileBody

/** Origins one prune record may name in its version vector. */
export const MAX_PRUNE_ORIGINS = 1000

/** Most packs one generator firing may consume (a trigger above it fires in several workflows). */
export const MAX_PACKS_PER_FIRING = 10_000

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

/** The workflow a scheduled cron firing starts: the same for every site that writes it. */
export function graphIdOfFire (b: FireBody): string {
  return sha3Hex(canonicalJson({ kind: 'colonynet/cron-run/1', cronid: b.cronid, at: b.at }))
}

/** The workflow a generator firing starts: the same for every site that consumes the same packs. */
export function graphIdOfGenFire (b: GenFireBody): string {
  return sha3Hex(canonicalJson({ kind: 'colonynet/generator-run/1', generatorid: b.generatorid, packs: b.packs }))
}

/** The reconcile process a blueprint change (its record id) calls for: the same at every site. */
export function reconcileProcessId (record: string): string {
  return sha3Hex(canonicalJson({ kind: 'colonynet/blueprint-reconcile/1', record }))
}

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
      if (b.in !== undefined && !Array.isArray(b.in)) throw new ValidationError(`${path}.in`, 'must be an array')
      if (b.in !== undefined) toJsonValue(b.in, `${path}.in`)
      let out: EnvelopeBody = { k: 'env', env: { signature: env.signature, payloadtype: env.payloadtype, payload: env.payload } }
      if (b.att !== undefined) out = { ...out, att: b.att as number }
      if (b.in !== undefined) out = { ...out, in: b.in as unknown[] }
      return out
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
      if (b.what !== 'wait' && b.what !== 'exec' && b.what !== 'lease') throw new ValidationError(`${path}.what`, 'must be "wait", "exec" or "lease"')
      return { k: 'expire', processid: b.processid, attempt: b.attempt as number, what: b.what }
    case 'fire':
      if (typeof b.colonyname !== 'string' || b.colonyname === '') throw new ValidationError(`${path}.colonyname`, 'must be a colony name')
      if (typeof b.cronid !== 'string' || !HEX64.test(b.cronid)) throw new ValidationError(`${path}.cronid`, 'must be a 64-hex id')
      if (!Number.isSafeInteger(b.at) || (b.at as number) < 0 || (b.at as number) % 1000 !== 0) throw new ValidationError(`${path}.at`, 'must be a whole second in ms')
      if (!Array.isArray(b.in)) throw new ValidationError(`${path}.in`, 'must be an array')
      toJsonValue(b.in, `${path}.in`)
      return { k: 'fire', colonyname: b.colonyname, cronid: b.cronid, at: b.at as number, in: b.in as unknown[] }
    case 'genfire': {
      if (typeof b.colonyname !== 'string' || b.colonyname === '') throw new ValidationError(`${path}.colonyname`, 'must be a colony name')
      if (typeof b.generatorid !== 'string' || !HEX64.test(b.generatorid)) throw new ValidationError(`${path}.generatorid`, 'must be a 64-hex id')
      const packs = b.packs
      const args = b.args
      if (!Array.isArray(packs) || packs.length === 0 || packs.length > MAX_PACKS_PER_FIRING ||
        !packs.every(x => typeof x === 'string' && HEX64.test(x))) {
        throw new ValidationError(`${path}.packs`, `must be 1 to ${MAX_PACKS_PER_FIRING} 64-hex record ids`)
      }
      if (new Set(packs).size !== packs.length) throw new ValidationError(`${path}.packs`, 'must not repeat a pack')
      if (!Array.isArray(args) || args.length !== packs.length || !args.every(x => typeof x === 'string')) {
        throw new ValidationError(`${path}.args`, 'must be one string per pack')
      }
      return { k: 'genfire', colonyname: b.colonyname, generatorid: b.generatorid, packs: packs as string[], args: args as string[] }
    }
    case 'prune': {
      if (typeof b.colonyname !== 'string' || b.colonyname === '') throw new ValidationError(`${path}.colonyname`, 'must be a colony name')
      if (!isHlc(b.below)) throw new ValidationError(`${path}.below`, 'must be a clock {w, l} of non-negative integers')
      if (!Number.isSafeInteger(b.horizon) || (b.horizon as number) < 0 || (b.horizon as number) > b.below.w) {
        throw new ValidationError(`${path}.horizon`, 'must be a time in ms, not after the frontier')
      }
      const vv = b.vv
      if (!Array.isArray(vv) || vv.length > MAX_PRUNE_ORIGINS || !vv.every(x => Array.isArray(x) && x.length === 2 &&
        typeof x[0] === 'string' && HEX64.test(x[0]) && Number.isSafeInteger(x[1]) && (x[1] as number) >= 0)) {
        throw new ValidationError(`${path}.vv`, `must be at most ${MAX_PRUNE_ORIGINS} pairs [64-hex origin, sequence ≥ 0]`)
      }
      return { k: 'prune', colonyname: b.colonyname, below: { w: b.below.w, l: b.below.l }, horizon: b.horizon as number, vv: (vv as Array<[string, number]>).map(([o, s]) => [o, s] as const) }
    }
    case 'reconcile':
      if (typeof b.colonyname !== 'string' || b.colonyname === '') throw new ValidationError(`${path}.colonyname`, 'must be a colony name')
      if (typeof b.record !== 'string' || !HEX64.test(b.record)) throw new ValidationError(`${path}.record`, 'must be a 64-hex record id')
      return { k: 'reconcile', colonyname: b.colonyname, record: b.record }
    default:
      throw new ValidationError(`${path}.k`, 'must be one of env, site, claim, expire, fire, genfire, prune, reconcile')
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
export function isFromFuture (rec: { readonly t: Hlc }, nowMs: number, maxSkewMs: number): boolean {
  return rec.t.w > nowMs + maxSkewMs
}
