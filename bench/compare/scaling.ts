/**
 * Per-process cost as the ledger grows: a node's data dir is filled beforehand with M
 * completed processes (another site's signed log, ingested through the ledger as a sync
 * would: every signature checked), then the node is started on it and runs the same
 * throughput workload. Figures: load time, resident memory when idle, memory and disk per
 * process in the ledger, and completed jobs/s, at each size.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import type { Children } from './children.js'
import { onNode, startNodeOn } from './colonynet.js'
import { peakRssMiB, rssMiB } from './proc-stats.js'
import { type Placement, throughputRun } from './workload.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

export interface ScalePoint {
  readonly processes: number
  readonly records: number
  /** ingest of the prepared log (verify + fold + store), records/s; 0 for the empty ledger */
  readonly ingestRecordsPerSec: number
  /** node start on the data dir until it serves (the ledger is read back into the fold) */
  readonly loadSeconds: number
  readonly idleRssMiB: number
  readonly peakRssMiB: number
  readonly diskMiB: number
  readonly jobsPerSec: number
}

/**
 * V8's default old-space limit (~4 GiB) is below what a million processes take; give the
 * preload and the node room, within the machine's memory.
 */
function heapArgs (processes: number): string[] {
  if (processes < 200_000) return []
  const mib = Math.min(Math.floor(totalmem() / 2 ** 20 * 0.7), Math.max(4096, Math.ceil(processes * 16 / 1024)))
  return [`--max-old-space-size=${mib}`]
}

/** Fills `dir` with `processes` completed processes of another site (bench/fixtures/preload-ledger.ts). */
async function preload (children: Children, dir: string, operator: string, processes: number, log: (line: string) => void): Promise<{ records: number, ingestSeconds: number }> {
  const p = children.fixture('ledger preload', join(fixtures, 'preload-ledger.ts'), { dir, operator, processes }, heapArgs(processes))
  p.on('filled', (e: { n: number }) => log(`    ${e.n.toLocaleString('en-US')} of ${processes.toLocaleString('en-US')} processes in the ledger …`))
  const done = await p.next<{ records: number, ingestSeconds: number }>('done')
  await p.stop()
  return done
}

async function diskMiB (dir: string): Promise<number> {
  let bytes = 0
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) bytes += (await stat(join(e.parentPath, e.name))).size
  }
  return bytes / 2 ** 20
}

const settle = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** One point: a node whose ledger holds `processes` processes, measured under the throughput workload. */
export async function scalePoint (children: Children, processes: number, place: Placement, run: { n: number, inflight: number, warmup: number }, log: (line: string) => void): Promise<ScalePoint> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-compare-scale-'))
  children.onClose(async () => await rm(dir, { recursive: true, force: true }))
  try {
    const operator = generatePrivateKey()
    let records = 0
    let ingestRecordsPerSec = 0
    if (processes > 0) {
      log(`  ${processes.toLocaleString('en-US')} processes: signing and ingesting the ledger …`)
      const p = await preload(children, dir, operator, processes, log)
      records = p.records
      ingestRecordsPerSec = p.records / p.ingestSeconds
    }
    const disk = processes > 0 ? await diskMiB(dir) : 0
    const node = await startNodeOn(children, dir, operator, heapArgs(processes))
    try {
      // let the load's garbage go before reading the resident set
      await settle(1000)
      const idle = rssMiB(node.pid) ?? NaN
      const sys = await onNode(children, node, operator, { k: place.k })
      log(`  ${processes.toLocaleString('en-US')} processes: ${run.n} jobs through the node …`)
      const t = await throughputRun(sys, place, run)
      return {
        processes,
        records,
        ingestRecordsPerSec,
        loadSeconds: node.startMs / 1000,
        idleRssMiB: idle,
        peakRssMiB: peakRssMiB(node.pid) ?? NaN,
        diskMiB: disk,
        jobsPerSec: t.jobsPerSec
      }
    } finally {
      await node.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
