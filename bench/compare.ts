/**
 * `npm run bench:compare`: colonynet side by side with what users would pick instead, in
 * one run on this machine: BullMQ on one Redis (the central-queue baseline), colonynet on
 * one site, colonynet on three federated sites, all on loopback, the same workload:
 * - N no-op jobs (--n, default 20,000) submitted by one client process, 32 at a time, to
 *   K = 8 workers/executors (concurrency 1 each) spread over 2 worker processes;
 * - a latency run: one waiting worker, one job at a time, submitted → handler called.
 * Then the signature ceiling (native recoveries/s on one core ÷ recoveries per process)
 * and the per-process cost at 10k and 100k processes in the ledger (--scale 1m adds 1M).
 * Writes bench/results/compare-<time>.{json,svg} and compare-latest.{json,svg}.
 *
 * Options: --n N · --k K · --procs P (worker processes) · --inflight F · --samples S
 * (latency samples) · --warmup W · --only bullmq,one,one-fast,three,three-fast,scale ·
 * --scale 10k,100k | 1m |
 * none · --scale-n N (jobs per scaling point) · --profile (CPU profiles of every process
 * under bench/results/profiles-<time>/, summarized) · --redis HOST:PORT (an existing
 * Redis on loopback instead of starting one; the run's queue, compare-<pid>-<time>, is
 * left in it) · --out DIR.
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchCrypto } from './crypto.js'
import { installCryptoBackend } from '../src/crypto/index.js'
import { BULLMQ, bullmqSystem, type RedisAddress } from './compare/bullmq.js'
import { type Ceiling, ceiling } from './compare/ceiling.js'
import { chart } from './compare/chart.js'
import { countPerProcess } from './compare/count.js'
import { Children } from './compare/children.js'
import { ONE, ONE_FAST, oneSite, THREE, THREE_FAST, threeSites } from './compare/colonynet.js'
import { assertLoopback } from './compare/loopback.js'
import { formatSummary, isMainThreadProfile, type ProfileSummary, summarizeFile } from './compare/profile.js'
import { ensureRedis, startRedis } from './compare/redis.js'
import { type ScalePoint, scalePoint } from './compare/scaling.js'
import { type LatencyFigures, type Placement, type System, type ThroughputFigures, latencyRun, spread, throughputRun } from './compare/workload.js'

const here = dirname(fileURLToPath(import.meta.url))
// the backend the nodes pick (the counting nodes run in this process)
const cryptoBackend = installCryptoBackend()

const options = {
  n: { type: 'string', default: '20000' },
  k: { type: 'string', default: '8' },
  procs: { type: 'string', default: '2' },
  inflight: { type: 'string', default: '32' },
  samples: { type: 'string', default: '300' },
  warmup: { type: 'string' },
  only: { type: 'string', default: 'bullmq,one,one-fast,three,three-fast,scale' },
  scale: { type: 'string', default: '10k,100k' },
  'scale-n': { type: 'string', default: '4000' },
  profile: { type: 'boolean', default: false },
  redis: { type: 'string' },
  out: { type: 'string', default: join(here, 'results') }
} as const

/** A wrong option: say what, and how to call it, without a stack trace. */
function usage (err: unknown): never {
  console.error(`bench:compare: ${(err as Error).message}\noptions: ${Object.keys(options).map(k => `--${k}`).join(' ')} (see the head of bench/compare.ts)`)
  process.exit(2)
}

const opt = ((): ReturnType<typeof parseArgs<{ options: typeof options }>>['values'] => {
  try { return parseArgs({ options }).values } catch (err) { usage(err) }
})()

function count (s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim())
  if (m === null) usage(new Error(`${what}: expected a number like 20000, 10k or 1m, got ${JSON.stringify(s)}`))
  return Math.round(Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 }[(m[2] as string).toLowerCase()] as number))
}

