/**
 * The level store's sublevels, each with the type of its values, and the one way to
 * write several of them atomically (`writeOps`). Key layouts are in keys.ts.
 */
import type { AbstractBatchOperation, AbstractSublevel } from 'abstract-level'
import { Level } from 'level'
import type { Batch } from '../protocol/records.js'
import type { ColonyInfo, ExecutorInfo, FunctionInfo, LogEntry, ProcessInfo, UserInfo } from '../protocol/state.js'

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
  /** store bookkeeping (projection version, clean close) and node-local values */
  readonly meta: Sublevel<unknown>
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
    meta: sub('meta')
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
