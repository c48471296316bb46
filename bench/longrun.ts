/**
 * `npm run bench:longrun`: a colony that runs for months (issue 24). One site, its node in
 * its own process with the heap capped (--max-old-space-size=256), takes `--processes N`
 * no-op processes (default 1,000,000; --quick 100,000) through submit, assign and close as
 * fast as it will: a client process keeps 32 submissions in flight (at most 256 processes
 * open) for 8 executors doing assign (long-poll) + close. At each reading (every N/10
 * processes: 100k at the default size) the node reports its heap after a full GC and the
 * size of its data directory. The node runs as `colonies node start`
 * (bench/fixtures/longrun-node.ts), so it takes retention from its environment as an
 * operator's node would. Two phases, each on a fresh node:
 * - heap: retention off. It must complete; the heap after GC at every reading stays within
 *   ±20 % of the first reading; afterwards the run's first process still answers
 *   getprocessmsg (`colonies process get`).
 * - disk: COLONIES_RETENTION=true, COLONIES_RETENTION_POLICY=30 (--retention). It must
 *   complete; the data directory stays within ±20 % of its size at the reference reading:
 *   the second (200k at the default size), or the first at least twice the policy into the
 *   phase if that is later (a shorter run must not judge it before anything could be purged).
 * Ends with `heap growth per 100k processes: X MiB; disk growth per 100k with retention: Y
 * MiB` (least-squares slopes: every heap reading; the disk readings from the reference on)
 * and exits 1 if a bound is broken, saying which (a node that died of heap exhaustion too).
 * Options: --processes N (10k, 1m) · --quick · --phase heap|disk|both · --retention SECONDS
 * · --disk-rate N (the disk phase's steady submissions/s, default 300; 0: unpaced)
 * (default: COLONIES_RETENTION_POLICY of this environment, else 30) · --every N.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { generatePrivateKey } from '../src/protocol/crypto.js'
import { ProcessState } from '../src/protocol/state.js'
import { Children, terminate } from './compare/children.js'
import { COLONY, setUpColony } from './compare/colonynet.js'
import { rssMiB } from './compare/proc-stats.js'

const here = dirname(fileURLToPath(import.meta.url))
const MIB = 2 ** 20
const HEAP_MIB = 256
const EXECUTORS = 8
const INFLIGHT = 32
const BACKLOG = 256
const TOLERANCE = 0.2
/**
 * The disk phase's steady load, submissions per second: below what a 2-core machine takes
 * (400-800/s here), so that the load, and what 30 s of it leaves on disk, does not follow
 * the machine's hour.
 */
const DISK_RATE = 300

/** a phase with no process closed for this long has stalled */
const STALL_MS = 120_000
const PROGRESS_MS = 10_000

export type Phase = 'heap' | 'disk'

export interface LongrunOptions {
  readonly processes: number
  /** processes between readings */
  readonly every: number
  readonly phases: Phase[]
  /** the disk phase's COLONIES_RETENTION_POLICY, seconds */
  readonly retention: number
  /**
   * the disk phase's submissions per second (a steady load: with a 30 s policy the store
   * holds the last 30 s of work, so its size follows the rate; 0: as fast as it goes)
   */
  readonly diskRate?: number
}

export interface Reading {
  readonly done: number
  /** seconds into the phase */
  readonly at: number
  /** processes/s since the previous reading */
  readonly rate: number
  readonly heapUsed: number
  readonly heapTotal: number
  readonly heapLimit: number
  readonly rss: number
  readonly disk: number
}

export interface PhaseResult {
  readonly phase: Phase
  readonly done: number
  readonly seconds: number
  readonly completed: boolean
  readonly readings: Reading[]
  /** MiB per 100k processes: heap (heap phase) or disk from the reference on (disk phase) */
  readonly growth: number | undefined
  /** the bound broken, if it is */
  readonly broken: string | undefined
  readonly notes: string[]
}

// ---- the node ---------------------------------------------------------------------------

interface NodeExit { readonly code: number | null, readonly signal: string | null, readonly oom: boolean, readonly fatal: string | undefined }

interface LongrunNode {
  readonly url: string
  readonly pid: number
  readonly exited: Promise<NodeExit>
  ask: (cmd: 'gc' | 'disk') => Promise<Record<string, number>>
  stop: () => Promise<void>
}

