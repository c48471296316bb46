/**
 * Runs the chaos scenarios from inside the driver's namespace (see run.ts, which builds
 * the network and starts this). Per scenario: a fresh three-site colony, clients and
 * executors at every site, a warm-up, the fault, the heal, then convergence and the
 * checker. Prints one table row per scenario and writes chaos/results/chaos-<time>.json.
 * Usage: driver.ts CAPABILITIES_JSON [--only NAME,…] [--quick]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { check, type Execution, type SiteView, type Verdict } from './check.js'
import {
  COLONY, killAll, type Cluster, impair, readLines, siteView, type SiteProc, startClient, startCluster, startExecutor, startNode, stopChild, until
} from './cluster.js'
import { type Capabilities, cut, heal, netem, siteNets } from './net.js'

const here = dirname(fileURLToPath(import.meta.url))
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { killAll(); process.exit(130) })
const caps = JSON.parse(process.argv[2] ?? '{}') as Capabilities
const only = (() => { const i = process.argv.indexOf('--only'); return i > 0 ? (process.argv[i + 1] ?? '').split(',') : undefined })()
const quick = process.argv.includes('--quick')
const RATE = 8 // submits per second per site
const WARM_MS = 4000
const nets = siteNets(3)

interface Scenario {
  readonly name: string
  readonly what: string
  readonly needs?: 'faketime'
  /** seconds each site's clock is off */
  readonly clock?: (i: number) => number
  /** injects the fault, holds it, and heals; returns when healed */
  readonly fault: (c: Cluster) => Promise<void>
}

const hold = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, quick ? ms / 2 : ms)) }
const site = (c: Cluster, i: number): SiteProc => c.sites[i] as SiteProc

const scenarios: Scenario[] = [
  {
    name: 'cut-off',
    what: 'site 2 cut off for 6 s (its link down), then back',
    fault: async c => { await cut(site(c, 2).net); await hold(6000); await heal(site(c, 2).net) }
  },
  {
    name: 'split-2|1',
    what: 'sites {0,1} | {2} for 15 s with work on both sides, then healed',
    fault: async c => { await cut(site(c, 2).net); await hold(15_000); await heal(site(c, 2).net) }
  },
  {
    name: 'latency',
    what: caps.netem ? '200 ms ± 50 ms on every site\'s link (tc netem) for 12 s' : '200 ms ± 50 ms into every site (its libp2p proxy: netem is not in this kernel) for 12 s',
    fault: async c => {
      for (const s of c.sites) {
        if (caps.netem) await netem(s.net, ['delay', '200ms', '50ms'])
        else impair(s, 200, 50, 0)
      }
      await hold(12_000)
      for (const s of c.sites) {
        if (caps.netem) await netem(s.net, [])
        else impair(s, 0, 0, 0)
      }
    }
  },
  {
    name: 'loss-5%',
    what: caps.netem ? '5 % packet loss on every site\'s link (tc netem) for 12 s' : '5 % loss into every site, as TCP feels it: a lost segment costs a fast retransmit, or one time in five a 200 ms timeout (its libp2p proxy) for 12 s',
    fault: async c => {
      for (const s of c.sites) {
        if (caps.netem) await netem(s.net, ['loss', '5%'])
        else impair(s, 0, 0, 0.05)
      }
      await hold(12_000)
      for (const s of c.sites) {
        if (caps.netem) await netem(s.net, [])
        else impair(s, 0, 0, 0)
      }
    }
  },
  {
    name: 'kill-9',
    what: 'site 1 killed with SIGKILL under load, restarted 3 s later on the same data',
    fault: async c => {
      const s = site(c, 1)
      await stopChild(s.node, 'SIGKILL')
      await hold(3000)
      await startNode(c, s, [site(c, 0).p2p])
    }
  },
  {
    name: 'clock+30s',
    what: 'site 2\'s clock runs 30 s ahead (libfaketime) for the whole run',
    needs: 'faketime',
    clock: i => i === 2 ? 30 : 0,
    fault: async () => { await hold(10_000) }
  }
]

interface Row {
  readonly scenario: string
  readonly what: string
  readonly skipped?: string
  readonly operations?: number
  readonly verdict?: Verdict
  readonly convergeMs?: number
  readonly error?: string
}

async function sitesQuiet (c: Cluster): Promise<boolean> {
  const hashes = await Promise.all(c.sites.map(async s => {
    const r = await fetch(`${s.url}/health?state=1`, { signal: AbortSignal.timeout(5000) })
    return ((await r.json()) as { statehash: string }).statehash
  }))
  if (new Set(hashes).size !== 1) return false
  const stats = await new ColoniesClient({ url: site(c, 0).url, prvkey: c.user, timeoutMs: 5000 }).getColonyStatistics(COLONY)
  return stats.waitingprocesses === 0 && stats.runningprocesses === 0
}

