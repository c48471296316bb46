/**
 * Leases across two real sites on 127.0.0.1: the site that handed a process out ends the
 * lease of its silent executor and the other site's executor runs the process, once; a
 * site cut off from the other keeps its executor's work however long the cut lasts, since
 * no other site ends its leases.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { ProcessState } from '../../src/protocol/state.js'
import { addExecutor, assignMsg, eventually, type Identity } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { converged, cutOff, type Federation, healCut, ok, type Site, startFederation } from '../helpers/federation.js'

const LEASE_MS = 1500

let fed: Federation
let a: Site
let b: Site
let x: Identity
let y: Identity

test.before.each(async () => {
  fed = await startFederation(2, { leaseMs: LEASE_MS })
  ;[a, b] = fed.sites as [Site, Site]
  x = await addExecutor(a.node.url, fed.colony, fed.owner, 'x')
  y = await addExecutor(a.node.url, fed.colony, fed.owner, 'y')
  await converged(fed.sites)
})

test.after.each(async () => {
  await fed.stop()
})

async function submitAt (s: Site): Promise<string> {
  const p = await ok(s.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'echo', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  return p.processid as string
}

test('the holding site ends its silent executor\'s lease; the other site\'s executor runs the process, once', async () => {
  const pid = await submitAt(a)
  const got = await call(a.node.url, assignMsg(fed.colony, 10), x.prv)
  assert.is(got.status, 200, JSON.stringify(got.value))
  assert.is(got.value.processid, pid)
  // x goes silent; y waits at the other site
  const poll = await call(b.node.url, assignMsg(fed.colony, 20), y.prv)
  assert.is(poll.status, 200, JSON.stringify(poll.value))
  assert.is(poll.value.processid, pid, 'the process went back to the queue and reached the other site')
  await ok(b.node.url, { msgtype: 'closesuccessfulmsg', processid: pid, out: ['from b'] }, y.prv)
  // the lost attempt's close, sent late to its own site, is refused
  const late = await call(a.node.url, { msgtype: 'closesuccessfulmsg', processid: pid, out: ['from a'] }, x.prv)
  assert.is(late.status >= 400, true, `a close of the lost attempt must be refused: ${JSON.stringify(late.value)}`)
  await converged(fed.sites)
  for (const s of fed.sites) {
    const p = (await ok(s.node.url, { msgtype: 'getprocessmsg', processid: pid }, fed.user.prv))
    assert.is(p.state, ProcessState.SUCCESS)
    assert.equal(p.out, ['from b'])
  }
  assert.is(a.node.leases.written, 1, 'the holding site wrote the expiry')
  assert.is(b.node.leases.written, 0)
})

test('log lines its executor sends through the other site renew the lease at the holding site', async () => {
  const pid = await submitAt(a)
  const got = await call(a.node.url, assignMsg(fed.colony, 10), x.prv)
  assert.is(got.value.processid, pid)
  // x never talks to A again: it logs through B, each line after the last one reached A
  const from = Date.now()
  for (let i = 1; Date.now() - from < 3 * LEASE_MS; i++) {
    await ok(b.node.url, { msgtype: 'addlogmsg', processid: pid, message: `line ${i}\n` }, x.prv)
    await eventually(() => (a.node.ledger.fold.process(pid)?.logs.length ?? 0) >= i ? true : undefined, `log line ${i} to reach the holding site`)
    assert.is(a.node.ledger.fold.process(pid)?.state, ProcessState.RUNNING, `still held after ${Date.now() - from} ms`)
  }
  assert.is(a.node.leases.written, 0)
  await ok(b.node.url, { msgtype: 'closesuccessfulmsg', processid: pid, out: ['via b'] }, x.prv)
  await converged(fed.sites)
  const p = await ok(a.node.url, { msgtype: 'getprocessmsg', processid: pid }, fed.user.prv)
  assert.is(p.state, ProcessState.SUCCESS)
  assert.is(a.node.leases.written, 0)
})

test('a site cut off from the other keeps its executor\'s work for longer than the lease', async () => {
  const pid = await submitAt(a)
  let started!: () => void
  const running = new Promise<void>(resolve => { started = resolve })
  let release!: () => void
  const finish = new Promise<void>(resolve => { release = resolve })
  const ex = new Executor({
    client: new ColoniesClient({ url: a.node.url, prvkey: x.prv }),
    colonyname: fed.colony,
    assignTimeoutSec: 1,
    watchIntervalMs: 200,
    handler: async () => { started(); await finish; return { out: ['kept'] } }
  }).start()
  try {
    await running
    await cutOff(fed, 0)()
    // no event to wait for: the point is that three leases pass and nothing happens (the
    // other site never sees a renewal, and writes no expiry; its own site keeps hearing it)
    const cutAt = Date.now()
    await eventually(() => Date.now() - cutAt >= 3 * LEASE_MS ? true : undefined, 'three leases to pass', 20_000)
    assert.is(b.node.leases.written, 0)
    assert.is(a.node.leases.written, 0, 'its own site heard it all along')
    assert.is(b.node.ledger.fold.process(pid)?.state, ProcessState.RUNNING)
    healCut(fed, 0)
    release()
    await eventually(async () => {
      const p = await ok(b.node.url, { msgtype: 'getprocessmsg', processid: pid }, fed.user.prv)
      return p.state === ProcessState.SUCCESS ? p : undefined
    }, 'the result to reach the other site', 20_000).then(p => { assert.equal(p.out, ['kept']) })
    await converged(fed.sites)
    assert.is(a.node.leases.written + b.node.leases.written, 0, 'no lease ended anywhere')
  } finally {
    release()
    await ex.stop({ graceMs: 0 })
  }
})

test.run()