const N = count(opt.n, '--n')
const place: Placement = { k: count(opt.k, '--k'), procs: count(opt.procs, '--procs') }
const inflight = count(opt.inflight, '--inflight')
const samples = count(opt.samples, '--samples')
const warmup = opt.warmup === undefined ? Math.min(500, Math.floor(N / 10)) : count(opt.warmup, '--warmup')
const only = new Set(opt.only.split(',').map(s => s.trim()))
const scaleSizes = opt.scale === 'none' ? [] : opt.scale === '1m' ? [10_000, 100_000, 1_000_000] : opt.scale.split(',').map(s => count(s, '--scale'))
const scaleN = count(opt['scale-n'], '--scale-n')
/** --redis HOST:PORT: checked before anything starts */
const givenRedis = ((): RedisAddress | undefined => {
  if (opt.redis === undefined) return undefined
  const [host = '', port = ''] = opt.redis.split(/:(?=\d+$)/)
  try { assertLoopback('--redis', host) } catch (err) { usage(err) }
  return { host, port: Number(port), stop: async () => {} }
})()
const startedAt = new Date()
const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
const profileDir = opt.profile ? join(opt.out, `profiles-${stamp}`) : undefined
const slug = (role: string): string => role.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
const nodeArgs = (role: string): string[] => profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, slug(role))}`]

const log = console.log
const children = new Children()
children.stopOnSignals()

interface SystemResult {
  readonly label: string
  readonly throughput: ThroughputFigures
  readonly latency: LatencyFigures
  /** jobs/s ÷ BullMQ's jobs/s in this run */
  ratioToBullmq?: number
  /** jobs/s ÷ the signature ceiling */
  ceilingFraction?: number
}

const fmt = (x: number | undefined, digits = 0): string => x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

async function measure (sys: System): Promise<SystemResult> {
  try {
    log(`  latency: one waiting worker, ${samples} jobs one at a time …`)
    const latency = await latencyRun(sys, { samples })
    log(`    p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms (the submission's own round trip: p50 ${latency.submitRttP50.toFixed(2)} ms)`)
    log(`  throughput: ${N.toLocaleString('en-US')} jobs (after ${warmup} unmeasured), ${inflight} submits in flight, ${place.k} workers over ${spread(place).length} processes …`)
    const throughput = await throughputRun(sys, place, { n: N, inflight, warmup })
    log(`    ${fmt(throughput.jobsPerSec)} jobs/s completed (client submitted ${fmt(throughput.submitsPerSec)}/s)`)
    return { label: sys.label, throughput, latency }
  } finally {
    await sys.stop()
  }
}

function table (rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  return rows.map((r, ri) => r.map((c, i) => i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)).join('  ') + (ri === 0 ? '\n' + widths.map(w => '-'.repeat(w)).join('  ') : '')).join('\n')
}

const results: SystemResult[] = []
let ceil: Ceiling | undefined
let crypto: Record<string, number> = {}
const scaling: ScalePoint[] = []
const profiles: Record<string, ProfileSummary> = {}
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? '',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadavgAtStart: loadavg().map(x => Number(x.toFixed(2)))
}

