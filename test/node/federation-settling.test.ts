/**
 * Claim settling on its own, with a manual clock: a claim stands once every live site has
 * acknowledged a clock at or after it and we hold that site's log up to the head it named,
 * or after CONFIRM_CAP_MS; it first waits for a pull streaming in; the acknowledgements we
 * owe go with a batch of ours when one carries them, else as an advert.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ACK_DELAY_MS, ClaimSettling, CONFIRM_CAP_MS } from '../../src/node/federation/claim-settling.js'
import { claimableAt, rankOf } from '../../src/protocol/claims.js'
import type { Hlc } from '../../src/protocol/hlc.js'
import type { ColonyInfo, ProcessInfo } from '../../src/protocol/state.js'
import { ManualClock, settle } from '../helpers/manual-clock.js'

const ME = 'a'.repeat(64)
const S1 = 'b'.repeat(64)
const S2 = 'c'.repeat(64)
const COLONY = 'dev'

interface Rig {
  settling: ClaimSettling
  clock: ManualClock
  sites: string[]
  live: string[]
  claiming: string[]
  seq: Map<string, number>
  head: { h: Hlc, seq: number } | undefined
  published: Hlc
  streaming: number
  pullsEnded: { resolve: (ok: boolean) => void } | undefined
  busy: boolean
  adverts: Array<{ colony: string, head: { h: Hlc, seq: number } | undefined, withAddrs: boolean | undefined }>
  lines: string[]
}

function rig (): Rig {
  const clock = new ManualClock()
  const r: Rig = {
    clock,
    sites: [ME, S1, S2],
    live: [S1, S2],
    claiming: [ME, S1, S2],
    seq: new Map(),
    head: { h: { w: clock.now(), l: 0 }, seq: 7 },
    published: { w: 0, l: 0 },
    streaming: 0,
    pullsEnded: undefined,
    busy: true,
    adverts: [],
    lines: [],
    settling: undefined as unknown as ClaimSettling
  }
  const colony = (): ColonyInfo => ({ colonyid: 'x', name: COLONY, sites: r.sites, sitenames: {}, paused: false })
  r.settling = new ClaimSettling({
    ledger: {
      fold: { colony: name => name === COLONY ? colony() : undefined },
      seqOf: site => r.seq.get(site) ?? 0,
      head: () => r.head
    },
    nodeId: ME,
    presence: {
      claimingSites: () => r.claiming,
      liveSites: (_colony, sites) => r.live.filter(s => sites.includes(s)),
      advertise: (colony, head, withAddrs) => { r.adverts.push({ colony, head, withAddrs }) }
    },
    pulls: {
      streaming: () => r.streaming,
      noPullStreaming: async () => await new Promise<boolean>(resolve => { r.pullsEnded = { resolve } })
    },
    publisher: { publishedClock: () => r.published },
    host: { connectedPeers: () => [] },
    busy: () => r.busy,
    clock,
    log: line => { r.lines.push(line) }
  }, { rankStepMs: 40 })
  return r
}

function processOf (id: string, submissiontime = 1000): ProcessInfo {
  return { processid: id, colonyname: COLONY, spec: { conditions: { executortype: 'gpu' } }, history: [], submissiontime } as unknown as ProcessInfo
}

/** Starts confirming a claim at `t`; `settled()` says whether it stands yet. */
function confirming (r: Rig, t: Hlc): { settled: () => boolean } {
  let settled = false
  void r.settling.confirmClaim(processOf('p'.repeat(64)), t).then(() => { settled = true })
  return { settled: () => settled }
}

test('a claim stands once every live site acknowledged at or after its clock and we hold their logs to the head named', async () => {
  const r = rig()
  const t: Hlc = { w: r.clock.now(), l: 3 }
  const c = confirming(r, t)
  await settle()
  assert.not.ok(c.settled(), 'nobody acknowledged yet')
  r.settling.noteWatermark(S1, { w: t.w, l: 2 }, 4) // before the claim: not an acknowledgement
  r.seq.set(S1, 4)
  await settle()
  assert.not.ok(c.settled())
  r.settling.noteWatermark(S1, { w: t.w, l: 3 }, 5) // at the claim's clock, log head 5
  r.settling.noteWatermark(S2, { w: t.w + 1, l: 0 }, 1)
  r.seq.set(S2, 1)
  await settle()
  assert.not.ok(c.settled(), 'S1\'s log is held only to 4 of 5')
  r.seq.set(S1, 5)
  r.settling.onChange() // the batch that brings S1's log to 5 is stored
  await settle()
  assert.ok(c.settled(), 'the claim stands')
  assert.equal(r.settling.stats().claims, { waited: 1, capped: 0, heldForPull: 0 })
})

