/**
 * The fold of one generator's queue: its packs (clients' `packgeneratormsg` envelopes) and
 * its firings (nodes' `genfire` facts), in ledger order. A firing names the packs it
 * consumes; it is accepted when every one of them exists, carries the same arg, and is not
 * consumed by another firing earlier in the order. So every pack is consumed exactly once
 * in the ledger, however many sites fire concurrently or while partitioned: sites that see
 * the same packs write the same firing (the same workflow), and of two firings that share
 * a pack the first in ledger order wins and the other starts nothing.
 */
import type { FoldEntry } from './entry.js'
import { graphIdOfGenFire } from './records.js'
import { conflict, forbidden, invalid, notFound, type Refusal } from './refusal.js'
import type { Timeline } from './timeline.js'

export interface Pack {
  readonly id: string
  readonly key: string
  readonly arg: string
  /** HLC ms of the pack */
  readonly at: number
  /** the workflow that consumed it */
  consumedBy: string | undefined
}

export interface GenState {
  readonly generatorid: string
  /** packs in ledger order */
  readonly packs: Pack[]
  readonly byId: Map<string, Pack>
  /** accepted firing record id → the workflow it started */
  readonly accepted: Map<string, string>
  readonly refusals: Map<string, Refusal>
  /** HLC ms of the last accepted firing (0: none) */
  lastrun: number
  /** every pack before this index is consumed */
  cursor: number
}

export function newGenState (generatorid: string): GenState {
  return { generatorid, packs: [], byId: new Map(), accepted: new Map(), refusals: new Map(), lastrun: 0, cursor: 0 }
}

/** The generator a record belongs to, when it is a pack or a firing. */
export function generatorRef (e: FoldEntry): string | undefined {
  const b = e.rec.b
  if (b.k === 'genfire') return b.generatorid
  if (b.k === 'env' && e.msg?.msgtype === 'packgeneratormsg') return e.msg.generatorid
  return undefined
}

/** Applies one pack or firing in order; returns why when it is refused. */
export function applyGenEntry (s: GenState, e: FoldEntry, tl: Timeline): Refusal | undefined {
  if (e.invalid !== undefined) return invalid(e.invalid)
  const key = e.key
  const g = tl.generatorAt(s.generatorid, key)
  if (g === undefined) return notFound('the generator does not exist')
  if (!tl.isSiteOfAt(g.colonyname, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
  const b = e.rec.b
  if (b.k === 'env') {
    const m = e.msg
    if (m?.msgtype !== 'packgeneratormsg') return invalid('not a generator record')
    if (!tl.isMemberAt(g.colonyname, e.author, key)) return forbidden('only members of the colony may pack generators')
    const pack: Pack = { id: e.id, key, arg: m.arg, at: e.rec.t.w, consumedBy: undefined }
    s.packs.push(pack)
    s.byId.set(e.id, pack)
    return undefined
  }
  if (b.k !== 'genfire') return invalid('not a generator record')
  const graphid = graphIdOfGenFire(b)
  let first = Infinity
  let prevKey = ''
  for (const [i, id] of b.packs.entries()) {
    const p = s.byId.get(id)
    if (p === undefined) return notFound(`pack ${id} is not (yet) known before the firing`)
    if (p.key <= prevKey) return invalid('a firing lists its packs in pack order')
    prevKey = p.key
    if (p.arg !== b.args[i]) return invalid(`the firing's arg ${i} differs from pack ${id}`)
    if (p.consumedBy !== undefined && p.consumedBy !== graphid) return conflict(`pack ${id} was already consumed`)
    first = Math.min(first, p.at)
  }
  const n = b.packs.length
  if (n > g.trigger) return invalid(`a firing consumes at most trigger (${g.trigger}) packs`)
  if (n < g.trigger) {
    if (g.timeout <= 0) return invalid(`the generator fires only on ${g.trigger} packs (it has no timeout)`)
    if (e.rec.t.w < first + g.timeout * 1000) return conflict('the generator\'s timeout has not passed')
  }
  for (const id of b.packs) (s.byId.get(id) as Pack).consumedBy = graphid
  s.accepted.set(e.id, graphid)
  s.lastrun = Math.max(s.lastrun, e.rec.t.w)
  return undefined
}

/** Folds a generator's records from scratch (sorted by key). */
export function foldGen (generatorid: string, entries: readonly FoldEntry[], tl: Timeline): GenState {
  const s = newGenState(generatorid)
  for (const e of entries) {
    const reason = applyGenEntry(s, e, tl)
    if (reason !== undefined) s.refusals.set(e.id, reason)
  }
  return s
}

/** The packs not yet consumed, in pack order. */
export function unconsumed (s: GenState): Pack[] {
  while (s.cursor < s.packs.length && (s.packs[s.cursor] as Pack).consumedBy !== undefined) s.cursor++
  const out: Pack[] = []
  for (let i = s.cursor; i < s.packs.length; i++) if ((s.packs[i] as Pack).consumedBy === undefined) out.push(s.packs[i] as Pack)
  return out
}