try {
  log(`colonynet vs. the alternatives, on ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}; load average at start ${machine.loadavgAtStart.join(' ')}`)
  log(`workload: ${N.toLocaleString('en-US')} no-op jobs; one client process, ${inflight} submits in flight; ${place.k} workers (concurrency 1 each) over ${spread(place).length} worker processes (worker i in process i mod ${spread(place).length}); the same placement for every system`)

  log(`\n[1] signature recovery on this machine (the ${cryptoBackend.name} backend, which the nodes use), for the ceiling`)
  crypto = await benchCrypto(1000)
  log('  counting the recoveries per process (nodes in this process, 400 processes on one site, then on three) …')
  const counted = await countPerProcess(children, 400, place.k, inflight)
  ceil = ceiling(crypto[`recover/s ${cryptoBackend.name}`] ?? NaN, machine.cores, counted)
  log(`  recoveries per process: one site ${counted.oneSite.toFixed(2)} counted (protocol: ${ceil.recoveriesPerProcess.oneSite}); three sites ${counted.threeSites.toFixed(2)} counted (protocol: ${ceil.recoveriesPerProcess.threeSites}, plus batch signatures)`)
  log(`  ceiling: one site ${fmt(ceil.oneSite)} processes/s (${fmt(ceil.recoverPerSecOneCore)} recoveries/s on the node's one thread ÷ ${ceil.recoveriesPerProcess.oneSite} per process); three sites ${fmt(ceil.threeSites)}/s (${Math.min(machine.cores, 3)} cores ÷ ${ceil.recoveriesPerProcess.threeSites} per process)`)

  if (only.has('bullmq')) {
    log('\n[2] BullMQ on one Redis')
    let redis: RedisAddress
    if (givenRedis !== undefined) {
      redis = givenRedis
      log(`  using the Redis at ${redis.host}:${redis.port} (not started here, not stopped)`)
    } else {
      const version = ensureRedis(log)
      const r = await startRedis(children, version)
      log(`  redis-server ${version} on 127.0.0.1:${r.port} (no persistence), pid ${r.pid}`)
      redis = r
    }
    results.push(await measure(bullmqSystem(children, redis, nodeArgs)))
  }

  if (only.has('one')) {
    log('\n[3] colonynet, one site (the node in its own process)')
    results.push(await measure(await oneSite(children, { k: place.k, nodeArgs })))
  }

  if (only.has('one-fast')) {
    log('\n[3b] colonynet, one site, fast path (client and executors on one WebSocket each; bulk submits; close-and-assign)')
    results.push(await measure(await oneSite(children, { k: place.k, nodeArgs, fast: true })))
  }

  if (only.has('three')) {
    log('\n[4] colonynet, three sites on loopback (each its own process); executors and submits spread over the sites, latency: submit at A, executor at C')
    results.push(await measure(await threeSites(children, { k: place.k, nodeArgs })))
  }

  if (only.has('three-fast')) {
    log('\n[4b] colonynet, three sites, fast path')
    results.push(await measure(await threeSites(children, { k: place.k, nodeArgs, fast: true })))
  }

  if (only.has('scale') && scaleSizes.length > 0) {
    log(`\n[5] per-process cost as the ledger grows: ${[0, ...scaleSizes].map(s => s.toLocaleString('en-US')).join(', ')} processes in the ledger, ${scaleN} jobs through the node at each`)
    for (const size of [0, ...scaleSizes]) {
      const p = await scalePoint(children, size, place, { n: scaleN, inflight, warmup: Math.min(200, Math.floor(scaleN / 10)) }, log)
      scaling.push(p)
      log(`    ${fmt(p.jobsPerSec)} jobs/s, idle RSS ${fmt(p.idleRssMiB)} MiB, load ${p.loadSeconds.toFixed(1)} s`)
    }
  }
} finally {
  await children.closeAll()
}

// ---- figures ------------------------------------------------------------------------------

const bull = results.find(r => r.label === BULLMQ)
const one = results.find(r => r.label === ONE)
const three = results.find(r => r.label === THREE)
const oneFast = results.find(r => r.label === ONE_FAST)
const threeFast = results.find(r => r.label === THREE_FAST)
for (const r of results) {
  if (bull !== undefined && r !== bull) r.ratioToBullmq = r.throughput.jobsPerSec / bull.throughput.jobsPerSec
  // the ceiling counts the recoveries the ColonyOS RPC needs per process, for the fast path too
  if (ceil !== undefined && (r === one || r === oneFast)) r.ceilingFraction = r.throughput.jobsPerSec / ceil.oneSite
  if (ceil !== undefined && (r === three || r === threeFast)) r.ceilingFraction = r.throughput.jobsPerSec / ceil.threeSites
}
const cpuPerJob = (r: SystemResult | undefined): number | undefined => r === undefined ? undefined : Object.values(r.throughput.cpuMsPerJob).reduce((a, b) => a + b, 0)

const memoryPerProcess = (p: ScalePoint): number | undefined => {
  const base = scaling.find(s => s.processes === 0)
  return base === undefined || p.processes === 0 ? undefined : (p.idleRssMiB - base.idleRssMiB) * 1024 / p.processes
}

/** The largest scaling point against the smallest non-empty one: 1 means per-process cost is flat. */
const flatness = ((): { from: number, to: number, jobsPerSec: number, kibPerProcess: number, diskPerProcess: number, loadPerProcess: number } | undefined => {
  const filled = scaling.filter(p => p.processes > 0)
  const a = filled[0]
  const b = filled[filled.length - 1]
  if (a === undefined || b === undefined || a === b) return undefined
  const base = scaling.find(p => p.processes === 0)?.loadSeconds ?? 0
  return {
    from: a.processes,
    to: b.processes,
    jobsPerSec: b.jobsPerSec / a.jobsPerSec,
    kibPerProcess: (memoryPerProcess(b) ?? NaN) / (memoryPerProcess(a) ?? NaN),
    diskPerProcess: (b.diskMiB / b.processes) / (a.diskMiB / a.processes),
    // the empty node's start-up is not per process
    loadPerProcess: ((b.loadSeconds - base) / b.processes) / ((a.loadSeconds - base) / a.processes)
  }
})()

