/**
 * Hostile peers against real federated nodes on 127.0.0.1: malformed sync frames over
 * real streams (from a stranger and from an admitted site), a stranger answering a pull,
 * a stranger listening on a colony's topic, a flood of gossip from one peer (the node
 * stays responsive and gossipsub scores the flooder down), an oversized gossip message,
 * a record too large for a frame, and a replayed batch (stored and executed once).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { signEnvelope } from '../../src/protocol/envelope.js'
import { type Batch, signBatch } from '../../src/protocol/records.js'
import { topicOf } from '../../src/node/p2p/gossip.js'
import { P2PHost } from '../../src/node/p2p/host.js'
import { MAX_FRAME_BYTES } from '../../src/node/p2p/framed-stream.js'
import { SYNC_PROTOCOL } from '../../src/node/p2p/sync-protocol.js'
import { addExecutor, assignMsg, eventually } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { converged, ok, startFederation, type Federation, type Site } from '../helpers/federation.js'
import { fcOptions } from './fuzz-config.js'
import { applyByteEdits, applyEdits, byteEditArb, editsArb, hostileValue } from './hostile.js'
import { healthy } from './target.js'
import { framed, varint } from '../helpers/frames.js'

let fed: Federation
let a: Site
let b: Site
/** a node that is no site of anything, connected to A */
let rogue: P2PHost
const rogueKey = generatePrivateKey()
const rogueId = idFromPrivateKey(rogueKey)
const enc = new TextEncoder()

test.before(async () => {
  fed = await startFederation(2)
  a = fed.sites[0] as Site
  b = fed.sites[1] as Site
  rogue = await P2PHost.start({ nodeKey: rogueKey, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: a.node.federation?.addresses() ?? [] })
  await eventually(() => rogue.connectedPeers().includes(a.node.federation?.peerId as string) ? true : undefined, 'the stranger to connect to A')
  await converged(fed.sites)
})

test.after(async () => {
  await rogue.stop()
  await fed.stop()
})

const submitMsg = (funcname: string, extra: Record<string, unknown> = {}, executortype = 'cli'): { msgtype: string } & Record<string, unknown> =>
  ({ msgtype: 'submitfuncspecmsg', spec: { funcname, ...extra, conditions: { colonyname: fed.colony, executortype } } })

const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v))

/**
 * Opens a sync stream from `from` to `to`, writes `bytes` raw (framing is the caller's),
 * closes our side and waits for the node to end the stream: it must, by closing it or
 * resetting it, never by leaving it hanging.
 */
async function rawSync (from: P2PHost, to: string, bytes: Uint8Array, deadlineMs = 3000): Promise<{ received: number, how: string }> {
  const stream: Stream = await from.libp2p.dialProtocol(peerIdFromString(to), SYNC_PROTOCOL, { signal: AbortSignal.timeout(deadlineMs) })
  let received = 0
  const ended = new Promise<string>(resolve => {
    stream.addEventListener('message', evt => { received += evt.data.byteLength })
    stream.addEventListener('close', evt => resolve(evt.error === undefined ? 'closed' : `reset (${evt.error.name})`))
  })
  if (bytes.length > 0) stream.send(bytes)
  await stream.close().catch(() => {})
  const timer = new Promise<string>(resolve => setTimeout(() => resolve('hanging'), deadlineMs).unref())
  const how = await Promise.race([ended, timer])
  if (how === 'hanging') stream.abort(new Error('test deadline'))
  return { received, how }
}

