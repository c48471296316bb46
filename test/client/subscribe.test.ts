import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { within } from '../helpers/deadline.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { ForbiddenError, NodeUnreachableError, RpcError, WaitTimeoutError } from '../../src/client/errors.js'
import { subscribeProcess, subscribeProcesses, waitForState } from '../../src/client/subscribe.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { errorReply, okReply } from '../../src/protocol/envelope.js'
import type { Process } from '../../src/protocol/wire-types.js'
import { makeProcess, startFakeNode, type FakeNode } from './fake-node.js'

const KEY = generatePrivateKey()
const PID = 'c'.repeat(64)

async function withNode (fn: (node: FakeNode, client: ColoniesClient) => Promise<void>): Promise<void> {
  const node = await startFakeNode()
  try {
    await fn(node, new ColoniesClient({ url: node.url, prvkey: KEY, timeoutMs: 2000 }))
  } finally {
    await node.close()
  }
}

/** upstream sends every subscription event with payloadtype subscribeprocessmsg */
const event = (p: Process): string => JSON.stringify(okReply('subscribeprocessmsg', p))

test('subscribeProcess sends a signed subscribeprocessmsg and yields each event until the node closes', async () => {
  await withNode(async (node, client) => {
    node.pubsub = (_call, ws) => {
      ws.send(event(makeProcess({ processid: PID, state: 2 })))
      ws.send(event(makeProcess({ processid: PID, state: 2, out: ['x'] })))
      ws.close()
    }
    const sub = subscribeProcess(client, { colonyname: 'dev', processid: PID, state: 2, timeoutSec: 10 })
    const got: Process[] = []
    for await (const p of sub) got.push(p)
    assert.is(got.length, 2)
    assert.equal(got[1]?.out, ['x'])
    const call = await node.next('subscribeprocessmsg')
    assert.is(call.signer, idFromPrivateKey(KEY))
    assert.equal(call.msg, { msgtype: 'subscribeprocessmsg', colonyname: 'dev', processid: PID, executortype: '', state: 2, timeout: 10 })
  })
})

test('subscribeProcesses sends its own message and hands events to a callback', async () => {
  await withNode(async (node, client) => {
    node.pubsub = (_call, ws) => { ws.send(event(makeProcess({ state: 0 }))); ws.close() }
    const seen: Process[] = []
    const sub = subscribeProcesses(client, { colonyname: 'dev', executortype: 'cli', state: 0, timeoutSec: 5 }, p => seen.push(p))
    await sub.ended
    assert.is(seen.length, 1)
    assert.equal((await node.next('subscribeprocessesmsg')).msg,
      { msgtype: 'subscribeprocessesmsg', colonyname: 'dev', executortype: 'cli', state: 0, timeout: 5 })
  })
})

test('an error reply ends the subscription with a typed error', async () => {
  await withNode(async (node, client) => {
    node.pubsub = (_call, ws) => ws.send(JSON.stringify(errorReply(403, 'not a member')))
    const sub = subscribeProcess(client, { colonyname: 'dev', processid: PID, state: 2, timeoutSec: 5 })
    try {
      for await (const _ of sub) assert.unreachable('no process expected')
      assert.unreachable('expected an error')
    } catch (err) {
      assert.instance(err, ForbiddenError)
      assert.is((err as Error).message, 'not a member')
    }
  })
})

test('a node without /pubsub, or none at all, is reported clearly', async () => {
  const client = new ColoniesClient({ url: 'http://127.0.0.1:1', prvkey: KEY })
  const sub = subscribeProcess(client, { colonyname: 'dev', processid: PID, state: 2, timeoutSec: 5 })
  try {
    await sub.opened
    assert.unreachable('expected a connection error')
  } catch (err) {
    assert.instance(err, NodeUnreachableError)
  }
  await withNode(async (node) => {
    const wrong = new ColoniesClient({ url: `${node.url}/nothing-here`, prvkey: KEY })
    try {
      await subscribeProcess(wrong, { colonyname: 'dev', processid: PID, state: 2, timeoutSec: 5 }).opened
      assert.unreachable('expected the upgrade to be refused')
    } catch (err) {
      assert.instance(err, RpcError)
    }
  })
})

