/**
 * An idle executor stays attached to its site: while it waits in 10 s long-polls, one
 * after another, its site counts it (and advertises it, and ranks claims over it) every
 * moment of a minute, not only for the first 5 s of each poll. A real ledger and the real
 * Assigner and Presence, on a manual clock: a minute of the node's time in well under a
 * second of the test's.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ATTACHED_MS, Assigner, type ClaimPolicy } from '../../src/node/assigner.js'
import { Presence } from '../../src/node/federation/presence.js'
import { decodeGossip } from '../../src/node/p2p/gossip.js'
import { rankOf } from '../../src/protocol/claims.js'
import { NotFoundError } from '../../src/protocol/errors.js'
import { Ledger, type LocalRecord } from '../../src/store/ledger.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { World, type WorldEntry } from '../helpers/world.js'

const local = (e: WorldEntry): LocalRecord => ({ body: e.record.b, author: e.author })
const OFFER = { cpu: 1000, mem: 1 << 30 }

test('an executor idle in back-to-back 10 s long-polls stays attached for a minute; the ranking holds', async () => {
  const w = new World()
  const clock = new ManualClock(1_700_000_000_000)
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-presence-idle-'))
  const ledger = await Ledger.open({ dir, nodeKey: w.node.prv, now: clock.now, verifyThreads: 0 })
  const { sites: [self, other], entries } = w.twoSites()
  await ledger.appendLocal(entries.map(local))
  /** what this site's adverts told the others: executor types per heartbeat */
  const advertised: Array<Record<string, number>> = []
  const presence = new Presence({
    ledger,
    nodeId: self!,
    host: {
      publish: async (_topic: string, data: Uint8Array) => {
        const f = decodeGossip(data)
        if (f.k === 'idle') advertised.push(f.types)
        return { recipients: [] } as any
      },
      addresses: () => [],
      keepPeer: () => {},
      connectedPeers: () => []
    },
    membership: { myColonies: () => [w.colony], speaksIn: () => true, isCoSite: () => true },
    publisher: { flush: () => {}, firstHeldSeq: () => undefined },
    clock,
    log: () => {}
  })
  const assigner = new Assigner(ledger, clock)
  const policy: ClaimPolicy = {
    rank: () => 0,
    claimableAt: () => 0,
    confirmClaim: async () => {},
    onPresence: (c, t, attached, idle) => { presence.onLocal(c, t, attached, idle) }
  }
  assigner.setPolicy(policy)
  presence.start()
  const executor = ledger.fold.executor(w.colony, w.exec('e1').id)!
  let polls = 0
  let running = true
  const loop = (async () => {
    // as `executor start` does: ask again as soon as a long-poll comes back empty
    while (running) {
      polls++
      try {
        await assigner.assign(executor, OFFER, 10)
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err
      }
    }
  })()
  try {
    const pid = 'a'.repeat(64)
    const samples: Array<{ at: number, own: unknown, sites: string[], rank: number, listed: unknown }> = []
    for (let t = 0; t <= 60_000; t += 250) {
      // the other site keeps advertising executors of the same type
      if (t % 2000 === 0) presence.heard(w.colony, other!, { cli: 1 })
      const sites = [...presence.claimingSites(w.colony, 'cli')].sort()
      samples.push({
        at: t,
        own: presence.ownExecutors(w.colony),
        sites,
        rank: rankOf(pid, self!, sites),
        listed: assigner.attachedExecutors(w.colony)
      })
      await clock.advance(250)
    }
    const first = samples[0]!
    assert.equal(first.own, { cli: 1 })
    assert.equal(first.sites, [self, other].sort())
    for (const s of samples) {
      assert.equal(s.own, first.own, `presence at ${s.at} ms`)
      assert.equal(s.listed, { cli: 1 }, `node ls executors at ${s.at} ms`)
      assert.equal(s.sites, first.sites, `claiming sites at ${s.at} ms`)
      assert.is(s.rank, first.rank, `rank at ${s.at} ms`)
    }
    assert.ok(polls >= 6, `the executor polled back to back (${polls} polls in a minute)`)
    assert.ok(advertised.length >= 25, `heartbeat adverts went out (${advertised.length})`)
    for (const types of advertised) assert.equal(types, { cli: 1 }, 'every advert names the idle executor')

    // and one that stops asking does leave, ATTACHED_MS after its last poll ended
    running = false
    await clock.advance(10_000)
    await loop
    await clock.advance(ATTACHED_MS)
    assert.equal(assigner.attachedExecutors(w.colony), {})
    assert.equal(presence.ownExecutors(w.colony), {})
    presence.heard(w.colony, other!, { cli: 1 })
    assert.equal(presence.claimingSites(w.colony, 'cli'), [other])
  } finally {
    running = false
    assigner.stop()
    presence.stop()
    await clock.advance(20_000)
    await loop
    await ledger.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
