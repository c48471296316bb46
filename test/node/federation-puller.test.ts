/**
 * The puller on its own, with a manual clock and a host whose streams the test answers:
 * one pull per peer and one at a time, a failed pull retried once with a backoff that
 * doubles up to a cap, a repair only of what is still missing after a moment, the first
 * sync, and who may be pulled from.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Puller } from '../../src/node/federation/puller.js'
import { peerIdOfNodeKey, siteIdOfPeer } from '../../src/node/p2p/peer-identity.js'
import type { SyncStream } from '../../src/node/p2p/sync-protocol.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { ManualClock, settle } from '../helpers/manual-clock.js'

const enc = new TextEncoder()

/** A sync stream whose server answers with these frames. */
function answering (...frames: object[]): SyncStream {
  return {
    send: async () => {},
    closeWrite: async () => {},
    close: async () => {},
    async * [Symbol.asyncIterator] () {
      for (const f of frames) yield enc.encode(JSON.stringify(f))
    }
  }
}

const ORIGIN = 'a'.repeat(64)
const done = (): SyncStream => answering({ type: 'done', vv: [[ORIGIN, 3]] })
const refused = (): SyncStream => answering({ type: 'refused', reason: 'not a site' })

interface Rig {
  puller: Puller
  clock: ManualClock
  /** the opens asked for, in order; each is answered by `answer` */
  opens: string[]
  connected: Set<string>
  /** how the next opens are answered (a stream, or a failure) */
  answer: (peer: string) => Promise<SyncStream>
  seq: Map<string, number>
  coSites: Set<string>
  lines: string[]
  vectors: Map<string, Map<string, number>>
}

function rig (init: { bootstrap?: string[] } = {}): Rig {
  const clock = new ManualClock()
  const r: Rig = {
    clock,
    opens: [],
    connected: new Set(),
    answer: async () => done(),
    seq: new Map(),
    coSites: new Set(),
    lines: [],
    vectors: new Map(),
    puller: undefined as unknown as Puller
  }
  r.puller = new Puller({
    host: {
      open: async (peer: string) => {
        r.opens.push(peer)
        return await r.answer(peer)
      },
      connectedPeers: () => [...r.connected]
    },
    ledger: {
      seqOf: (origin: string) => r.seq.get(origin) ?? 0,
      versionVector: () => new Map(r.seq),
      ingest: async () => ({ stored: 0, applied: 0, held: 0 }),
      fresh: false,
      adoptSummary: async () => {}
    },
    membership: { isCoSite: site => r.coSites.has(site) },
    sites: { touch: () => {}, setVector: (site, vv) => { r.vectors.set(site, vv) } },
    clock,
    random: () => 0.5,
    log: line => { r.lines.push(line) }
  }, { syncIntervalMs: 600_000, ...(init.bootstrap === undefined ? {} : { bootstrap: init.bootstrap }) })
  return r
}

/** A peer that is a site of one of our colonies (and connected). */
function site (r: Rig): string {
  const peer = peerIdOfNodeKey(generatePrivateKey())
  r.coSites.add(siteIdOfPeer(peer) as string)
  r.connected.add(peer)
  return peer
}

/** A promise the test resolves, and its resolver. */
function gate<T> (): { promise: Promise<T>, open: (v: T) => void } {
  let open = (_v: T): void => {}
  const promise = new Promise<T>(resolve => { open = resolve })
  return { promise, open }
}

test('one pull per peer at a time: asks while one runs are dropped, not queued', async () => {
  const r = rig()
  const peer = site(r)
  const first = gate<SyncStream>()
  r.answer = async () => await first.promise
  r.puller.schedulePull(peer, 0)
  r.puller.schedulePull(peer, 0)
  r.puller.schedulePull(peer, 0)
  await settle()
  assert.equal(r.opens, [peer])
  first.open(done())
  await r.puller.idle()
  assert.is(r.puller.stats().pulls, 1)
  assert.equal([...(r.vectors.get(siteIdOfPeer(peer) as string) ?? [])], [[ORIGIN, 3]], 'the server\'s vector is kept')
  r.answer = async () => done()
  r.puller.schedulePull(peer, 0)
  await r.puller.idle()
  assert.equal(r.opens, [peer, peer], 'a new pull once the first ended')
  assert.is(r.puller.stats().pulls, 2)
})

test('pulls from different peers run one after another', async () => {
  const r = rig()
  const [p1, p2] = [site(r), site(r)]
  const first = gate<SyncStream>()
  r.answer = async peer => peer === p1 ? await first.promise : done()
  r.puller.schedulePull(p1, 0)
  r.puller.schedulePull(p2, 0)
  await settle()
  assert.equal(r.opens, [p1], 'the second pull waits for the first')
  first.open(done())
  await r.puller.idle()
  assert.equal(r.opens, [p1, p2])
})