const vv = [['a'.repeat(64), 1]]
const syncFrameArb: fc.Arbitrary<{ kind: string, bytes: Uint8Array }> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map(bytes => ({ kind: 'random bytes', bytes })),
  hostileValue.map(v => ({ kind: 'random JSON frame', bytes: framed(json(v)) })),
  fc.tuple(fc.constantFrom<unknown>({ type: 'hello', vv }, { type: 'hello', vv: [] }, { type: 'done', vv }, { type: 'batches', batches: [] }, { type: 'refused', reason: 'x' }), editsArb)
    .map(([f, edits]) => ({ kind: 'field-edited frame', bytes: framed(json(applyEdits(f as any, edits))) })),
  fc.tuple(fc.constantFrom<unknown>({ type: 'hello', vv: [] }), fc.array(byteEditArb, { minLength: 1, maxLength: 3 }))
    .map(([f, edits]) => ({ kind: 'byte-edited stream', bytes: applyByteEdits(framed(json(f)), edits) })),
  fc.constantFrom(
    { kind: 'length prefix over the frame limit', bytes: Buffer.concat([varint(MAX_FRAME_BYTES + 1), Buffer.alloc(64)]) },
    { kind: 'six-byte length prefix', bytes: Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]) },
    { kind: 'truncated frame', bytes: Buffer.concat([varint(1000), json({ type: 'hello', vv: [] })]) },
    { kind: 'empty frame', bytes: framed(new Uint8Array(0)) },
    { kind: 'nothing at all', bytes: new Uint8Array(0) },
    { kind: 'a batches frame first', bytes: framed(json({ type: 'batches', batches: [] })) },
    { kind: 'two hellos', bytes: framed(json({ type: 'hello', vv: [] }), json({ type: 'hello', vv: [] })) },
    { kind: 'a vector of 100,001 origins', bytes: framed(json({ type: 'hello', vv: Array.from({ length: 100_001 }, (_, i) => [i.toString(16).padStart(64, '0'), 1]) })) }
  )
)

test('malformed sync frames over real streams, from a stranger and from a site: the node ends the stream and changes nothing', async () => {
  const peers = [rogue, b.node.federation?.host as P2PHost]
  const target = a.node.federation?.peerId as string
  const before = a.node.ledger.fold.stateHash()
  const hows = new Map<string, number>()
  await fc.assert(fc.asyncProperty(syncFrameArb, fc.nat(1), async ({ kind, bytes }, who) => {
    const r = await rawSync(peers[who] as P2PHost, target, bytes)
    hows.set(r.how, (hows.get(r.how) ?? 0) + 1)
    assert.is.not(r.how, 'hanging', `${kind} from ${who === 0 ? 'a stranger' : 'a site'}: the node left the stream open`)
  }), fcOptions(60))
  if (process.env.FUZZ_STATS !== undefined) console.log('sync streams ended:', Object.fromEntries(hows))
  assert.is(a.node.ledger.fold.stateHash(), before, 'the state changed')
  await healthy(a.node.url)
  // a site's ordinary pull still works afterwards
  await ok(a.node.url, submitMsg('after-sync-fuzz'), fed.user.prv)
  await converged(fed.sites)
})

test('a peer that is not a site cannot write into a node\'s ledger by answering its pull', async () => {
  // the stranger serves the sync protocol: A pulls from every peer that connects
  const junk = signBatch(rogueId, 1, [
    { o: rogueId, t: { w: Date.now(), l: 0 }, b: { k: 'site', operatorid: rogueId, name: 'stranger' } },
    { o: rogueId, t: { w: Date.now(), l: 1 }, b: { k: 'env', env: signEnvelope(submitMsg('junk', { args: ['y'.repeat(1000)] }), rogueKey) } }
  ], rogueKey)
  let served = 0
  await rogue.handle(SYNC_PROTOCOL, async (stream) => {
    await stream.read()
    await stream.send(json({ type: 'batches', batches: [junk] }))
    await stream.send(json({ type: 'done', vv: [[rogueId, 1]] }))
    served++
  })
  try {
    const size = a.node.ledger.fold.size
    const hash = a.node.ledger.fold.stateHash()
    // A is asked to pull from it (as on every connection): it must not even ask
    a.node.federation?.schedulePull(rogue.peerId, 0)
    await a.node.federation?.idleSync()
    assert.is(served, 0, 'A pulled from a node that is neither a site nor its bootstrap peer')
    assert.is(a.node.ledger.versionVector().get(rogueId), undefined, 'A stored a batch from a node that is not a site')
    assert.is(a.node.ledger.fold.size, size, 'A\'s fold grew')
    assert.is(a.node.ledger.fold.stateHash(), hash)
  } finally {
    await rogue.libp2p.unhandle(SYNC_PROTOCOL)
  }
})

