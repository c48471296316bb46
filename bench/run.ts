/**
 * `npm run bench`: every benchmark of this machine in one run. Ratios are taken within
 * this process (native vs fallback crypto; per-record cost at 10k vs 100k records), since
 * the machines are shared and absolute times are only context.
 * Writes bench/results/bench-<time>.json (generated, not committed).
 * Options: --quick (smaller sizes, for a smoke run; the longrun step is the same in both).
 * Exits 1 when the longrun step breaks one of its bounds (bench/longrun.ts), or the join step
 * took 10 s or more (bench/join.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchChannels } from './channels.js'
import { benchCrypto } from './crypto.js'
import { benchIngest } from './ingest.js'
import { benchJoin, joinTable } from './join.js'
import { benchLongrun } from './longrun.js'
import { benchMemory } from './memory.js'
import { benchFederation } from './federation.js'
import { benchNode } from './node.js'
import { benchWorkflow } from './workflow.js'

const quick = process.argv.includes('--quick')
const sizes = quick ? [3_000, 30_000] : [10_000, 100_000]

const results: Record<string, Record<string, number>> = {}
console.log(`colonynet bench on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${quick ? ' (quick)' : ''}`)

console.log('\n[1/8] signature recovery, native vs fallback')
results.crypto = await benchCrypto(quick ? 400 : 1200)

console.log('\n[2/8] ingest: verify + fold + store, fold cost as the ledger grows, heap per settled process')
results.ingest = await benchIngest(sizes)
// what memory still holds of a settled process (25,000 in quick runs too: small steps of
// the heap's growth show over fewer)
Object.assign(results.ingest, await benchMemory(25_000))
const small = results.ingest[`fold µs/record @${sizes[0]}`] ?? NaN
const large = results.ingest[`fold µs/record @${sizes[1]}`] ?? NaN
results.ingest[`fold cost ratio ${sizes[1]}/${sizes[0]}`] = Number((large / small).toFixed(2))

console.log('\n[3/8] one node over HTTP (node in its own process; ColonyOS on PostgreSQL: 64 cycles/s, 25 ms assign latency)')
results.node = await benchNode({ quick })

console.log('\n[4/8] three federated sites, each its own process, on loopback')
results.federation = await benchFederation({ quick })

console.log('\n[5/8] a fan-out/fan-in workflow on one node (target: under 2 ms per node beyond execution)')
results.workflow = await benchWorkflow({ quick })

// fewer than the longrun's own --quick (100,000 per phase) to keep this run to minutes;
// enough that the disk phase runs well past twice its retention policy
console.log('\n[6/8] a colony that runs for months: one node, heap capped at 256 MiB, 60,000 processes with retention off, then on (30 s); `npm run bench:longrun` for the full run')
const longrun = await benchLongrun(60_000)
results.longrun = longrun.figures

// fewer than the join's own --quick (100,000 processes, 5–9 minutes with its baseline) to
// keep this run to minutes; `npm run bench:join` for the full run
console.log('\n[7/8] a fresh site joins a colony that pruned 30,000 completed processes (retention 30 s), and the full sync of the same without retention; `npm run bench:join` for 1,000,000')
const joined = await benchJoin({ processes: 30_000, baseline: true })
const joinFigures: Record<string, number> = {}
for (const [k, runs] of Object.entries(joinTable(joined.figures))) {
  for (const [run, v] of Object.entries(runs)) if (typeof v === 'number') joinFigures[`${k} [${run}]`] = v
}
results.join = joinFigures

console.log('\n[8/8] channel latency across sites (append at A → subscriber at C) beside the claim latency, three sites on loopback')
results.channels = await benchChannels({ n: 100 })

console.log('')
for (const [group, figures] of Object.entries(results)) {
  console.log(group)
  console.table(figures)
}

const dir = join(dirname(fileURLToPath(import.meta.url)), 'results')
await mkdir(dir, { recursive: true })
const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
await writeFile(file, JSON.stringify({ date: new Date().toISOString(), cores: cpus().length, node: process.version, quick, results }, null, 2))
console.log(`results written to ${file}`)
for (const b of longrun.result.broken) console.log(`longrun BOUND BROKEN, ${b}`)
console.log(joined.line)
if (joined.broken) console.log('join BOUND BROKEN, the join took 10 s or more')
if (longrun.result.broken.length > 0 || joined.broken) process.exitCode = 1