test('a failed pull is retried once, after a backoff that doubles up to 15 s, while the peer is connected', async () => {
  const r = rig()
  const peer = site(r)
  r.answer = async () => { throw new Error('connection reset') }
  r.puller.schedulePull(peer, 0)
  await r.puller.idle()
  assert.is(r.opens.length, 1)
  assert.match(r.lines.join('\n'), /sync with .*: connection reset/)
  // each failure arms one retry; measure the wait before each (in steps of 100 ms)
  const waits: number[] = []
  for (let i = 0; i < 6; i++) {
    const before = r.opens.length
    let waited = 0
    while (r.opens.length === before && waited < 60_000) {
      await r.clock.advance(100)
      waited += 100
    }
    waits.push(waited)
    await r.puller.idle()
    assert.is(r.clock.pending, 1, 'exactly one retry armed')
  }
  assert.equal(waits, [1000, 2000, 4000, 8000, 15_000, 15_000])
  // a peer that went away is not retried
  r.connected.delete(peer)
  const before = r.opens.length
  await r.clock.advance(20_000)
  assert.is(r.opens.length, before)
  assert.ok(r.puller.quiet(), 'nothing left to run or due')
})

test('a pull that succeeds resets the backoff and cancels the retry pending', async () => {
  const r = rig()
  const peer = site(r)
  r.answer = async () => { throw new Error('gone') }
  r.puller.schedulePull(peer, 0)
  await r.puller.idle()
  await r.clock.advance(1000) // the retry (after 1 s) fails too: the next would wait 2 s
  await r.puller.idle()
  assert.is(r.opens.length, 2)
  r.answer = async () => done()
  r.puller.schedulePull(peer, 0)
  await r.puller.idle()
  assert.is(r.opens.length, 3)
  assert.ok(r.puller.quiet(), 'the retry was cancelled')
  await r.clock.advance(5000)
  assert.is(r.opens.length, 3)
  // failing again starts from the first step
  r.answer = async () => { throw new Error('gone again') }
  r.puller.schedulePull(peer, 0)
  await r.puller.idle()
  await r.clock.advance(999)
  assert.is(r.opens.length, 4)
  await r.clock.advance(1)
  assert.is(r.opens.length, 5)
})

test('a refused pull counts, ends the first sync and backs off quietly', async () => {
  const r = rig()
  const peer = site(r)
  const first = r.puller.firstSync(5000)
  r.answer = async () => refused()
  r.puller.schedulePull(peer, 0)
  await r.puller.idle()
  assert.is(await first, true)
  assert.equal(r.puller.stats(), { pulls: 0, pullsRefused: 1, bytes: 0 })
  assert.equal(r.lines, [], 'a refusal is expected before admission: not logged')
  assert.is(r.clock.pending, 1, 'a retry is armed')
})

test('the first sync gives up on the clock when no pull ends', async () => {
  const r = rig()
  const first = r.puller.firstSync(5000)
  let result: boolean | undefined
  void first.then(v => { result = v })
  await r.clock.advance(4999)
  assert.is(result, undefined)
  await r.clock.advance(1)
  assert.is(result, false)
})

test('a repair pulls only what is still missing after the repair delay, once per origin', async () => {
  const r = rig()
  const peer = site(r)
  r.puller.repairIfMissing(peer, 'origin', 3)
  r.puller.repairIfMissing(peer, 'origin', 5)
  assert.ok(r.puller.repairDue('origin'))
  await r.clock.advance(299)
  assert.is(r.opens.length, 0)
  r.seq.set('origin', 4) // batches up to 4 arrived by themselves; 5 is still missing
  await r.clock.advance(1)
  await r.puller.idle()
  assert.equal(r.opens, [peer])
  assert.not.ok(r.puller.repairDue('origin'))
  // arrived meanwhile: no pull
  r.puller.repairIfMissing(peer, 'origin', 6)
  r.seq.set('origin', 6)
  await r.clock.advance(300)
  assert.equal(r.opens, [peer])
  // already held: nothing is even scheduled
  r.puller.repairIfMissing(peer, 'origin', 6)
  assert.not.ok(r.puller.repairDue('origin'))
})

test('only sites of our colonies and bootstrap peers are pulled from', async () => {
  const boot = peerIdOfNodeKey(generatePrivateKey())
  const r = rig({ bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${boot}`] })
  const stranger = peerIdOfNodeKey(generatePrivateKey())
  r.connected.add(stranger)
  r.connected.add(boot)
  r.puller.schedulePull(stranger, 0)
  r.puller.schedulePull(boot, 0)
  await r.puller.idle()
  assert.equal(r.opens, [boot])
})

test('stop: no pull starts after it, and the repair timer is disarmed', async () => {
  const r = rig()
  const peer = site(r)
  r.puller.start()
  assert.is(r.clock.pending, 1, 'the repair timer')
  await r.puller.stop()
  assert.is(r.clock.pending, 0)
  r.puller.schedulePull(peer, 0)
  await r.puller.idle()
  assert.is(r.opens.length, 0)
})

test.run()