/** bench/fixtures/longrun-node.ts with the heap capped, retention as asked, in `dir`. */
async function startNode (children: Children, dir: string, operator: string, retention: number | undefined, log: (line: string) => void): Promise<LongrunNode> {
  const env: NodeJS.ProcessEnv = { ...process.env, COLONIES_SERVER_PRVKEY: operator, COLONIES_RETENTION: retention === undefined ? 'false' : 'true' }
  delete env.COLONIES_SERVER_ID
  delete env.COLONIES_RETENTION_POLICY
  if (retention !== undefined) env.COLONIES_RETENTION_POLICY = String(retention)
  const child: ChildProcess = spawn(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, '--expose-gc', '--import', 'tsx', join(here, 'fixtures', 'longrun-node.ts'), dir],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env })
  // its own goodbye ("stopping the node") is not news
  let stopping = false
  const stop = async (): Promise<void> => {
    stopping = true
    let timer: NodeJS.Timeout | undefined
    await Promise.race([terminate(child), new Promise(resolve => { timer = setTimeout(resolve, 10_000) })])
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  children.track('the node', child, stop)
  // V8's last words when the heap is full: the first line says so, the rest is its GC trace
  let dying = false
  let oom = false
  let fatal: string | undefined
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', line => {
    if (/heap out of memory/i.test(line)) oom = true
    if (/FATAL ERROR/.test(line)) fatal ??= line.trim()
    if (/Last few GCs|FATAL ERROR|heap out of memory/i.test(line)) dying = true
    if (!dying && !stopping && line.trim() !== '') log(`    node: ${line}`)
  })
  const exited = new Promise<NodeExit>(resolve => child.once('close', (code, signal) => resolve({ code, signal, oom, fatal })))
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /"url":\s*"([^"]+)"/.exec(out)
      if (m !== null) resolve(m[1] as string)
    })
    void exited.then(x => reject(new Error(`the node exited (${x.signal ?? x.code ?? '?'}) before serving: ${out.trim()}`)))
  })
  let nextId = 0
  const pending = new Map<number, { resolve: (v: Record<string, number>) => void, reject: (err: Error) => void }>()
  child.on('message', (m: { id: number, error?: string } & Record<string, number>) => {
    const p = pending.get(m.id)
    pending.delete(m.id)
    if (m.error !== undefined) p?.reject(new Error(m.error))
    else p?.resolve(m)
  })
  void exited.then(() => { for (const p of pending.values()) p.reject(new Error('the node exited')) })
  const ask = async (cmd: 'gc' | 'disk'): Promise<Record<string, number>> => await new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null || !child.connected) { reject(new Error('the node exited')); return }
    const id = ++nextId
    pending.set(id, { resolve, reject })
    child.send({ id, cmd })
  })
  return { url, pid: child.pid ?? -1, exited, ask, stop }
}

// ---- figures ----------------------------------------------------------------------------

/** Least-squares slope of y over x, scaled to per 100k of x; undefined below two points. */
export function slopePer100k (points: Array<[number, number]>): number | undefined {
  if (points.length < 2) return undefined
  const n = points.length
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0)
  return sxx === 0 ? undefined : sxy / sxx * 100_000
}

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const mib = (bytes: number): string => fmt(bytes / MIB, 1)
const pct = (x: number, ref: number): string => `${x >= ref ? '+' : ''}${fmt((x - ref) / ref * 100)} %`

/** The first reading outside ±TOLERANCE of `ref`, said in words. */
function outside (readings: Reading[], ref: Reading, value: (r: Reading) => number, what: string): string | undefined {
  const r = readings.find(r => Math.abs(value(r) - value(ref)) > TOLERANCE * value(ref))
  if (r === undefined) return undefined
  const worst = readings.reduce((w, x) => Math.abs(value(x) - value(ref)) > Math.abs(value(w) - value(ref)) ? x : w, r)
  return `${what} at ${fmt(r.done)} processes was ${mib(value(r))} MiB, ${pct(value(r), value(ref))} of ${mib(value(ref))} MiB at ${fmt(ref.done)} (bound ±${TOLERANCE * 100} %; worst ${mib(value(worst))} MiB at ${fmt(worst.done)})`
}

