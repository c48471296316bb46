/**
 * No site is a hub: sites that only know the first site (their --bootstrap) connect to each
 * other directly from the addresses in each other's adverts, so with the first site down
 * the others still run each other's work and agree; a removed site is no longer redialled.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { converged, type Federation, ok, runAcross, type Site, startFederation } from '../helpers/federation.js'

let fed: Federation

test.before(async () => {
  fed = await startFederation(3)
})

test.after(async () => {
  await fed.stop()
})

const peerOf = (s: Site): string => s.node.federation?.peerId as string
const host = (s: Site) => s.node.federation!.host

test('sites that bootstrapped to A connect to each other, and keep working together while A is down', async () => {
  const [a, b, c] = fed.sites as [Site, Site, Site]
  // B and C were told only of A
  await eventually(() => host(b).connectedPeers().includes(peerOf(c)) && host(c).connectedPeers().includes(peerOf(b)) ? true : undefined,
    'B and C to connect directly', 10_000)
  // each keeps the other (whichever dialled first), and A keeps both: heartbeats every 2 s
  await eventually(() => host(b).keptPeers().includes(peerOf(c)) && host(c).keptPeers().includes(peerOf(b)) &&
    host(a).keptPeers().includes(peerOf(b)) && host(a).keptPeers().includes(peerOf(c)) ? true : undefined, 'every site to keep the others', 10_000)

  const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'on-c')
  await eventually(() => c.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'C to know the executor')
  await converged(fed.sites)
  await a.node.stop()
  await eventually(() => host(b).connectedPeers().includes(peerOf(a)) ? undefined : true, 'B to see A go')

  // submitted at B, run at C: only the direct link carries it
  const pid = await runAcross(fed, b, c, x, ['ran on C'])
  await converged([b, c])
  const onB = b.node.ledger.fold.process(pid)
  assert.is(onB?.state, 2)
  assert.equal(onB?.out, ['ran on C'])

  // A comes back (a bootstrap peer of B and C, redialled) and catches up
  await fed.restart(a)
  await converged(fed.sites)
})

test('a removed site is dropped from the sites kept connected', async () => {
  const [a, b, c] = fed.sites as [Site, Site, Site]
  await ok(b.node.url, { msgtype: 'removesitemsg', colonyname: fed.colony, nodeid: c.node.nodeId }, fed.owner.prv)
  await eventually(() => host(b).keptPeers().includes(peerOf(c)) ? undefined : true, 'B to stop keeping C')
  await eventually(() => host(a).keptPeers().includes(peerOf(c)) ? undefined : true, 'A to stop keeping C')
  // C, a bootstrap peer of nobody, hears that it was removed and lets B go too
  await eventually(() => host(c).keptPeers().includes(peerOf(b)) ? undefined : true, 'C to stop keeping B')
  assert.ok(host(c).keptPeers().includes(peerOf(a)), 'C still keeps its bootstrap peer')
})

test.run()
