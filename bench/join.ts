/**
 * `npm run bench:join`: joining a colony that has run a long time (issue 24). Two sites, A
 * and B, each a node in its own process (bench/fixtures/site-server.ts); A is filled with
 * `--processes N` completed processes (default 1,000,000; --quick 100,000), appended
 * straight to its ledger as fast as it takes them (a user's signed submit, A's claim for an
 * approved executor, the executor's signed close: three records each), and B follows by
 * gossip and sync. Then a fresh site C, bootstrapped to A and admitted, joins, and the bench
 * measures from C's start to C holding what A holds: the state hashes of A, B and C equal
 * and, where A pruned, the summary C joined from verified by B.
 * Two runs, each on fresh sites:
 * - retention: every site purges successful processes older than 30 s (prunes looked at
 *   every 1 s), as an operator configures a colony; C joins once A and B have pruned the
 *   fill (the processes out of memory and off disk, A's batches deleted) and pulls a summary
 *   and the retained records only. With --follow, B and C have retention off and follow
 *   A's prune records instead;
 * - full sync (the baseline): the same N without retention; C pulls all 3·N records. Run by
 *   default up to 100,000 processes; above that only with --baseline (the issue compares
 *   with the full sync of 1,000,000 records measured before: 276 s, docs/PERFORMANCE.md).
 * Prints a table and `fresh site joins a colony whose ledger has seen N processes with
 * retention on: X s, Y MiB received …`; exits 1 if that join took 10 s or more, or C found
 * the summary it joined from in conflict with B's.
 * Options: --processes N · --quick · --baseline · --no-baseline · --baseline-processes N (the
 * baseline's own N: 333,333 makes the 1,000,000-record full sync measured before) · --policy
 * SECONDS (the retention policy, default 30) · --follow. BENCH_SITE_LOG_DIR=DIR keeps each
 * site's log lines in DIR; BENCH_KEEP_DIRS=1 keeps the sites' data directories.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Level } from 'level'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { dirBytes } from '../src/node/disk.js'
import { generatePrivateKey, idFromPrivateKey } from '../src/protocol/crypto.js'
import { ProcessState } from '../src/protocol/state.js'
import { cpuSeconds } from './compare/proc-stats.js'
import { type Site, startSite, stopSite } from './federation.js'

const MIB = 2 ** 20
/** the issue's bound for a join with retention on */
const JOIN_TARGET_S = 10
/** the full sync of 1,000,000 records measured before retention existed (docs/PERFORMANCE.md) */
const FULL_SYNC_1M_S = 276
/** baselines run in the same run up to this many processes (a full sync above it takes many minutes) */
const BASELINE_MAX = 100_000
const COLONY = 'join'
const EXECUTORTYPE = 'join'

export interface JoinOptions {
  readonly processes: number
  /** seconds; 0: the baseline run (retention off) */
  readonly policySeconds: number
  /** B and C follow A's prunes (retention off there) instead of each having the same policy */
  readonly follow?: boolean
}

interface Status {
  records: number
  held: number
  batches: number
  bytesIn: number
  syncBytes: number
  projectionsPending: number
  memory: { units: number, processes: number, pagedIn: number, evicted: number, sweeps: number }
  pruned: { units: number, processes: number, pending: number }
  deletedBeyond: boolean
  summary?: string
  generations: Array<[string, string]>
  heapUsed: number
  counts?: number[]
  disk?: number
  statehash?: string
}

async function status (s: Site, opts: { hash?: boolean, disk?: boolean, gc?: boolean } = {}): Promise<Status> {
  const p = s.next('status')
  s.send({ cmd: 'status', colony: COLONY, ...opts })
  return await p
}

/** Polls `check` every `everyMs` until it gives a value; throws naming `what` after `ms`. */
async function until<T> (what: string | (() => string | Promise<string>), check: () => Promise<T | undefined>, ms: number, everyMs = 250): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${typeof what === 'string' ? what : await what()}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

const seconds = (ms: number): number => Number((ms / 1000).toFixed(1))
const mib = (bytes: number, digits = 1): number => Number((bytes / MIB).toFixed(digits))


/** A stopped site's data directory after level compacted all of its ledger's keys. */
async function compactedBytes (dir: string): Promise<number> {
  const db = new Level<string, unknown>(join(dir, 'ledger'), { valueEncoding: 'json' })
  await db.open()
  // `level` is classic-level on Node, whose compactRange its types do not name
  await (db as unknown as { compactRange: (start: string, end: string) => Promise<void> }).compactRange('\u0000', '\uffff')
  await db.close()
  return await dirBytes(dir)
}

