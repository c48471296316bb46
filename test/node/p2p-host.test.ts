/**
 * The libp2p host on real TCP (and WebSocket) on 127.0.0.1: one key names both the peer and
 * the site; gossip crosses a line of three hosts; the validator's verdicts hold; framed
 * streams keep order, apply backpressure and refuse oversized frames; block() partitions and
 * unblock() heals through the bootstrap redial; pre-shared keys close the network; without a
 * mesh nothing is relayed but gossip still reaches a peer two hops away; keepPeer redials;
 * yamux renews windows per half window, not per frame; heartbeat gossip offers a peer only
 * what we relay.
 */
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKey } from '@libp2p/pnet'
import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { P2P_SETTINGS, P2PHost } from '../../src/node/p2p/host.js'
import type { P2PHostOptions } from '../../src/node/p2p/host.js'
import { framedStream, FrameTooLargeError, MAX_FRAME_BYTES } from '../../src/node/p2p/framed-stream.js'
import type { FramedStream } from '../../src/node/p2p/framed-stream.js'
import { peerIdOfNodeKey, siteIdOfPeer } from '../../src/node/p2p/peer-identity.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { installRelayOnlyGossip } from '../../src/node/p2p/gossip-relay.js'

const TCP = '/ip4/127.0.0.1/tcp/0'
const WS = '/ip4/127.0.0.1/tcp/0/ws'
const hosts: P2PHost[] = []
const enc = new TextEncoder()
const dec = new TextDecoder()

async function startHost (opts: Partial<P2PHostOptions> = {}): Promise<P2PHost> {
  const h = await P2PHost.start({ nodeKey: generatePrivateKey(), listen: [TCP], ...opts })
  hosts.push(h)
  return h
}