interface Target { readonly what: string, readonly measured: string, readonly met: boolean | undefined }
const targets: Target[] = []
const check = (what: string, value: number | undefined, need: number, show: (v: number) => string): void => {
  targets.push({ what, measured: value === undefined ? 'not run' : show(value), met: value === undefined ? undefined : value >= need })
}
const ratio = (v: number): string => `${v.toFixed(2)}×`
// issue 28's targets, for the fast path on one site against BullMQ in this run
check('fast path, one site: ≥ 0.5× BullMQ\'s jobs/s (verifying every signature)', oneFast?.ratioToBullmq, 0.5, ratio)
check('fast path, one site: ≥ 50 % of the signature ceiling', oneFast?.ceilingFraction, 0.5, v => `${(v * 100).toFixed(0)} %`)
check('fast path, one site: p50 submit→start ≤ 2× BullMQ\'s', oneFast !== undefined && bull !== undefined ? bull.latency.p50 * 2 / oneFast.latency.p50 : undefined, 1,
  () => `${(oneFast?.latency.p50 ?? NaN).toFixed(2)} vs ${(bull?.latency.p50 ?? NaN).toFixed(2)} ms (${((oneFast?.latency.p50 ?? NaN) / (bull?.latency.p50 ?? NaN)).toFixed(2)}×)`)
check('fast path, one site: CPU per job (all processes) ≤ 3× BullMQ\'s', oneFast !== undefined && bull !== undefined ? 3 * (cpuPerJob(bull) as number) / (cpuPerJob(oneFast) as number) : undefined, 1,
  () => `${(cpuPerJob(oneFast) ?? NaN).toFixed(2)} vs ${(cpuPerJob(bull) ?? NaN).toFixed(2)} ms (${((cpuPerJob(oneFast) ?? NaN) / (cpuPerJob(bull) ?? NaN)).toFixed(2)}×)`)
check('fast path, three sites: ≥ 0.30× one site\'s jobs/s', oneFast !== undefined && threeFast !== undefined ? threeFast.throughput.jobsPerSec / oneFast.throughput.jobsPerSec : undefined, 0.3, ratio)
check('ColonyOS RPC (HTTP), three sites: ≥ 0.30× one site\'s jobs/s', one !== undefined && three !== undefined ? three.throughput.jobsPerSec / one.throughput.jobsPerSec : undefined, 0.3, ratio)

