/**
 * The lease rules on a node driven by a manual clock (minutes of lease in milliseconds of
 * test): what renews a lease (the assigned executor's requests naming its process, and
 * nothing else), when the expiry is written (from the last renewal, in record time), and
 * that a lease of 0 turns the whole thing off.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProcessState } from '../../src/protocol/state.js'
import { assignMsg, type Identity, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { call } from '../helpers/raw-rpc.js'

const LEASE_MS = 60_000
const T0 = 1_700_000_000_000

interface World { tc: TestColony, clock: ManualClock, x0: Identity, x1: Identity, pid: string }

async function running (leaseMs = LEASE_MS): Promise<World> {
  const clock = new ManualClock(T0)
  const tc = await startColony({ clock, leaseMs, executors: 2 })
  const [x0, x1] = tc.executors as [Identity, Identity]
  const p = await submit(tc)
  const r = await call(tc.node.url, assignMsg(tc.colony, 1), x0.prv)
  assert.is(r.status, 200, JSON.stringify(r.value))
  assert.is(r.value.processid, p.processid)
  return { tc, clock, x0, x1, pid: p.processid }
}

async function ok (w: World, msg: Record<string, unknown>, prv: string): Promise<void> {
  const r = await call(w.tc.node.url, msg, prv)
  assert.is(r.status, 200, JSON.stringify(r.value))
}

function state (w: World): { state: number, attempt: number } {
  const p = w.tc.node.ledger.fold.process(w.pid)
  return { state: p?.state ?? -1, attempt: p?.attempt ?? 0 }
}

test('a held process nobody asks about goes back to the queue one lease after its delivery, in record time', async () => {
  const w = await running()
  try {
    const from = w.clock.now()
    await w.clock.advance(LEASE_MS - 5001)
    assert.equal(state(w), { state: ProcessState.RUNNING, attempt: 1 }, 'not before the lease')
    await w.clock.advance(10_000)
    assert.equal(state(w), { state: ProcessState.WAITING, attempt: 2 })
    const p = w.tc.node.ledger.fold.process(w.pid)
    const back = p?.history.at(-1)
    assert.ok(back !== undefined && back.at >= from + LEASE_MS, 'the expiry record is clocked after the lease lapsed')
    assert.is(w.tc.node.leases.written, 1)
  } finally {
    await w.tc.stop()
  }
})

for (const [what, msg] of [
  ['asks about it (getprocessmsg)', (pid: string) => ({ msgtype: 'getprocessmsg', processid: pid })],
  ['logs to it (addlogmsg)', (pid: string) => ({ msgtype: 'addlogmsg', processid: pid, message: 'still here\n' })]
] as const) {
  test(`the assigned executor renews the lease when it ${what}`, async () => {
    const w = await running()
    try {
      await w.clock.advance(50_000)
      await ok(w, msg(w.pid), w.x0.prv)
      await w.clock.advance(55_000)
      assert.equal(state(w), { state: ProcessState.RUNNING, attempt: 1 }, '105 s after delivery, 55 s after the renewal')
      await w.clock.advance(10_000)
      assert.equal(state(w), { state: ProcessState.WAITING, attempt: 2 }, 'one lease after the renewal')
    } finally {
      await w.tc.stop()
    }
  })
}

test('requests from anyone but the assigned executor do not renew its lease', async () => {
  const w = await running()
  try {
    for (let i = 0; i < 5; i++) {
      await w.clock.advance(10_000)
      await ok(w, { msgtype: 'getprocessmsg', processid: w.pid }, w.x1.prv)
      await ok(w, { msgtype: 'getprocessmsg', processid: w.pid }, w.tc.user.prv)
      // its own long-polls show the executor alive, but not that it still holds the process
      const r = await call(w.tc.node.url, assignMsg(w.tc.colony, -1), w.x0.prv)
      assert.is(r.status, 404)
    }
    await w.clock.advance(15_000)
    assert.equal(state(w), { state: ProcessState.WAITING, attempt: 2 })
  } finally {
    await w.tc.stop()
  }
})

test('a lease of 0 never returns a process', async () => {
  const w = await running(0)
  try {
    await w.clock.advance(10 * LEASE_MS)
    assert.equal(state(w), { state: ProcessState.RUNNING, attempt: 1 })
    assert.is(w.tc.node.leases.written, 0)
  } finally {
    await w.tc.stop()
  }
})

test('the executor closing just before the lease lapses keeps its result; nothing is requeued', async () => {
  const w = await running()
  try {
    await w.clock.advance(LEASE_MS - 1)
    await ok(w, { msgtype: 'closesuccessfulmsg', processid: w.pid, out: ['done'] }, w.x0.prv)
    await w.clock.advance(2 * LEASE_MS)
    // settled, it may have left memory for the store: asked through the API
    const r = await call(w.tc.node.url, { msgtype: 'getprocessmsg', processid: w.pid }, w.tc.user.prv)
    assert.is(r.value.state, ProcessState.SUCCESS)
    assert.equal(r.value.out, ['done'])
    assert.is(w.tc.node.leases.holding(), 0)
    assert.is(w.tc.node.leases.written, 0)
  } finally {
    await w.tc.stop()
  }
})

test.run()
