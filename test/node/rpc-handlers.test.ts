/**
 * The RPC is one table of handlers, one file per message family: every message type the
 * parser accepts has exactly one handler (the type system checks the first half).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MSGTYPES, type Message } from '../../src/protocol/messages.js'
import { FAMILIES, HANDLERS } from '../../src/node/rpc/index.js'
import type { Call, RpcContext } from '../../src/node/rpc/context.js'

test('every parsed message type has a handler, and no other key is in the table', () => {
  assert.equal(Object.keys(HANDLERS).sort(), [...MSGTYPES].sort())
  for (const t of MSGTYPES) assert.type(HANDLERS[t], 'function', t)
})

test('each message type belongs to exactly one family', () => {
  const owner = new Map<string, string>()
  for (const [family, handlers] of Object.entries(FAMILIES)) {
    for (const t of Object.keys(handlers)) {
      assert.is(owner.get(t), undefined, `${t} is in both ${owner.get(t) ?? ''} and ${family}`)
      owner.set(t, family)
    }
  }
  assert.equal([...owner.keys()].sort(), [...MSGTYPES].sort())
})

test('types colonynet does not serve as a request answer 400 naming the type (subscriptions point to /pubsub)', () => {
  const answer = (msgtype: string): { name: string, status: number, message: string } => {
    const handler = HANDLERS[msgtype as Message['msgtype']] as (x: RpcContext, msg: Message, call: Call) => unknown
    try {
      handler(undefined as unknown as RpcContext, { msgtype } as Message, undefined as unknown as Call)
    } catch (err) {
      return err as { name: string, status: number, message: string }
    }
    assert.unreachable(`${msgtype} answered`)
    throw new Error('unreachable')
  }
  for (const t of ['changecolonyidmsg', 'updateexecutormsg', 'changeexecutoridmsg', 'changeuseridmsg', 'changeserveridmsg', 'addexecutorlogmsg']) {
    const e = answer(t)
    assert.is(e.name, 'ValidationError', t)
    assert.is(e.status, 400, t)
    assert.match(e.message, `${t} is not supported by colonynet yet`)
  }
  for (const t of ['subscribeprocessmsg', 'subscribeprocessesmsg', 'subscribecolonymsg']) {
    assert.match(answer(t).message, `${t} is served on the WebSocket endpoint /pubsub`)
  }
})

test.run()