if (results.length > 0) log('\n' + table([
  ['system', 'jobs/s', 'vs BullMQ', 'of sig. ceiling', 'p50 ms', 'p99 ms', 'submit ack p50', 'peak RSS MiB per process'],
  ...results.map(r => [
    r.label,
    fmt(r.throughput.jobsPerSec),
    r.ratioToBullmq === undefined ? '–' : `${r.ratioToBullmq.toFixed(2)}×`,
    r.ceilingFraction === undefined ? '–' : `${(r.ceilingFraction * 100).toFixed(0)} %`,
    r.latency.p50.toFixed(2),
    r.latency.p99.toFixed(2),
    r.latency.submitRttP50.toFixed(2),
    Object.entries(r.throughput.peakRssMiB).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')
  ])
]))
if (results.length > 0) {
  log('\nCPU time per completed job in the measured run (user + system, ms), by process; and the rate at which that CPU would fill every core:')
  log(table([
    ['system', 'all processes', `${machine.cores} cores allow`, 'by process'],
    ...results.map(r => {
      const all = Object.values(r.throughput.cpuMsPerJob).reduce((a, b) => a + b, 0)
      return [r.label, all.toFixed(2), `${fmt(machine.cores * 1000 / all)}/s`, Object.entries(r.throughput.cpuMsPerJob).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')]
    })
  ]))
}
if (results.length > 0) log(`placement: one client process (${inflight} submits in flight; three sites: lane j submits to site j mod 3), ${place.k} workers over ${spread(place).length} processes (worker i in process i mod ${spread(place).length}; three sites: executor i attached to site i mod 3); latency: one worker alone in its own process`)
if (ceil !== undefined) {
  log(`signature ceiling: ${fmt(ceil.recoverPerSecOneCore)} native recoveries/s on one core; one site needs ${ceil.recoveriesPerProcess.oneSite} per process (submit, assign, close) → ${fmt(ceil.oneSite)} processes/s on the node's one thread; three sites need ${ceil.recoveriesPerProcess.threeSites} (every replica verifies submit and close) → ${fmt(ceil.threeSites)}/s on ${Math.min(machine.cores, 3)} cores`)
  if (ceil.counted !== undefined) log(`  counted per process: one site ${ceil.counted.oneSite.toFixed(2)}, three sites ${ceil.counted.threeSites.toFixed(2)} (the difference: batch signatures, empty long-polls)`)
}
if (scaling.length > 0) {
  log('\n' + table([
    ['processes in the ledger', 'jobs/s', 'idle RSS MiB', 'KiB per process', 'peak RSS MiB', 'disk MiB', 'load s', 'ingest records/s'],
    ...scaling.map(p => [fmt(p.processes), fmt(p.jobsPerSec), fmt(p.idleRssMiB), fmt(memoryPerProcess(p), 2), fmt(p.peakRssMiB), fmt(p.diskMiB, 1), p.loadSeconds.toFixed(1), p.processes === 0 ? '–' : fmt(p.ingestRecordsPerSec)])
  ]))
  if (flatness !== undefined) {
    log(`from ${fmt(flatness.from)} to ${fmt(flatness.to)} processes: jobs/s ×${flatness.jobsPerSec.toFixed(2)}, memory per process ×${flatness.kibPerProcess.toFixed(2)}, disk per process ×${flatness.diskPerProcess.toFixed(2)}, load time per process ×${flatness.loadPerProcess.toFixed(2)} (1.00 = flat)`)
  }
}
const run = targets.filter(t => t.met !== undefined)
if (run.length > 0) log('\n' + table([['target', 'measured', ''], ...run.map(t => [t.what, t.measured, t.met === true ? 'met' : 'MISSED'])]))

if (profileDir !== undefined) {
  // each process's main thread, over its system's measured throughput run only (no start-up, no latency run)
  log(`\nwhere the time goes in the measured throughput runs (CPU profiles under ${profileDir})`)
  for (const role of (await readdir(profileDir).catch(() => [] as string[])).sort()) {
    const r = results.find(x => role.startsWith(slug(x.label)))
    if (r === undefined || role.includes('latency')) continue
    for (const f of (await readdir(join(profileDir, role))).filter(isMainThreadProfile)) {
      const s = await summarizeFile(join(profileDir, role, f), r.throughput.window)
      profiles[role] = s
      for (const line of formatSummary(role, s, 6)) log(line)
    }
  }
}

const loadavgAtEnd = loadavg().map(x => Number(x.toFixed(2)))
log(`\nload average at the end ${loadavgAtEnd.join(' ')}`)

await mkdir(opt.out, { recursive: true })
const json = join(opt.out, `compare-${stamp}.json`)
const svg = join(opt.out, `compare-${stamp}.svg`)
await writeFile(json, JSON.stringify({
  date: startedAt.toISOString(),
  command: `npm run bench:compare -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { ...machine, loadavgAtEnd },
  workload: { n: N, warmup, inflight, samples, placement: { ...place, processes: spread(place) }, scaleN },
  crypto,
  ceiling: ceil,
  systems: results,
  scaling: scaling.map(p => ({ ...p, kibPerProcess: memoryPerProcess(p) })),
  flatness,
  targets,
  profiles
}, null, 2))
await writeFile(svg, chart({
  title: `Completed no-op jobs/s and submit → start latency, ${N.toLocaleString('en-US')} jobs, ${place.k} workers`,
  subtitle: `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC · ${machine.cores} cores, ${machine.memoryGiB} GiB, load average ${machine.loadavgAtStart[0]} at start · Node ${machine.node} · npm run bench:compare`,
  bars: results.map(r => ({
    label: r.label,
    jobsPerSec: r.throughput.jobsPerSec,
    ...(r.ratioToBullmq === undefined ? {} : { note: `${r.ratioToBullmq.toFixed(2)}× BullMQ` }),
    p50: r.latency.p50,
    p99: r.latency.p99
  })),
  ...(ceil === undefined ? {} : { ceiling: ceil.oneSite })
}))
await copyFile(json, join(opt.out, 'compare-latest.json'))
await copyFile(svg, join(opt.out, 'compare-latest.svg'))
log(`results written to ${json} and ${svg} (also compare-latest.*)`)
