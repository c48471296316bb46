/** The ledger's options, events and results, shared by its parts. */
import type { ChannelEntry } from '../protocol/channel-fold.js'
import type { Hlc } from '../protocol/hlc.js'
import type { Message } from '../protocol/messages.js'
import type { Batch, RecordBody } from '../protocol/records.js'
import type { Refusal } from '../protocol/refusal.js'

export interface LedgerOptions {
  readonly dir: string
  /** the node's secp256k1 private key: its identity as an origin of records */
  readonly nodeKey: string
  readonly now?: () => number
  /** records further ahead than this are held back until their time (default 60 s) */
  readonly maxSkewMs?: number
  /** worker threads for signature recovery of large ingests (default: cores − 1; 0 = none) */
  readonly verifyThreads?: number
  /** where pruned records are written out before they are deleted (none: they are not kept) */
  readonly archiveDir?: string
}

/**
 * A record for the local log; `author` is the verified signer of an envelope body and
 * `msg` its already-parsed message (so the envelope is not decoded twice).
 */
export interface LocalRecord {
  readonly body: RecordBody
  readonly author?: string
  readonly msg?: Message
  /**
   * A node fact that names this record, written right after it in the same batch (a
   * blueprint change's `reconcile` fact): its body from the record's id. Its id and clock
   * follow the record's in the result.
   */
  readonly next?: (id: string) => RecordBody
}

export interface AppendResult {
  readonly ids: string[]
  /** the records' clocks, in the same order */
  readonly clocks: Hlc[]
  readonly seq: number
  /** why the fold refused each record, read as it was folded (undefined: applied) */
  readonly refusals: Array<Refusal | undefined>
}

/** Emitted as 'change' after each durable write: which processes changed, and whether colony-level state did. */
export interface LedgerChange {
  readonly processes: readonly string[]
  readonly colonyLevel: boolean
  /** fold units changed (a standalone process's id, or its workflow's) */
  readonly units: readonly string[]
  /** colonies whose files or snapshots changed (the blob plane fetches what they name) */
  readonly files: readonly string[]
  /** channel entries accepted since the last change, in the order they were */
  readonly channels?: readonly ChannelEntry[]
}

/** How often the units in memory are saved, so that a restart after a crash replays little. */
export const CHECKPOINT_MS = 10_000




/** What a Ledger emits, and with what. */
export interface LedgerEvents {
  /** after each durable write that the fold took in */
  change: [LedgerChange]
  /** a batch this node wrote is durable: other sites may hear of it */
  batch: [Batch]
  /** a write failed; the ledger refuses further writes */
  error: [Error]
}

export interface IngestResult {
  /** batches stored now (not seen before) */
  readonly stored: number
  /** records handed to the fold now */
  readonly applied: number
  /** records held back because their clock is too far ahead */
  readonly held: number
}
