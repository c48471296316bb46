/**
 * One node, real HTTP, the node in its own process (issue 3):
 * - sequential submit → assign → close cycles/s from one client (ColonyOS on PostgreSQL: 64/s);
 * - submit → assigned latency with an executor already waiting (p50, p99; ColonyOS: 25 ms average);
 * - completed no-op processes/s with 8 executors and a submitter keeping 32 submits in flight.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createInterface } from 'node:readline'
import { Executor } from '../src/client/executor.js'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { generatePrivateKey, idFromPrivateKey } from '../src/protocol/crypto.js'
import { percentile } from './percentile.js'

const here = dirname(fileURLToPath(import.meta.url))

export interface BenchNode {
  readonly url: string
  readonly child: ChildProcess
  readonly dir: string
  stop: () => Promise<void>
}

/** Starts a node in a child process and waits until it serves. */
export async function startNodeProcess (operator: string): Promise<BenchNode> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-bench-node-'))
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', join(here, 'fixtures', 'node-server.ts'), dir, operator], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    rl.once('line', resolve)
    child.once('exit', code => reject(new Error(`the node exited (${code}) before serving`)))
  })
  const { url } = JSON.parse(line) as { url: string }
  return {
    url,
    child,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export interface BenchColony {
  readonly user: ColoniesClient
  readonly executors: ColoniesClient[]
  readonly colony: string
}

/** Colony, user and `n` approved executors of type `noop`, set up through the RPC. */
export async function setUpColony (url: string, operator: string, n: number): Promise<BenchColony> {
  const colony = 'bench'
  const ownerKey = generatePrivateKey()
  const op = new ColoniesClient({ url, prvkey: operator })
  await op.addColony(colony, idFromPrivateKey(ownerKey))
  const owner = op.withKey(ownerKey)
  const user = op.withKey(generatePrivateKey())
  await owner.addUser({ colonyname: colony, userid: user.id, name: 'bench-user' })
  const executors: ColoniesClient[] = []
  for (let i = 0; i < n; i++) {
    const x = op.withKey(generatePrivateKey())
    await owner.addExecutor({ colonyname: colony, executorid: x.id, executorname: `noop-${i}`, executortype: 'noop' })
    await owner.approveExecutor(colony, `noop-${i}`)
    executors.push(x)
  }
  return { user, executors, colony }
}

// distinct submissions (identical ones would be signed identically: see bench/federation.ts)
let nth = 0
const spec = (colony: string): any => ({ funcname: 'noop', args: [String(nth++)], conditions: { colonyname: colony, executortype: 'noop' } })

export async function sequentialCycles (c: BenchColony, ms: number): Promise<number> {
  const x = c.executors[0] as ColoniesClient
  const end = performance.now() + ms
  let n = 0
  const start = performance.now()
  while (performance.now() < end) {
    await c.user.submitFunctionSpec(spec(c.colony))
    const p = await x.assign(c.colony, -1)
    await x.closeSuccessful(p.processid)
    n++
  }
  return n / ((performance.now() - start) / 1000)
}

/** Submit → assigned, with the executor already parked in a long-poll. */
export async function assignLatency (c: BenchColony, samples: number): Promise<{ p50: number, p99: number, mean: number }> {
  const x = c.executors[0] as ColoniesClient
  const lat: number[] = []
  for (let i = 0; i < samples; i++) {
    const waiting = x.assign(c.colony, 10)
    // let the long-poll reach the node and park before submitting
    await new Promise(resolve => setTimeout(resolve, 2))
    const t0 = performance.now()
    await c.user.submitFunctionSpec(spec(c.colony))
    const p = await waiting
    lat.push(performance.now() - t0)
    await x.closeSuccessful(p.processid)
  }
  lat.sort((a, b) => a - b)
  return { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), mean: lat.reduce((a, b) => a + b, 0) / lat.length }
}

/** A throughput run that has not finished after this long has stalled. */
const STALL_MS = 120_000

/**
 * Completed processes/s: `c.executors.length` executors built on the executor SDK (no-op
 * handler, concurrency 1 each, as a user's executor would be) and a submitter keeping
 * `inFlight` submits going.
 */
export async function throughput (c: BenchColony, total: number, inFlight = 32): Promise<number> {
  let submitted = 0
  let completed = 0
  let resolveDone: () => void = () => {}
  const done = new Promise<void>(resolve => { resolveDone = resolve })
  const executors = c.executors.map(client => new Executor({
    client,
    colonyname: c.colony,
    handler: async () => ({ out: [] }),
    watchIntervalMs: 0,
    onEvent: e => {
      if (e.type === 'closed' && ++completed === total) resolveDone()
    }
  }))
  const start = performance.now()
  for (const x of executors) x.start()
  const submitter = async (): Promise<void> => {
    while (submitted < total) {
      submitted++
      await c.user.submitFunctionSpec(spec(c.colony))
    }
  }
  // a run that stalls says so, with what the node holds, instead of hanging the bench
  let stall: NodeJS.Timeout | undefined
  const stalled = new Promise<never>((_resolve, reject) => {
    stall = setTimeout(() => {
      void (async () => {
        const [waiting = [], running = []] = await Promise.all([0, 1].map(async state => await c.user.getProcesses(c.colony, state, { count: 100 }).catch(() => [])))
        const holders = [...new Set(running.map(p => p.assignedexecutorid.slice(0, 8)))].join(', ')
        reject(new Error(`stalled: ${completed} of ${total} closed after ${STALL_MS / 1000} s; the node shows ${waiting.length} waiting and ${running.length} running (executors ${holders})`))
      })()
    }, STALL_MS)
  })
  try {
    await Promise.race([Promise.all([...Array.from({ length: inFlight }, submitter), done]), stalled])
  } catch (err) {
    await Promise.all(executors.map(async x => await x.stop({ graceMs: 0 })))
    throw err
  } finally {
    clearTimeout(stall)
  }
  const rate = completed / ((performance.now() - start) / 1000)
  await Promise.all(executors.map(async x => await x.stop({ graceMs: 1000 })))
  return rate
}

export async function benchNode (opts: { quick?: boolean } = {}, log = console.log): Promise<Record<string, number>> {
  const operator = generatePrivateKey()
  const node = await startNodeProcess(operator)
  try {
    const c = await setUpColony(node.url, operator, 8)
    log('  sequential submit → assign → close …')
    const seq = await sequentialCycles(c, opts.quick === true ? 1000 : 3000)
    log('  submit → assigned latency with a waiting executor …')
    const lat = await assignLatency(c, opts.quick === true ? 50 : 300)
    log('  8 executors, 32 submits in flight …')
    const tput = await throughput(c, opts.quick === true ? 1000 : 4000)
    return {
      'sequential cycles/s': Math.round(seq),
      'submit→assigned p50 ms': Number(lat.p50.toFixed(2)),
      'submit→assigned p99 ms': Number(lat.p99.toFixed(2)),
      'completed/s, 8 executors': Math.round(tput)
    }
  } finally {
    await node.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchNode({ quick: process.argv.includes('--quick') }))
}
