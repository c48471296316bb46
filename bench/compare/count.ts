/**
 * The ceiling's signature count, checked by counting: nodes in this process (one, or three
 * federated on loopback) run `processes` no-op processes through the SDK while every
 * signature recovery of the process's crypto backend is counted. The count includes what
 * the protocol alone does not fix: batch signatures (one per gossiped batch per receiving
 * site, shared by the batch's records) and assign long-polls that end empty.
 * Recoveries on the ledger's verifier threads (ingests of ≥ 64 envelopes at once, a sync)
 * are not seen here; the workload below does not make such ingests.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { ColonyNode } from '../../src/node/index.js'
import { installCryptoBackend } from '../../src/crypto/index.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { eventually } from '../../test/helpers/colony-node.js'
import type { Children } from './children.js'
import { COLONY, setUpColony } from './colonynet.js'

let recoveries = 0
let wrapped = false

/** Counts every recovery of the active backend from now on (this process only). */
function countRecoveries (): void {
  if (wrapped) return
  wrapped = true
  const backend = installCryptoBackend()
  const recover = backend.recoverPublicKey.bind(backend)
  backend.recoverPublicKey = (text, signature) => {
    recoveries++
    return recover(text, signature)
  }
}

async function run (nodes: ColonyNode[], operator: string, processes: number, k: number, inflight: number): Promise<number> {
  const urls = nodes.map(n => n.url)
  const sites = nodes.slice(1).map((n, i) => ({ nodeid: n.nodeId, name: `s${i + 1}` }))
  const keys = await setUpColony(urls, operator, k, sites)
  let closed = 0
  let resolveDone: () => void = () => {}
  const done = new Promise<void>(resolve => { resolveDone = resolve })
  const executors = keys.executorKeys.map((prvkey, i) => new Executor({
    client: new ColoniesClient({ url: urls[i % urls.length] as string, prvkey }),
    colonyname: COLONY,
    watchIntervalMs: 0,
    handler: async () => ({ out: [] }),
    onEvent: e => { if (e.type === 'closed' && e.successful && ++closed === processes) resolveDone() }
  }))
  const users = urls.map(url => new ColoniesClient({ url, prvkey: keys.userKey }))
  const before = recoveries
  for (const x of executors) x.start()
  let submitted = 0
  await Promise.all([...Array.from({ length: inflight }, async (_, lane) => {
    while (submitted < processes) {
      submitted++
      await (users[lane % users.length] as ColoniesClient).submitFunctionSpec({ funcname: 'noop', args: [String(submitted)], conditions: { colonyname: COLONY, executortype: 'noop' } })
    }
  }), done])
  await Promise.all(executors.map(async x => await x.stop({ graceMs: 1000 })))
  // every replica has verified every record
  const size = (): number[] => nodes.map(n => n.ledger.fold.size)
  await eventually(() => new Set(size()).size === 1 ? true : undefined, 'every site to hold every record', 30_000)
  return (recoveries - before) / processes
}

export interface Counted {
  readonly oneSite: number
  readonly threeSites: number
}

/** Recoveries per completed process, counted, for one site and for three (k executors, `inflight` submits at a time). */
export async function countPerProcess (children: Children, processes: number, k: number, inflight: number): Promise<Counted> {
  countRecoveries()
  const root = await mkdtemp(join(tmpdir(), 'colonynet-compare-count-'))
  children.onClose(async () => await rm(root, { recursive: true, force: true }))
  const nodes: ColonyNode[] = []
  try {
    const operator = generatePrivateKey()
    nodes.push(await ColonyNode.start({ dataDir: join(root, 'one'), port: 0, operatorPrvkey: operator }))
    const oneSite = await run(nodes, operator, processes, k, inflight)
    await nodes.pop()?.stop()
    const p2p = (bootstrap: string[]): { listen: string[], bootstrap: string[] } => ({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap })
    const a = await ColonyNode.start({ dataDir: join(root, 'a'), port: 0, operatorPrvkey: operator, p2p: p2p([]) })
    nodes.push(a)
    const boot = [a.federation?.addresses()[0] as string]
    nodes.push(await ColonyNode.start({ dataDir: join(root, 'b'), port: 0, operatorPrvkey: operator, p2p: p2p(boot) }))
    nodes.push(await ColonyNode.start({ dataDir: join(root, 'c'), port: 0, operatorPrvkey: operator, p2p: p2p(boot) }))
    const threeSites = await run(nodes, operator, processes, k, inflight)
    return { oneSite, threeSites }
  } finally {
    for (const n of nodes) await n.stop()
    await rm(root, { recursive: true, force: true })
  }
}