/** Polls /health every 20 ms while `work` runs; returns the latencies. */
async function healthDuring (url: string, work: () => Promise<void>): Promise<number[]> {
  const lat: number[] = []
  let done = false
  const poller = (async () => {
    while (!done) {
      lat.push(await healthy(url, 5000))
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  })()
  try {
    await work()
  } finally {
    done = true
    await poller
  }
  return lat
}

async function flood (from: P2PHost, topic: string, n: number, frame: (i: number) => Uint8Array): Promise<void> {
  for (let i = 0; i < n; i++) {
    await from.publish(topic, frame(i))
    if (i % 50 === 49) await new Promise(resolve => setImmediate(resolve))
  }
}

/** A peer that is no site, connected to A and subscribed to the colony's topic. */
async function strangerOnTopic (): Promise<{ host: P2PHost, topic: string }> {
  const host = await P2PHost.start({ nodeKey: generatePrivateKey(), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: a.node.federation?.addresses() ?? [] })
  const topic = topicOf(fed.colony)
  host.subscribe(topic)
  try {
    await eventually(() => host.topicPeers(topic).length > 0 ? true : undefined, 'the stranger to find A on the topic')
  } catch (err) {
    await host.stop()
    throw err
  }
  return { host, topic }
}

test('a flood of garbage gossip from one peer: the node stays responsive and scores the flooder down', async () => {
  const { host: flooder, topic } = await strangerOnTopic()
  try {
    const fa = a.node.federation
    assert.ok(fa)
    const rejectedBefore = fa.stats().gossip.rejected
    const lat = await healthDuring(a.node.url, async () => {
      await flood(flooder, topic, 2000, i => enc.encode(`garbage ${i} ${'#'.repeat(512)}`))
      // a peer that is no site is graylisted: its messages are dropped before validation
      await eventually(() => fa.stats().gossip.rejected > rejectedBefore || fa.host.peerScore(flooder.peerId) < -80 ? true : undefined, 'A to judge or graylist the flooder')
    })
    const max = Math.max(...lat)
    if (process.env.FUZZ_STATS !== undefined) console.log(`garbage flood: ${lat.length} health checks, max ${Math.round(max)} ms, rejected ${fa.stats().gossip.rejected - rejectedBefore}`)
    assert.ok(lat.length >= 3, `only ${lat.length} health checks during the flood`)
    assert.ok(max < 1000, `GET /health took up to ${Math.round(max)} ms during the flood`)
    // gossipsub refreshes its score cache once a heartbeat (1 s)
    await eventually(() => fa.host.peerScore(flooder.peerId) < 0 ? true : undefined, () => `the flooder's score (${fa.host.peerScore(flooder.peerId)}) to turn negative`, 3000)
    // the sites still replicate
    const p = await ok(a.node.url, submitMsg('after-flood'), fed.user.prv)
    await eventually(() => b.node.ledger.fold.process(p.processid) !== undefined ? true : undefined, 'B to get a submit made after the flood')
  } finally {
    await flooder.stop()
  }
})

test('a flood of well-formed frames from a peer that is not a site: the node stays responsive and nothing changes', async () => {
  // Such frames are ignored, not rejected (a site admitted elsewhere must not be punished
  // before we hear of it), so the flooder keeps its score: only the cost is bounded here.
  const { host: flooder, topic } = await strangerOnTopic()
  try {
    const fa = a.node.federation
    assert.ok(fa)
    const hash = a.node.ledger.fold.stateHash()
    const ignoredBefore = fa.stats().gossip.ignored
    const lat = await healthDuring(a.node.url, async () => {
      await flood(flooder, topic, 2000, i => enc.encode(JSON.stringify({ k: 'idle', site: 'c'.repeat(64), colony: fed.colony, types: { cli: i }, t: Date.now() + i })))
      await eventually(() => fa.stats().gossip.ignored >= ignoredBefore + 100 || fa.host.peerScore(flooder.peerId) < -80 ? true : undefined, 'A to ignore or graylist the flooder')
    })
    const max = Math.max(...lat)
    if (process.env.FUZZ_STATS !== undefined) console.log(`advert flood: ${lat.length} health checks, max ${Math.round(max)} ms, ignored ${fa.stats().gossip.ignored - ignoredBefore}, score ${fa.host.peerScore(flooder.peerId)}`)
    assert.ok(max < 1000, `GET /health took up to ${Math.round(max)} ms during the flood`)
    assert.is(a.node.ledger.fold.stateHash(), hash)
    // a stranger's advert never makes it a claiming site
    const p = await ok(a.node.url, submitMsg('after-advert-flood'), fed.user.prv)
    assert.ok(p.processid)
  } finally {
    await flooder.stop()
  }
})

test('a gossip message over 4 MiB is dropped at the transport; the node stays responsive and the sites still gossip', async () => {
  const { host: big, topic } = await strangerOnTopic()
  try {
    const hash = a.node.ledger.fold.stateHash()
    await big.publish(topic, new Uint8Array(5 * 1024 * 1024).fill(0x61)).catch(() => {})
    await healthy(a.node.url)
    assert.is(a.node.ledger.fold.stateHash(), hash)
    const p = await ok(a.node.url, submitMsg('after-big-gossip'), fed.user.prv)
    await eventually(() => b.node.ledger.fold.process(p.processid) !== undefined ? true : undefined, 'B to get a submit made after the big message')
  } finally {
    await big.stop()
  }
})

test('a replayed batch (the same batch delivered again) is stored once, and its process runs once', async () => {
  // an executor type of its own: the other tests leave processes waiting
  const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'replay-x', 'replay')
  let captured: Batch | undefined
  const onBatch = (batch: Batch): void => { captured ??= batch }
  const p = await (async () => {
    a.node.ledger.on('batch', onBatch)
    try {
      return await ok(a.node.url, submitMsg('once', {}, 'replay'), fed.user.prv)
    } finally {
      a.node.ledger.off('batch', onBatch)
    }
  })()
  assert.ok(captured)
  await converged(fed.sites)
  // delivered to B again (as a re-gossip or a second sync would), twice over
  const again = await b.node.ledger.ingest([captured, JSON.parse(JSON.stringify(captured)) as Batch])
  assert.is(again.stored, 0)
  const first = await call(b.node.url, assignMsg(fed.colony, 5), x.prv)
  assert.is(first.status, 200, JSON.stringify(first.value))
  assert.is(first.value.processid, p.processid)
  const second = await call(b.node.url, assignMsg(fed.colony, -1), x.prv)
  assert.is(second.status, 404, `the process was handed out twice: ${JSON.stringify(second.value).slice(0, 200)}`)
  await ok(b.node.url, { msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['done'] }, x.prv)
})

test('the largest request the API accepts reaches the other site; a larger one is refused naming the limit', async () => {
  // a 2.2 MiB argument is a body just under the 3 MiB limit (the payload is base64)
  const p = await ok(a.node.url, submitMsg('big', { args: ['x'.repeat(Math.floor(2.2 * 1024 * 1024))] }), fed.user.prv)
  // its batch must fit a gossip message and a sync frame (4 MiB each)
  await eventually(() => b.node.ledger.fold.process(p.processid) !== undefined ? true : undefined,
    () => `B to get the 2.2 MiB submit (A's log at B: ${String(b.node.ledger.versionVector().get(a.node.nodeId))}, at A: ${String(a.node.ledger.versionVector().get(a.node.nodeId))})`, 8000)
  const size = a.node.ledger.fold.size
  const tooBig = await call(a.node.url, submitMsg('too-big', { args: ['x'.repeat(Math.floor(2.4 * 1024 * 1024))] }), fed.user.prv)
  assert.is(tooBig.status, 413)
  assert.match(tooBig.value.message, /larger than 3145728 bytes/)
  assert.is(a.node.ledger.fold.size, size)
})

test.run()
