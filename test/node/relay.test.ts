/**
 * Sites that accept no inbound connection (behind NAT; here: listening on nothing) reach
 * each other through a relay site of their colony (circuit relay v2): each reserves a slot
 * on a public site, announces its relayed address, and gossip, sync and claims run over the
 * relayed connection. `getsitesmsg` says how each site is reached; the relay serves only
 * the colony's sites; when the relay goes, another public site takes over.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { ColonyNode } from '../../src/node/index.js'
import { P2PHost } from '../../src/node/p2p/host.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { converged, type Federation, ok, runAcross, type Site, startFederation } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let fed: Federation
const hidden: Site[] = []

const peerOf = (s: Site): string => s.node.federation?.peerId as string
const host = (s: Site): P2PHost => s.node.federation!.host

/** A site that dials out only (no listen address), bootstrapped to `to`, admitted by the owner. */
async function hiddenSite (name: string, to: Site[]): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-nat-'))
  const node = await ColonyNode.start({
    dataDir: dir,
    port: 0,
    operatorPrvkey: fed.operator.prv,
    p2p: { listen: [], bootstrap: to.flatMap(s => s.node.federation?.addresses() ?? []), syncIntervalMs: 3000 }
  })
  const site = { node, dir, name }
  hidden.push(site)
  await ok(to[0]!.node.url, { msgtype: 'addsitemsg', colonyname: fed.colony, nodeid: node.nodeId, name }, fed.owner.prv)
  await eventually(() => node.ledger.fold.colony(fed.colony)?.sites.includes(node.nodeId) === true ? true : undefined, `${name} to be admitted`, 20_000)
  return site
}

/** The process as `getprocessmsg` at site `s` answers it (undefined: not there yet). */
async function processAt (s: Site, pid: string): Promise<{ state: number, out: unknown[] } | undefined> {
  const r = await call(s.node.url, { msgtype: 'getprocessmsg', processid: pid }, fed.user.prv)
  return r.status === 200 ? r.value as { state: number, out: unknown[] } : undefined
}

test.before(async () => {
  fed = await startFederation(2) // site-0 and site-1: public (they listen on 127.0.0.1)
})

test.after(async () => {
  for (const s of hidden) await s.node.stop()
  await fed.stop()
  for (const s of hidden) await rm(s.dir, { recursive: true, force: true })
})

test('two sites that accept no connection reach each other through a relay site, and run each other\'s work', async () => {
  const [r] = fed.sites as [Site]
  const a = await hiddenSite('nat-a', [r])
  const b = await hiddenSite('nat-b', [r])
  // each reserves a slot on a public site and announces the relayed address
  for (const s of [a, b]) {
    await eventually(() => host(s).natStatus().relays.length > 0 ? true : undefined, `${s.name} to hold a relay slot`, 20_000)
    assert.ok(host(s).libp2p.getMultiaddrs().some(m => m.toString().includes('/p2p-circuit')), `${s.name} announces a relayed address`)
  }
  // A and B connect, through a relay (neither can be dialled)
  await eventually(() => host(a).pathTo(peerOf(b))?.how === 'relayed' ? true : undefined, 'A to reach B through a relay', 20_000)
  const sites = await ok(a.node.url, { msgtype: 'getsitesmsg', colonyname: fed.colony }, fed.owner.prv) as Array<{ nodeid: string, reach: string, via?: string }>
  const toB = sites.find(s => s.nodeid === b.node.nodeId)
  assert.is(toB?.reach, 'relayed')
  assert.ok(fed.sites.some(s => s.node.nodeId === toB?.via), `the relay is a site of the colony (${String(toB?.via)})`)
  assert.is(sites.find(s => s.nodeid === r.node.nodeId)?.reach, 'direct')

  // work submitted at A runs at B's executor: the claim settles over the relayed connection
  const x = await addExecutor(r.node.url, fed.colony, fed.owner, 'on-b')
  await eventually(() => b.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'B to know the executor')
  await eventually(() => a.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'A to know the executor')
  const pid = await runAcross(fed, a, b, x, ['ran behind NAT'])
  // asked as a client would: a settled process leaves the fold for the store within ms
  const atA = await eventually(async () => { const p = await processAt(a, pid); return p?.state === 2 ? p : undefined }, 'A to see the result')
  assert.equal(atA.out, ['ran behind NAT'])
  await converged([...fed.sites, a, b])
})

test('the relay serves only sites of its colonies', async () => {
  const [a] = hidden as [Site]
  // the relay A holds its slot on: members reach A through it, as the first test showed
  const r = fed.sites.find(s => peerOf(s) === host(a).natStatus().relays[0])
  assert.ok(r !== undefined, 'A holds a slot on a public site')
  const stranger = await P2PHost.start({ nodeKey: generatePrivateKey(), listen: [], bootstrap: r.node.federation!.addresses() })
  try {
    await eventually(() => stranger.connectedPeers().includes(peerOf(r)) ? true : undefined, 'the stranger to connect to the relay')
    const viaR = multiaddr(`${r.node.federation!.addresses()[0]!}/p2p-circuit/p2p/${peerOf(a)}`)
    let refused: unknown
    try { await stranger.libp2p.dial(viaR, { signal: AbortSignal.timeout(10_000) }) } catch (err) { refused = err }
    assert.ok(refused instanceof Error, 'a stranger is not relayed to a site')
    assert.not.ok(stranger.connectedPeers().includes(peerOf(a)))
  } finally {
    await stranger.stop()
  }
})

test('when the relay site stops, the hidden sites move to another public site and go on', async () => {
  const [r, r2] = fed.sites as [Site, Site]
  const [a, b] = hidden as [Site, Site]
  const relayOfA = host(a).natStatus().relays[0]
  const gone = relayOfA === peerOf(r) ? r : r2
  const other = gone === r ? r2 : r
  await gone.node.stop()
  for (const s of [a, b]) {
    await eventually(() => host(s).natStatus().relays.includes(peerOf(other)) ? true : undefined, `${s.name} to hold a slot on the other public site`, 30_000)
  }
  await eventually(() => host(a).pathTo(peerOf(b))?.how === 'relayed' ? true : undefined, 'A to reach B again', 30_000)
  const x = await addExecutor(other.node.url, fed.colony, fed.owner, 'on-b-2')
  await eventually(() => b.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 && a.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'A and B to know the executor')
  const pid = await runAcross(fed, a, b, x, ['after the relay went'])
  await eventually(async () => (await processAt(a, pid))?.state === 2 ? true : undefined, 'A to see the result')
  await fed.restart(gone)
})

test.run()