/** One run: A filled, B following, then a fresh C joins. Figures by name. */
export async function joinRun (o: JoinOptions, log = console.log): Promise<Record<string, number | string>> {
  const root = await mkdtemp(join(tmpdir(), 'colonynet-bench-join-'))
  const operator = generatePrivateKey()
  const ownerKey = generatePrivateKey()
  const userKey = generatePrivateKey()
  const executorKey = generatePrivateKey()
  const retention = o.policySeconds > 0
  // Every site with the same policy, as an operator configures a colony; or (--follow) A
  // only, B and C following A's prune records (their own keep the frontier moving)
  const period = { BENCH_RETENTION_PERIOD_MS: '1000' }
  const policy = { BENCH_RETENTION_POLICY_S: String(o.policySeconds), ...period }
  const envA = retention ? policy : {}
  const envOthers = retention ? (o.follow === true ? period : policy) : {}
  const sites: Site[] = []
  const f: Record<string, number | string> = {}
  // deadlines that grow with the ledger: 1 ms per process, at least 10 minutes
  const long = Math.max(600_000, o.processes)
  try {
    const a = await startSite(root, 'a', operator, undefined, envA)
    sites.push(a)
    const b = await startSite(root, 'b', operator, a.p2p[0], envOthers)
    sites.push(b)
    const op = new ColoniesClient({ url: a.url, prvkey: operator })
    await op.addColony(COLONY, idFromPrivateKey(ownerKey))
    const owner = op.withKey(ownerKey)
    await owner.addSite(COLONY, b.nodeid, 'b')
    await owner.addUser({ colonyname: COLONY, userid: idFromPrivateKey(userKey), name: 'bench' })
    await owner.addExecutor({ colonyname: COLONY, executorid: idFromPrivateKey(executorKey), executorname: 'x', executortype: EXECUTORTYPE })
    await owner.approveExecutor(COLONY, 'x')

    const cpu = (s: Site): number => cpuSeconds(s.child.pid ?? 0) ?? NaN
    const fillCpu0 = sites.map(cpu)
    log(`  filling A with ${o.processes.toLocaleString('en')} completed processes${retention ? `, retention ${o.policySeconds} s at A` : ', retention off'} …`)
    const t0 = performance.now()
    const filled = a.next('completed')
    a.send({ cmd: 'complete', n: o.processes, colony: COLONY, userKey, executorKey, executortype: EXECUTORTYPE })
    let fillDone: { ms: number } | undefined
    void filled.then(v => { fillDone = v })
    let lastLog = performance.now()
    await until('A to append the processes', async () => {
      if (fillDone !== undefined) return true
      if (performance.now() - lastLog >= 30_000) {
        lastLog = performance.now()
        const [sa, sb] = [await status(a), await status(b)]
        log(`    ${seconds(lastLog - t0)} s: A folded ${sa.records.toLocaleString('en')} records (holds ${sa.held.toLocaleString('en')}), B ${sb.records.toLocaleString('en')}; ` +
          `pruned at A / B ${sa.pruned.processes.toLocaleString('en')} / ${sb.pruned.processes.toLocaleString('en')} (prune records waiting ${sa.pruned.pending} / ${sb.pruned.pending}); A heap ${mib(sa.heapUsed)} MiB`)
      }
      return undefined
    }, long * 4, 500)
    const fillMs = (fillDone as unknown as { ms: number }).ms
    f['fill: A appends the processes, s'] = seconds(fillMs)
    f['fill: processes/s'] = Math.round(o.processes / (fillMs / 1000))
    await until('B to hold A\'s batches', async () => {
      const [sa, sb] = [await status(a), await status(b)]
      return sa.batches === sb.batches ? true : undefined
    }, long, 1000)
    f['fill: until B holds them too, s'] = seconds(performance.now() - t0)
    if (retention) {
      // both sites pruned the fill: out of memory, off disk (no successful process left), batches deleted
      await until(async () => `the sites to prune the fill (${JSON.stringify(await Promise.all(sites.map(async s => { const st = await status(s); return { pruned: st.pruned, memory: st.memory.processes, success: st.counts?.[ProcessState.SUCCESS] } })))})`, async () => {
        const st = await Promise.all(sites.map(async s => await status(s)))
        return st.every(s => s.pruned.processes >= o.processes && (s.counts?.[ProcessState.SUCCESS] ?? 0) === 0 && s.memory.processes === 0 && s.projectionsPending === 0) && st[0]?.deletedBeyond === true ? true : undefined
      }, long, 1000)
      f['fill: until both sites pruned it, s'] = seconds(performance.now() - t0)
    } else {
      await until('the sites to write their projections', async () =>
        (await Promise.all(sites.map(async s => await status(s)))).every(s => s.projectionsPending === 0) ? true : undefined, long, 1000)
    }
    // CPU is what the machine's load does not change: the sites share its cores with everything else
    sites.forEach((s, i) => { f[`fill: CPU s, ${s.name.toUpperCase()} (until ${retention ? 'pruned' : 'written'})`] = Math.round(cpu(s) - (fillCpu0[i] ?? 0)) })
    const [sa, sb] = [await status(a, { disk: true, gc: true }), await status(b, { disk: true, gc: true })]
    if (retention) {
      // every site that applied the same prunes has the same digest for each: a joiner checks it
      const digests = new Map(sb.generations)
      const common = sa.generations.filter(([id]) => digests.has(id))
      const agree = common.filter(([id, d]) => digests.get(id) === d).length
      f['A and B summary digests agree (generations)'] = `${agree} of ${common.length}`
      if (agree < common.length) log(`    A and B disagree on ${common.length - agree} of ${common.length} generations' summary digests: C will find the summary in conflict`)
    }
    f['A data directory, MiB'] = mib(sa.disk ?? NaN)
    f['B data directory, MiB'] = mib(sb.disk ?? NaN)
    f['A records folded (seen)'] = sa.records
    f['A records held'] = sa.held
    f['A processes in memory'] = sa.memory.processes
    f['A heap after GC, MiB'] = mib(sa.heapUsed)
    f['B heap after GC, MiB'] = mib(sb.heapUsed)

    log('  a fresh site C joins through A …')
    const cpu0 = sites.map(cpu)
    const j0 = performance.now()
    const c = await startSite(root, 'c', operator, a.p2p[0], envOthers)
    sites.push(c)
    const started = performance.now()
    await owner.addSite(COLONY, c.nodeid, 'c')
    const admitted = performance.now()
    let firstAt = 0
    let hashesAt = 0
    let verifiedAt = 0
    let last: Status | undefined
    await until(() => `C to hold what A holds (C: ${JSON.stringify(last)})`, async () => {
      const sc = last = await status(c)
      // past its own site record: a summary adopted or batches pulled
      if (firstAt === 0 && (sc.records > 1 || sc.batches > 1)) firstAt = performance.now()
      if (hashesAt === 0) {
        const target = await status(a)
        // the hashes once C holds every batch A holds (A's prune records keep coming: compare again)
        if (sc.batches >= target.batches) {
          const hs = await Promise.all([a, b, c].map(async s => (await status(s, { hash: true })).statehash))
          if (new Set(hs).size === 1) hashesAt = performance.now()
        }
      }
      // checked once and for all: verified, or a conflict (C's check stops there)
      if (verifiedAt === 0 && (!retention || sc.summary === 'verified' || sc.summary === 'conflict')) verifiedAt = performance.now()
      return hashesAt > 0 && verifiedAt > 0 ? true : undefined
    }, long, 100)
    const done = Math.max(hashesAt, verifiedAt)
    const cpuUsed = sites.map((s, i) => cpu(s) - (cpu0[i] ?? 0))
    const sc = await status(c)
    const sa2 = await status(a)
    f['join: C start → holds what A holds, s'] = seconds(done - j0)
    f['  of which: site start, s'] = seconds(started - j0)
    f['  of which: admission → first records, s'] = seconds(firstAt - admitted)
    f['  of which: first records → hashes equal, s'] = seconds(hashesAt - firstAt)
    if (retention) f[`  summary ${sc.summary === 'conflict' ? 'found in conflict' : 'verified'} by B, s after C start`] = seconds(verifiedAt - j0)
    f['join: MiB C received (gossip + sync)'] = mib(sc.bytesIn, 3)
    f['join: of which by sync, MiB'] = mib(sc.syncBytes, 3)
    f['join: records C holds'] = sc.held
    f['join: records A has seen (folded)'] = sa2.records
    f['join: C summary'] = sc.summary ?? 'none'
    f['join: CPU s, C (all threads)'] = Number(cpu(c).toFixed(1))
    f['join: CPU s, A meanwhile'] = Number((cpuUsed[0] ?? NaN).toFixed(1))
    // what A's store holds once level has compacted it: deleted batches leave level's files
    // only as its compactions reach them, which a quiet store may not start for a long time
    await stopSite(a)
    f['A data directory after a full compaction, MiB'] = mib(await compactedBytes(a.dir), 2)
    return f
  } finally {
    for (const s of sites) await stopSite(s)
    if (process.env.BENCH_KEEP_DIRS === '1') log(`  data directories kept in ${root}`)
    else await rm(root, { recursive: true, force: true })
  }
}