/** The disk phase's reference: the second reading, or the first twice the policy into the phase if later. */
function diskReference (readings: Reading[], retention: number): number {
  return readings.findIndex((r, i) => i >= 1 && r.at >= 2 * retention)
}

// ---- the bounds --------------------------------------------------------------------------

interface Judged { readonly growth: number | undefined, readonly broken: string[] }

/** Every heap reading within ±TOLERANCE of the first; the growth over all of them. */
function judgeHeap (readings: Reading[], completed: boolean): Judged {
  const growth = slopePer100k(readings.map(r => [r.done, r.heapUsed / MIB]))
  const first = readings[0]
  if (first === undefined) return { growth, broken: completed ? ['no reading was taken'] : [] }
  const out = outside(readings, first, r => r.heapUsed, 'the heap after GC')
  return { growth, broken: out === undefined ? [] : [out] }
}

/** Every disk reading from the reference on within ±TOLERANCE of it; the growth over them. */
function judgeDisk (readings: Reading[], completed: boolean, retention: number): Judged {
  const ref = diskReference(readings, retention)
  const from = ref < 0 ? [] : readings.slice(ref)
  const growth = slopePer100k(from.map(r => [r.done, r.disk / MIB]))
  if (from[0] === undefined || from.length < 2) {
    return { growth, broken: completed ? [`too short to judge the disk: ${readings.length} readings, and the reference (the 2nd, at least ${2 * retention} s in) needs one after it; run more --processes`] : [] }
  }
  const out = outside(from, from[0], r => r.disk, 'the data directory')
  return { growth, broken: out === undefined ? [] : [out] }
}

/** The run's first process, asked for as `colonies process get` would once the run is over. */
async function firstProcess (url: string, userKey: string, id: string | undefined): Promise<{ broken?: string, note?: string }> {
  const t = performance.now()
  try {
    const p = await new ColoniesClient({ url, prvkey: userKey }).getProcess(id ?? '')
    const ms = performance.now() - t
    if (p.processid !== id || p.state !== ProcessState.SUCCESS) return { broken: `the first process (${id ?? '?'}) answers, but as ${p.processid} in state ${p.state}, not SUCCESS` }
    return { note: `the first process (${id.slice(0, 16)}…) still answers getprocessmsg: SUCCESS, in ${fmt(ms, 1)} ms` }
  } catch (err) {
    return { broken: `the first process (${id ?? '?'}) does not answer getprocessmsg after the run: ${(err as Error).message}` }
  }
}

// ---- a phase ----------------------------------------------------------------------------

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

const HEADER = `  ${'processes'.padStart(11)}  ${'/s since last'.padStart(13)}  ${'heap after GC MiB'.padStart(17)}  ${'heap limit MiB'.padStart(14)}  ${'rss MiB'.padStart(8)}  ${'disk MiB'.padStart(9)}`
const row = (r: Reading): string => `  ${fmt(r.done).padStart(11)}  ${fmt(r.rate).padStart(13)}  ${mib(r.heapUsed).padStart(17)}  ${mib(r.heapLimit).padStart(14)}  ${mib(r.rss).padStart(8)}  ${mib(r.disk).padStart(9)}`

interface Progress { done: number, submitted: number, errors: { submit: number, assign: number, close: number }, firstError?: string }
type Outcome = { kind: 'done', t: number } | { kind: 'died', exit: NodeExit } | { kind: 'stalled' } | { kind: 'clients', error: string }

