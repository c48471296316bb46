/**
 * Submits/s and CPU per process, single submits against bulks (submitfuncspecsmsg), on one
 * node in its own process over real HTTP, in the same run:
 * - "single": N submitfuncspecmsg requests, `inFlight` at a time;
 * - "bulk of B": N/B submitfuncspecsmsg requests of B specs, `inFlight` at a time;
 * - "batcher": N submit() calls on a SubmitBatcher, `inFlight × B` outstanding.
 * Node CPU is the child's (/proc), client CPU this process's; each mode runs on a fresh node.
 *
 *   node --import tsx bench/bulk-submit.ts [--n 6000] [--bulk 32] [--inflight 8]
 */
import { pathToFileURL } from 'node:url'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { SubmitBatcher } from '../src/client/submit-batcher.js'
import { generatePrivateKey } from '../src/protocol/crypto.js'
import { cpuSeconds } from './compare/proc-stats.js'
import { setUpColony, startNodeProcess } from './node.js'

interface Row {
  mode: string
  processes: number
  seconds: number
  submitsPerSec: number
  nodeCpuMsPerProcess: number
  clientCpuMsPerProcess: number
}

let nth = 0
const spec = (colony: string): any => ({ funcname: 'noop', args: [String(nth++)], conditions: { colonyname: colony, executortype: 'noop' } })

/** Runs `jobs` (each submitting `per` processes) with `inFlight` at a time. */
async function pool (jobs: number, inFlight: number, job: () => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < jobs) {
      next++
      await job()
    }
  }))
}

async function measure (mode: string, n: number, run: (user: ColoniesClient, colony: string) => Promise<void>): Promise<Row> {
  const operator = generatePrivateKey()
  const node = await startNodeProcess(operator)
  try {
    const c = await setUpColony(node.url, operator, 0)
    const pid = node.child.pid as number
    const node0 = cpuSeconds(pid) ?? 0
    const own0 = process.cpuUsage()
    const t0 = performance.now()
    await run(c.user, c.colony)
    const seconds = (performance.now() - t0) / 1000
    const nodeCpu = (cpuSeconds(pid) ?? 0) - node0
    const own = process.cpuUsage(own0)
    return {
      mode,
      processes: n,
      seconds: Number(seconds.toFixed(2)),
      submitsPerSec: Math.round(n / seconds),
      nodeCpuMsPerProcess: Number((nodeCpu * 1000 / n).toFixed(3)),
      clientCpuMsPerProcess: Number(((own.user + own.system) / 1000 / n).toFixed(3))
    }
  } finally {
    await node.stop()
  }
}

export async function benchBulkSubmit (opts: { n: number, bulk: number, inFlight: number }): Promise<Row[]> {
  const { n, bulk, inFlight } = opts
  const rows: Row[] = []
  rows.push(await measure(`single, ${inFlight * bulk} in flight`, n, async (user, colony) => {
    await pool(n, inFlight * bulk, async () => await user.submitFunctionSpec(spec(colony)))
  }))
  rows.push(await measure(`bulk of ${bulk}, ${inFlight} in flight`, n, async (user, colony) => {
    await pool(Math.ceil(n / bulk), inFlight, async () => await user.submitFunctionSpecs(Array.from({ length: bulk }, () => spec(colony))))
  }))
  rows.push(await measure(`batcher (max ${bulk}), ${inFlight * bulk} callers`, n, async (user, colony) => {
    const b = new SubmitBatcher(user, { maxBatch: bulk, maxInFlight: inFlight })
    await pool(n, inFlight * bulk, async () => await b.submit(spec(colony)))
  }))
  return rows
}

function arg (name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? dflt : Number(process.argv[i + 1])
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchBulkSubmit({ n: arg('n', 6000), bulk: arg('bulk', 32), inFlight: arg('inflight', 8) }))
}
