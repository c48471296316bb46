/**
 * The level store's sublevels, each with the type of its values, and the one way to
 * write several of them atomically (`writeOps`). Key layouts are in keys.ts.
 */
import type { AbstractBatchOperation, AbstractSublevel } from 'abstract-level'
import { Level } from 'level'
import type { FoldEntry } from '../protocol/entry.js'
import type { Batch } from '../protocol/records.js'
import type { ColonyInfo, ExecutorInfo, FunctionInfo, GraphInfo, LogEntry, ProcessInfo, UserInfo } from '../protocol/state.js'

export type Sublevel<V> = AbstractSublevel<Level<string, unknown>, string | Buffer | Uint8Array, string, V>

/** A settled process's view as stored (its logs live in `logs`). */
export type StoredProcess = Omit<ProcessInfo, 'logs'>

/** The colony-level state as stored, one element per colony. */
export interface ColonySnapshot {
  readonly colony: ColonyInfo
  readonly executors: readonly ExecutorInfo[]
  readonly users: readonly UserInfo[]
  readonly functions: readonly FunctionInfo[]
}

/** How data dirs written before `authors` existed kept a record's verified author: one entry per record. */
export interface RecordRef {
  /** origin */ readonly o: string
  /** batch sequence */ readonly s: number
  /** verified author */ readonly a: string
}

/** A held batch as the origin log needs it: its record count and its last record's clock. */
export interface BatchMeta {
  readonly n: number
  readonly t: { readonly w: number, readonly l: number }
}

/** What is in the store for one process's projections, to write only what changed. */
export interface Written {
  queue?: string
  state?: string
  /** its view is in `procs` (it is settled: SUCCESS, FAILED or CANCELLED, and not removed) */
  view: boolean
  logs: number
  lastLog: string
  /** attributes indexed in `attrs` */
  attrs?: number
  /** its `bysubmit` key */
  submit?: string
  /** its `removed` key, once removed */
  removed?: string
}

/**
 * A fold unit (a standalone process or a workflow) kept in the store: a settled one that
 * left memory (`settled`), or a live one as it was at the last checkpoint. Its records are
 * kept as the fold reads them, so bringing it back reads one value and verifies nothing.
 */
export interface StoredUnit {
  readonly graph: boolean
  readonly colony: string
  readonly lastKey: string
  /** its hash as evicted ('' for a live unit: its hash is not in the fold's outside hash) */
  readonly hash: string
  readonly settled: boolean
  readonly entries: readonly FoldEntry[]
  /** its processes' projections as written when it left */
  readonly written: Readonly<Record<string, Written>>
  /** the workflow as counted in the statistics and listed in `graphstate` (settled workflows) */
  readonly graphCounted?: GraphCounted
}

/** A workflow as counted: its colony, the state it is counted under, its `graphstate` key. */
export interface GraphCounted {
  readonly colony: string
  readonly state: number
  readonly key: string
}

/** Statistics kept as projections are written: processes and workflows per colony and state. */
export interface Counts {
  readonly processes: Record<string, number[]>
  readonly workflows: Record<string, number[]>
  /** per colony, per function (executor type + NUL + function name): successful runs' times */
  readonly functions?: Record<string, Record<string, FunctionStats>>
  /** per colony, per executor: the site of the claim that last handed it work, and when */
  readonly seen?: Record<string, Record<string, { site: string, at: number }>>
  /** processes that ran more than once (duplicates.ts): process id → its colony and extra executions */
  readonly dups?: Record<string, { colony: string, n: number }>
}

/** The wait and run times (seconds) of a function's successful processes. */
export interface FunctionStats {
  n: number
  waitSum: number
  execSum: number
  minWait: number
  maxWait: number
  minExec: number
  maxExec: number
}

/** Where the store's state was last saved whole: replay starts after it. */
export interface Checkpoint {
  /** origin → highest contiguous sequence folded into what the checkpoint saved */
  readonly vv: ReadonlyArray<readonly [string, number]>
  /** how many records the fold had folded, and the latest clock among them */
  readonly records: number
  readonly clock: { readonly w: number, readonly l: number }
  /** records naming what did not exist yet, and records held back until their time */
  readonly orphans: readonly FoldEntry[]
  readonly held: readonly FoldEntry[]
  /** colony-level records still to be folded into settled units (see Pager) */
  readonly sweeps?: ReadonlyArray<{ readonly colony: string, readonly key: string, readonly events: boolean, readonly upTo: string }>
  /** per origin, the clock at its contiguous head (its batches up to there may be pruned away) */
  readonly heads?: ReadonlyArray<readonly [string, { readonly w: number, readonly l: number }]>
  /** prune records not applied yet */
  readonly prunes?: readonly FoldEntry[]
}

