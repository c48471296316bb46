/**
 * The client's channel calls against a real node: append (text, bytes, a typed entry),
 * read by position, subscribe (backlog, then new entries, the end when the process
 * ends), and typed errors for what the node refuses.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { subscribeChannel } from '../../src/client/channel-subscribe.js'
import { BadRequestError, ForbiddenError, NotFoundError, ValidationError } from '../../src/client/errors.js'
import { entryBytes, entryText } from '../../src/client/rpc-channels.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import type { MsgEntry } from '../../src/protocol/wire-channels.js'
import { assignMsg, startColony, submit, type Identity, type TestColony } from '../helpers/colony-node.js'
import { within } from '../helpers/deadline.js'
import { call } from '../helpers/raw-rpc.js'

let tc: TestColony
let user: ColoniesClient
let exec: ColoniesClient

test.before(async () => {
  tc = await startColony({ executors: 1 })
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  exec = new ColoniesClient({ url: tc.node.url, prvkey: (tc.executors[0] as Identity).prv })
})

test.after(async () => { await tc.stop() })

async function running (): Promise<string> {
  const p = await submit(tc, { channels: ['chat'], maxexectime: -1 })
  const got = await call(tc.node.url, assignMsg(tc.colony, 5), (tc.executors[0] as Identity).prv)
  assert.is(got.value.processid, p.processid)
  return p.processid
}

test('channelAppend and channelRead: text, bytes, a typed entry, positions', async () => {
  const pid = await running()
  await user.channelAppend(pid, 'chat', 1, 0, 'hello')
  await exec.channelAppend(pid, 'chat', 1, 1, new Uint8Array([0, 255, 7]))
  await exec.channelAppend(pid, 'chat', 2, 0, null, { payloadtype: 'end' })
  const all = await user.channelRead(pid, 'chat')
  assert.equal(all.map(e => [e.senderid, e.sequence, e.inreplyto ?? 0, e.type]), [[user.id, 1, 0, 'data'], [exec.id, 1, 1, 'data'], [exec.id, 2, 0, 'end']])
  assert.is(entryText(all[0] as MsgEntry), 'hello')
  assert.equal([...entryBytes(all[1] as MsgEntry)], [0, 255, 7])
  assert.is(all[2]?.payload, null)
  assert.equal((await exec.channelRead(pid, 'chat', 1, 1)).map(e => e.sequence), [1])
  // a resend is the same entry; a different one with the sequence is refused
  await user.channelAppend(pid, 'chat', 1, 0, 'hello')
  try {
    await user.channelAppend(pid, 'chat', 1, 0, 'changed my mind')
    assert.unreachable('a used sequence with another payload is refused')
  } catch (err) {
    // ColonyOS answers 400 for what the state does not allow
    assert.instance(err, BadRequestError)
    assert.match((err as Error).message, /sequence 1 was already used/)
  }
  assert.is((await user.channelRead(pid, 'chat')).length, 3)
})

test('typed errors: a bystander is forbidden, an undeclared channel not found, a bad name refused before sending', async () => {
  const pid = await running()
  const other = generatePrivateKey()
  await call(tc.node.url, { msgtype: 'addusermsg', user: { colonyname: tc.colony, userid: idFromPrivateKey(other), name: 'other', email: '', phone: '' } }, tc.owner.prv)
  const bystander = new ColoniesClient({ url: tc.node.url, prvkey: other })
  try {
    await bystander.channelRead(pid, 'chat')
    assert.unreachable('forbidden')
  } catch (err) {
    assert.instance(err, ForbiddenError)
  }
  try {
    await user.channelAppend(pid, 'nope', 1, 0, 'x')
    assert.unreachable('not found')
  } catch (err) {
    assert.instance(err, NotFoundError)
  }
  try {
    await user.channelRead(pid, '')
    assert.unreachable('refused before sending')
  } catch (err) {
    assert.instance(err, ValidationError)
  }
})

test('subscribeChannel: the backlog, then each new entry; it ends when the process ends', async () => {
  const pid = await running()
  await user.channelAppend(pid, 'chat', 1, 0, 'backlog')
  const sub = subscribeChannel(exec, { processid: pid, name: 'chat', timeoutSec: 30 })
  await sub.opened
  const got: string[] = []
  const done = (async () => { for await (const e of sub) got.push(entryText(e)) })()
  await user.channelAppend(pid, 'chat', 2, 0, 'live')
  await exec.channelAppend(pid, 'chat', 1, 2, 'answer')
  await exec.closeSuccessful(pid)
  await within(10_000, 'the subscription to end with its process', done)
  assert.equal(got, ['backlog', 'live', 'answer'])
  await sub.ended
})

test('subscribeChannel: a refusal rejects with the typed error', async () => {
  const pid = await running()
  const sub = subscribeChannel(user, { processid: pid, name: 'nope', timeoutSec: 5 })
  try {
    await within(10_000, 'the refusal', sub.ended)
    assert.unreachable('refused')
  } catch (err) {
    assert.instance(err, NotFoundError)
  }
})

test.run()
