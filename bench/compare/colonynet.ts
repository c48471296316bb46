/**
 * colonynet in the comparison: one node (bench/node.ts's node process), three federated
 * sites (bench/federation.ts's site processes), or one node on a data dir prepared
 * beforehand (the ledger-size scaling). Executors and client run in their own processes,
 * placed exactly as the BullMQ workers and client are.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { eventually } from '../../test/helpers/colony-node.js'
import { type Site, startSite, stopSite } from '../federation.js'
import { startNodeProcess } from '../node.js'
import { type Children, terminate } from './children.js'
import { assertLoopback } from './loopback.js'
import type { System } from './workload.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

export const COLONY = 'compare'
export const ONE = 'colonynet, one site'
export const THREE = 'colonynet, three sites'
export const ONE_FAST = 'colonynet, one site, fast path'
export const THREE_FAST = 'colonynet, three sites, fast path'

export interface ColonyKeys {
  readonly userKey: string
  /** executor i signs with executorKeys[i] */
  readonly executorKeys: string[]
}

interface Options {
  /** executors */
  readonly k: number
  /** extra node arguments for a process with this role (a CPU profile) */
  readonly nodeArgs?: (role: string) => string[]
  /**
   * colonynet's fast path for client and executors: one WebSocket each, bulk submits,
   * close-and-assign. Without it they speak the ColonyOS RPC as ColonyOS's SDKs do: one
   * HTTP request per submit, a close and an assign per job.
   */
  readonly fast?: boolean
}

/**
 * Colony, user and `k` approved executors of type `noop`, written at the first node;
 * with several sites, the other sites are admitted first and the set-up waits until every
 * site holds every record.
 */
export async function setUpColony (urls: string[], operator: string, k: number, sites: Array<{ nodeid: string, name: string }> = []): Promise<ColonyKeys> {
  const ownerKey = generatePrivateKey()
  const op = new ColoniesClient({ url: urls[0] as string, prvkey: operator })
  await op.addColony(COLONY, idFromPrivateKey(ownerKey))
  const owner = op.withKey(ownerKey)
  for (const s of sites) await owner.addSite(COLONY, s.nodeid, s.name)
  const userKey = generatePrivateKey()
  await owner.addUser({ colonyname: COLONY, userid: idFromPrivateKey(userKey), name: 'compare-user' })
  const executorKeys: string[] = []
  for (let i = 0; i < k; i++) {
    const key = generatePrivateKey()
    await owner.addExecutor({ colonyname: COLONY, executorid: idFromPrivateKey(key), executorname: `noop-${i}`, executortype: 'noop' })
    await owner.approveExecutor(COLONY, `noop-${i}`)
    executorKeys.push(key)
  }
  if (urls.length > 1) {
    const records = async (url: string): Promise<number> => ((await new ColoniesClient({ url, prvkey: operator }).health()) as { records: number }).records
    const want = await records(urls[0] as string)
    await eventually(async () => (await Promise.all(urls.map(records))).every(n => n >= want) ? true : undefined, 'every site to hold the colony set-up', 60_000)
  }
  return { userKey, executorKeys }
}

/** Executor i connects to node i mod count; the client's submission lane j goes to node j mod count. */
function system (children: Children, label: string, servers: Array<{ role: string, pid: number, url: string }>, keys: ColonyKeys, nodeArgs: (role: string) => string[], fast: boolean, stop: () => Promise<void>): System {
  const urls = servers.map(s => s.url)
  for (const u of urls) assertLoopback(label, u)
  return {
    label,
    servers: servers.map(({ role, pid }) => ({ role, pid })),
    // the first executor on the last node: with three sites, submit at A and run at C
    latencyWorker: urls.length - 1,
    workers: (indices, mode, name) => children.fixture(`${label} ${name}`, join(fixtures, 'colonynet-executor.ts'), {
      colony: COLONY,
      mode,
      fast,
      executors: indices.map(i => ({ url: urls[i % urls.length], prvkey: keys.executorKeys[i] }))
    }, nodeArgs(`${label} ${name}`)),
    client: name => children.fixture(`${label} ${name}`, join(fixtures, 'colonynet-client.ts'), { urls, prvkey: keys.userKey, colony: COLONY, fast }, nodeArgs(`${label} ${name}`)),
    stop
  }
}

