/**
 * Sites federated over real libp2p on 127.0.0.1: work submitted anywhere runs anywhere,
 * every site holds the whole ledger, and all reach the same state hash.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { assignMsg, eventually } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { converged, type Federation, ok, runAcross, startFederation } from '../helpers/federation.js'
import { addExecutor } from '../helpers/colony-node.js'
import { signEnvelope } from '../../src/protocol/envelope.js'
import type { LedgerChange } from '../../src/store/ledger.js'

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
  const pid = await runAcross(fed, a, c, x, ['ran on C'])
  const hash = await converged(fed.sites)
  assert.type(hash, 'string')
  const onA = (await a.node.ledger.reads.process(pid))
  assert.is(onA?.state, 2)
  assert.equal(onA?.out, ['ran on C'])
  assert.is(onA?.site, c.node.nodeId)
})

test('at rest, sites do not keep pulling from each other (a pull answers a pull only when the asker is ahead)', async () => {
  await converged(fed.sites)
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  const served = (): number => fed.sites.reduce((n, s) => n + (s.node.federation?.stats().sync.served ?? 0), 0)
  // a pull between two sites that hold the same records: B serves it, and must not pull back
  const bServed = b.node.federation?.stats().sync.served ?? 0
  a.node.federation?.schedulePull(b.node.federation?.peerId as string, 0)
  await eventually(() => (b.node.federation?.stats().sync.served ?? 0) > bServed ? true : undefined, 'B to serve the pull')
  // Absence can only be observed over a window: 2 s at rest. The repair timer (every
  // 1.5–4.5 s here) fires at most twice in it per site, pulling from each of 2 peers: at
  // most 12 pulls. The endless ping-pong this guards against ran hundreds a second.
  const before = served()
  await new Promise(resolve => setTimeout(resolve, 2000))
  const during = served() - before
  assert.ok(during <= 12, `${during} pulls served in 2 s at rest`)
})

/**
 * A claim written at C is handed to the executor once A and B have acknowledged it (the
 * settle window, DESIGN decision 6). A site whose log is at rest says so with an advert; a
 * site that writes a batch of its own right after storing the claim sends no advert: that
 * batch, with a clock past the claim's, is the acknowledgement.
 */
test('a claim is acknowledged by an advert from a site at rest, and by the next batch of a busy site', async () => {
  const [a, b, c] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0], typeof fed.sites[0]]
  const fa = a.node.federation as NonNullable<typeof a.node.federation>
  const fb = b.node.federation as NonNullable<typeof b.node.federation>
  const fc = c.node.federation as NonNullable<typeof c.node.federation>
  const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'acked-on-c')
  await eventually(() => c.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'C to know the executor')
  await converged(fed.sites)
  const submit = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'ack', conditions: { colonyname: fed.colony, executortype: 'cli' } } }
  // B writes a record of its own as soon as it has stored a claim, before its ack timer runs
  let written = 0
  const busyB = (change: LedgerChange): void => {
    for (const pid of change.processes) {
      if (b.node.ledger.fold.process(pid)?.assignedexecutorid !== x.id || written > 0) continue
      written++
      void b.node.ledger.appendLocal([{ body: { k: 'env', env: signEnvelope(submit, fed.user.prv) }, author: fed.user.id }])
    }
  }
  b.node.ledger.on('change', busyB)
  try {
    const before = { a: fa.stats().acks, b: fb.stats().acks, c: fc.stats().claims }
    const poll = call(c.node.url, assignMsg(fed.colony, 20), x.prv)
    const p = await ok(a.node.url, submit, fed.user.prv)
    const got = await poll
    assert.is(got.status, 200, JSON.stringify(got.value))
    assert.is(got.value.processid, p.processid)
    assert.is(written, 1, 'B stored the claim and wrote a batch of its own')
    // C waited for acknowledgements and had them: the 2 s cap did not hand it over
    assert.is(fc.stats().claims.waited, before.c.waited + 1)
    assert.is(fc.stats().claims.capped, before.c.capped)
    // A was at rest: it advertised; B's own batch acknowledged for it: no advert from B
    assert.ok(fa.stats().acks.adverts > before.a.adverts, `A sent no acknowledgement advert: ${JSON.stringify(fa.stats().acks)}`)
    // with no request under way at A, nothing of its own was coming: it did not wait for one
    assert.ok(fa.stats().acks.atOnce > before.a.atOnce, `A waited to acknowledge: ${JSON.stringify(fa.stats().acks)}`)
    assert.is(fb.stats().acks.adverts, before.b.adverts, `B advertised although its batch acknowledged: ${JSON.stringify(fb.stats().acks)}`)
    assert.ok(fb.stats().acks.byBatch > before.b.byBatch)
    await ok(c.node.url, { msgtype: 'closesuccessfulmsg', processid: p.processid, out: [] }, x.prv)
    await converged(fed.sites)
  } finally {
    b.node.ledger.off('change', busyB)
  }
})

test.run()
