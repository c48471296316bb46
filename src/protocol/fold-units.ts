/**
 * The fold's units and their helpers: where a record folds (route), what a unit holds,
 * what a settled unit hands out when it leaves memory, and how their hashes combine.
 */
import { blueprintColonyOf } from './blueprint-fold.js'
import { bulkProcessIds, partProcessId } from './bulk-fold.js'
import { channelRefOf, type ProcChannels } from './channel-fold.js'
import type { FoldEntry } from './entry.js'
import { fileColonyOf } from './file-fold.js'
import { createdGraphId, graphRef, type GraphState, processRefOf } from './graph-fold.js'
import { generatorRef, type GenState } from './gen-fold.js'
import { reconcileProcessId } from './records.js'
import { type GraphInfo, isFinal, type ProcessInfo } from './state.js'


export type Route =
  | { readonly kind: 'colony' }
  /** a prune record: the store applies it; the fold takes no part */
  | { readonly kind: 'prune' }
  | { readonly kind: 'create', readonly unit: string, readonly graph: boolean }
  /** a whole bulk submit: it creates these standalone units, one per spec (bulk-fold.ts) */
  | { readonly kind: 'bulk', readonly units: readonly string[] }
  | { readonly kind: 'process', readonly pid: string }
  | { readonly kind: 'graph', readonly gid: string }
  | { readonly kind: 'pack' }
  /** a file or snapshot record: the colony's files (file-fold.ts) */
  | { readonly kind: 'file' }
  /** a blueprint or blueprint definition record: its colony's book (blueprint-fold.ts) */
  | { readonly kind: 'blueprint', readonly colony: string }
  /** a channel append: kept with its process's unit, folded beside it (channel-fold.ts) */
  | { readonly kind: 'channel', readonly pid: string }

/** Where a record folds: the colony timeline, a process or workflow unit, a generator queue, files, a blueprint book, or a process's channels. */
export function route (e: FoldEntry): Route {
  const b = e.rec.b
  if (b.k === 'prune') return { kind: 'prune' }
  if (fileColonyOf(e) !== undefined) return { kind: 'file' }
  if (e.msg?.msgtype === 'submitfuncspecmsg' && b.k === 'env') return { kind: 'create', unit: e.id, graph: false }
  if (e.msg?.msgtype === 'submitfuncspecsmsg' && b.k === 'env') {
    return e.part === undefined ? { kind: 'bulk', units: bulkProcessIds(e) } : { kind: 'create', unit: partProcessId(e) as string, graph: false }
  }
  if (b.k === 'reconcile') return { kind: 'create', unit: reconcileProcessId(b.record), graph: false }
  const book = blueprintColonyOf(e)
  if (book !== undefined) return { kind: 'blueprint', colony: book }
  const created = createdGraphId(e)
  if (created !== undefined) return { kind: 'create', unit: created, graph: true }
  const gid = graphRef(e)
  if (gid !== undefined) return { kind: 'graph', gid }
  if (generatorRef(e) !== undefined) return { kind: 'pack' }
  const cpid = channelRefOf(e)
  if (cpid !== undefined) return { kind: 'channel', pid: cpid }
  const pid = processRefOf(e)
  if (pid !== undefined) return { kind: 'process', pid }
  return { kind: 'colony' }
}

/** A fold unit: one standalone process, or one workflow with all its nodes. */
export interface Unit {
  readonly id: string
  readonly graphUnit: boolean
  colony: string
  readonly entries: FoldEntry[]
  proc: ProcessInfo | undefined
  graph: GraphState | undefined
  /** the channels of its processes that declare some or are written to (by process id) */
  chans?: Map<string, ProcChannels>
}

/** One generator's queue of packs and firings. */
export interface GenUnit {
  readonly id: string
  readonly entries: FoldEntry[]
  state: GenState
}

/**
 * A settled unit as the fold hands it out when it leaves memory (DESIGN decision 11): its
 * records, to fold it again should a late record touch it, its processes' final views,
 * and its hash, which stays in the fold's state hash while the unit is away.
 */
export interface EvictedUnit {
  readonly id: string
  readonly graph: boolean
  readonly colony: string
  readonly entries: readonly FoldEntry[]
  /** order key of its last record */
  readonly lastKey: string
  /** its process (a standalone unit) or the workflow's nodes; none when its creation was refused */
  readonly processes: readonly ProcessInfo[]
  readonly workflow: GraphInfo | undefined
  readonly hash: string
}

/** A unit to bring back into memory: what `evict` gave out (its processes are folded again). */
export interface UnitRecords {
  readonly id: string
  readonly graph: boolean
  readonly entries: readonly FoldEntry[]
  readonly hash: string
}

/** What the fold needs in memory before it can take some records (see pagingNeeds). */
export interface PagingNeeds {
  /** units named by id (a workflow, a creating record) that are not in memory */
  readonly units: string[]
  /** processes named by id whose unit is not in memory (a standalone process's unit id is its own) */
  readonly processes: string[]
  /**
   * colony-level records: units away from memory of that colony ('*': every colony) whose
   * last record is after `key` must be folded again, and all of them when `events` (a
   * remove-all or a removed colony reaches into settled processes)
   */
  readonly colonies: ReadonlyArray<{ readonly colony: string, readonly key: string, readonly events: boolean }>
}

/** A cron's latest run, kept while its workflow is away from memory (the next firing's inputs). */
export interface CronRun {
  readonly processgraphid: string
  /** order key of the creating record */
  readonly key: string
  readonly submissiontime: number
  /** the scheduled time (0 for a run-now) */
  readonly at: number
  readonly final: boolean
  /** the leaf nodes' outputs, in node order */
  readonly leafOutputs: readonly unknown[]
}

export const ZERO_HASH = '0'.repeat(64)

/** XOR of two hex digests of equal length: the units' hashes combine in any order. */
export function xorHex (a: string, b: string): string {
  let out = ''
  for (let i = 0; i < a.length; i += 8) {
    out += ((parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0).toString(16).padStart(8, '0')
  }
  return out
}

/** Whether a unit can change only by a late record: nothing in it waits or runs. */
export function settled (u: Unit): boolean {
  if (u.graphUnit) return u.graph === undefined || u.graph.graph.removed || isFinal(u.graph.graph.state)
  return u.proc === undefined || u.proc.removed || isFinal(u.proc.state)
}

export const byKey = (a: { key: string }, b: { key: string }): number => a.key < b.key ? -1 : a.key > b.key ? 1 : 0

export { insertSorted } from './entry.js'

export function cronRunOf (g: GraphState): CronRun {
  const leafOutputs: unknown[] = []
  for (const id of g.graph.processids) {
    const p = g.procs.get(id)
    if (p !== undefined && p.children.length === 0) leafOutputs.push(...p.out)
  }
  return {
    processgraphid: g.graph.processgraphid,
    key: g.creator.key,
    submissiontime: g.graph.submissiontime,
    at: g.graph.source.kind === 'cron' ? g.graph.source.at : 0,
    final: isFinal(g.graph.state),
    leafOutputs
  }
}
