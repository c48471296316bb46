/**
 * Sites federated over real libp2p on 127.0.0.1: work submitted anywhere runs anywhere,
 * every site holds the whole ledger, and all reach the same state hash.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { assignMsg, eventually } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { converged, type Federation, ok, startFederation } from '../helpers/federation.js'
import { addExecutor } from '../helpers/colony-node.js'

let fed: Federation

test.before(async () => {
  fed = await startFederation(3)
})

test.after(async () => {
  await fed.stop()
})

test('three sites: submitted on A, run by an executor on C, and every site agrees', async () => {
  const [a, , c] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0], typeof fed.sites[0]]
  const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'on-c')
  // C learns of the executor by gossip before it can serve it
  await eventually(() => c.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'C to know the executor')
  const poll = call(c.node.url, assignMsg(fed.colony, 20), x.prv)
  const p = await ok(a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'echo', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  const got = await poll
  assert.is(got.status, 200, JSON.stringify(got.value))
  assert.is(got.value.processid, p.processid)
  await ok(c.node.url, { msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['ran on C'] }, x.prv)
  const hash = await converged(fed.sites)
  assert.type(hash, 'string')
  const onA = a.node.ledger.fold.process(p.processid)
  assert.is(onA?.state, 2)
  assert.equal(onA?.out, ['ran on C'])
  assert.is(onA?.site, c.node.nodeId)
})

test('at rest, sites do not keep pulling from each other (a pull answers a pull only when the asker is ahead)', async () => {
  await converged(fed.sites)
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  const served = (): number => fed.sites.reduce((n, s) => n + (s.node.federation?.syncStats.served ?? 0), 0)
  // a pull between two sites that hold the same records: B serves it, and must not pull back
  const bServed = b.node.federation?.syncStats.served ?? 0
  a.node.federation?.schedulePull(b.node.federation?.peerId as string, 0)
  await eventually(() => (b.node.federation?.syncStats.served ?? 0) > bServed ? true : undefined, 'B to serve the pull')
  // Absence can only be observed over a window: 2 s at rest. The repair timer (every
  // 1.5–4.5 s here) fires at most twice in it per site, pulling from each of 2 peers: at
  // most 12 pulls. The endless ping-pong this guards against ran hundreds a second.
  const before = served()
  await new Promise(resolve => setTimeout(resolve, 2000))
  const during = served() - before
  assert.ok(during <= 12, `${during} pulls served in 2 s at rest`)
})

test.run()