export interface JoinResult {
  readonly figures: Record<string, Record<string, number | string>>
  readonly line: string
  /** the join with retention took JOIN_TARGET_S or more */
  readonly broken: boolean
}

export async function benchJoin (opts: { processes: number, baseline: boolean, baselineProcesses?: number, policySeconds?: number, follow?: boolean }, log = console.log): Promise<JoinResult> {
  const n = opts.processes
  const figures: Record<string, Record<string, number | string>> = {}
  const policySeconds = opts.policySeconds ?? 30
  log(`[retention] ${n.toLocaleString('en')} processes, retention ${policySeconds} s ${opts.follow === true ? 'at A, B and C following' : 'at every site'}`)
  figures.retention = await joinRun({ processes: n, policySeconds, follow: opts.follow === true }, log)
  const bn = opts.baselineProcesses ?? n
  if (opts.baseline) {
    log(`[full sync] ${bn.toLocaleString('en')} processes, retention off (C pulls every record)`)
    figures['full sync'] = await joinRun({ processes: bn, policySeconds: 0 }, log)
  }
  const r = figures.retention
  const s = r['join: C start → holds what A holds, s'] as number
  const full = figures['full sync']
  const baseline = full === undefined
    ? `today's full sync of 1,000,000 records: ${FULL_SYNC_1M_S} s (docs/PERFORMANCE.md, not run here)`
    : `a full sync of ${bn === n ? 'the same ' : ''}${full['A records held']?.toLocaleString('en')} records without retention: ${full['join: C start → holds what A holds, s']} s, ${full['join: MiB C received (gossip + sync)']} MiB (today's full 1,000,000-record sync: ${FULL_SYNC_1M_S} s)`
  const line = `fresh site joins a colony whose ledger has seen ${n.toLocaleString('en')} processes with retention on: ${s} s, ` +
    `${r['join: MiB C received (gossip + sync)']} MiB received, ${r['join: records C holds']?.toLocaleString('en')} of ${r['join: records A has seen (folded)']?.toLocaleString('en')} records held (target under ${JOIN_TARGET_S} s: ${s < JOIN_TARGET_S ? 'met' : 'NOT met'}; summary ${String(r['join: C summary'])}); ${baseline}`
  return { figures, line, broken: !(s < JOIN_TARGET_S) || r['join: C summary'] !== 'verified' }
}

