/**
 * Runs the chaos scenarios from inside the driver's namespace (see run.ts, which builds
 * the network and starts this). Per scenario: a fresh three-site colony, clients and
 * executors at every site, a warm-up, the fault, the heal, then convergence and the
 * checker. Prints one table row per scenario and writes chaos/results/chaos-<time>.json.
 * The retention scenario also waits for every success to be purged everywhere, then holds
 * the sites to their archives (checkRetention).
 * Usage: driver.ts CAPABILITIES_JSON [--only NAME,…] [--quick]
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { idFromPrivateKey } from '../src/protocol/crypto.js'
import { check, checkRetention, type Execution, type RetentionSiteView, type RetentionVerdict, type SiteView, type Verdict } from './check.js'
import {
  COLONY, killAll, type Cluster, historyView, impair, readLines, siteView, type SiteProc, startClient, startCluster, startExecutor, startNode, stopChild, until
} from './cluster.js'
import { prunePeriodMs } from '../src/node/retention.js'
import { type Capabilities, cut, heal, netem, natNets, type SiteNet, siteNets } from './net.js'
import { natScenarios } from './nat.js'
import { BACKLOG_PER_SITE, BACKLOG_RUN_MS, backlogCut, duplicateLines } from './backlog.js'

const here = dirname(fileURLToPath(import.meta.url))
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { killAll(); process.exit(130) })
const caps = JSON.parse(process.argv[2] ?? '{}') as Capabilities
const only = (() => { const i = process.argv.indexOf('--only'); return i > 0 ? (process.argv[i + 1] ?? '').split(',') : undefined })()
const quick = process.argv.includes('--quick')
const RATE = 8 // submits per second per site
const WARM_MS = 4000
const usualNets = siteNets(3)
/** the retention scenario's policy, and how long its site is cut off: longer than the horizon */
const RETENTION_S = quick ? 6 : 20
const RETENTION_CUT_S = quick ? 9 : 30
/** executor-kill-9: the sites' lease (--lease), and how long site 1's executions take there */
const LEASE_S = 5
const SLOW_RUN_MS = 1500

export interface Scenario {
  readonly name: string
  readonly what: string
  readonly needs?: 'faketime' | 'nat'
  /** the sites' networks, when not the usual three on the hub (the NAT scenarios: nat.ts) */
  readonly nets?: SiteNet[]
  /** sets the network up before the sites start (the NAT routers' kind) */
  readonly before?: () => Promise<void>
  /** seconds each site's clock is off */
  readonly clock?: (i: number) => number
  /** injects the fault, holds it, and heals; returns when healed */
  readonly fault: (c: Cluster) => Promise<void>
  /** every site runs with this retention policy (seconds) and an archive */
  readonly retentionS?: number
  /** the warm-up, when not the usual one: from the first execution at every site (not halved by --quick) */
  readonly warmMs?: number
  /** more `node start` flags for every site */
  readonly nodeArgs?: readonly string[]
  /** how site i's executor runs (startExecutor's options), when not the usual way */
  readonly executor?: (i: number) => { readonly runMs?: number, readonly watchMs?: number }
  /** submits per second per site by the clients (default RATE; 0: no clients) */
  readonly rate?: number
  /** --only NAME also runs every scenario of this group */
  readonly group?: string
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const hold = async (ms: number): Promise<void> => { await sleep(quick ? ms / 2 : ms) }
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
    name: 'executor-kill-9',
    what: `site 1's executor (${SLOW_RUN_MS / 1000} s executions) killed with SIGKILL mid-process, back with the same identity ${LEASE_S + 2} s later (lease ${LEASE_S} s)`,
    nodeArgs: ['--lease', String(LEASE_S)],
    executor: i => i === 1 ? { runMs: SLOW_RUN_MS, watchMs: 500 } : {},
    fault: async c => {
      const s = site(c, 1)
      const file = join(c.dir, `exec-${s.name}.jsonl`)
      // mid-process: its last execution started less than a second ago and runs 1.5 s
      let held = ''
      await until(async () => {
        const last = (await readLines<Execution & { t: number }>(file)).at(-1)
        held = last !== undefined && Date.now() - last.t < SLOW_RUN_MS - 500 ? last.pid : ''
        return held !== ''
      }, `${s.name}'s executor to be mid-process`, 30_000)
      await stopChild(s.executor, 'SIGKILL')
      await sleep(LEASE_S * 1000 + 2000)
      // none left RUNNING past the lease: the killed executor's process went back to the queue
      const p = await new ColoniesClient({ url: s.url, prvkey: c.user, timeoutMs: 5000 }).getProcess(held)
      if (p.state === 1 && p.assignedexecutorid === idFromPrivateKey(c.executorKeys[1] as string)) {
        throw new Error(`process ${held} still RUNNING on the killed executor ${LEASE_S + 2} s after the kill (lease ${LEASE_S} s)`)
      }
      console.log(`    the killed executor's process ${held.slice(0, 12)}… is ${['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'][p.state] ?? p.state}${p.state === 1 ? ` at another executor` : ''} ${LEASE_S + 2} s after the kill`)
      startExecutor(c, s)
    }
  },
  ...(['0', undefined] as const).map((grace): Scenario => ({
    name: grace === undefined ? 'backlog-cut' : `backlog-cut/grace-${grace}`,
    group: 'backlog-cut',
    what: `${BACKLOG_PER_SITE} processes waiting at each site, idle executors, sites {0,1} | {2} for 30 s; partition grace ${grace === undefined ? 'default' : `${grace} (off: the code before it)`}`,
    rate: 0,
    nodeArgs: grace === undefined ? [] : ['--partition-grace', grace],
    executor: () => ({ runMs: BACKLOG_RUN_MS }),
    fault: async c => { await backlogCut(c, quick ? 15_000 : 30_000) }
  })),
  {
    name: 'clock+30s',
    what: 'site 2\'s clock runs 30 s ahead (libfaketime) for the whole run',
    needs: 'faketime',
    clock: i => i === 2 ? 30 : 0,
    fault: async () => { await hold(10_000) }
  },
  {
    name: 'retention',
    what: `retention ${RETENTION_S} s with archives; site 2 cut off for ${RETENTION_CUT_S} s (longer than the horizon) with work on both sides, then healed, until every success is purged everywhere`,
    retentionS: RETENTION_S,
    // pruning is under way before the cut: the first successes pass the horizon, then prunes apply
    warmMs: RETENTION_S * 1000 + 2 * prunePeriodMs(RETENTION_S),
    fault: async c => { await cut(site(c, 2).net); await sleep(RETENTION_CUT_S * 1000); await heal(site(c, 2).net) }
  },
  ...natScenarios(natNets(), { hold, quick })
]

