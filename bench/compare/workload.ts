/**
 * The one workload every system in the comparison runs, the same way:
 * - throughput: a client process submits N no-op jobs, `inflight` at a time, as fast as
 *   it is answered; K workers (concurrency 1 each) spread over P worker processes run
 *   them; completed jobs/s = N / (first submit → last completion);
 * - latency: one worker waiting, one job at a time: submitted (stamp) → handler called.
 * A system says only how to start its worker and client processes (fixtures speaking
 * compare-io.ts's protocol) and which processes are its servers.
 */
import { cpuSeconds, peakRssMiB } from './proc-stats.js'
import type { LineChild } from './children.js'
import { percentile } from '../percentile.js'

export type Mode = 'throughput' | 'latency'

export interface System {
  /** e.g. "BullMQ on one Redis" */
  readonly label: string
  /** the server processes (Redis, the node, the sites): their role and pid */
  readonly servers: ReadonlyArray<{ readonly role: string, readonly pid: number }>
  /** which worker (0…K-1) waits alone in the latency run */
  readonly latencyWorker: number
  /** a process running workers `indices` (of 0…K-1) in `mode` */
  workers: (indices: number[], mode: Mode, name: string) => LineChild
  /** a client process */
  client: (name: string) => LineChild
  /** stops the servers this system started */
  stop: () => Promise<void>
}

export interface Placement {
  /** workers / executors in all */
  readonly k: number
  /** processes they are spread over (worker i in process i mod procs) */
  readonly procs: number
}

export interface ThroughputFigures {
  readonly jobs: number
  readonly seconds: number
  readonly jobsPerSec: number
  /** the client's own rate: submissions acknowledged per second */
  readonly submitsPerSec: number
  /** peak RSS (VmHWM, MiB) of each process, by role */
  readonly peakRssMiB: Record<string, number>
  /** CPU time (user + system) each process used during the measured run, ms per completed job, by role */
  readonly cpuMsPerJob: Record<string, number>
  /** the measured run, CLOCK_MONOTONIC ms: first submit → last completion */
  readonly window: { readonly start: number, readonly end: number }
}

export interface LatencyFigures {
  readonly samples: number
  readonly p50: number
  readonly p99: number
  readonly mean: number
  /** the submission's own round trip (submitted → acknowledged to the client), p50 */
  readonly submitRttP50: number
}

const STALL_MS = 60_000


async function within<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => { t = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms) })
  try {
    return await Promise.race([p, late])
  } finally {
    clearTimeout(t)
  }
}

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** Worker i goes to process i mod procs. */
export function spread (p: Placement): number[][] {
  const procs = Math.max(1, Math.min(p.procs, p.k))
  return Array.from({ length: procs }, (_, j) => Array.from({ length: p.k }, (_, i) => i).filter(i => i % procs === j))
}

/** Resolves once the worker processes together report `target` completions; rejects on a stall. */
function completions (workers: LineChild[]): { done: () => number, last: () => number, until: (target: number) => Promise<void> } {
  const done = workers.map(() => 0)
  const last = workers.map(() => 0)
  let waiter: { target: number, resolve: () => void } | undefined
  let moved = Date.now()
  workers.forEach((w, i) => w.on('progress', (e: { done: number, last: number }) => {
    done[i] = e.done
    last[i] = e.last
    moved = Date.now()
    if (waiter !== undefined && sum(done) >= waiter.target) waiter.resolve()
  }))
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
  return {
    done: () => sum(done),
    last: () => Math.max(...last),
    until: async target => {
      if (sum(done) >= target) return
      moved = Date.now()
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (Date.now() - moved < STALL_MS) return
          clearInterval(t)
          reject(new Error(`no job completed for ${STALL_MS / 1000} s (${sum(done)} of ${target})`))
        }, 1000)
        waiter = { target, resolve: () => { clearInterval(t); waiter = undefined; resolve() } }
      })
    }
  }
}

/**
 * Completed jobs/s for `n` jobs after `warmup` unmeasured ones (same processes, so the
 * measured jobs find connections open and code compiled). Peak RSS is read from every
 * process, servers included, before the workers and client stop.
 */
