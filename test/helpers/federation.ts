/**
 * Several real nodes federated over libp2p on 127.0.0.1 (TCP, ephemeral ports, temporary
 * data directories) in this process: the first founds the colony, the others bootstrap
 * to it and are admitted by the colony owner, as a user would do it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { ColonyNode, type NodeOptions } from '../../src/node/index.js'
import { call } from './raw-rpc.js'
import { assignMsg, eventually, type Identity } from './colony-node.js'

export interface Site {
  node: ColonyNode
  readonly dir: string
  readonly name: string
}

export interface Federation {
  readonly sites: Site[]
  readonly colony: string
  readonly operator: Identity
  readonly owner: Identity
  readonly user: Identity
  /** start one more site, bootstrapped to the first, and admit it */
  addSite: (name: string, opts?: { admit?: boolean }) => Promise<Site>
  restart: (site: Site) => Promise<void>
  stop: () => Promise<void>
}

const identity = (name: string): Identity => {
  const prv = generatePrivateKey()
  return { prv, id: idFromPrivateKey(prv), name }
}

export async function ok (url: string, msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
  return r.value
}

async function startSite (dir: string, operator: Identity, bootstrap: string[], port = 0, syncIntervalMs = 3000, closeHoldMs?: number, retention?: NodeOptions['retention'], blobs?: NodeOptions['blobs'], leaseMs?: number, partitionGraceMs?: number): Promise<ColonyNode> {
  return await ColonyNode.start({
    ...(leaseMs === undefined ? {} : { leaseMs }),
    dataDir: dir,
    port,
    operatorPrvkey: operator.prv,
    p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap, syncIntervalMs, ...(closeHoldMs === undefined ? {} : { closeHoldMs }), ...(partitionGraceMs === undefined ? {} : { partitionGraceMs }) },
    ...(retention === undefined ? {} : { retention }),
    ...(blobs === undefined ? {} : { blobs })
  })
}

/**
 * `syncIntervalMs`: the repair timer's mean (3 s here, to keep tests short; 15 s by default);
 * `closeHoldMs`: how long a close batch may wait for the next one (the node's default if omitted);
 * `blobs`: each site's blob store options (its file catalogue, labels kept locally);
 * `partitionGraceMs`: how long a site leaves a silent side's processes to it (the node's default if omitted).
 */
export async function startFederation (n: number, opts: { syncIntervalMs?: number, closeHoldMs?: number, retention?: (site: number) => NodeOptions['retention'], blobs?: (site: number) => NodeOptions['blobs'], leaseMs?: number, partitionGraceMs?: number } = {}): Promise<Federation> {
  const interval = opts.syncIntervalMs ?? 3000
  const hold = opts.closeHoldMs
  const retentionOf = (i: number): NodeOptions['retention'] => opts.retention?.(i)
  const blobsOf = (i: number): NodeOptions['blobs'] => opts.blobs?.(i)
  const operator = identity('operator')
  const owner = identity('owner')
  const user = identity('user')
  const colony = 'fed'
  const sites: Site[] = []
  const dirA = await mkdtemp(join(tmpdir(), 'colonynet-site-'))
  const lease = opts.leaseMs
  const grace = opts.partitionGraceMs
  const a = await startSite(dirA, operator, [], 0, interval, hold, retentionOf(0), blobsOf(0), lease, grace)
  sites.push({ node: a, dir: dirA, name: 'site-0' })
  await ok(a.url, { msgtype: 'addcolonymsg', colony: { colonyid: owner.id, name: colony } }, operator.prv)
  await ok(a.url, { msgtype: 'addusermsg', user: { colonyname: colony, userid: user.id, name: 'user', email: '', phone: '' } }, owner.prv)

  const fed: Federation = {
    sites,
    colony,
    operator,
    owner,
    user,
    addSite: async (name, opts = {}) => {
      const dir = await mkdtemp(join(tmpdir(), 'colonynet-site-'))
      const first = sites[0] as Site
      const node = await startSite(dir, operator, first.node.federation?.addresses() ?? [], 0, interval, hold, retentionOf(sites.length), blobsOf(sites.length), lease, grace)
      const site = { node, dir, name }
      sites.push(site)
      if (opts.admit !== false) {
        await ok(first.node.url, { msgtype: 'addsitemsg', colonyname: colony, nodeid: node.nodeId, name }, owner.prv)
        await eventually(() => node.ledger.fold.colony(colony)?.sites.includes(node.nodeId) === true ? true : undefined, `${name} to learn it was admitted`, 20_000)
      }
      return site
    },
    restart: async (site) => {
      const port = site.node.port
      await site.node.stop()
      const first = sites[0] as Site
      const bootstrap = site === first ? (sites[1]?.node.federation?.addresses() ?? []) : (first.node.federation?.addresses() ?? [])
      site.node = await startSite(site.dir, operator, bootstrap, port, interval, hold, retentionOf(sites.indexOf(site)), blobsOf(sites.indexOf(site)), lease, grace)
    },
    stop: async () => {
      for (const s of sites) await s.node.stop()
      for (const s of sites) await rm(s.dir, { recursive: true, force: true })
    }
  }
  for (let i = 1; i < n; i++) await fed.addSite(`site-${i}`)
  return fed
}

/** Resolves when every site holds the same records and computes the same state. */
export async function converged (sites: Site[], deadlineMs = 20_000): Promise<string> {
  return await eventually(() => {
    // the same batches held first: hashing costs, and these nodes share our event loop (record
    // counts differ while prunes delete batches at each site in its own time)
    const vvs = new Set(sites.map(s => JSON.stringify([...s.node.ledger.versionVector()].sort())))
    if (vvs.size !== 1) return undefined
    const hashes = new Set(sites.map(s => s.node.ledger.fold.stateHash()))
    return hashes.size === 1 ? [...hashes][0] : undefined
  }, 'all sites to agree', deadlineMs)
}

/**
 * A process submitted at `submitAt` and run by executor `x`, long-polling at `runAt`: the
 * executor must get exactly that process; it closes it with `out`. Returns its id.
 */
export async function runAcross (fed: Federation, submitAt: Site, runAt: Site, x: Identity, out: string[]): Promise<string> {
  const poll = call(runAt.node.url, assignMsg(fed.colony, 20), x.prv)
  const p = await ok(submitAt.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'echo', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  const got = await poll
  if (got.status !== 200) throw new Error(`the executor at ${runAt.name} got no process: ${JSON.stringify(got.value)}`)
  if (got.value.processid !== p.processid) throw new Error(`the executor at ${runAt.name} got ${String(got.value.processid)}, not ${String(p.processid)}`)
  await ok(runAt.node.url, { msgtype: 'closesuccessfulmsg', processid: p.processid, out }, x.prv)
  return p.processid
}

/** Cuts site `i` off from the others, both ways (returns the cut, to run when wanted). */
export function cutOff (fed: Federation, i: number): () => Promise<void> {
  const lonely = fed.sites[i]?.node.federation
  const others = fed.sites.filter((_, j) => j !== i).map(s => s.node.federation)
  const ids = others.map(f => f?.peerId as string)
  return async () => {
    await lonely?.host.block(ids)
    for (const f of others) await f?.host.block([lonely?.peerId as string])
  }
}

/** Heals the cut of site `i`. */
export function healCut (fed: Federation, i: number): void {
  const lonely = fed.sites[i]?.node.federation
  const others = fed.sites.filter((_, j) => j !== i).map(s => s.node.federation)
  lonely?.host.unblock(others.map(f => f?.peerId as string))
  for (const f of others) f?.host.unblock([lonely?.peerId as string])
}