/** Poll a condition until it holds or the deadline passes (no fixed sleeps). */
async function until (what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

function tcpAddr (h: P2PHost): string {
  const a = h.addresses().find(x => x.includes('/tcp/') && !x.includes('/ws'))
  if (a === undefined) throw new Error('no tcp address')
  return a
}

/** Resolves with the first message on `topic` that satisfies `match`. */
function nextMessage (h: P2PHost, topic: string, match: (text: string) => boolean = () => true, ms = 5000): Promise<{ text: string, from: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no message on ${topic} within ${ms} ms`)) }, ms)
    const off = h.onMessage((t, data, from) => {
      const text = dec.decode(data)
      if (t === topic && match(text)) { clearTimeout(timer); off(); resolve({ text, from }) }
    })
  })
}

test.after(async () => {
  await Promise.allSettled(hosts.map(h => h.stop()))
})

// ---------------------------------------------------------------------------------------------

test('one key: the peer id of a host names the same site as its ledger key', async () => {
  const key = generatePrivateKey()
  const h = await startHost({ nodeKey: key })
  assert.is(h.peerId, peerIdOfNodeKey(key))
  assert.ok(h.peerId.startsWith('16Uiu2'), 'a secp256k1 peer id')
  assert.is(siteIdOfPeer(h.peerId), idFromPrivateKey(key))
  const ed = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  assert.is(siteIdOfPeer(ed), undefined)
  assert.is(siteIdOfPeer('not a peer id'), undefined)
  assert.throws(() => peerIdOfNodeKey('00'.repeat(32)))
  assert.ok(h.addresses().every(a => a.endsWith(`/p2p/${h.peerId}`)))
})

// A line A–B–C shared by the gossip, stream and partition tests below.
let A: P2PHost, B: P2PHost, C: P2PHost
const TOPIC = 'colony/line'

test('gossip published on A reaches C through B (A–B–C, each bootstrapping to its neighbour)', async () => {
  A = await startHost()
  B = await startHost({ bootstrap: [tcpAddr(A)] })
  const subscriptionsAtB: string[] = []
  B.on('subscription-change', (peer, subscribed) => { subscriptionsAtB.push(...subscribed.map(t => `${t}@${peer}`)) })
  C = await startHost({ bootstrap: [tcpAddr(B)] })
  for (const h of [A, B, C]) h.subscribe(TOPIC)
  // publishing right after connecting drops messages: wait until A can publish to B (a ready
  // topic peer) and B relays to C (C in B's mesh, grafted at a heartbeat)
  await until('topic peers and mesh along the line', () =>
    A.topicPeers(TOPIC).includes(B.peerId) && B.topicPeers(TOPIC).includes(C.peerId) &&
    B.meshPeers(TOPIC).includes(C.peerId))
  assert.not.ok(A.connectedPeers().includes(C.peerId), 'A and C are not directly connected')
  assert.ok(subscriptionsAtB.includes(`${TOPIC}@${C.peerId}`), 'B heard C subscribe')

  const selfHeard: string[] = []
  A.onMessage((_t, data) => { selfHeard.push(dec.decode(data)) })
  const atC = nextMessage(C, TOPIC, t => t === 'hello from A')
  await A.publish(TOPIC, enc.encode('hello from A'))
  const got = await atC
  assert.is(got.from, B.peerId, 'the propagation source is the forwarding neighbour')
  assert.equal(selfHeard, [], 'emitSelf is off')

  // neither a duplicate nor a topic nobody listens to throws
  await A.publish(TOPIC, enc.encode('hello from A'))
  await A.publish('colony/nobody', enc.encode('into the void'))
})

test("the validator's 'reject' keeps a message from onMessage and scores the sender down", async () => {
  // a pair of its own: after a reject, the rejecting side refuses the sender's mesh GRAFTs for
  // a while, which would slow the line tests below
  const topic = 'colony/validated'
  const S = await startHost()
  const V = await startHost({ bootstrap: [tcpAddr(S)] })
  for (const h of [S, V]) h.subscribe(topic)
  await until('S can publish to V', () => S.topicPeers(topic).includes(V.peerId))
  const seen: string[] = []
  V.setValidator((t, data, from) => {
    const text = dec.decode(data)
    if (t === topic) seen.push(`${text}@${from}`)
    return text.startsWith('bad') ? 'reject' : text.startsWith('meh') ? 'ignore' : 'accept'
  })
  const delivered: string[] = []
  V.onMessage((t, data) => { if (t === topic) delivered.push(dec.decode(data)) })
  const good = nextMessage(V, topic, t => t === 'good')
  await S.publish(topic, enc.encode('bad record'))
  await S.publish(topic, enc.encode('meh record'))
  await until('V to validate the bad and the ignored message', () => seen.length >= 2)
  await S.publish(topic, enc.encode('good'))
  await good
  assert.ok(seen.includes(`bad record@${S.peerId}`), 'the validator sees the sending peer')
  assert.equal(delivered, ['good'])
  // gossipsub caches scores for one heartbeat (1 s)
  await until("S's score on V to turn negative", () => V.peerScore(S.peerId) < 0, 3000)
})

test('request/response: 1,000 frames echo back complete and in order', async () => {
  const proto = '/colonynet/test/echo/1'
  await B.handle(proto, async (stream, peer) => {
    assert.is(peer, A.peerId)
    for await (const frame of stream) await stream.send(frame)
  })
  const s = await A.open(B.peerId, proto)
  const N = 1000
  const frame = (i: number): Uint8Array => {
    const f = new Uint8Array(8 + (i * 37) % 8000) // 8 B to 8 KiB, some frames empty of payload
    new DataView(f.buffer).setUint32(0, i)
    f.fill(i & 0xff, 8)
    return f
  }
  // send concurrently with reading: with backpressure, "send everything first" would stall
  const sending = (async () => {
    for (let i = 0; i < N; i++) await s.send(frame(i))
    await s.closeWrite()
  })()
  let i = 0
  for await (const f of s) {
    assert.is(new DataView(f.buffer, f.byteOffset).getUint32(0), i, 'in order')
    assert.is(f.byteLength, frame(i).byteLength)
    assert.ok(f.subarray(8).every(b => b === (i & 0xff)), 'intact')
    i++
  }
  await sending
  assert.is(i, N)
})

test('backpressure: a slow reader holds the sender back instead of being reset', async () => {
  const proto = '/colonynet/test/firehose/1'
  const FRAME = 256 * 1024
  const COUNT = 64 // 16 MiB, several times any window or buffer
  let sent = 0
  let read = 0
  let maxLag = 0
  await B.handle(proto, async (stream) => {
    const payload = new Uint8Array(FRAME).fill(7)
    for (let i = 0; i < COUNT; i++) {
      await stream.send(payload)
      sent += FRAME
      maxLag = Math.max(maxLag, sent - read)
    }
  })
  const s = await A.open(B.peerId, proto)
  let frames = 0
  for await (const f of s) {
    assert.is(f.byteLength, FRAME)
    read += FRAME
    frames++
    // a deliberately slow consumer: yield to the event loop for a few ms per frame
    await new Promise(resolve => setTimeout(resolve, 4))
  }
  assert.is(frames, COUNT)
  assert.ok(maxLag < 10 * 1024 * 1024, `the sender ran at most ~window+queue ahead (max lag ${(maxLag / 2 ** 20).toFixed(1)} MiB)`)
})

test('yamux: many small frames cost a window update per half window, not one each', async () => {
  // @chainsafe/libp2p-yamux answers every data frame with a WINDOW_UPDATE; the host sends
  // one only once the remote has used half its window (as go- and rust-yamux do)
  const proto = '/colonynet/test/window/1'
  const FRAME = 1024
  const COUNT = 600 // 600 KiB: more than twice the initial 256 KiB window
  let updates = 0
  let got = 0
  const done = new Promise<void>((resolve, reject) => {
    void B.libp2p.handle(proto, (stream) => {
      // type 1 is WINDOW_UPDATE (yamux spec); sendFrame is the stream's own property
      const raw = stream as unknown as { sendFrame: (h: { type: number }) => void }
      const send = raw.sendFrame
      raw.sendFrame = (h) => { if (h.type === 1) updates++; send(h) }
      const framed = framedStream(stream)
      void (async () => {
        for await (const f of framed) got += f.byteLength
        await framed.closeWrite()
        resolve()
      })().catch(reject)
    })
  })
  const s = await A.open(B.peerId, proto)
  const payload = new Uint8Array(FRAME).fill(3)
  for (let i = 0; i < COUNT; i++) await s.send(payload)
  await s.closeWrite()
  await done
  assert.is(got, FRAME * COUNT, 'every byte arrived: the sender was never left without window')
  assert.ok(updates >= 1, `the window was renewed (${updates} updates)`)
  assert.ok(updates <= 10, `a window update per half window, not per frame: ${updates} for ${COUNT} frames`)
})

test('a framed message crosses as one muxer frame, not its length prefix and body apart', async () => {
  const proto = '/colonynet/test/frames/1'
  const N = 300
  let got = 0
  let chunks = 0
  const all = new Promise<void>((resolve, reject) => {
    void B.libp2p.handle(proto, (stream) => {
      // each yamux data frame reaches the stream as one 'message' event
      stream.addEventListener('message', () => { chunks++ })
      const framed = framedStream(stream)
      void (async () => {
        for await (const f of framed) {
          assert.is(f.byteLength, 1500)
          if (++got === N) resolve()
        }
      })().catch(reject)
    })
  })
  const s = await A.open(B.peerId, proto)
  for (let i = 0; i < N; i++) await s.send(new Uint8Array(1500).fill(i & 0xff))
  await all
  await s.close()
  assert.ok(chunks <= N * 1.1, `${chunks} muxer frames for ${N} messages`)
})

test('a frame over the limit is refused (both ends) without harming the host', async () => {
  const proto = '/colonynet/test/limit/1'
  const handlerErrors: string[] = []
  await B.handle(proto, async (stream) => {
    try {
      for await (const f of stream) await stream.send(f)
    } catch (err) {
      handlerErrors.push((err as Error).name)
      throw err
    }
  })
  // local refusal: send() throws before anything goes out
  const s1 = await A.open(B.peerId, proto)
  await s1.send(enc.encode('ok'))
  try {
    await s1.send(new Uint8Array(MAX_FRAME_BYTES + 1))
    assert.unreachable('send should refuse')
  } catch (err) {
    assert.instance(err, FrameTooLargeError)
  }
  await s1.closeWrite()
  assert.equal([...(await collect(s1))].map(f => dec.decode(f)), ['ok'])

  // remote refusal: a peer whose framing allows more sends one; B resets the stream
  const raw = await A.libp2p.dialProtocol(B.libp2p.peerId, proto)
  const big = framedStream(raw, { maxFrameBytes: 2 * MAX_FRAME_BYTES })
  const sending = big.send(new Uint8Array(MAX_FRAME_BYTES + 1)).catch(() => {})
  try {
    await big.read()
    assert.unreachable('the stream should be reset')
  } catch (err) {
    assert.instance(err, Error)
  }
  await sending
  await until('B to report the refusal', () => handlerErrors.length === 1)
  assert.equal(handlerErrors, ['FrameTooLargeError'])

  // B is fine: the connection and the protocol still work
  const s2 = await A.open(B.peerId, proto)
  await s2.send(enc.encode('still here'))
  await s2.closeWrite()
  assert.equal([...(await collect(s2))].map(f => dec.decode(f)), ['still here'])
  assert.ok(A.connectedPeers().includes(B.peerId))
})

async function collect (s: FramedStream): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const f of s) out.push(f)
  return out
}

test('block() cuts a connection and refuses redials; unblock() lets the bootstrap redial reconnect', async () => {
  const disconnected: string[] = []
  const connected: string[] = []
  C.on('peer:disconnect', p => { disconnected.push(p) })
  C.on('peer:connect', p => { connected.push(p) })
  // C blocks its own bootstrap peer: the redial loop must stay quiet
  await C.block([B.peerId])
  await until('C to drop B', () => !C.connectedPeers().includes(B.peerId) && !B.connectedPeers().includes(C.peerId))
  assert.ok(disconnected.includes(B.peerId))
  await assert_rejects(C.dial(tcpAddr(B)), 'C refuses to dial B')
  // C can only refuse B's dial after the noise handshake names B, so B's dial may look
  // successful for a moment; what matters is that no connection survives
  await B.dial(tcpAddr(C)).catch(() => {})
  await until('B to lose the refused connection', () => !B.connectedPeers().includes(C.peerId))
  assert.not.ok(connected.includes(B.peerId), 'C never accepted B while blocked')
  assert.not.ok(C.connectedPeers().includes(B.peerId))
  C.unblock([B.peerId])
  await until('C to redial B', () => C.connectedPeers().includes(B.peerId))

  // B blocks C: C's redial loop keeps trying with backoff and gets in once B unblocks
  await B.block([C.peerId])
  await until('B to drop C', () => !C.connectedPeers().includes(B.peerId))
  await C.dial(tcpAddr(B)).catch(() => {})
  await until('C to lose the refused connection', () => !C.connectedPeers().includes(B.peerId))
  B.unblock([C.peerId])
  await until('C to reconnect through its redial backoff', () => C.connectedPeers().includes(B.peerId), 8000)
  // gossip flows again after the partition heals
  await until('B to relay to C again', () => B.topicPeers(TOPIC).includes(C.peerId) && B.meshPeers(TOPIC).includes(C.peerId))
  const atC = nextMessage(C, TOPIC, t => t === 'after the partition')
  await A.publish(TOPIC, enc.encode('after the partition'))
  await atC
})

async function assert_rejects (p: Promise<unknown>, what: string): Promise<void> {
  try {
    await p
  } catch {
    return
  }
  assert.unreachable(`${what}: expected a rejection`)
}

test('pre-shared keys: different keys cannot connect, the same key can', async () => {
  const k1 = new Uint8Array(95)
  const k2 = new Uint8Array(95)
  generateKey(k1)
  generateKey(k2)
  assert.ok(dec.decode(k1).startsWith('/key/swarm/psk/1.0.0/'))
  const P = await startHost({ psk: k1 })
  const Q = await startHost({ psk: k1 })
  const R = await startHost({ psk: k2 })
  const open = await startHost()
  // a refused dial may otherwise hang until libp2p's dial timeout (garbage never completes a frame)
  await assert_rejects(R.dial(tcpAddr(P), AbortSignal.timeout(1000)), 'a different psk')
  await assert_rejects(open.dial(tcpAddr(P), AbortSignal.timeout(1000)), 'no psk')
  await Q.dial(tcpAddr(P))
  await until('P and Q connected', () => P.connectedPeers().includes(Q.peerId))
  assert.not.ok(P.connectedPeers().includes(R.peerId))
})

test('a WebSocket listen address works for a dial', async () => {
  const W = await startHost({ listen: [WS] })
  const wsAddr = W.addresses().find(a => a.includes('/ws/'))
  assert.ok(wsAddr, `a /ws address among ${W.addresses().join(', ')}`)
  const D = await startHost()
  const connected = new Promise<string>(resolve => W.on('peer:connect', resolve))
  await D.dial(wsAddr!)
  assert.is(await connected, D.peerId)
  const conn = D.libp2p.getConnections(W.libp2p.peerId)[0]
  assert.ok(conn?.remoteAddr.toString().includes('/ws'), 'the connection runs over WebSocket')
})

test('meshDegree 0: nothing is forwarded; a peer reached only through another hears by gossip (IHAVE/IWANT)', async () => {
  // a line L–M–R without a mesh: M forwards nothing, so R learns of L's message from M's
  // heartbeat gossip (an IHAVE naming it, answered by R's IWANT), not by a relay
  const L = await startHost({ meshDegree: 0 })
  const M = await startHost({ meshDegree: 0, bootstrap: [tcpAddr(L)] })
  const R = await startHost({ meshDegree: 0, bootstrap: [tcpAddr(M)] })
  const topic = 'colony/no-mesh'
  for (const h of [L, M, R]) h.subscribe(topic)
  await until('the line to form', () => L.topicPeers(topic).includes(M.peerId) && M.topicPeers(topic).includes(R.peerId) && R.topicPeers(topic).includes(M.peerId))
  // two heartbeats (1 s each): a mesh would have formed by now
  await new Promise(resolve => setTimeout(resolve, 2500))
  assert.equal([L, M, R].map(h => h.meshPeers(topic).length), [0, 0, 0], 'no mesh links')
  const atM = nextMessage(M, topic, t => t === 'from L')
  // within a few heartbeats: nextMessage's deadline
  const atR = nextMessage(R, topic, t => t === 'from L')
  await L.publish(topic, enc.encode('from L'))
  assert.is((await atM).from, L.peerId, 'the publisher floods it to its own peers')
  const got = await atR
  assert.is(got.from, M.peerId, 'R got it from M')
  await assert_rejects(P2PHost.start({ nodeKey: generatePrivateKey(), listen: [TCP], meshDegree: -1 }), 'a negative mesh degree')
})

test('gossip (IHAVE) offers a peer only what we relay: not our own messages, not the ones it sent us', async () => {
  // three hosts, all connected, no mesh: each one's messages reach the other two directly
  // (flood publish); B's heartbeat gossip to A should name only C's messages, and to C only A's
  const A = await startHost({ meshDegree: 0 })
  const B = await startHost({ meshDegree: 0, bootstrap: [tcpAddr(A)] })
  const C = await startHost({ meshDegree: 0, bootstrap: [tcpAddr(A), tcpAddr(B)] })
  const topic = 'colony/relay-only'
  for (const h of [A, B, C]) h.subscribe(topic)
  const all = [A, B, C]
  await until('a full mesh of subscriptions', () => all.every(h => all.filter(o => o !== h).every(o => h.topicPeers(topic).includes(o.peerId))))
  const offered = new Map<string, Set<string>>()
  const pubsub = B.libp2p.services.pubsub as unknown as { pushGossip: (peer: string, ihave: Array<{ messageIDs: Uint8Array[] }>) => void }
  const push = pubsub.pushGossip.bind(pubsub)
  pubsub.pushGossip = (peer, ihave) => {
    let ids = offered.get(peer)
    if (ids === undefined) offered.set(peer, ids = new Set())
    for (const m of ihave) for (const id of m.messageIDs) ids.add(Buffer.from(id).toString('hex'))
    push(peer, ihave)
  }
  const idOf = (text: string): string => createHash('sha256').update(topic).update(new Uint8Array([0])).update(enc.encode(text)).digest('hex')
  const sent = new Map<P2PHost, string[]>([[A, ['a1', 'a2']], [B, ['b1', 'b2']], [C, ['c1', 'c2']]])
  const heard = all.map(h => new Set<string>())
  all.forEach((h, i) => h.onMessage((_t, data) => { heard[i]?.add(dec.decode(data)) }))
  for (const [h, texts] of sent) for (const t of texts) await h.publish(topic, enc.encode(t))
  await until('every message at every other host', () => all.every((h, i) => [...sent].every(([o, texts]) => o === h || texts.every(t => heard[i]?.has(t)))))
  // the next heartbeats (1 s apart) gossip what the window holds
  await until('B to gossip to both', () => (offered.get(A.peerId)?.size ?? 0) >= 2 && (offered.get(C.peerId)?.size ?? 0) >= 2, 5000)
  const ids = (h: P2PHost): string[] => (sent.get(h) ?? []).map(idOf).sort()
  assert.equal([...(offered.get(A.peerId) ?? [])].sort(), ids(C), 'to A: only what C sent B')
  assert.equal([...(offered.get(C.peerId) ?? [])].sort(), ids(A), 'to C: only what A sent B')
  assert.is(installRelayOnlyGossip({}), false, 'without gossipsub\'s internals, nothing is replaced')
})

/**
 * X and Y connected twice (as sites that dial each other at once), subscribed to `topic`,
 * with a message from X already through; `gossipOn(direction)` finds X's connection that
 * carries X's gossip stream of that direction (outbound: X's to Y; inbound: Y's to X).
 */
async function connectedTwice (topic: string): Promise<{ X: P2PHost, Y: P2PHost, gossipOn: (direction: 'inbound' | 'outbound') => Connection | undefined }> {
  const X = await startHost({ meshDegree: 0 })
  const Y = await startHost({ meshDegree: 0 })
  X.subscribe(topic)
  Y.subscribe(topic)
  await Promise.all([X.dial(tcpAddr(Y)), Y.libp2p.dial(multiaddr(tcpAddr(X)), { force: true })])
  await until('two connections', () => X.libp2p.getConnections(Y.libp2p.peerId).length === 2 && Y.libp2p.getConnections(X.libp2p.peerId).length === 2)
  await until('X can publish to Y', () => X.topicPeers(topic).includes(Y.peerId))
  const gossipOn = (direction: 'inbound' | 'outbound'): Connection | undefined => X.libp2p.getConnections(Y.libp2p.peerId)
    .find(c => c.streams.some(st => st.protocol?.includes('meshsub') === true && st.direction === direction))
  await until('both gossip streams open', () => gossipOn('outbound') !== undefined && gossipOn('inbound') !== undefined)
  const first = nextMessage(Y, topic, t => t === 'before')
  await X.publish(topic, enc.encode('before'))
  await first
  return { X, Y, gossipOn }
}

/** `from` publishes `text` on `topic` and `to` gets it, once `to` is among its topic peers again. */
async function stillHeard (from: P2PHost, to: P2PHost, topic: string, text: string): Promise<void> {
  await until(`${text}: a topic peer again`, () => from.topicPeers(topic).includes(to.peerId))
  const got = nextMessage(to, topic, t => t === text)
  await from.publish(topic, enc.encode(text))
  await got
}

test('connected twice, a peer that loses the connection carrying our gossip still hears us', async () => {
  // sites that dial each other at once end up with two connections; gossipsub publishes on
  // one of them, and must not go quiet when that one closes while the other stays up
  const topic = 'colony/twice'
  const { X, Y, gossipOn } = await connectedTwice(topic)
  await gossipOn('outbound')?.close()
  await until('one connection left', () => X.libp2p.getConnections(Y.libp2p.peerId).length === 1)
  await stillHeard(X, Y, topic, 'after')
})

test('connected twice, a peer still hears us when the connection carrying our gossip is aborted, not closed', async () => {
  // an abort (the liveness check's hang-up) ends the streams on that connection at once and
  // with an error, at both ends; gossip must go on over the other connection, both ways.
  // Aborted here: the connection on which X reads Y's gossip.
  const topic = 'colony/aborted'
  const { X, Y, gossipOn } = await connectedTwice(topic)
  gossipOn('inbound')?.abort(new Error('stuck'))
  await until('one connection left', () => X.libp2p.getConnections(Y.libp2p.peerId).length === 1 && Y.libp2p.getConnections(X.libp2p.peerId).length === 1)
  await stillHeard(X, Y, topic, 'after')
  await stillHeard(Y, X, topic, 'back')
})

test('two pings at once on one connection are both answered (the liveness check\'s and the connection monitor\'s)', async () => {
  const X = await startHost()
  const Y = await startHost()
  await X.dial(tcpAddr(Y))
  await until('connected', () => X.connectedPeers().includes(Y.peerId))
  assert.is(X.libp2p.getConnections(Y.libp2p.peerId).length, 1)
  // started in one tick, so all three streams are open at once
  const results = await Promise.allSettled([0, 1, 2].map(async () => await X.libp2p.services.ping.ping(Y.libp2p.peerId)))
  assert.equal(results.filter(r => r.status === 'rejected').map(r => String((r as PromiseRejectedResult).reason)), [], 'no ping refused')
  for (const r of results) assert.ok(r.status === 'fulfilled' && Number.isFinite(r.value) && r.value >= 0, 'each answered with a round-trip time')
  assert.is(X.libp2p.getConnections(Y.libp2p.peerId).length, 1, 'on the one connection, which stays up')
})

test('keepPeer: dials a peer it was told about, redials it when it drops (at addresses only it may replace), and stops after dropPeer', async () => {
  const K = await startHost()
  const P = await startHost()
  assert.throws(() => K.keepPeer(P.peerId, [tcpAddr(K)]), /not an address of/)
  let drops = 0
  K.on('peer:disconnect', peer => { if (peer === P.peerId) drops++ })
  K.keepPeer(P.peerId, [tcpAddr(P)])
  assert.ok(K.keptPeers().includes(P.peerId))
  await until('K to dial P', () => K.connectedPeers().includes(P.peerId) && P.connectedPeers().includes(K.peerId))
  // addresses from a third party (replace: false) do not displace those in use
  K.keepPeer(P.peerId, [`/ip4/127.0.0.1/tcp/1/p2p/${P.peerId}`], false)
  // P hangs up (a network cut): K dials again by itself, at P's real address
  await P.libp2p.hangUp(K.libp2p.peerId)
  await until('K to see the connection go', () => drops === 1)
  await until('K to redial P', () => K.connectedPeers().includes(P.peerId) && P.connectedPeers().includes(K.peerId), 8000)
  // no longer kept: after the next drop nobody redials
  K.dropPeer(P.peerId)
  assert.not.ok(K.keptPeers().includes(P.peerId))
  await P.libp2p.hangUp(K.libp2p.peerId)
  await until('the connection to go', () => drops === 2 && !K.connectedPeers().includes(P.peerId))
  // a redial loop would have dialled within its longest backoff; wait that and half again
  const connects: string[] = []
  P.on('peer:connect', peer => { connects.push(peer) })
  await new Promise(resolve => setTimeout(resolve, 1.5 * P2P_SETTINGS.redialMaxMs))
  assert.equal(connects, [], 'K did not redial a dropped peer')
  // a bootstrap peer stays kept whatever keepPeer and dropPeer say
  const B = await startHost({ bootstrap: [tcpAddr(P)] })
  B.dropPeer(P.peerId)
  B.keepPeer(P.peerId, [tcpAddr(P)])
  assert.equal(B.keptPeers(), [P.peerId])
  await until('B to connect to its bootstrap peer', () => B.connectedPeers().includes(P.peerId))
})

test.run()
