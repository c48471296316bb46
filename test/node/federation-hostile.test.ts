/**
 * Zero trust between sites: a node that is not a site can neither write to a colony's
 * gossip nor read its ledger; a removed site's new records are refused; garbage and
 * forged frames change nothing and the node keeps serving.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { signEnvelope } from '../../src/protocol/envelope.js'
import { signBatch } from '../../src/protocol/records.js'
import { encodeGossip, topicOf } from '../../src/node/p2p/gossip.js'
import { P2PHost } from '../../src/node/p2p/host.js'
import { decodeSyncFrame, SYNC_PROTOCOL } from '../../src/node/p2p/sync-protocol.js'
import { eventually } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { converged, ok, startFederation, type Federation } from '../helpers/federation.js'

let fed: Federation
let rogue: P2PHost
const rogueKey = generatePrivateKey()

test.before(async () => {
  fed = await startFederation(2)
  const a = fed.sites[0]?.node
  rogue = await P2PHost.start({ nodeKey: rogueKey, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: a?.federation?.addresses() ?? [] })
})

test.after(async () => {
  await rogue.stop()
  await fed.stop()
})

const submitMsg = (colony: string): { msgtype: string } & Record<string, unknown> =>
  ({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'noop', conditions: { colonyname: fed.colony, executortype: 'cli' } } })

test('gossip from a node that is not a site is rejected: garbage, forged and well-formed alike', async () => {
  const a = fed.sites[0]?.node
  assert.ok(a)
  const topic = topicOf(fed.colony)
  rogue.subscribe(topic)
  await eventually(() => rogue.topicPeers(topic).length > 0 ? true : undefined, 'the rogue to find topic peers')
  const before = a.ledger.fold.stateHash()
  const size = a.ledger.fold.size
  // garbage bytes
  await rogue.publish(topic, new TextEncoder().encode('\u0000not json at all'))
  // a batch "from A" signed by the rogue (forged origin)
  const forged = signBatch(a.nodeId, 999, [{ o: a.nodeId, t: { w: Date.now(), l: 0 }, b: { k: 'env', env: signEnvelope(submitMsg(fed.colony), fed.user.prv) } }], rogueKey)
  await rogue.publish(topic, encodeGossip({ k: 'batch', batch: forged }))
  // a well-signed batch of the rogue's own log, with a valid user submission inside
  const own = signBatch(idFromPrivateKey(rogueKey), 1, [{ o: idFromPrivateKey(rogueKey), t: { w: Date.now(), l: 0 }, b: { k: 'env', env: signEnvelope(submitMsg(fed.colony), fed.user.prv) } }], rogueKey)
  await rogue.publish(topic, encodeGossip({ k: 'batch', batch: own }))
  // wait until A's validator has judged all three, so the checks below are not vacuous
  await eventually(() => {
    const g = a.federation?.stats().gossip
    return g !== undefined && g.rejected + g.ignored >= 3 ? true : undefined
  }, 'A to turn the three frames away')
  assert.ok((a.federation?.stats().gossip.rejected ?? 0) >= 1, 'the garbage frame is rejected (scored), not only ignored')
  // the node still serves, and nothing changed
  const p = await ok(a.url, submitMsg(fed.colony), fed.user.prv)
  assert.ok(p.processid)
  assert.is(a.ledger.fold.size, size + 1)
  assert.is(a.ledger.versionVector().get(idFromPrivateKey(rogueKey)), undefined)
  assert.is.not(a.ledger.fold.stateHash(), before) // only the legitimate submit changed it
})

test('a sync request from a node that is not a site is refused', async () => {
  const a = fed.sites[0]?.node
  assert.ok(a)
  const before = { ...a.federation?.stats().sync }
  const stream = await rogue.open(a.federation?.peerId as string, SYNC_PROTOCOL)
  await stream.send(new TextEncoder().encode(JSON.stringify({ type: 'hello', vv: [] })))
  await stream.closeWrite()
  const frames = []
  for await (const f of stream) frames.push(decodeSyncFrame(f))
  assert.is(frames.length, 1)
  assert.is(frames[0]?.type, 'refused')
  // counted as refused (in /health), not as served
  assert.is(a.federation?.stats().sync.refused, (before.refused ?? 0) + 1)
  assert.is(a.federation?.stats().sync.served, before.served)
})

test('a removed site\'s later records are refused everywhere', async () => {
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  await converged(fed.sites)
  await ok(a.node.url, { msgtype: 'removesitemsg', colonyname: fed.colony, nodeid: b.node.nodeId }, fed.owner.prv)
  await eventually(() => b.node.ledger.fold.colony(fed.colony)?.sites.includes(b.node.nodeId) === false ? true : undefined, 'B to learn it was removed')
  // B's API now refuses its users…
  const refused = await call(b.node.url, submitMsg(fed.colony), fed.user.prv)
  assert.is(refused.status, 403)
  assert.match(refused.value.message, /not a site/)
  // …and a record B writes anyway (straight into its log) is refused by every fold
  const { ids: [id] } = await b.node.ledger.appendLocal([{ body: { k: 'env', env: signEnvelope(submitMsg(fed.colony), fed.user.prv) }, author: fed.user.id }])
  assert.match(b.node.ledger.fold.refusal(id as string)?.reason ?? '', /not a site/)
  // A does not take it by gossip, and if it ever arrives it is refused there too
  a.node.federation?.schedulePull(b.node.federation?.peerId as string, 0)
  await a.node.federation?.idleSync()
  assert.is(a.node.ledger.fold.process(id as string), undefined)
})

test.run()
