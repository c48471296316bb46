/**
 * A colony of sites for one chaos scenario: each site is `colonies node start` (the real
 * CLI) in its own network namespace with its own data directory, one executor and one
 * client as child processes beside it, set up through the RPC as a user would.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installCryptoBackend } from '../src/crypto/index.js'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { generatePrivateKey, idFromPrivateKey } from '../src/protocol/crypto.js'
import { loadIdentity } from '../src/node/identity.js'
import type { FoldEntry } from '../src/protocol/entry.js'
import { LedgerFold } from '../src/protocol/fold.js'
import { entryFromRecord } from '../src/protocol/verify.js'
import { type ArchiveLine, verifyArchive } from '../src/store/archive.js'
import { DEFAULT_PORT } from '../src/protocol/wire-types.js'
import { Ledger } from '../src/store/ledger.js'
import { everything } from '../src/store/reads.js'
import type { ArchiveView, HeldProcess, SiteView } from './check.js'
import { FAKETIME_LIB, type SiteNet } from './net.js'

// signs and verifies here, without a node to pick the backend
installCryptoBackend()

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
export const COLONY = 'chaos'
const API_PORT = DEFAULT_PORT
const P2P_PORT = 4001
/** each site's impairing proxy (proxy.ts): what the site announces, so other sites dial through it */
const PROXY_PORT = 4101

export interface SiteProc {
  readonly net: SiteNet
  readonly name: string
  readonly dir: string
  readonly url: string
  nodeid: string
  p2p: string
  node: ChildProcess | undefined
  executor: ChildProcess | undefined
  client: ChildProcess | undefined
  /** in front of the node's libp2p port: impairs what other sites send it (proxy.ts) */
  proxy: ChildProcess | undefined
  /** the node's wall clock runs this many seconds ahead (libfaketime) */
  readonly clockOffsetS: number
  /** with retention: where the node archives what it purges (--archive) */
  readonly archive: string | undefined
  /** more `node start` flags (retention's) */
  readonly nodeArgs: readonly string[]
}

export interface Cluster {
  readonly sites: SiteProc[]
  readonly dir: string
  readonly operator: string
  readonly owner: string
  readonly user: string
  readonly executorKeys: string[]
}

/** Every child this process started: killed if the driver itself is stopped (see killAll). */
const children = new Set<ChildProcess>()

/** Kills every child still running (the driver was interrupted: nothing may outlive it). */
export function killAll (): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
}

/** Spawns a command inside a namespace; its stderr goes to a log file through the caller's pipe. */
function spawnIn (ns: string, env: Record<string, string>, args: string[], log: string, stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const kv = Object.entries(env).map(([k, v]) => `${k}=${v}`)
  const child = spawn('ip', ['netns', 'exec', ns, 'env', ...kv, process.execPath, ...args], {
    cwd: root,
    stdio: [stdin, 'pipe', 'pipe']
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const chunks: string[] = []
  child.stderr?.on('data', (d: Buffer) => { chunks.push(d.toString()); if (chunks.length > 200) chunks.shift() })
  child.once('exit', (code, signal) => { if (code !== 0 && code !== null && signal === null) process.stderr.write(`[${log}] exited ${code}: ${chunks.join('').slice(-2000)}\n`) })
  return child
}

/** Starts (or restarts) a site's node and waits for the JSON it prints once it serves. */
export async function startNode (c: Cluster, s: SiteProc, bootstrap: string[]): Promise<void> {
  const env: Record<string, string> = { COLONIES_SERVER_PRVKEY: c.operator }
  if (s.clockOffsetS !== 0) Object.assign(env, { LD_PRELOAD: FAKETIME_LIB, FAKETIME: `${s.clockOffsetS >= 0 ? '+' : ''}${s.clockOffsetS}s`, DONT_FAKE_MONOTONIC: '1' })
  // CHAOS_KEEP: the node says what it does (--verbose: connections, pulls, claims that stood
  // unacknowledged) into site-N.log beside the executors' logs, each line with its time
  const keep = process.env.CHAOS_KEEP !== undefined
  const args = [join(root, 'bin/run.js'), 'node', 'start', '--json', ...(keep ? ['--verbose'] : []), '--data', s.dir, '--host', s.net.ip, '--port', String(API_PORT),
    '--p2p-port', String(P2P_PORT),
    // behind NAT: nothing to announce (nobody can dial in); the node finds a relay itself
    ...(s.net.router === undefined ? ['--announce', `/ip4/${s.net.ip}/tcp/${PROXY_PORT}`] : []), '--name', s.name, ...s.nodeArgs, ...bootstrap.flatMap(b => ['--bootstrap', b])]
  const child = spawnIn(s.net.ns, env, args, s.name)
  s.node = child
  if (keep) {
    const out = createWriteStream(join(c.dir, `${s.name}.log`), { flags: 'a' })
    let rest = ''
    child.stderr?.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) out.write(`${new Date().toISOString()} ${line}\n`)
    })
    child.once('exit', () => { if (rest !== '') out.write(`${new Date().toISOString()} ${rest}\n`); out.end() })
  }
  const info = await new Promise<{ nodeid: string, p2p: string[] }>((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`${s.name} did not start within 30 s`)), 30_000)
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString()
      try {
        const v = JSON.parse(text) as { nodeid: string, p2p: string[] }
        clearTimeout(timer)
        resolve(v)
      } catch { /* not complete yet */ }
    })
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`${s.name} exited (${code}) before serving`)) })
  })
  s.nodeid = info.nodeid
  s.p2p = info.p2p.find(a => a.includes(s.net.ip)) ?? info.p2p[0] ?? ''
}