/** The figures side by side, one row per figure. */
export function joinTable (figures: Record<string, Record<string, number | string>>): Record<string, Record<string, number | string>> {
  const rows: Record<string, Record<string, number | string>> = {}
  for (const [run, fs] of Object.entries(figures)) {
    for (const [k, v] of Object.entries(fs)) (rows[k] ??= {})[run] = v
  }
  return rows
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      processes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      baseline: { type: 'boolean' },
      'no-baseline': { type: 'boolean', default: false },
      'baseline-processes': { type: 'string' },
      policy: { type: 'string', default: '30' },
      follow: { type: 'boolean', default: false }
    }
  })
  const processes = values.processes !== undefined ? Number(values.processes) : values.quick === true ? 100_000 : 1_000_000
  if (!Number.isSafeInteger(processes) || processes < 1) throw new Error('--processes must be a positive integer')
  const baseline = values['no-baseline'] === true ? false : values.baseline ?? processes <= BASELINE_MAX
  const bp = values['baseline-processes'] === undefined ? undefined : Number(values['baseline-processes'])
  const r = await benchJoin({ processes, baseline: baseline || bp !== undefined, ...(bp === undefined ? {} : { baselineProcesses: bp }), policySeconds: Number(values.policy), follow: values.follow === true })
  console.table(joinTable(r.figures))
  console.log(r.line)
  if (r.broken) process.exitCode = 1
}
