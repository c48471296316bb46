/**
 * The dashboard signs in the browser with its own module (dashboard/src/sign.ts, pure JS):
 * its envelopes must be the ones the node's envelope code makes and accepts.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generatePrivateKey, idFromPrivateKey as nodeId } from '../../src/protocol/crypto.js'
import { errorReply, okReply, openEnvelope, parseEnvelope, signEnvelope as nodeSign, verifyEnvelope } from '../../src/protocol/envelope.js'
import { idFromPrivateKey, isPrivateKey, openReply, signEnvelope } from '../../dashboard/src/sign.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'
import { raw } from '../helpers/raw-rpc.js'

test('the browser module makes the same envelope as the node, byte for byte, and the node recovers the signer', () => {
  for (let i = 0; i < 20; i++) {
    const prv = generatePrivateKey()
    const msg = { msgtype: 'submitfuncspecmsg', spec: { funcname: `échö ${i} ✓ 🚀`, args: ['a', i], conditions: { colonyname: 'dev', executortype: 'cli' } } }
    const env = signEnvelope(msg, prv)
    assert.equal(env, nodeSign(msg, prv))
    const parsed = parseEnvelope(JSON.stringify(env))
    assert.is(verifyEnvelope(parsed), nodeId(prv))
    assert.equal(openEnvelope(parsed).json, msg)
  }
})

test('ids and key checks agree with the node', () => {
  for (let i = 0; i < 10; i++) {
    const prv = generatePrivateKey()
    assert.is(idFromPrivateKey(prv), nodeId(prv))
    assert.is(idFromPrivateKey(prv.toUpperCase()), nodeId(prv))
  }
  assert.ok(isPrivateKey('1'.repeat(64)))
  assert.not.ok(isPrivateKey('0'.repeat(64)))
  assert.not.ok(isPrivateKey('f'.repeat(64)))
  assert.not.ok(isPrivateKey('zz'))
  assert.not.ok(isPrivateKey('1'.repeat(63)))
})

test('replies open to their value or their error', () => {
  assert.equal(openReply(okReply('getprocessmsg', { a: 'ü', n: [1, 2] })), { ok: true, value: { a: 'ü', n: [1, 2] } })
  assert.equal(openReply(errorReply(403, 'Access denied')), { ok: false, status: 403, message: 'Access denied' })
  assert.is(openReply({ payload: '%%%' }).ok, false)
  assert.is(openReply(null).ok, false)
})

let tc: TestColony | undefined

test('a node accepts what the browser module signs, and refuses a stranger with a membership error', async () => {
  tc = await startColony({ executors: 0 })
  const body = (msg: { msgtype: string } & Record<string, unknown>, prv: string): string => JSON.stringify(signEnvelope(msg, prv))
  const ok = await raw(tc.node.url, body({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'hello', conditions: { colonyname: tc.colony, executortype: 'cli' } } }, tc.user.prv))
  assert.is(ok.status, 200)
  assert.is(ok.value.initiatorid, tc.user.id)
  const stranger = await raw(tc.node.url, body({ msgtype: 'getcolonymsg', colonyname: tc.colony }, generatePrivateKey()))
  assert.is(stranger.status, 403)
  assert.match(stranger.value.message, /not a member of colony "test"/)
})

test.after(async () => {
  await tc?.stop()
})

test.run()