test('no claim waits past CONFIRM_CAP_MS, and the log says who did not acknowledge', async () => {
  const r = rig()
  const t: Hlc = { w: r.clock.now(), l: 0 }
  r.settling.noteWatermark(S2, t, 0)
  const c = confirming(r, t)
  await r.clock.advance(CONFIRM_CAP_MS - 1)
  assert.not.ok(c.settled())
  await r.clock.advance(1)
  assert.ok(c.settled(), 'the claim stands at the cap')
  assert.equal(r.settling.stats().claims, { waited: 1, capped: 1, heldForPull: 0 })
  assert.match(r.lines.join('\n'), `${S1.slice(0, 8)} (not connected, never acknowledged)`)
  assert.not.match(r.lines.join('\n'), S2.slice(0, 8), 'S2 acknowledged')
})

test('an acknowledgement already in stands at once; a site not live is not waited for', async () => {
  const r = rig()
  const t: Hlc = { w: r.clock.now(), l: 0 }
  r.settling.noteWatermark(S1, t, 0)
  r.live = [S1]
  const c = confirming(r, t)
  await settle()
  assert.ok(c.settled())
  assert.equal(r.settling.stats().claims, { waited: 0, capped: 0, heldForPull: 0 })
  assert.is(r.clock.pending, 0, 'no cap timer left behind')
})

test('a lone site neither ranks nor waits', async () => {
  const r = rig()
  r.sites = [ME]
  const p = processOf('r'.repeat(64))
  assert.is(r.settling.rank(p), 0)
  assert.is(r.settling.claimableAt(p), 0)
  const c = confirming(r, { w: r.clock.now(), l: 0 })
  await settle()
  assert.ok(c.settled())
  assert.is(r.settling.stats().claims.waited, 0)
})

test('rank is over the sites with executors of the type attached; the turn comes rankStepMs per rank', () => {
  const r = rig()
  for (const id of ['1', '2', '3', '4', '5', '6'].map(d => d.repeat(64))) {
    const p = processOf(id, 5000)
    const rank = rankOf(id, ME, new Set(r.claiming))
    assert.is(r.settling.rank(p), rank)
    assert.is(r.settling.claimableAt(p), rank === 0 ? 0 : claimableAt(5000, rank, 40))
  }
  // the others have no such executors: this site is first for every process
  r.claiming = [ME]
  for (const id of ['1', '2', '3'].map(d => d.repeat(64))) assert.is(r.settling.rank(processOf(id)), 0)
})

test('a claim first waits for a pull streaming batches in', async () => {
  const r = rig()
  r.live = []
  r.streaming = 1
  const c = confirming(r, { w: r.clock.now(), l: 0 })
  await settle()
  assert.not.ok(c.settled())
  assert.is(r.settling.stats().claims.heldForPull, 1)
  r.pullsEnded?.resolve(true)
  await settle()
  assert.ok(c.settled(), 'the claim stands once the pull ended (nobody else is live)')
})

test('owed acknowledgements: carried by a later batch of ours, else an advert of our head after ACK_DELAY_MS', async () => {
  const r = rig()
  const claim: Hlc = { w: r.clock.now(), l: 5 }
  // our last batch sent is older than the claim: an advert it must be
  r.settling.wantAck(COLONY, claim)
  r.settling.wantAck(COLONY, { w: claim.w, l: 1 }) // an older one adds nothing
  await r.clock.advance(ACK_DELAY_MS - 1)
  assert.is(r.adverts.length, 0)
  await r.clock.advance(1)
  assert.equal(r.adverts, [{ colony: COLONY, head: r.head, withAddrs: false }])
  // this time a batch of ours with a later clock goes out first: it acknowledges
  r.settling.wantAck(COLONY, { w: claim.w + 1, l: 0 })
  r.published = { w: claim.w + 2, l: 0 }
  await r.clock.advance(ACK_DELAY_MS)
  assert.is(r.adverts.length, 1)
  assert.equal(r.settling.stats().acks, { adverts: 1, byBatch: 1, atOnce: 0 })
})

test('at rest the acknowledgement goes after two turns of the event loop, not after a delay', async () => {
  const r = rig()
  r.busy = false
  r.settling.wantAck(COLONY, { w: r.clock.now(), l: 0 })
  assert.is(r.clock.pending, 0, 'no timer')
  await settle()
  assert.is(r.adverts.length, 1)
  assert.equal(r.settling.stats().acks, { adverts: 1, byBatch: 0, atOnce: 1 })
})

test('while a write is in flight (no log head) the acknowledgement waits for it; after stop none goes', async () => {
  const r = rig()
  r.head = undefined
  r.settling.wantAck(COLONY, { w: r.clock.now(), l: 0 })
  await r.clock.advance(ACK_DELAY_MS * 3)
  assert.is(r.adverts.length, 0)
  r.head = { h: { w: r.clock.now(), l: 9 }, seq: 8 }
  await r.clock.advance(ACK_DELAY_MS)
  assert.equal(r.adverts.map(a => a.head?.seq), [8])
  r.settling.stop()
  r.settling.wantAck(COLONY, { w: r.clock.now() + 1, l: 0 })
  await r.clock.advance(ACK_DELAY_MS * 3)
  assert.is(r.adverts.length, 1)
})

test.run()
