/**
 * A gossiped batch that never arrives is repaired without waiting for the repair timer
 * (here 10 minutes, so only these paths can deliver): by the gap the next batch shows,
 * or, when it was the last of a burst, by the origin's log-head advert. Over real libp2p
 * on 127.0.0.1; the loss is B's validator dropping A's messages. A's advert heartbeat is
 * stopped, so each test sees the one path it names (the advert test sends one advert).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeGossip, encodeGossip, topicOf } from '../../src/node/p2p/gossip.js'
import type { ColonyNode } from '../../src/node/index.js'
import { type Batch } from '../../src/protocol/records.js'
import { eventually } from '../helpers/colony-node.js'
import { converged, type Federation, ok, type Site, startFederation } from '../helpers/federation.js'

let fed: Federation
let a: Site
let b: Site
/** A's federation, white-box: its heartbeat stopped, and one advert on demand */
let aFed: NonNullable<ColonyNode['federation']>

test.before(async () => {
  fed = await startFederation(2, { syncIntervalMs: 600_000 })
  a = fed.sites[0] as Site
  b = fed.sites[1] as Site
  await converged(fed.sites)
  aFed = a.node.federation as NonNullable<ColonyNode['federation']>
  aFed.parts.presence.stop()
  await quiet()
})

/** Until no pull runs and none is due (the retries of refused pulls while B was being admitted). */
async function quiet (): Promise<void> {
  await eventually(() => fed.sites.every(s => s.node.federation?.parts.puller.quiet() === true) ? true : undefined,
    'no pull to run or be due', 20_000)
}

test.after(async () => {
  await fed.stop()
})

const submit = async (funcname: string): Promise<string> =>
  (await ok(a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname, conditions: { colonyname: fed.colony, executortype: 'repair' } } }, fed.user.prv)).processid

/** Runs `write` while B drops every gossip message (as if the network lost them), until a batch was dropped. */
async function lost<T> (write: () => Promise<T>): Promise<T> {
  const bFed = b.node.federation as NonNullable<ColonyNode['federation']>
  let dropped = 0
  bFed.host.setValidator((_topic, data) => {
    if (decodeGossip(data).k === 'batch') dropped++
    return 'ignore'
  })
  try {
    const out = await write()
    await eventually(() => dropped > 0 ? true : undefined, 'the batch to reach B (and be dropped)', 5000)
    return out
  } finally {
    bFed.host.setValidator((topic, data, from) => bFed.parts.gossip.validate(topic, data, from))
  }
}

const holds = (pid: string): true | undefined => b.node.ledger.fold.process(pid) !== undefined ? true : undefined

test('a lost batch is pulled when the next batch shows the gap', async () => {
  const pulls = b.node.federation?.stats().sync.pulls ?? 0
  const missing = await lost(async () => await submit('lost'))
  // the loss is real: B does not have it, and nothing else will bring it for 10 minutes
  assert.is(holds(missing), undefined)
  const next = await submit('next')
  await eventually(() => holds(missing) === true && holds(next) === true ? true : undefined, 'B to repair the lost batch', 5000)
  assert.ok((b.node.federation?.stats().sync.pulls ?? 0) > pulls, 'repaired by a pull')
  await converged(fed.sites)
})

test('a forged batch far ahead does not hide the next gap', async () => {
  const bFed = b.node.federation as NonNullable<ColonyNode['federation']>
  const gossip = (batch: Batch): void => bFed.parts.gossip.onGossip(topicOf(fed.colony), encodeGossip({ k: 'batch', batch }), aFed.peerId)
  // as a hostile site could gossip: A's origin, a sequence far ahead, a signature that fails
  const seq = b.node.ledger.seqOf(a.node.nodeId)
  gossip({ ...(await a.node.ledger.getBatches(a.node.nodeId, seq))[0] as Batch, seq: seq + 1000 })
  // its own gap is repaired (one pull, which cannot bring it); then the mark must be where it was
  await quiet()
  const first = await lost(async () => await submit('lost-after-forged'))
  const second = await lost(async () => await submit('also-lost'))
  assert.is(holds(first), undefined)
  const next = (await a.node.ledger.getBatches(a.node.nodeId, seq + 2))[0] as Batch
  assert.is(next.seq, seq + 2)
  // the second batch reaches B after all (late): the gap before it must show
  gossip(next)
  assert.ok(bFed.parts.puller.repairDue(a.node.nodeId), 'no repair was scheduled for the gap')
  await eventually(() => holds(first) === true && holds(second) === true ? true : undefined, 'B to repair the gap', 5000)
  assert.is(b.node.ledger.seqOf(a.node.nodeId), seq + 2, 'the forged batch was not stored')
})

test('a lost last batch (none follows) is pulled when the origin advertises its log head', async () => {
  await quiet()
  const missing = await lost(async () => await submit('last'))
  assert.is(holds(missing), undefined)
  await new Promise(resolve => setTimeout(resolve, 500))
  assert.is(holds(missing), undefined, 'nothing repairs it before the advert')
  aFed.parts.presence.advertiseAll()
  await eventually(() => holds(missing), 'B to repair the lost last batch', 5000)
  await converged(fed.sites)
})

test.run()