test('closing a subscription ends the iteration; an abort rejects it', async () => {
  await withNode(async (node, client) => {
    node.pubsub = () => {}
    const sub = subscribeProcess(client, { colonyname: 'dev', processid: PID, state: 2, timeoutSec: 30 })
    await sub.opened
    sub.close()
    assert.equal(await sub.next(), { value: undefined, done: true })
    const ctrl = new AbortController()
    const sub2 = subscribeProcess(client, { colonyname: 'dev', processid: PID, state: 2, timeoutSec: 30, signal: ctrl.signal })
    await sub2.opened
    ctrl.abort()
    try {
      await sub2.next()
      assert.unreachable('expected AbortError')
    } catch (err) {
      assert.is((err as Error).name, 'AbortError')
    }
  })
})

test('waitForState returns at once when the process is already there', async () => {
  await withNode(async (node, client) => {
    node.on('getprocessmsg', () => ({ value: makeProcess({ processid: PID, state: 2 }) }))
    const p = await waitForState(client, PID, 2, 5)
    assert.is(p.state, 2)
    assert.is(node.count('subscribeprocessmsg'), 0)
  })
})

test('waitForState subscribes with the process colony and type and resolves on the event', async () => {
  await withNode(async (node, client) => {
    let state = 1
    node.on('getprocessmsg', () => ({ value: makeProcess({ processid: PID, state, spec: { label: 'x' } }) }))
    node.pubsub = (call, ws) => {
      // the process finishes once the SUCCESS subscription is in place
      if (call.msg.state === 2) {
        state = 2
        ws.send(event(makeProcess({ processid: PID, state: 2, out: ['done'] })))
      }
    }
    const p = await waitForState(client, PID, 2, 5)
    assert.equal(p.out, ['done'])
    const sub = await node.next('subscribeprocessmsg', c => c.msg.state === 2)
    assert.is(sub.msg.colonyname, 'dev')
    assert.is(sub.msg.executortype, 'cli')
    assert.is(sub.msg.processid, PID)
  })
})

test('waitForState also ends when the process reaches another final state', async () => {
  await withNode(async (node, client) => {
    node.on('getprocessmsg', () => ({ value: makeProcess({ processid: PID, state: 1 }) }))
    node.pubsub = (call, ws) => { if (call.msg.state === 3) ws.send(event(makeProcess({ processid: PID, state: 3, errors: ['boom'] }))) }
    const p = await waitForState(client, PID, 2, 5)
    assert.is(p.state, 3)
    assert.equal(p.errors, ['boom'])
  })
})

test('waitForState catches a change that happened while subscribing (re-check once subscribed)', async () => {
  await withNode(async (node, client) => {
    let gets = 0
    // first look: RUNNING; by the time subscriptions are open it has succeeded, and this node sends nothing
    node.on('getprocessmsg', () => ({ value: makeProcess({ processid: PID, state: ++gets === 1 ? 1 : 2 }) }))
    node.pubsub = () => {}
    const p = await waitForState(client, PID, 2, 5)
    assert.is(p.state, 2)
  })
})

test('waitForState gives up after its timeout with a WaitTimeoutError', async () => {
  await withNode(async (node, client) => {
    node.on('getprocessmsg', () => ({ value: makeProcess({ processid: PID, state: 0 }) }))
    node.pubsub = (call, ws) => { setTimeout(() => ws.close(), (call.msg.timeout as number) * 1000) }
    try {
      await within(10_000, 'waitForState to give up', waitForState(client, PID, 2, 1))
      assert.unreachable('expected a timeout')
    } catch (err) {
      assert.instance(err, WaitTimeoutError)
      assert.match((err as Error).message, 'WAITING')
    }
  })
})

test.run()