async function runPhase (children: Children, phase: Phase, o: LongrunOptions, log: (line: string) => void): Promise<PhaseResult> {
  const retention = phase === 'disk' ? o.retention : undefined
  log(phase === 'heap'
    ? `\n[heap] retention off, ${fmt(o.processes)} processes: the heap after a full GC at each reading within ±${TOLERANCE * 100} % of the first; the first process still answers afterwards`
    : `\n[disk] COLONIES_RETENTION=true COLONIES_RETENTION_POLICY=${o.retention}, ${fmt(o.processes)} processes${(o.diskRate ?? 0) > 0 ? `, a steady ${fmt(o.diskRate ?? 0)} submissions/s at most` : ''}: the data directory within ±${TOLERANCE * 100} % of its size at the reference reading (the 2nd, or the first ≥ ${2 * o.retention} s into the phase)`)
  const dir = await mkdtemp(join(tmpdir(), `colonynet-longrun-${phase}-`))
  children.onClose(async () => await rm(dir, { recursive: true, force: true }))
  const operator = generatePrivateKey()
  const notes: string[] = []
  const readings: Reading[] = []
  let node: LongrunNode | undefined
  let load: ReturnType<Children['fixture']> | undefined
  let ticker: NodeJS.Timeout | undefined
  let watch: NodeJS.Timeout | undefined
  try {
    node = await startNode(children, dir, operator, retention, log)
    const n = node
    const keys = await setUpColony([n.url], operator, EXECUTORS)
    load = children.fixture(`the ${phase} phase's clients`, join(here, 'fixtures', 'longrun-load.ts'), {
      url: n.url, colony: COLONY, userKey: keys.userKey, executorKeys: keys.executorKeys, total: o.processes, every: o.every, inflight: INFLIGHT, backlog: BACKLOG, tag: `${phase}-${process.pid}`,
      ...(phase === 'disk' && (o.diskRate ?? 0) > 0 ? { rate: o.diskRate } : {})
    })
    // every listener before the first line can arrive: readline hands over a chunk's lines at once
    let t0 = 0
    let prevT = 0
    let firstId: string | undefined
    let last: Progress = { done: 0, submitted: 0, errors: { submit: 0, assign: 0, close: 0 } }
    let moved = Date.now()
    let chain = Promise.resolve()
    load.on('first', (e: { processid: string }) => { firstId = e.processid })
    load.on('progress', (e: Progress) => {
      if (e.done !== last.done) moved = Date.now()
      last = e
    })
    load.on('mark', (e: { done: number, t: number }) => {
      const rate = o.every / ((e.t - prevT) / 1000)
      prevT = e.t
      chain = chain.then(async () => {
        const h = await n.ask('gc')
        const d = await n.ask('disk')
        const r: Reading = { done: e.done, at: (e.t - t0) / 1000, rate, heapUsed: h.heapUsed ?? NaN, heapTotal: h.heapTotal ?? NaN, heapLimit: h.heapLimit ?? NaN, rss: h.rss ?? NaN, disk: d.bytes ?? NaN }
        readings.push(r)
        log(row(r))
      }).catch((err: Error) => { log(`    (no reading at ${fmt(e.done)}: ${err.message})`) })
    })
    const doneEvent = load.next<{ t: number }>('done')
    t0 = prevT = (await load.next<{ t: number }>('ready')).t
    const started = performance.now()
    log(`  ${fmt(EXECUTORS)} executors (assign + close), ${INFLIGHT} submissions in flight, at most ${BACKLOG} processes open; a reading every ${fmt(o.every)} processes`)
    log(HEADER)
    let tick = { done: 0, at: Date.now() }
    ticker = setInterval(() => {
      const now = Date.now()
      const rate = (last.done - tick.done) / ((now - tick.at) / 1000)
      tick = { done: last.done, at: now }
      const errs = last.errors.submit + last.errors.assign + last.errors.close
      log(`    … ${fmt(last.done)} closed (${fmt(last.submitted)} submitted), ${fmt(rate)}/s over the last ${fmt(PROGRESS_MS / 1000)} s, node rss ${fmt(rssMiB(n.pid) ?? NaN)} MiB${errs > 0 ? `; ${errs} client errors (first: ${last.firstError ?? '?'})` : ''}`)
    }, PROGRESS_MS)
    const outcome = await Promise.race<Outcome>([
      doneEvent.then(e => ({ kind: 'done' as const, t: e.t }), (err: Error) => ({ kind: 'clients' as const, error: err.message })),
      n.exited.then(exit => ({ kind: 'died' as const, exit })),
      new Promise<Outcome>(resolve => { watch = setInterval(() => { if (Date.now() - moved > STALL_MS) resolve({ kind: 'stalled' }) }, 1000) })
    ])
    const ended = performance.now()
    clearInterval(ticker)
    clearInterval(watch)
    if (outcome.kind === 'died') {
      // the clients' count once they have seen the node gone (they report each second)
      await Promise.race([load.next('progress').catch(() => {}), sleep(2500)])
    }
    await chain
    const seconds = outcome.kind === 'done' ? (outcome.t - t0) / 1000 : (ended - started) / 1000
    const done = outcome.kind === 'done' ? o.processes : last.done
    const broken: string[] = []
    if (outcome.kind === 'died') {
      const x = outcome.exit
      broken.push(x.oom
        ? `the node died of heap exhaustion after ${fmt(done)} processes (${x.fatal ?? 'JavaScript heap out of memory'})`
        : `the node exited (${x.signal ?? x.code ?? '?'}) after ${fmt(done)} processes${x.fatal === undefined ? '' : ` (${x.fatal})`}`)
    }
    if (outcome.kind === 'stalled') broken.push(`stalled: no process closed for ${STALL_MS / 1000} s after ${fmt(done)} (client errors ${JSON.stringify(last.errors)}${last.firstError === undefined ? '' : `, first: ${last.firstError}`})`)
    if (outcome.kind === 'clients') broken.push(`the clients failed after ${fmt(done)} processes: ${outcome.error}`)
    const completed = outcome.kind === 'done'
    const judged = phase === 'heap' ? judgeHeap(readings, completed) : judgeDisk(readings, completed, o.retention)
    const growth = judged.growth
    broken.push(...judged.broken)
    if (phase === 'heap') {
      const first = completed ? await firstProcess(n.url, keys.userKey, firstId) : { note: 'the first process was not asked for: the run did not complete' }
      if (first.broken !== undefined) broken.push(first.broken)
      if (first.note !== undefined) notes.push(first.note)
    }
    const firstHeap = readings[0]
    const lastHeap = readings[readings.length - 1]
    const heap = firstHeap === undefined || lastHeap === undefined ? 'no heap reading' : `heap after GC ${mib(firstHeap.heapUsed)} → ${mib(lastHeap.heapUsed)} MiB, disk ${mib(firstHeap.disk)} → ${mib(lastHeap.disk)} MiB`
    notes.unshift(`${fmt(done)} processes in ${fmt(seconds)} s (${fmt(done / Math.max(seconds, 1e-9))}/s); ${heap}${growth === undefined ? '' : `; ${phase === 'heap' ? 'heap' : 'disk'} growth ${fmt(growth, 1)} MiB per 100k${phase === 'heap' ? ` (${fmt(growth * MIB / 100_000 / 1024, 2)} KiB per process)` : ' from the reference on'}`}`)
    return { phase, done, seconds, completed, readings, growth, broken: broken.length === 0 ? undefined : broken.join('; '), notes }
  } finally {
    clearInterval(ticker)
    clearInterval(watch)
    await load?.stop()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

// ---- the run ----------------------------------------------------------------------------

export interface LongrunResult {
  readonly phases: PhaseResult[]
  readonly heapGrowth: number | undefined
  readonly diskGrowth: number | undefined
  /** the exact last line */
  readonly line: string
  readonly broken: string[]
}

export async function runLongrun (o: LongrunOptions, log: (line: string) => void = console.log, children = new Children()): Promise<LongrunResult> {
  const phases: PhaseResult[] = []
  try {
    for (const phase of o.phases) {
      const r = await runPhase(children, phase, o, log)
      phases.push(r)
      for (const note of r.notes) log(`  ${note}`)
      log(r.broken === undefined ? `  [${phase}] bound met` : `  [${phase}] BOUND BROKEN: ${r.broken}`)
    }
  } finally {
    await children.closeAll()
  }
  const heapGrowth = phases.find(p => p.phase === 'heap')?.growth
  const diskGrowth = phases.find(p => p.phase === 'disk')?.growth
  const num = (x: number | undefined): string => x === undefined ? 'n/a' : fmt(x, 1)
  return {
    phases,
    heapGrowth,
    diskGrowth,
    line: `heap growth per 100k processes: ${num(heapGrowth)} MiB; disk growth per 100k with retention: ${num(diskGrowth)} MiB`,
    broken: phases.flatMap(p => p.broken === undefined ? [] : [`${p.phase}: ${p.broken}`])
  }
}

/** For `npm run bench`: a shorter run of both phases, as figures. */
export async function benchLongrun (processes: number, log: (line: string) => void = console.log): Promise<{ figures: Record<string, number>, result: LongrunResult }> {
  const result = await runLongrun({ processes, every: defaultEvery(processes), phases: ['heap', 'disk'], retention: 30, diskRate: DISK_RATE }, log)
  const heap = result.phases.find(p => p.phase === 'heap')
  const disk = result.phases.find(p => p.phase === 'disk')
  const r1 = (x: number | undefined): number => x === undefined ? NaN : Math.round(x * 10) / 10
  const figures: Record<string, number> = {
    'processes per phase': processes,
    'heap phase: processes done': heap?.done ?? NaN,
    'heap phase: processes/s': Math.round((heap?.done ?? NaN) / (heap?.seconds ?? NaN)),
    'heap MiB after GC, first reading': r1((heap?.readings[0]?.heapUsed ?? NaN) / MIB),
    'heap growth MiB per 100k': r1(result.heapGrowth),
    'disk phase: processes done': disk?.done ?? NaN,
    'disk growth MiB per 100k with retention': r1(result.diskGrowth),
    'bounds met': result.broken.length === 0 ? 1 : 0
  }
  log(result.line)
  return { figures, result }
}

export const defaultEvery = (processes: number): number => Math.max(1000, Math.round(processes / 10))

function count (s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim())
  if (m === null) throw new Error(`${what}: expected a number like 100000, 100k or 1m, got ${JSON.stringify(s)}`)
  return Math.round(Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 }[(m[2] as string).toLowerCase()] as number))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = {
    processes: { type: 'string' },
    quick: { type: 'boolean', default: false },
    phase: { type: 'string', default: 'both' },
    retention: { type: 'string' },
    every: { type: 'string' },
    'disk-rate': { type: 'string' }
  } as const
  let o: LongrunOptions
  try {
    const v = parseArgs({ options }).values
    const processes = count(v.processes ?? (v.quick ? '100k' : '1m'), '--processes')
    if (!['heap', 'disk', 'both'].includes(v.phase)) throw new Error(`--phase: heap, disk or both, not ${v.phase}`)
    const retention = count(v.retention ?? process.env.COLONIES_RETENTION_POLICY ?? '30', '--retention')
    const diskRate = v['disk-rate'] === undefined ? DISK_RATE : v['disk-rate'] === '0' ? 0 : count(v['disk-rate'], '--disk-rate')
    o = { processes, every: v.every === undefined ? defaultEvery(processes) : count(v.every, '--every'), phases: v.phase === 'both' ? ['heap', 'disk'] : [v.phase as Phase], retention, diskRate }
  } catch (err) {
    console.error(`bench:longrun: ${(err as Error).message}\noptions: --processes N · --quick · --phase heap|disk|both · --retention SECONDS · --disk-rate N (0: unpaced) · --every N (see the head of bench/longrun.ts)`)
    process.exit(2)
  }
  const children = new Children()
  const bail = (why: string, code: number): void => {
    process.stderr.write(`\nbench:longrun: ${why}; stopping the node and the clients …\n`)
    void children.closeAll().finally(() => process.exit(code))
  }
  process.once('SIGINT', () => bail('interrupted', 130))
  process.once('SIGTERM', () => bail('terminated', 143))
  console.log(`bench:longrun on ${cpus().length} cores, Node ${process.version}: one site, its node's heap capped at ${HEAP_MIB} MiB (--max-old-space-size); ${fmt(o.processes)} no-op processes per phase; phases: ${o.phases.join(', ')}`)
  const startedAt = new Date()
  const result = await runLongrun(o, console.log, children)
  const dir = join(here, 'results')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `longrun-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(file, JSON.stringify({ date: startedAt.toISOString(), command: `npm run bench:longrun -- ${process.argv.slice(2).join(' ')}`.trim(), cores: cpus().length, node: process.version, options: o, ...result }, null, 2))
  console.log(`\nresults written to ${file}`)
  for (const b of result.broken) console.log(`BOUND BROKEN, ${b}`)
  console.log(result.line)
  process.exit(result.broken.length === 0 ? 0 : 1)
}