export async function stopChild (child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill(signal)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/**
 * Three (or `n`) sites admitted to one colony, each with an approved executor. With
 * `retentionS`, every node runs with that retention policy and archives what it purges.
 */
export async function startCluster (dir: string, nets: SiteNet[], clockOffsetS: (i: number) => number = () => 0, retentionS?: number, nodeArgs: readonly string[] = []): Promise<Cluster> {
  const c: Cluster = {
    sites: [],
    dir,
    operator: generatePrivateKey(),
    owner: generatePrivateKey(),
    user: generatePrivateKey(),
    executorKeys: nets.map(() => generatePrivateKey())
  }
  for (const net of nets) {
    const sdir = join(dir, `site-${net.index}`)
    await mkdir(sdir, { recursive: true })
    const archive = retentionS === undefined ? undefined : join(dir, `archive-${net.index}`)
    c.sites.push({
      net, name: `site-${net.index}`, dir: sdir, url: `http://${net.ip}:${API_PORT}`, nodeid: '', p2p: '',
      node: undefined, executor: undefined, client: undefined, proxy: undefined, clockOffsetS: clockOffsetS(net.index),
      archive, nodeArgs: [...nodeArgs, ...(archive === undefined ? [] : ['--retention-policy', String(retentionS), '--archive', archive])]
    })
  }
  for (const s of c.sites) if (s.net.router === undefined) await startProxy(s)
  const first = c.sites[0] as SiteProc
  await startNode(c, first, [])
  for (const s of c.sites.slice(1)) await startNode(c, s, [first.p2p])
  const op = new ColoniesClient({ url: first.url, prvkey: c.operator })
  await op.addColony(COLONY, idFromPrivateKey(c.owner))
  const owner = op.withKey(c.owner)
  await owner.addUser({ colonyname: COLONY, userid: idFromPrivateKey(c.user), name: 'chaos-user' })
  for (const [i, key] of c.executorKeys.entries()) {
    await owner.addExecutor({ colonyname: COLONY, executorid: idFromPrivateKey(key), executorname: `x${i}`, executortype: 'chaos' })
    await owner.approveExecutor(COLONY, `x${i}`)
  }
  for (const s of c.sites.slice(1)) await owner.addSite(COLONY, s.nodeid, s.name)
  // every site knows the colony, its sites and its executors before work starts
  for (const s of c.sites) {
    const user = new ColoniesClient({ url: s.url, prvkey: c.user })
    await until(async () => {
      const [xs, sites] = await Promise.all([user.getExecutors(COLONY), user.getSites(COLONY)])
      return xs.filter(x => x.state === 1).length === c.executorKeys.length && sites.length === c.sites.length
    }, `${s.name} to know the colony`, 30_000)
  }
  return c
}

async function startProxy (s: SiteProc): Promise<void> {
  const child = spawnIn(s.net.ns, {}, ['--import', 'tsx', join(root, 'chaos/proxy.ts'), s.net.ip, String(PROXY_PORT), s.net.ip, String(P2P_PORT)], `${s.name} proxy`, 'pipe')
  s.proxy = child
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve())
    child.once('exit', code => reject(new Error(`${s.name}'s proxy exited (${code})`)))
  })
}

/** Latency (ms, ± jitter) and loss (0–1) on what other sites send this site, emulated by its proxy. */
export function impair (s: SiteProc, delay: number, jitter: number, loss: number): void {
  s.proxy?.stdin?.write(JSON.stringify({ delay, jitter, loss }) + '\n')
}

/** `runMs`: how long each execution takes (default 20 ms); `watchMs`: how often a running one is checked, renewing its lease (default never). */
export function startExecutor (c: Cluster, s: SiteProc, opts: { readonly runMs?: number, readonly watchMs?: number } = {}): void {
  const key = c.executorKeys[s.net.index] as string
  s.executor = spawnIn(s.net.ns, {}, ['--import', 'tsx', join(root, 'chaos/executor.ts'), s.url, key, COLONY, s.name, join(c.dir, `exec-${s.name}.jsonl`),
    String(opts.runMs ?? 20), String(opts.watchMs ?? 0)], `${s.name} executor`)
}

