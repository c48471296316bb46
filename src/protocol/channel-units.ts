/**
 * Where the fold's units meet their channels (channel-fold.ts): a unit keeps its channel
 * records among its entries (so they page, checkpoint and prune with it) and its
 * processes' channels in `unit.chans`. These are the steps the fold core takes on them:
 * a re-fold feeds the channels through an observer, an in-order step tells them the new
 * rights, a channel record is one step when it comes last and a re-judge of that process's
 * channels otherwise. Each returns the entries accepted that were not before, for the node
 * to deliver.
 */
import {
  acceptedIds, applyChannel, type ChannelEntry, channelDigest, channelRefOf, hasChannels, initRights, isEntry, judgeChannel,
  newProcChannels, observe, placeChannel, type ProcChannels, recordsAfter, rejudge
} from './channel-fold.js'
import type { FoldEntry } from './entry.js'
import { insertSorted, type Unit } from './fold-units.js'
import { submittedSpec } from './bulk-fold.js'
import { createdProcessId, type StepObserver } from './process-fold.js'
import { notFound, type Refusal } from './refusal.js'
import type { ProcessInfo } from './state.js'
import type { Timeline } from './timeline.js'

function procOf (unit: Unit, pid: string): ProcessInfo | undefined {
  if (unit.proc !== undefined) return unit.proc.processid === pid ? unit.proc : undefined
  return unit.graph?.procs.get(pid)
}

function chansOf (unit: Unit, pid: string): ProcChannels {
  unit.chans ??= new Map()
  let pc = unit.chans.get(pid)
  if (pc === undefined) unit.chans.set(pid, pc = newProcChannels(pid))
  return pc
}

/** The processes that declare channels, among a workflow's nodes (remembered while the node count stays). */
const watchedCache = new WeakMap<ReadonlyMap<string, ProcessInfo>, { size: number, watched: ProcessInfo[] }>()

const NONE: readonly never[] = Object.freeze([])

function watched (procs: readonly ProcessInfo[] | ReadonlyMap<string, ProcessInfo>): readonly ProcessInfo[] {
  if (Array.isArray(procs)) return procs.length === 1 && !hasChannels(procs[0] as ProcessInfo) ? NONE : procs.filter(hasChannels)
  const map = procs as ReadonlyMap<string, ProcessInfo>
  let c = watchedCache.get(map)
  if (c === undefined || c.size !== map.size) watchedCache.set(map, c = { size: map.size, watched: [...map.values()].filter(hasChannels) })
  return c.watched
}

/**
 * Whether a standalone process unit's re-fold must feed channels: its process declares
 * some, or channel records name it (or did before).
 */
function mayHaveChannels (unit: Unit): boolean {
  if (unit.graphUnit || unit.chans !== undefined) return true
  for (const e of unit.entries) {
    if (channelRefOf(e) !== undefined) return true
    if (createdProcessId(e) === unit.id && (submittedSpec(e)?.channels.length ?? 0) > 0) return true
  }
  return false
}

/**
 * A fresh set of channels for the unit, filled by the re-fold the observer is given to;
 * none for a unit without channels (its fold runs as if there were no channels at all).
 */
export function channelObserver (unit: Unit): StepObserver | undefined {
  if (!mayHaveChannels(unit)) return undefined
  unit.chans = undefined
  return {
    aside: e => {
      const pid = channelRefOf(e)
      if (pid === undefined) return false
      chansOf(unit, pid).records.push(e)
      return true
    },
    step: (key, procs) => {
      for (const p of watched(procs)) observe(chansOf(unit, p.processid), p, key)
    }
  }
}

/** After a re-fold: every channel judged again (`old`: the channels before it, for what is new). */
export function settleChannels (unit: Unit, old: Map<string, ProcChannels> | undefined, tl: Timeline): ChannelEntry[] {
  const fresh: ChannelEntry[] = []
  for (const pc of unit.chans?.values() ?? []) {
    const p = procOf(unit, pc.processid)
    if (p !== undefined) initRights(pc, p)
    fresh.push(...rejudge(pc, tl, acceptedIds(old?.get(pc.processid))))
  }
  return fresh
}

/** A record or colony event at `key` was applied to the unit in order: its channels learn the rights from there. */
export function channelsAfterStep (unit: Unit, key: string, tl: Timeline): readonly ChannelEntry[] {
  // the common case, a process without channels, costs one look
  if (unit.proc !== undefined && !hasChannels(unit.proc)) return NONE
  const procs = unit.proc !== undefined ? [unit.proc] : unit.graph?.procs ?? NONE
  let fresh: ChannelEntry[] | undefined
  for (const p of watched(procs)) {
    const pc = chansOf(unit, p.processid)
    if (observe(pc, p, key) && recordsAfter(pc, key)) (fresh ??= []).push(...rejudge(pc, tl))
  }
  return fresh ?? NONE
}

/** A channel record of the unit's process `pid` (already among the unit's entries). */
export function takeChannelRecord (unit: Unit, pid: string, e: FoldEntry, tl: Timeline): ChannelEntry[] {
  const pc = chansOf(unit, pid)
  const p = procOf(unit, pid)
  if (p !== undefined) initRights(pc, p)
  if (!insertSorted(pc.records, e)) return placeChannel(pc, e, tl) ?? rejudge(pc, tl)
  const r = applyChannel(pc, e, tl)
  return isEntry(r) ? [r] : []
}

/** Whether the channel record would be accepted if it came now (nothing changes). */
export function previewChannel (unit: Unit | undefined, pid: string, e: FoldEntry, tl: Timeline): Refusal | undefined {
  const p = unit === undefined ? undefined : procOf(unit, pid)
  if (unit === undefined || p === undefined) return notFound('the process does not exist')
  let pc = unit.chans?.get(pid)
  if (pc === undefined) {
    pc = newProcChannels(pid)
    initRights(pc, p)
  }
  const r = judgeChannel(pc, e, tl)
  return isEntry(r) ? undefined : r
}

/** Whether only channel records follow `e` in the unit's entries (a process record after them is still in order). */
export function onlyChannelsAfter (entries: readonly FoldEntry[], e: FoldEntry): boolean {
  for (let i = entries.length - 1; i >= 0; i--) {
    const x = entries[i] as FoldEntry
    if (x === e) return true
    if (channelRefOf(x) === undefined) return false
  }
  return false
}

/** The refusals of the unit's channel records. */
export function * channelRefusals (unit: Unit): IterableIterator<[string, Refusal]> {
  for (const pc of unit.chans?.values() ?? []) yield * pc.refusals
}

/** What the unit's hash keeps of its channels (undefined when nothing was accepted: the hash is as without channels). */
export function channelsOfHash (unit: Unit): Array<[string, Array<[string, string[]]>]> | undefined {
  const out: Array<[string, Array<[string, string[]]>]> = []
  for (const pc of unit.chans?.values() ?? []) if (pc.logs.size > 0) out.push([pc.processid, channelDigest(pc)])
  return out.length === 0 ? undefined : out.sort((a, b) => a[0] < b[0] ? -1 : 1)
}