interface Row {
  readonly scenario: string
  readonly what: string
  readonly skipped?: string
  readonly operations?: number
  readonly verdict?: Verdict | RetentionVerdict
  readonly convergeMs?: number
  /** retention: from the heal until every site had purged every success; per site, how many it purged before the cut, during it and after the heal */
  readonly retention?: { readonly purgedMs: number, readonly when: string[] }
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

/** Each site's state hash, record count and queue, for an error that says where a run stuck. */
async function quietReport (c: Cluster): Promise<string> {
  const parts = await Promise.all(c.sites.map(async s => {
    try {
      const h = await (await fetch(`${s.url}/health?state=1`, { signal: AbortSignal.timeout(5000) })).json() as { statehash: string, records: number }
      const st = await new ColoniesClient({ url: s.url, prvkey: c.user, timeoutMs: 5000 }).getColonyStatistics(COLONY)
      return `${s.name} hash ${h.statehash.slice(0, 8)} records ${h.records} waiting ${st.waitingprocesses} running ${st.runningprocesses}`
    } catch (err) {
      return `${s.name} no answer (${(err as Error).message})`
    }
  }))
  return parts.join('; ')
}

/** Every site agrees, runs nothing and holds no successful process: retention purged them all. */
async function allPurged (c: Cluster): Promise<boolean> {
  if (!await sitesQuiet(c)) return false
  for (const s of c.sites) {
    const st = await new ColoniesClient({ url: s.url, prvkey: c.user, timeoutMs: 5000 }).getColonyStatistics(COLONY)
    if (st.successfulprocesses > 0 || st.waitingprocesses > 0 || st.runningprocesses > 0) return false
  }
  return true
}

/** The units (a standalone process's id is its unit's) named in a site's archive files, with when each was archived. */
async function archivedUnits (s: SiteProc): Promise<Map<string, number>> {
  const dir = s.archive ?? ''
  const files = (await readdir(dir).catch(() => [])).filter(f => f.endsWith('.jsonl'))
  const lines = (await Promise.all(files.map(async f => await readLines<{ unit: string, at: number }>(join(dir, f))))).flat()
  return new Map(lines.map(l => [l.unit, l.at]))
}

/** Of `ids`, those a running site still answers getprocessmsg for (a purged process must be 404). */
async function stillAnswered (c: Cluster, s: SiteProc, ids: readonly string[]): Promise<string[]> {
  const client = new ColoniesClient({ url: s.url, prvkey: c.user, timeoutMs: 5000 })
  const found: string[] = []
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(ids.slice(i, i + 16).map(async id => {
      try {
        await client.getProcess(id)
        found.push(id)
      } catch (err) {
        if ((err as { status?: number }).status !== 404) throw err
      }
    }))
  }
  return found
}

