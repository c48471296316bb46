/**
 * WebSocket /pubsub on a real node: a subscriber hears when a process changes into the
 * awaited state (at once when it is already there), and strangers are refused.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { call, envelope } from '../helpers/raw-rpc.js'
import { ManualClock } from '../helpers/manual-clock.js'

let tc: TestColony
/** the node's clock: subscription timeouts pass when the test says */
let clock: ManualClock

test.before.each(async () => {
  clock = new ManualClock()
  tc = await startColony({ executors: 1, clock })
})
test.after.each(async () => { await tc.stop() })

/** Opens /pubsub, sends one subscription, and collects the decoded replies. */
async function subscribe (msg: Record<string, unknown>, prvkey: string): Promise<{ next: () => Promise<any>, closed: Promise<void>, ws: WebSocket }> {
  const ws = new WebSocket(tc.node.url.replace('http', 'ws') + '/pubsub')
  const queue: any[] = []
  const waiting: Array<(v: any) => void> = []
  ws.on('message', data => {
    const r = JSON.parse(data.toString())
    const v = { payloadtype: r.payloadtype, error: r.error, value: JSON.parse(Buffer.from(r.payload, 'base64').toString()) }
    const w = waiting.shift()
    if (w !== undefined) w(v)
    else queue.push(v)
  })
  const closed = new Promise<void>(resolve => ws.once('close', () => resolve()))
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  ws.send(envelope(msg, prvkey))
  const next = async (): Promise<any> => queue.length > 0 ? queue.shift() : await new Promise(resolve => waiting.push(resolve))
  return { next, closed, ws }
}

test('subscribeprocessmsg reports the process when it reaches the state', async () => {
  const p = await submit(tc)
  const sub = await subscribe({ msgtype: 'subscribeprocessmsg', colonyname: tc.colony, processid: p.processid, executortype: '', state: 2, timeout: 10 }, tc.user.prv)
  const x = tc.executors[0]!
  await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)
  await call(tc.node.url, { msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['done'] }, x.prv)
  const r = await sub.next()
  assert.is(r.payloadtype, 'subscribeprocessmsg')
  assert.is(r.value.processid, p.processid)
  assert.is(r.value.state, 2)
  assert.equal(r.value.out, ['done'])
  sub.ws.close()
})

test('a subscription to a state the process is already in answers at once', async () => {
  const p = await submit(tc)
  const sub = await subscribe({ msgtype: 'subscribeprocessmsg', colonyname: tc.colony, processid: p.processid, executortype: '', state: 0, timeout: 10 }, tc.user.prv)
  assert.is((await sub.next()).value.state, 0)
  sub.ws.close()
})

test('subscribeprocessesmsg reports every new process of the executor type, then closes at its timeout', async () => {
  const sub = await subscribe({ msgtype: 'subscribeprocessesmsg', colonyname: tc.colony, executortype: 'cli', state: 0, timeout: 2 }, tc.executors[0]!.prv)
  await eventually(() => tc.node.subscriptions() === 1 ? true : undefined, 'the subscription to register')
  const a = await submit(tc)
  const b = await submit(tc)
  assert.equal([(await sub.next()).value.processid, (await sub.next()).value.processid], [a.processid, b.processid])
  await clock.advance(1999)
  assert.is(tc.node.subscriptions(), 1, 'open until its timeout')
  await clock.advance(1)
  await sub.closed
  await eventually(() => tc.node.subscriptions() === 0 ? true : undefined, 'the node to drop the subscription')
})

test('a stranger is refused with an error reply and the socket is closed', async () => {
  const p = await submit(tc)
  const sub = await subscribe({ msgtype: 'subscribeprocessmsg', colonyname: tc.colony, processid: p.processid, executortype: '', state: 2, timeout: 10 }, generatePrivateKey())
  const r = await sub.next()
  assert.is(r.error, true)
  assert.is(r.value.status, 403)
  await sub.closed
})

test.run()
