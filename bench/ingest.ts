/**
 * Ingest cost (issue 2): records/s through verify + fold + store, and the fold's cost as
 * the ledger grows. A "remote" site's log is prepared first (signed envelopes and
 * batches, not timed); a fresh ledger then ingests it in batches of 100 records.
 * Each process contributes three records: submit (user envelope), claim (node fact) and
 * close (executor envelope), so two signature recoveries per process plus one per batch.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { installCryptoBackend } from '../src/crypto/index.js'
import { generatePrivateKey } from '../src/protocol/crypto.js'
import type { FoldEntry } from '../src/protocol/entry.js'
import { LedgerFold } from '../src/protocol/fold.js'
import { type Batch, type LedgerRecord, signBatch } from '../src/protocol/records.js'
import { entryFromRecord } from '../src/protocol/verify.js'
import { Ledger } from '../src/store/ledger.js'
import { World, type WorldEntry } from '../test/helpers/world.js'

// signs and verifies here, without a node to pick the backend
installCryptoBackend()

const BATCH = 100

/** A site's log of `processes` complete processes (plus the colony set-up), as signed batches. */
export function makeLog (processes: number): { batches: Batch[], records: number, origin: string } {
  const w = new World('bench')
  const recs: LedgerRecord[] = []
  const add = (e: WorldEntry): void => { recs.push(e.record) }
  for (const e of w.setup()) add(e)
  for (let i = 0; i < processes; i++) {
    const s = w.submit()
    add(s)
    add(w.claim(s.id, 'e1'))
    add(w.close(s.id, 'e1', [i]))
  }
  const batches: Batch[] = []
  for (let i = 0; i < recs.length; i += BATCH) batches.push(signBatch(w.node.id, batches.length + 1, recs.slice(i, i + BATCH), w.node.prv))
  return { batches, records: recs.length, origin: w.node.id }
}

export interface IngestFigures {
  records: number
  seconds: number
  recordsPerSec: number
}

/** A fresh ledger ingests the whole log: signature checks, fold, level writes. */
export async function ingestLog (batches: Batch[], records: number): Promise<IngestFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-bench-'))
  try {
    const l = await Ledger.open({ dir, nodeKey: generatePrivateKey() })
    const start = performance.now()
    for (let i = 0; i < batches.length; i += 10) await l.ingest(batches.slice(i, i + 10))
    const seconds = (performance.now() - start) / 1000
    if (l.fold.size !== records) throw new Error(`ingested ${l.fold.size} of ${records} records`)
    await l.close()
    return { records, seconds, recordsPerSec: Math.round(records / seconds) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The fold alone (entries already verified), per record, at a given ledger size. */
export function foldCost (batches: Batch[]): { records: number, usPerRecord: number, lastTenPctUsPerRecord: number } {
  const entries: FoldEntry[][] = batches.map(b => b.records.map(r => entryFromRecord(r)))
  const f = new LedgerFold()
  const n = entries.length
  const start = performance.now()
  let tailStart = start
  for (let i = 0; i < n; i++) {
    if (i === Math.floor(n * 0.9)) tailStart = performance.now()
    f.add(entries[i] as FoldEntry[])
  }
  const end = performance.now()
  const tailRecords = entries.slice(Math.floor(n * 0.9)).reduce((a, b) => a + b.length, 0)
  return {
    records: f.size,
    usPerRecord: ((end - start) * 1000) / f.size,
    lastTenPctUsPerRecord: ((end - tailStart) * 1000) / tailRecords
  }
}

export async function benchIngest (sizes: number[] = [10_000, 100_000], log = console.log): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const size of sizes) {
    const processes = Math.ceil(size / 3)
    log(`  preparing a signed log of ${size} records…`)
    const { batches, records } = makeLog(processes)
    const ing = await ingestLog(batches, records)
    const fold = foldCost(batches)
    out[`ingest records/s @${size}`] = ing.recordsPerSec
    out[`ingest µs/record @${size}`] = Math.round((ing.seconds * 1e6) / records)
    out[`fold µs/record @${size}`] = Number(fold.usPerRecord.toFixed(2))
    out[`fold µs/record, last 10% @${size}`] = Number(fold.lastTenPctUsPerRecord.toFixed(2))
    log(`  ${size}: ingest ${ing.recordsPerSec} records/s, fold ${fold.usPerRecord.toFixed(2)} µs/record`)
  }
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number).filter(n => n > 0)
  console.table(await benchIngest(sizes.length > 0 ? sizes : undefined))
}