const isRetention = (v: Verdict | undefined): v is RetentionVerdict => v !== undefined && 'purged' in v

async function runScenario (sc: Scenario): Promise<Row> {
  if (sc.needs === 'faketime' && !caps.faketime) return { scenario: sc.name, what: sc.what, skipped: 'libfaketime not installed' }
  if (sc.needs === 'nat' && !caps.nat) return { scenario: sc.name, what: sc.what, skipped: 'iptables cannot masquerade here' }
  const nets = sc.nets ?? usualNets
  const dir = await mkdtemp(join(tmpdir(), `colonynet-chaos-${sc.name.replace(/[^a-z0-9]/gi, '')}-`))
  let c: Cluster | undefined
  try {
    await sc.before?.()
    c = await startCluster(dir, nets, sc.clock, sc.retentionS, sc.nodeArgs)
    for (const s of c.sites) startExecutor(c, s, sc.executor?.(s.net.index))
    if (sc.rate !== 0) for (const s of c.sites) startClient(c, s, sc.rate ?? RATE)
    if (sc.warmMs !== undefined) {
      const sites = c.sites
      await until(async () => (await Promise.all(sites.map(async s => await readLines(join(dir, `exec-${s.name}.jsonl`))))).every(l => l.length > 0), 'work at every site', 30_000)
      await sleep(sc.warmMs)
    } else {
      await hold(WARM_MS)
    }
    const faulted = Date.now()
    await sc.fault(c)
    const healed = Date.now()
    for (const s of c.sites) await stopChild(s.client)
    const trace: string[] = []
    await until(async () => {
      if (await sitesQuiet(c as Cluster)) return true
      const st = await new ColoniesClient({ url: site(c as Cluster, 0).url, prvkey: (c as Cluster).user, timeoutMs: 5000 }).getColonyStatistics(COLONY)
      trace.push(`${((Date.now() - healed) / 1000).toFixed(1)}s: ${st.waitingprocesses} waiting, ${st.runningprocesses} running`)
      return false
    }, 'every site to agree with nothing left to run', 120_000).catch(async (err: Error) => {
      // say where it stuck: what was left at the end
      throw new Error(`${err.message} (site 0 at the end: ${trace.slice(-1)[0] ?? 'no answer'}; ${await quietReport(c as Cluster)})`)
    })
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
    let retention: Row['retention']
    const answered = new Map<SiteProc, string[]>()
    if (sc.retentionS !== undefined) {
      // the last successes leave once a prune's horizon passes them: the policy and a few periods on
      await until(async () => await allPurged(c as Cluster), 'every site to purge every successful process', sc.retentionS * 3000 + 60_000)
      const purgedMs = Date.now() - healed
      const archived = await Promise.all(c.sites.map(archivedUnits))
      const units = [...new Set(archived.flatMap(a => [...a.keys()]))]
      for (const s of c.sites) answered.set(s, await stillAnswered(c, s, units))
      // when each site purged: before the cut, while site 2 was away (only what it can no longer change), after the heal
      const when = archived.map(a => {
        const at = [...a.values()]
        const before = at.filter(t => t < faulted).length
        const during = at.filter(t => t < healed).length - before
        return `${before}/${during}/${at.length - before - during}`
      })
      console.log(`    purged before the cut / while site 2 was away / after the heal, per site: ${when.join(', ')}`)
      const pruned = await Promise.all(c.sites.map(async s => {
        const r = await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(5000) }).then(async x => await x.json() as { retention?: { processes: number, last: Array<{ below: number }> } }).catch(() => undefined)
        return `${r?.retention?.processes ?? '?'} (last frontier ${r?.retention?.last[0] === undefined ? '-' : `${((Date.now() - r.retention.last[0].below) / 1000).toFixed(1)} s ago`})`
      }))
      console.log(`    every success purged at every site ${(purgedMs / 1000).toFixed(1)} s after the heal; /health says purged: ${pruned.join(', ')}; ${units.length} archived units asked for at every site`)
      retention = { purgedMs, when }
    }
    for (const s of c.sites) await stopChild(s.executor)
    // an executor that ran a process whose claim lost may close it only now: that refused
    // close is put on record (node/late-runs.ts) and must reach every site before they stop
    await until(async () => await sitesQuiet(c as Cluster), 'every site to agree once the executors stopped', 30_000)
    for (const s of c.sites) await stopChild(s.node)
    const ops = (await Promise.all(c.sites.map(async s => await readLines<{ ok: boolean, pid?: string }>(join(dir, `ops-${s.name}.jsonl`))))).flat()
    const executions = (await Promise.all(c.sites.map(async s => await readLines<Execution>(join(dir, `exec-${s.name}.jsonl`))))).flat()
    const views: SiteView[] = []
    for (const s of c.sites) views.push(await siteView(s))
    const acknowledged = ops.flatMap(o => o.ok && o.pid !== undefined ? [o.pid] : [])
    if (sc.retentionS !== undefined) {
      const full: RetentionSiteView[] = []
      for (const [i, s] of c.sites.entries()) full.push({ ...views[i] as SiteView, ...await historyView(s), answered: answered.get(s) ?? [] })
      return { scenario: sc.name, what: sc.what, operations: ops.length, verdict: checkRetention(acknowledged, full, executions), convergeMs: converged, ...(retention === undefined ? {} : { retention }) }
    }
    const names = new Map(c.sites.map(s => [s.nodeid, s.name]))
    for (const line of duplicateLines(executions, views[0], names).slice(-21)) console.log(line)
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