export async function throughputRun (sys: System, place: Placement, opts: { n: number, inflight: number, warmup: number }): Promise<ThroughputFigures> {
  const client = sys.client('client')
  const workers = spread(place).map((idx, j) => sys.workers(idx, 'throughput', `workers-${j}`))
  try {
    await Promise.all([client.next('ready'), ...workers.map(async w => await w.next('ready'))])
    const progress = completions(workers)
    const submit = async (n: number): Promise<{ t0: number, t1: number }> => {
      const answer = client.next<{ t0: number, t1: number, errors: number, firstError?: string }>('burst')
      client.send({ cmd: 'burst', n, inflight: opts.inflight })
      const b = await answer
      if (b.errors > 0) throw new Error(`${sys.label}: ${b.errors} of ${n} submissions failed (${b.firstError ?? ''})`)
      return b
    }
    if (opts.warmup > 0) {
      await submit(opts.warmup)
      await progress.until(opts.warmup)
    }
    const procs: Array<[string, number]> = [...sys.servers.map((s): [string, number] => [s.role, s.pid]), ['client', client.pid], ...workers.map((w, j): [string, number] => [`workers-${j}`, w.pid])]
    const cpuBefore = procs.map(([, pid]) => cpuSeconds(pid) ?? NaN)
    const base = progress.done()
    const [b] = await Promise.all([submit(opts.n), progress.until(base + opts.n)])
    const seconds = (progress.last() - b.t0) / 1000
    const rss: Record<string, number> = {}
    const cpu: Record<string, number> = {}
    procs.forEach(([role, pid], i) => {
      rss[role] = round(peakRssMiB(pid))
      cpu[role] = Math.round(((cpuSeconds(pid) ?? NaN) - (cpuBefore[i] as number)) * 1e6 / opts.n) / 1000
    })
    return {
      jobs: opts.n,
      seconds,
      jobsPerSec: opts.n / seconds,
      submitsPerSec: opts.n / ((b.t1 - b.t0) / 1000),
      peakRssMiB: rss,
      cpuMsPerJob: cpu,
      window: { start: b.t0, end: progress.last() }
    }
  } finally {
    await Promise.all([client.stop(), ...workers.map(async w => await w.stop())])
  }
}

const round = (x: number | undefined): number => x === undefined ? NaN : Math.round(x * 10) / 10

/**
 * Submitted → handler called, with one worker waiting: one job at a time, the next
 * submitted `pauseMs` after the previous one completed (so the worker is parked again).
 */
export async function latencyRun (sys: System, opts: { samples: number, warmup?: number, pauseMs?: number }): Promise<LatencyFigures> {
  const client = sys.client('latency-client')
  const worker = sys.workers([sys.latencyWorker], 'latency', 'latency-worker')
  try {
    await Promise.all([client.next('ready'), worker.next('ready')])
    const lat: number[] = []
    const rtt: number[] = []
    const warmup = opts.warmup ?? 20
    for (let i = 0; i < warmup + opts.samples; i++) {
      const sent = client.next<{ error?: string, rtt: number }>('sent')
      const job = worker.next<{ lat: number }>('job')
      client.send({ cmd: 'one' })
      const s = await within(sent, STALL_MS, `${sys.label}: a latency submission`)
      if (s.error !== undefined) throw new Error(`${sys.label}: a latency submission failed: ${s.error}`)
      const { lat: ms } = await within(job, STALL_MS, `${sys.label}: the waiting worker to run a job`)
      if (i >= warmup) {
        lat.push(ms)
        rtt.push(s.rtt)
      }
      await sleep(opts.pauseMs ?? 5)
    }
    lat.sort((a, b) => a - b)
    rtt.sort((a, b) => a - b)
    return { samples: lat.length, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), mean: lat.reduce((a, b) => a + b, 0) / lat.length, submitRttP50: percentile(rtt, 0.5) }
  } finally {
    await Promise.all([client.stop(), worker.stop()])
  }
}
