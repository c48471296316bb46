/**
 * Run in a fresh process by test/node/patches.test.ts, so that no other test file has
 * installed a patch first: starts two hosts as a site does, connects them over TCP on
 * 127.0.0.1, and prints as JSON what it finds of each third-party patch (src/node/p2p:
 * yamux-window.ts, lp-decoder.ts, gossip-relay.ts) on the live connection.
 */
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { P2PHost } from '../../src/node/p2p/host.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'

interface DecoderInternals { __cheapEmpty?: boolean, lengthDecoder: (buf: Uint8ArrayList) => number }
interface GossipInternals {
  __relayOnly?: boolean
  emitGossip: (peersByTopic: Map<string, Set<string>>) => void
  /** gossipsub passes one IHAVE, the patch an array of them */
  pushGossip: (peer: string, ihave: { messageIDs: Uint8Array[] } | Array<{ messageIDs: Uint8Array[] }>) => void
}

function thrown (fn: () => unknown): unknown {
  try { fn() } catch (err) { return err }
  return undefined
}

async function until (what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

const originals = {
  sendWindowUpdate: YamuxStream.prototype.sendWindowUpdate,
  decode: LengthPrefixedDecoder.prototype.decode
}
const A = await P2PHost.start({ nodeKey: generatePrivateKey(), listen: ['/ip4/127.0.0.1/tcp/0'], meshDegree: 0 })
const B = await P2PHost.start({ nodeKey: generatePrivateKey(), listen: ['/ip4/127.0.0.1/tcp/0'], meshDegree: 0 })
try {
  // every decoder that reads a connection from here on (noise reads with one per connection)
  const decoders = new Set<DecoderInternals>()
  const proto = LengthPrefixedDecoder.prototype as unknown as { decode: (this: DecoderInternals, buf: unknown) => unknown }
  const decode = proto.decode
  proto.decode = function (buf) {
    decoders.add(this)
    return decode.call(this, buf)
  }

  // yamux: small frames on one stream, counting the receiver's WINDOW_UPDATE frames (type 1)
  const FRAMES = 50
  let windowUpdates = 0
  let received = 0
  let handled = false
  let streamIsYamux = false
  const PROTOCOL = '/colonynet/test/patch-probe/1'
  const drained = new Promise<void>((resolve, reject) => {
    void B.libp2p.handle(PROTOCOL, (stream) => {
      handled = true
      streamIsYamux = stream instanceof YamuxStream
      const raw = stream as unknown as { sendFrame: (h: { type: number }) => void }
      const send = raw.sendFrame
      raw.sendFrame = (h) => { if (h.type === 1) windowUpdates++; send(h) }
      stream.addEventListener('message', (evt) => { received += evt.data.byteLength })
      stream.addEventListener('remoteCloseWrite', () => { resolve() })
      stream.addEventListener('close', (evt) => { if (evt.error !== undefined) reject(evt.error) })
    }).catch(reject)
  })
  await A.dial(B.addresses().find(a => a.includes('/tcp/')) ?? '')
  const out = await A.libp2p.dialProtocol(B.libp2p.peerId, PROTOCOL)
  // after the stream is open (SYN/ACK, which the patch leaves alone), only data frames
  await until('the stream to open at B', () => handled)
  for (let i = 0; i < FRAMES; i++) {
    if (!out.send(new Uint8Array(1024).fill(i))) await new Promise(resolve => out.addEventListener('drain', resolve, { once: true }))
  }
  await out.close()
  await drained
  proto.decode = decode

  // the empty-buffer error of a decoder that read the connection: one preallocated error
  const decoder = [...decoders][0]
  const empty = decoder === undefined ? [] : [thrown(() => decoder.lengthDecoder(new Uint8ArrayList())), thrown(() => decoder.lengthDecoder(new Uint8ArrayList()))]

  // gossip: A publishes; A's heartbeat gossip offers its own message to nobody, B's offers
  // what it relays (A's message) to a third peer. Called directly: emitGossip is synchronous.
  const topic = 'colony/patch-probe'
  A.subscribe(topic)
  B.subscribe(topic)
  await until('the topic peers', () => A.topicPeers(topic).includes(B.peerId) && B.topicPeers(topic).includes(A.peerId))
  const heard = new Promise<void>(resolve => { B.onMessage(() => { resolve() }) })
  await A.publish(topic, new TextEncoder().encode('from A'))
  await heard
  const offers = (h: P2PHost, to: string): number => {
    const ps = h.libp2p.services.pubsub as unknown as GossipInternals
    let ids = 0
    const push = ps.pushGossip
    ps.pushGossip = (_peer, ihave) => { for (const m of [ihave].flat()) ids += m.messageIDs.length }
    try { ps.emitGossip(new Map([[topic, new Set([to])]])) } finally { ps.pushGossip = push }
    return ids
  }
  const THIRD = '12D3KooWGRUVh2kRQpSK5gvfEHqEEuYVPpm1CXiYakXLD3tmUy8d'

  console.log(JSON.stringify({
    yamux: {
      replaced: YamuxStream.prototype.sendWindowUpdate !== originals.sendWindowUpdate,
      streamIsYamux,
      frames: FRAMES,
      received,
      windowUpdates
    },
    lpDecoder: {
      replaced: LengthPrefixedDecoder.prototype.decode !== originals.decode,
      decodersOnConnection: decoders.size,
      allCheap: [...decoders].every(d => d.__cheapEmpty === true),
      emptyIsRangeError: empty.length === 2 && empty.every(e => e instanceof RangeError),
      emptyErrorPreallocated: empty.length === 2 && empty[0] === empty[1]
    },
    gossip: {
      installed: [A, B].every(h => (h.libp2p.services.pubsub as unknown as GossipInternals).__relayOnly === true),
      ownOffered: offers(A, THIRD),
      relayedOffered: offers(B, THIRD),
      backToSender: offers(B, A.peerId)
    }
  }))
} finally {
  await Promise.allSettled([A.stop(), B.stop()])
}