async function runScenario (sc: Scenario): Promise<Row> {
  if (sc.needs === 'faketime' && !caps.faketime) return { scenario: sc.name, what: sc.what, skipped: 'libfaketime not installed' }
  const dir = await mkdtemp(join(tmpdir(), `colonynet-chaos-${sc.name.replace(/[^a-z0-9]/gi, '')}-`))
  let c: Cluster | undefined
  try {
    c = await startCluster(dir, nets, sc.clock)
    for (const s of c.sites) startExecutor(c, s)
    for (const s of c.sites) startClient(c, s, RATE)
    await hold(WARM_MS)
    await sc.fault(c)
    const healed = Date.now()
    for (const s of c.sites) await stopChild(s.client)
    const trace: string[] = []
    await until(async () => {
      if (await sitesQuiet(c as Cluster)) return true
      const st = await new ColoniesClient({ url: site(c as Cluster, 0).url, prvkey: (c as Cluster).user, timeoutMs: 5000 }).getColonyStatistics(COLONY)
      trace.push(`${((Date.now() - healed) / 1000).toFixed(1)}s: ${st.waitingprocesses} waiting, ${st.runningprocesses} running`)
      return false
    }, 'every site to agree with nothing left to run', 120_000)
    const converged = Date.now() - healed
    const counters = await Promise.all(c.sites.map(async s => {
      const r = await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(5000) }).then(async x => await x.json() as { federation?: { claims: { waited: number, capped: number }, silenthangups: number } }).catch(() => undefined)
      return r?.federation
    }))
    const waited = counters.reduce((n, f) => n + (f?.claims.waited ?? 0), 0)
    const capped = counters.reduce((n, f) => n + (f?.claims.capped ?? 0), 0)
    const hangups = counters.reduce((n, f) => n + (f?.silenthangups ?? 0), 0)
    console.log(`    claims that waited for acknowledgements: ${waited}, of which gave up after 2 s: ${capped}; silent links closed: ${hangups}`)
    if (converged > 5000 || process.env.CHAOS_TRACE !== undefined) console.log(`    after the heal: ${trace.filter((_, i) => i % 5 === 0).join('; ')}`)
    for (const s of c.sites) await stopChild(s.executor)
    for (const s of c.sites) await stopChild(s.node)
    const ops = (await Promise.all(c.sites.map(async s => await readLines<{ ok: boolean, pid?: string }>(join(dir, `ops-${s.name}.jsonl`))))).flat()
    const executions = (await Promise.all(c.sites.map(async s => await readLines<Execution>(join(dir, `exec-${s.name}.jsonl`))))).flat()
    const views: SiteView[] = []
    for (const s of c.sites) views.push(await siteView(s))
    const acknowledged = ops.flatMap(o => o.ok && o.pid !== undefined ? [o.pid] : [])
    return { scenario: sc.name, what: sc.what, operations: ops.length, verdict: check(acknowledged, views, executions), convergeMs: converged }
  } catch (err) {
    return { scenario: sc.name, what: sc.what, error: err instanceof Error ? err.message : String(err) }
  } finally {
    for (const s of c?.sites ?? []) {
      await stopChild(s.client, 'SIGKILL')
      await stopChild(s.executor, 'SIGKILL')
      await stopChild(s.node, 'SIGKILL')
      await stopChild(s.proxy, 'SIGKILL')
    }
    for (const n of nets) { await heal(n).catch(() => {}); await netem(n, []).catch(() => {}) }
    if (process.env.CHAOS_KEEP === undefined) await rm(dir, { recursive: true, force: true })
    else console.log('    kept', dir)
  }
}

function table (rows: Row[]): string {
  const head = ['scenario', 'operations', 'acknowledged', 'lost', 'double results', 'illegal paths', 'duplicate executions', 'converge after heal', 'hashes']
  const lines = rows.map(r => {
    if (r.skipped !== undefined) return [r.scenario, `skipped: ${r.skipped}`, '', '', '', '', '', '', '']
    if (r.error !== undefined || r.verdict === undefined) return [r.scenario, `error: ${r.error ?? '?'}`, '', '', '', '', '', '', '']
    const v = r.verdict
    return [r.scenario, String(r.operations), String(v.acknowledged), String(v.lost.length), String(v.doubleResults.length), String(v.illegal.length),
      String(v.duplicateExecutions), `${((r.convergeMs ?? 0) / 1000).toFixed(1)} s`, v.hashesEqual ? 'equal' : 'DIFFER']
  })
  const width = head.map((h, i) => Math.max(h.length, ...lines.map(l => (l[i] ?? '').length)))
  const fmt = (cells: string[]): string => cells.map((x, i) => x.padEnd(width[i] ?? 0)).join('  ')
  return [fmt(head), width.map(w => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n')
}

const rows: Row[] = []
for (const sc of scenarios) {
  if (only !== undefined && !only.includes(sc.name)) continue
  console.log(`[${rows.length + 1}] ${sc.name}: ${sc.what} …`)
  const row = await runScenario(sc)
  rows.push(row)
  if (row.verdict !== undefined) {
    const v = row.verdict
    console.log(`    ${row.operations} operations, ${v.acknowledged} acknowledged, lost ${v.lost.length}, double results ${v.doubleResults.length}, illegal ${v.illegal.length}, duplicate executions ${v.duplicateExecutions}, converged ${((row.convergeMs ?? 0) / 1000).toFixed(1)} s after the heal`)
    for (const x of [...v.lost.slice(0, 3).map(p => `lost ${p}`), ...v.doubleResults.slice(0, 3).map(p => `double result ${p}`), ...v.illegal.slice(0, 3).map(i => `illegal ${i.pid}: ${i.why}`)]) console.log(`    ${x}`)
  } else {
    console.log(`    ${row.skipped !== undefined ? `skipped: ${row.skipped}` : `error: ${row.error ?? ''}`}`)
  }
}
console.log('')
console.log(table(rows))
const resultsDir = join(here, 'results')
await mkdir(resultsDir, { recursive: true })
const file = join(resultsDir, `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
await writeFile(file, JSON.stringify({ date: new Date().toISOString(), capabilities: caps, rows }, null, 2))
console.log(`\nresults written to ${file}`)
const bad = rows.some(r => r.error !== undefined || (r.verdict !== undefined && (r.verdict.lost.length > 0 || r.verdict.doubleResults.length > 0 || r.verdict.illegal.length > 0 || !r.verdict.hashesEqual)))
process.exit(bad ? 1 : 0)
