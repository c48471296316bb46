/**
 * `npm run soak` (issue 8): three sites in network namespaces under a steady load for ten
 * minutes (or `--minutes N`), with a fault every `--fault-every` seconds (a site cut off
 * for 10 s, or killed with SIGKILL and restarted, in turn). Every 10 s it samples each
 * node's resident memory and record count; per minute it reports submit → start latency
 * (p50/p99, from the clients' send times and the executors' start times) and the
 * acknowledgement latency of submits. At the end the checker runs as in `npm run chaos`.
 * Run through chaos/run.ts (`--soak`), which builds the network.
 */
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { check, type SiteView } from './check.js'
import {
  COLONY, type Cluster, killAll, readLines, siteView, type SiteProc, startClient, startCluster, startExecutor, startNode, stopChild, until
} from './cluster.js'
import { cut, heal, siteNets } from './net.js'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { percentile } from '../bench/percentile.js'

const here = dirname(fileURLToPath(import.meta.url))
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { killAll(); process.exit(130) })
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
const minutes = arg('--minutes', 10)
const faultEvery = arg('--fault-every', 60)
const RATE = 8
const nets = siteNets(3)

async function rssMiB (pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
  return kb / 1024
}

async function records (s: SiteProc): Promise<number> {
  const r = await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined)
  return r === undefined ? NaN : ((await r.json()) as { records: number }).records
}