const none = (): string[] => []

/** One node in its own process (bench/node.ts's startNodeProcess). */
export async function oneSite (children: Children, opts: Options): Promise<System> {
  const operator = generatePrivateKey()
  const label = opts.fast === true ? ONE_FAST : ONE
  const args = (opts.nodeArgs ?? none)(`${label} node`)
  const saved = process.env.BENCH_NODE_ARGS
  // startNodeProcess takes its extra node arguments from the environment
  if (args.length > 0) process.env.BENCH_NODE_ARGS = args.join(' ')
  const node = await startNodeProcess(operator).finally(() => {
    if (saved === undefined) delete process.env.BENCH_NODE_ARGS
    else process.env.BENCH_NODE_ARGS = saved
  })
  children.track('colonynet node', node.child, node.stop)
  assertLoopback('the colonynet node', node.url)
  const keys = await setUpColony([node.url], operator, opts.k)
  return system(children, label, [{ role: 'node', pid: node.child.pid ?? -1, url: node.url }], keys, opts.nodeArgs ?? none, opts.fast === true, node.stop)
}

/** Three sites on loopback, each its own process (bench/federation.ts's startSite). */
export async function threeSites (children: Children, opts: Options): Promise<System> {
  const root = await mkdtemp(join(tmpdir(), 'colonynet-compare-fed-'))
  children.onClose(async () => await rm(root, { recursive: true, force: true }))
  const operator = generatePrivateKey()
  const label = opts.fast === true ? THREE_FAST : THREE
  const sites: Site[] = []
  const start = async (name: string, bootstrap?: string): Promise<Site> => {
    // startSite profiles the site named in BENCH_PROFILE_SITE
    const args = (opts.nodeArgs ?? none)(`${label} site-${name}`)
    const dir = args.find(a => a.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length)
    if (dir !== undefined) Object.assign(process.env, { BENCH_PROFILE_SITE: name, BENCH_PROFILE_DIR: dir })
    const s = await startSite(root, name, operator, bootstrap)
    delete process.env.BENCH_PROFILE_SITE
    children.track(`colonynet site ${name}`, s.child, async () => await stopSite(s))
    sites.push(s)
    return s
  }
  const a = await start('a')
  const bootstrap = a.p2p[0] as string
  assertLoopback('site a\'s libp2p address', bootstrap.split('/')[2] ?? '')
  await start('b', bootstrap)
  await start('c', bootstrap)
  for (const s of sites) assertLoopback(`site ${s.name}`, s.url)
  const keys = await setUpColony(sites.map(s => s.url), operator, opts.k, sites.slice(1).map(s => ({ nodeid: s.nodeid, name: s.name })))
  return system(children, label, sites.map(s => ({ role: `site-${s.name}`, pid: s.child.pid ?? -1, url: s.url })), keys, opts.nodeArgs ?? none, opts.fast === true,
    async () => { for (const s of sites) await stopSite(s) })
}

export interface DirNode {
  readonly url: string
  readonly pid: number
  /** from spawn to serving: the ledger load included */
  readonly startMs: number
  stop: () => Promise<void>
}

/** A node on an existing data dir (bench/fixtures/node-server.ts), for a ledger prepared beforehand. */
export async function startNodeOn (children: Children, dir: string, operator: string, nodeArgs: string[] = []): Promise<DirNode> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(fixtures, 'node-server.ts'), dir, operator], { stdio: ['ignore', 'pipe', 'inherit'] })
  const stop = async (): Promise<void> => await terminate(child)
  children.track('colonynet node', child, stop)
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve)
    child.once('exit', code => reject(new Error(`the node exited (${code}) before serving`)))
  })
  const { url } = JSON.parse(line) as { url: string }
  assertLoopback('the colonynet node', url)
  return { url, pid: child.pid ?? -1, startMs: performance.now() - t0, stop }
}

/** The colony set up on a node started by startNodeOn. */
export async function onNode (children: Children, node: DirNode, operator: string, opts: Options): Promise<System> {
  const keys = await setUpColony([node.url], operator, opts.k)
  return system(children, ONE, [{ role: 'node', pid: node.pid, url: node.url }], keys, opts.nodeArgs ?? none, opts.fast === true, node.stop)
}
