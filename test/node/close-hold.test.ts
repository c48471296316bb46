/**
 * A close waits for the site's next batch and travels with it, in one gossip message (see
 * CLOSE_HOLD_MS in federation/publisher.ts): the executor's next claim carries it, an executor that
 * parks with nothing to claim sends it at once, and with nothing after it the hold's end
 * does. Two real sites on 127.0.0.1; A's advert heartbeat and both repair timers are
 * stopped, so each test sees only the path it names. B's view of A's messages is its
 * gossip validator.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { batchesOf, type BatchFrame, decodeGossip } from '../../src/node/p2p/gossip.js'
import { ProcessState } from '../../src/protocol/state.js'
import { addExecutor, assignMsg, eventually, type Identity } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { converged, type Federation, ok, type Site, startFederation } from '../helpers/federation.js'

interface Two { fed: Federation, a: Site, b: Site, x: Identity, frames: BatchFrame[] }

async function startTwo (closeHoldMs: number): Promise<Two> {
  const fed = await startFederation(2, { syncIntervalMs: 600_000, closeHoldMs })
  const [a, b] = fed.sites as [Site, Site]
  const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'holder', 'hold')
  await converged(fed.sites)
  a.node.federation?.parts.presence.stop()
  const frames: BatchFrame[] = []
  const bFed = b.node.federation as NonNullable<typeof b.node.federation>
  bFed.host.setValidator((topic, data, from) => {
    const f = decodeGossip(data)
    if (f.k === 'batch') frames.push(f)
    return bFed.parts.gossip.validate(topic, data, from)
  })
  return { fed, a, b, x, frames }
}

const submit = async (t: Two): Promise<string> =>
  (await ok(t.a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'f', conditions: { colonyname: t.fed.colony, executortype: 'hold' } } }, t.fed.user.prv)).processid

const assign = async (t: Two, timeoutSec: number): Promise<{ status: number, value: any }> =>
  await call(t.a.node.url, assignMsg(t.fed.colony, timeoutSec), t.x.prv)

const close = async (t: Two, pid: string): Promise<void> => {
  await ok(t.a.node.url, { msgtype: 'closesuccessfulmsg', processid: pid, out: [pid.slice(0, 8)] }, t.x.prv)
}

/** What a frame carries, in order: 'close <pid>', 'claim <pid>', 'submit', … */
function contents (f: BatchFrame): string[] {
  return batchesOf(f).flatMap(b => b.records.map(r => {
    if (r.b.k === 'claim') return `claim ${r.b.processid}`
    if (r.b.k !== 'env') return r.b.k
    if (r.b.env.payloadtype === 'closesuccessfulmsg') return `close ${JSON.parse(Buffer.from(r.b.env.payload, 'base64').toString()).processid as string}`
    return r.b.env.payloadtype
  }))
}

const stateAtB = async (t: Two, pid: string): Promise<number | undefined> => (await t.b.node.ledger.reads.process(pid))?.state

let held: Two
/** the first test's last close, still held at A when it ends */
let waiting = ''

test.before(async () => {
  held = await startTwo(60_000)
})

test.after(async () => {
  await held.fed.stop()
})

test('a close waits for the executor\'s next claim and goes with it, in one message, in log order', async () => {
  const t = held
  const first = await submit(t)
  const second = await submit(t)
  await eventually(async () => await stateAtB(t, second) === ProcessState.WAITING ? true : undefined, 'B to hold both submissions')
  const got = await assign(t, 5)
  assert.is(got.status, 200)
  const ran = got.value.processid as string
  const next = ran === first ? second : first
  await eventually(async () => await stateAtB(t, ran) === ProcessState.RUNNING ? true : undefined, 'B to see the claim')
  const before = t.frames.length
  await close(t, ran)
  // acknowledged to the executor (durable at A), but held: no message has carried it yet
  assert.is((await t.a.node.ledger.reads.process(ran))?.state, ProcessState.SUCCESS)
  assert.is(await stateAtB(t, ran), ProcessState.RUNNING)
  const again = await assign(t, 5)
  assert.is(again.status, 200)
  assert.is(again.value.processid, next)
  await eventually(async () => await stateAtB(t, ran) === ProcessState.SUCCESS ? true : undefined, 'B to see the close')
  const sent = t.frames.slice(before)
  const carrier = sent.find(f => contents(f).includes(`close ${ran}`))
  assert.ok(carrier !== undefined, 'a batch frame carried the close')
  assert.equal(contents(carrier), [`close ${ran}`, `claim ${next}`], 'the close and the next claim travel together, the close first')
  const seqs = batchesOf(carrier).map(b => b.seq)
  assert.equal(seqs, [seqs[0] as number, (seqs[0] as number) + 1])
  assert.is(await stateAtB(t, next), ProcessState.RUNNING)
  await close(t, next)
  waiting = next
})