export interface Sublevels {
  /** the truth: signed batches per origin (batchKey) */
  readonly batches: Sublevel<Batch>
  /** batch key → its records' verified authors ('' for a node fact, whose author is the origin) */
  readonly authors: Sublevel<string[]>
  /** record id → RecordRef: written by earlier versions, read on open, never written */
  readonly records: Sublevel<RecordRef>
  /** settled processes' views, by process id */
  readonly procs: Sublevel<StoredProcess>
  /** queueKey → process id: the waiting queue */
  readonly queue: Sublevel<string>
  /** stateKey → process id */
  readonly bystate: Sublevel<string>
  /** logKey → log entry */
  readonly logs: Sublevel<LogEntry>
  /** 'state' → the colony-level snapshot */
  readonly colony: Sublevel<ColonySnapshot[]>
  /** store bookkeeping (projection version, clean close, checkpoint, counts) and node-local values */
  readonly meta: Sublevel<unknown>
  /** batch key → how many records it holds and its last record's clock (read at open instead of the batches) */
  readonly sizes: Sublevel<BatchMeta>
  /** unit id → StoredUnit, for settled units away from memory */
  readonly units: Sublevel<StoredUnit>
  /** unit id → StoredUnit, for live units as of the last checkpoint (read back at open) */
  readonly liveunits: Sublevel<StoredUnit>
  /** colony, workflow state, submission time, graph id → graph id: workflows by state */
  readonly graphstate: Sublevel<string>
  /** a workflow node's process id → its workflow's unit id (for evicted workflows) */
  readonly nodeof: Sublevel<string>
  /** unitLastKey → '' for evicted units: the ones a colony-level record may reach */
  readonly unitlast: Sublevel<string>
  /** order key → colony-level, pack and generator-firing records as the fold reads them */
  readonly colonylog: Sublevel<FoldEntry>
  /** settled workflows' views, by graph id */
  readonly graphs: Sublevel<GraphInfo>
  /** attribute id → the process it belongs to */
  readonly attrs: Sublevel<string>
  /** submitKey → process id: processes of every state, by submission time */
  readonly bysubmit: Sublevel<string>
  /** removedKey → '': removed units by colony and removal time (their space goes with a prune) */
  readonly removed: Sublevel<string>
  /** batch key → the ids of its records that a prune made dead (the batch goes once all are) */
  readonly dead: Sublevel<string[]>
}

export interface Store extends Sublevels {
  readonly db: Level<string, unknown>
}

export function openStore (dir: string): Store {
  const db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
  const sub = <V>(name: string): Sublevel<V> => db.sublevel<string, V>(name, { valueEncoding: 'json' })
  return {
    db,
    batches: sub('batches'),
    authors: sub('authors'),
    records: sub('records'),
    procs: sub('procs'),
    queue: sub('queue'),
    bystate: sub('bystate'),
    logs: sub('logs'),
    colony: sub('colony'),
    meta: sub('meta'),
    sizes: sub('sizes'),
    units: sub('units'),
    liveunits: sub('liveunits'),
    graphstate: sub('graphstate'),
    nodeof: sub('nodeof'),
    unitlast: sub('unitlast'),
    colonylog: sub('colonylog'),
    graphs: sub('graphs'),
    attrs: sub('attrs'),
    bysubmit: sub('bysubmit'),
    removed: sub('removed'),
    dead: sub('dead')
  }
}

/** One write to one sublevel, typed by that sublevel's values. */
export type Op =
  | { readonly type: 'put', readonly sublevel: Sublevel<unknown>, readonly key: string, readonly value: unknown }
  | { readonly type: 'del', readonly sublevel: Sublevel<unknown>, readonly key: string }

export function put<V> (sublevel: Sublevel<V>, key: string, value: V): Op {
  return { type: 'put', sublevel: sublevel as Sublevel<unknown>, key, value }
}

export function del<V> (sublevel: Sublevel<V>, key: string): Op {
  return { type: 'del', sublevel: sublevel as Sublevel<unknown>, key }
}

/** Writes the operations atomically. */
export async function writeOps (db: Level<string, unknown>, ops: readonly Op[]): Promise<void> {
  if (ops.length === 0) return
  // Each op names its sublevel, whose value type put() checked; level takes them untyped.
  await db.batch(ops as unknown as Array<AbstractBatchOperation<Level<string, unknown>, string, unknown>>)
}