/**
 * Resumes assignments at `s` when `go` is called, from inside its namespace (cue.ts): it
 * works after the site is cut off from the driver. Resolves once the helper is loaded.
 */
export async function resumeCue (c: Cluster, s: SiteProc): Promise<{ go: () => Promise<void> }> {
  const child = spawnIn(s.net.ns, {}, ['--import', 'tsx', join(root, 'chaos/cue.ts'), s.url, c.owner, COLONY], `${s.name} cue`, 'pipe')
  const said = async (word: string): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      let text = ''
      child.stdout?.on('data', (d: Buffer) => { text += d.toString(); if (text.includes(word)) resolve() })
      child.once('exit', code => { if (!text.includes(word)) reject(new Error(`${s.name}'s cue exited (${code}) before "${word}"`)) })
    })
  }
  await said('ready')
  return {
    go: async () => {
      const done = said('ok')
      child.stdin?.write('go\n')
      await done
    }
  }
}

export function startClient (c: Cluster, s: SiteProc, ratePerS: number): void {
  s.client = spawnIn(s.net.ns, {}, ['--import', 'tsx', join(root, 'chaos/client.ts'), s.url, c.user, COLONY, s.name, join(c.dir, `ops-${s.name}.jsonl`), String(ratePerS)], `${s.name} client`)
}

/**
 * A stopped site's ledger, opened from its data directory: what the checker holds it to.
 * Settled processes live in the store, not the fold (paging): both are read.
 */
export async function siteView (s: SiteProc): Promise<SiteView> {
  const ledger = await openLedger(s)
  try {
    const processes = new Map<string, HeldProcess>([...ledger.fold.processes(COLONY)].map(p => [p.processid, p]))
    const stored = await ledger.reads.page(COLONY, -1, everything, 0, Number.MAX_SAFE_INTEGER)
    for (const p of stored.processes) if (!processes.has(p.processid)) processes.set(p.processid, p)
    return { name: s.name, nodeid: s.nodeid, hash: ledger.fold.stateHash(), processes }
  } finally {
    await ledger.close()
  }
}

/** A stopped site's ledger, as its node opens it (archiving where it does, should a prune be due). */
async function openLedger (s: SiteProc): Promise<Ledger> {
  const identity = await loadIdentity(s.dir, {})
  return await Ledger.open({ dir: join(s.dir, 'ledger'), nodeKey: identity.nodeKey, verifyThreads: 0, ...(s.archive === undefined ? {} : { archiveDir: s.archive }) })
}

/**
 * A stopped site's archive read back (verifyArchive, and the records of each unit it
 * purged), and its whole history: every record it retains and every record its archive
 * holds, folded afresh with nothing pruned, as a site that never pruned would hold them.
 */
export async function historyView (s: SiteProc): Promise<{ history: Map<string, HeldProcess>, historyHash: string, archive: ArchiveView }> {
  const entries: FoldEntry[] = []
  const ledger = await openLedger(s)
  try {
    for (const origin of ledger.versionVector().keys()) {
      for (let from = 1; ;) {
        const batches = await ledger.getBatches(origin, from, 500)
        for (const b of batches) for (const rec of b.records) entries.push(entryFromRecord(rec, undefined, undefined, b.seq))
        const last = batches[batches.length - 1]
        if (last === undefined || batches.length < 500) break
        from = last.seq + 1
      }
    }
  } finally {
    await ledger.close()
  }
  const dir = s.archive ?? ''
  const files = (await readdir(dir).catch(() => [])).filter(f => /^colonynet-\d{4}-\d{2}-\d{2}\.jsonl$/.test(f))
  const lines: ArchiveLine[] = []
  for (const f of files) lines.push(...await readLines<ArchiveLine>(join(dir, f)))
  const checked = files.length === 0 ? { problems: [] } : await verifyArchive(dir)
  const units = new Map<string, Set<string>>()
  for (const l of lines) {
    let ids = units.get(l.unit)
    if (ids === undefined) units.set(l.unit, ids = new Set())
    ids.add(l.id)
    entries.push(entryFromRecord(l.record, l.id, undefined, l.seq))
  }
  const fold = new LedgerFold()
  fold.add(entries)
  const processes = new Set([...units.keys()].flatMap(u => fold.processIdsOf(u)))
  return {
    history: new Map([...fold.processes(COLONY)].map(p => [p.processid, p])),
    historyHash: fold.stateHash(),
    archive: { units, processes, records: lines.length, problems: checked.problems }
  }
}

export async function readLines<T> (file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as T)
}

/** Polls `check` every 200 ms until it is true; throws after the deadline. */
export async function until (check: () => Promise<boolean>, what: string, deadlineMs: number): Promise<number> {
  const start = Date.now()
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - start
    if (Date.now() - start > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}