const dir = await mkdtemp(join(tmpdir(), 'colonynet-soak-'))
const c: Cluster = await startCluster(dir, nets)
const samples: Array<{ t: number, site: string, rssMiB: number, records: number }> = []
const faults: Array<{ t: number, what: string }> = []
const start = Date.now()
try {
  for (const s of c.sites) startExecutor(c, s)
  for (const s of c.sites) startClient(c, s, RATE)
  console.log(`soak: ${minutes} min, ${RATE * 3} submits/s over three sites, a fault every ${faultEvery} s`)
  let nextFault = start + faultEvery * 1000
  let k = 0
  const end = start + minutes * 60_000
  while (Date.now() < end) {
    const now = Date.now()
    for (const s of c.sites) samples.push({ t: now - start, site: s.name, rssMiB: await rssMiB(s.node?.pid), records: await records(s) })
    const last = samples.slice(-3)
    console.log(`  ${((now - start) / 60_000).toFixed(1)} min: ${last.map(x => `${x.site} ${x.rssMiB.toFixed(0)} MiB / ${x.records} records`).join(', ')}`)
    if (now >= nextFault) {
      const s = c.sites[k % 3] as SiteProc
      if (k % 2 === 0) {
        faults.push({ t: now - start, what: `${s.name} cut off for 10 s` })
        await cut(s.net)
        await new Promise(resolve => setTimeout(resolve, 10_000))
        await heal(s.net)
      } else {
        faults.push({ t: now - start, what: `${s.name} killed (SIGKILL) and restarted` })
        await stopChild(s.node, 'SIGKILL')
        await new Promise(resolve => setTimeout(resolve, 2000))
        await startNode(c, s, [(c.sites[(k + 1) % 3] as SiteProc).p2p])
      }
      console.log(`  fault: ${faults[faults.length - 1]?.what ?? ''}`)
      k++
      nextFault = Date.now() + faultEvery * 1000
    }
    await new Promise(resolve => setTimeout(resolve, 10_000))
  }
  for (const s of c.sites) await stopChild(s.client)
  const settle = await until(async () => {
    const stats = await new ColoniesClient({ url: c.sites[0]?.url ?? '', prvkey: c.user, timeoutMs: 5000 }).getColonyStatistics(COLONY)
    return stats.waitingprocesses === 0 && stats.runningprocesses === 0
  }, 'the last work to finish', 180_000)
  for (const s of c.sites) await stopChild(s.executor)
  for (const s of c.sites) await stopChild(s.node)

  // latency per minute: submit sent → execution started (first execution of each process)
  const ops = (await Promise.all(c.sites.map(async s => await readLines<{ ok: boolean, pid?: string, sent: number, answered: number }>(join(dir, `ops-${s.name}.jsonl`))))).flat()
  const execs = (await Promise.all(c.sites.map(async s => await readLines<{ pid: string, site: string, t: number }>(join(dir, `exec-${s.name}.jsonl`))))).flat()
  const started = new Map<string, number>()
  for (const e of execs) if (!started.has(e.pid) || (started.get(e.pid) as number) > e.t) started.set(e.pid, e.t)
  const perMinute: Array<{ minute: number, submits: number, ackP50: number, ackP99: number, startP50: number, startP99: number }> = []
  for (let m = 0; m < minutes; m++) {
    const inMinute = ops.filter(o => o.ok && o.sent - start >= m * 60_000 && o.sent - start < (m + 1) * 60_000)
    const ack = inMinute.map(o => o.answered - o.sent).sort((a, b) => a - b)
    const toStart = inMinute.flatMap(o => { const t = started.get(o.pid ?? ''); return t === undefined ? [] : [t - o.sent] }).sort((a, b) => a - b)
    perMinute.push({ minute: m + 1, submits: inMinute.length, ackP50: percentile(ack, 0.5), ackP99: percentile(ack, 0.99), startP50: percentile(toStart, 0.5), startP99: percentile(toStart, 0.99) })
  }
  const views: SiteView[] = []
  for (const s of c.sites) views.push(await siteView(s))
  const verdict = check(ops.flatMap(o => o.ok && o.pid !== undefined ? [o.pid] : []), views, execs)

  console.log('\nminute  submits  ack p50  ack p99  submit→start p50  submit→start p99')
  for (const r of perMinute) {
    console.log(`${String(r.minute).padStart(6)}  ${String(r.submits).padStart(7)}  ${r.ackP50.toFixed(0).padStart(5)} ms  ${r.ackP99.toFixed(0).padStart(5)} ms  ${r.startP50.toFixed(0).padStart(13)} ms  ${r.startP99.toFixed(0).padStart(13)} ms`)
  }
  console.log('\nmemory: resident MiB per node (and KiB per ledger record) at the first and the last sample')
  for (const s of c.sites) {
    const mine = samples.filter(x => x.site === s.name && Number.isFinite(x.rssMiB) && x.records > 0)
    const a = mine[1] ?? mine[0]
    const b = mine[mine.length - 1]
    if (a === undefined || b === undefined) continue
    const perRecord = (b.rssMiB - a.rssMiB) * 1024 / Math.max(1, b.records - a.records)
    console.log(`  ${s.name}: ${a.rssMiB.toFixed(0)} → ${b.rssMiB.toFixed(0)} MiB, ${a.records} → ${b.records} records: ${perRecord.toFixed(2)} KiB per record added`)
  }
  console.log(`\nchecker: ${verdict.acknowledged} acknowledged, lost ${verdict.lost.length}, double results ${verdict.doubleResults.length}, illegal paths ${verdict.illegal.length}, duplicate executions ${verdict.duplicateExecutions}, hashes ${verdict.hashesEqual ? 'equal' : 'DIFFER'}, last work done ${(settle / 1000).toFixed(1)} s after the load stopped`)
  await mkdir(join(here, 'results'), { recursive: true })
  const file = join(here, 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  await writeFile(file, JSON.stringify({ minutes, faultEvery, faults, samples, perMinute, verdict: { ...verdict, lost: verdict.lost.length, doubleResults: verdict.doubleResults.length } }, null, 2))
  console.log(`results written to ${file}`)
  process.exitCode = verdict.lost.length > 0 || verdict.doubleResults.length > 0 || verdict.illegal.length > 0 || !verdict.hashesEqual ? 1 : 0
} finally {
  for (const s of c.sites) {
    await stopChild(s.client, 'SIGKILL')
    await stopChild(s.executor, 'SIGKILL')
    await stopChild(s.node, 'SIGKILL')
    await stopChild(s.proxy, 'SIGKILL')
  }
  for (const n of nets) await heal(n).catch(() => {})
  await rm(dir, { recursive: true, force: true })
}