/** What the retention scenario proved, per site where it counts. */
function retentionCell (v: RetentionVerdict): string {
  return `purged ${v.purged.join('/')}, archived ${v.archivedRecords.join('/')} records, reappeared ${v.reappeared.length}` +
    `, archives ${v.archivesDisagree.length === 0 ? 'agree' : `DISAGREE on ${v.archivesDisagree.length} units`}` +
    `, verified ${v.archiveProblems.length === 0 ? 'ok' : `${v.archiveProblems.length} PROBLEMS`}, whole histories ${v.historiesEqual ? 'equal' : 'DIFFER'}`
}

function retentionFailed (v: Verdict): boolean {
  return isRetention(v) && (v.reappeared.length > 0 || v.archivesDisagree.length > 0 || v.archiveProblems.length > 0 || !v.historiesEqual)
}

function table (rows: Row[]): string {
  // the retention column only where a retention scenario ran
  const withRetention = rows.some(r => isRetention(r.verdict))
  const head = ['scenario', 'operations', 'acknowledged', 'lost', 'double results', 'illegal paths', 'duplicate executions', 'converge after heal', 'hashes',
    ...(withRetention ? ['retention (per site)'] : [])]
  const blank = head.slice(2).map(() => '')
  const lines = rows.map(r => {
    if (r.skipped !== undefined) return [r.scenario, `skipped: ${r.skipped}`, ...blank]
    if (r.error !== undefined || r.verdict === undefined) return [r.scenario, `error: ${r.error ?? '?'}`, ...blank]
    const v = r.verdict
    return [r.scenario, String(r.operations), String(v.acknowledged), String(v.lost.length), String(v.doubleResults.length), String(v.illegal.length),
      String(v.duplicateExecutions), `${((r.convergeMs ?? 0) / 1000).toFixed(1)} s`, v.hashesEqual ? 'equal' : 'DIFFER',
      ...(withRetention ? [isRetention(v) ? retentionCell(v) : ''] : [])]
  })
  const width = head.map((h, i) => Math.max(h.length, ...lines.map(l => (l[i] ?? '').length)))
  const fmt = (cells: string[]): string => cells.map((x, i) => x.padEnd(width[i] ?? 0)).join('  ')
  return [fmt(head), width.map(w => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n')
}

const rows: Row[] = []
for (const sc of scenarios) {
  // `--only nat` names every NAT scenario, `--only backlog-cut` both of its runs
  if (only !== undefined && !only.includes(sc.name) && (sc.group === undefined || !only.includes(sc.group))) continue
  console.log(`[${rows.length + 1}] ${sc.name}: ${sc.what} …`)
  const row = await runScenario(sc)
  rows.push(row)
  if (row.verdict !== undefined) {
    const v = row.verdict
    console.log(`    ${row.operations} operations, ${v.acknowledged} acknowledged, lost ${v.lost.length}, double results ${v.doubleResults.length}, illegal ${v.illegal.length}, duplicate executions ${v.duplicateExecutions}, converged ${((row.convergeMs ?? 0) / 1000).toFixed(1)} s after the heal`)
    for (const x of [...v.lost.slice(0, 3).map(p => `lost ${p}`), ...v.doubleResults.slice(0, 3).map(p => `double result ${p}`), ...v.illegal.slice(0, 3).map(i => `illegal ${i.pid}: ${i.why}`)]) console.log(`    ${x}`)
    if (isRetention(v)) {
      console.log(`    ${retentionCell(v)}`)
      for (const x of [...v.reappeared.slice(0, 3).map(p => `reappeared ${p}`), ...v.archivesDisagree.slice(0, 3).map(u => `archives disagree on ${u}`), ...v.archiveProblems.slice(0, 3)]) console.log(`    ${x}`)
    }
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
const bad = rows.some(r => r.error !== undefined || (r.verdict !== undefined && (r.verdict.lost.length > 0 || r.verdict.doubleResults.length > 0 || r.verdict.illegal.length > 0 || !r.verdict.hashesEqual || retentionFailed(r.verdict))))
process.exit(bad ? 1 : 0)