test('an executor that parks with nothing to claim sends the held close at once', async () => {
  const t = held
  // the previous test's last close waits, and no process does: the next assign parks
  assert.is((await t.a.node.ledger.reads.process(waiting))?.state, ProcessState.SUCCESS)
  assert.is(await stateAtB(t, waiting), ProcessState.RUNNING, 'the close is held at A')
  const poll = assign(t, 2)
  await eventually(async () => await stateAtB(t, waiting) === ProcessState.SUCCESS ? true : undefined, 'B to see the close (the hold is a minute)', 5000)
  const carrier = t.frames.find(f => contents(f).includes(`close ${waiting}`))
  assert.equal(carrier === undefined ? [] : contents(carrier), [`close ${waiting}`])
  assert.is((await poll).status, 404)
  await converged(t.fed.sites)
})

test('an acknowledgement advert leaves the held close waiting, names the last batch sent, and still confirms', async () => {
  const t = held
  const aFed = t.a.node.federation as NonNullable<typeof t.a.node.federation>
  const bFed = t.b.node.federation as NonNullable<typeof t.b.node.federation>
  const y = await addExecutor(t.b.node.url, t.fed.colony, t.fed.owner, 'at-b', 'hold')
  await eventually(() => t.a.node.ledger.fold.executor(t.fed.colony, y.id)?.state === 1 ? true : undefined, 'A to know B\'s executor')
  const p1 = await submit(t)
  const got = await assign(t, 5)
  assert.is(got.value.processid, p1)
  await eventually(async () => await stateAtB(t, p1) === ProcessState.RUNNING ? true : undefined, 'B to see the claim')
  // A is live at B (an advert within the presence window): B's claims wait for A's acknowledgement
  aFed.parts.presence.advertiseAll()
  await close(t, p1)
  assert.is(aFed.parts.publisher.heldCount, 1, 'the close is held at A')
  const capped = bFed.stats().claims.capped
  const adverts = aFed.stats().acks.adverts
  const p2 = (await ok(t.b.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'f', conditions: { colonyname: t.fed.colony, executortype: 'hold' } } }, t.fed.user.prv)).processid
  const got2 = await call(t.b.node.url, assignMsg(t.fed.colony, 5), y.prv)
  assert.is(got2.value.processid, p2)
  // acknowledged, not released by the 2 s cap (which counts every claim it releases)
  assert.is(bFed.stats().claims.capped, capped, 'B\'s claim did not wait for the cap')
  assert.ok(aFed.stats().acks.adverts > adverts, 'A acknowledged with an advert')
  assert.is(await stateAtB(t, p1), ProcessState.RUNNING, 'the acknowledgement took the held close along')
  assert.is(aFed.parts.publisher.heldCount, 1)
  await ok(t.b.node.url, { msgtype: 'closesuccessfulmsg', processid: p2, out: [] }, y.prv)
  // x parks: the close goes
  assert.is((await assign(t, 1)).status, 404)
  await converged(t.fed.sites)
  assert.is(await stateAtB(t, p1), ProcessState.SUCCESS)
})

test('a close with nothing after it goes when its hold ends', async () => {
  const t = await startTwo(300)
  try {
    const pid = await submit(t)
    const got = await assign(t, 5)
    assert.is(got.value.processid, pid)
    await eventually(async () => await stateAtB(t, pid) === ProcessState.RUNNING ? true : undefined, 'B to see the claim')
    await close(t, pid)
    // no next assign, no advert from A, no repair timer: only the hold's end sends it
    await eventually(async () => await stateAtB(t, pid) === ProcessState.SUCCESS ? true : undefined, 'B to see the close', 5000)
    await converged(t.fed.sites)
  } finally {
    await t.fed.stop()
  }
})

test.run()
