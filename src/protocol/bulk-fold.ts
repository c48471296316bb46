/**
 * A bulk submit (`submitfuncspecsmsg`): one client envelope, one ledger record, N specs,
 * N processes that live exactly as N separate submits would.
 *
 * The record is split where it enters the fold: process i's unit holds a *part* of it, an
 * entry with the record's id and order key whose message carries spec i only (entry
 * `part`). So each process is its own standalone unit — assigned, closed, failed, retried,
 * cancelled, removed, evicted when settled, re-folded from its records and pruned on its
 * own — and a unit brought back from the store re-creates exactly its one process, without
 * the other N−1 specs stored N times over. The signed envelope itself stays whole in its
 * batch: every site verifies the author's one signature and splits it the same way.
 *
 * Process ids derive from the record id and the index by a hash, the same at every site.
 */
import { canonicalJson } from './canonical.js'
import { sha3Hex } from './crypto.js'
import type { FoldEntry } from './entry.js'
import type { FunctionSpec } from './spec.js'

/** Process `index` of the bulk submit recorded as `record`: the same at every site. */
export function bulkProcessId (record: string, index: number): string {
  return sha3Hex(canonicalJson({ kind: 'colonynet/bulk-submit/1', record, index }))
}

const idsOf = new WeakMap<FoldEntry, readonly string[]>()
const pidOfPart = new WeakMap<FoldEntry, string>()

/** A whole bulk submit record (as ingested, not one unit's part of it). */
export function isBulkRecord (e: FoldEntry): boolean {
  return e.part === undefined && e.rec.b.k === 'env' && e.msg?.msgtype === 'submitfuncspecsmsg'
}

/** The processes a whole bulk submit record creates, in spec order (hashed once per entry). */
export function bulkProcessIds (e: FoldEntry): readonly string[] {
  let ids = idsOf.get(e)
  if (ids === undefined) {
    const n = e.msg?.msgtype === 'submitfuncspecsmsg' ? e.msg.specs.length : 0
    ids = Array.from({ length: n }, (_, i) => bulkProcessId(e.id, i))
    idsOf.set(e, ids)
  }
  return ids
}

/**
 * The processes a whole bulk submit record creates, by spec index, without those a prune
 * dropped (read back from a batch's dead list, see unlessDead).
 */
export function keptBulkProcessIds (e: FoldEntry): Array<[number, string]> {
  return bulkProcessIds(e).flatMap((pid, i) => e.pruned?.includes(i) === true ? [] : [[i, pid] as [number, string]])
}

/** The process a part creates (undefined for any other entry). */
export function partProcessId (e: FoldEntry): string | undefined {
  if (e.part === undefined) return undefined
  let pid = pidOfPart.get(e)
  if (pid === undefined) pidOfPart.set(e, pid = bulkProcessId(e.id, e.part.i))
  return pid
}

/** Process i's part of a whole bulk record: the record's id, key and clock, spec i only. */
export function bulkPart (e: FoldEntry, i: number): FoldEntry {
  if (e.msg?.msgtype !== 'submitfuncspecsmsg') throw new Error('not a bulk submit')
  const n = e.msg.specs.length
  const part: FoldEntry = {
    ...e,
    msg: { msgtype: 'submitfuncspecsmsg', specs: [e.msg.specs[i] as FunctionSpec] },
    part: { i, n }
  }
  const ids = idsOf.get(e)
  if (ids !== undefined) pidOfPart.set(part, ids[i] as string)
  return part
}

/** The ids of every process of the bulk a part belongs to (its siblings and itself). */
export function siblingIds (e: FoldEntry): string[] {
  if (e.part === undefined) return []
  return Array.from({ length: e.part.n }, (_, i) => bulkProcessId(e.id, i))
}

/** The spec a creating entry submits: a submitfuncspecmsg's, or a bulk part's one spec. */
export function submittedSpec (e: FoldEntry): FunctionSpec | undefined {
  const m = e.msg
  if (m?.msgtype === 'submitfuncspecmsg') return m.spec
  if (m?.msgtype === 'submitfuncspecsmsg' && e.part !== undefined) return m.specs[0]
  return undefined
}

/**
 * How the store marks one process of a bulk dead while the record lives on for the others
 * (pruner.ts): the record's order key, '/', the spec index. Order keys hold no '/'.
 */
export function partDeadKey (e: FoldEntry & { part: NonNullable<FoldEntry['part']> }): string {
  return `${e.key}/${e.part.i}`
}

/** Whether a key of a batch's dead list marks one process of a bulk, not a whole record. */
export function isPartDeadKey (key: string): boolean {
  return key.includes('/')
}

/**
 * A batch's dead list without the per-process marks of records dead whole: the list is
 * then the same at every site, however each chunked the prune (the prune summary's digest
 * compares them).
 */
export function withoutCoveredParts (keys: readonly string[]): string[] {
  const whole = new Set(keys.filter(k => !isPartDeadKey(k)))
  return keys.filter(k => !isPartDeadKey(k) || !whole.has(k.slice(0, k.lastIndexOf('/'))))
}

/**
 * An entry read back from a batch, given the batch's dead list: undefined when the record
 * is dead, a bulk record with the processes already pruned set aside, or the entry as is.
 */
export function unlessDead (e: FoldEntry, gone: ReadonlySet<string>): FoldEntry | undefined {
  if (gone.size === 0) return e
  if (gone.has(e.key) || gone.has(e.id)) return undefined
  if (!isBulkRecord(e)) return e
  const pruned = bulkProcessIds(e).flatMap((_, i) => gone.has(`${e.key}/${i}`) ? [i] : [])
  return pruned.length === 0 ? e : { ...e, pruned }
}
