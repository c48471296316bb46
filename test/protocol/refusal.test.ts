/**
 * Refusals are typed: the fold says what kind of refusal it is, and the RPC's status follows
 * from that kind alone (ColonyOS's statuses), never from the wording of the reason.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile } from 'node:fs/promises'
import {
  BadRequestError, ColonyError, ForbiddenError, NotFoundError, RpcError, SignatureError, ValidationError, rpcError
} from '../../src/protocol/errors.js'
import { conflict, forbidden, invalid, isRefusal, notFound, type RefusalCode, refusalError, sameRefusal } from '../../src/protocol/refusal.js'

test('each code maps to its error class and the status ColonyOS answers with', () => {
  const table: Array<[RefusalCode, string, number]> = [
    ['forbidden', 'ForbiddenError', 403],
    ['not-found', 'NotFoundError', 404],
    // ColonyOS answers "already exists" and state changes it cannot make with 400
    ['conflict', 'BadRequestError', 400],
    ['invalid', 'ValidationError', 400]
  ]
  for (const [code, name, status] of table) {
    const err = refusalError({ code, reason: 'the same words' })
    assert.is(err.name, name, code)
    assert.is(err.status, status, code)
    assert.is(err.message, 'the same words', 'the reason is the message, unchanged')
    assert.instance(err, RpcError)
  }
})

test('the status follows the code, not the words: a reason that reads like another kind keeps its own', () => {
  assert.is(refusalError(notFound('only the colony owner may add executors')).status, 404)
  assert.is(refusalError(conflict('colony "x" does not exist')).status, 400)
  assert.is(refusalError(invalid('Access denied, not a member')).status, 400)
  assert.is(refusalError({ code: 'forbidden', reason: 'the process does not exist' }).status, 403)
})

test('a forbidden refusal begins with "Access denied, " as ColonyOS\'s do; the others keep their words', () => {
  assert.equal(forbidden('only the colony owner may add users'), { code: 'forbidden', reason: 'Access denied, only the colony owner may add users' })
  assert.equal(notFound('the process does not exist'), { code: 'not-found', reason: 'the process does not exist' })
  assert.equal(conflict('x'), { code: 'conflict', reason: 'x' })
  assert.equal(invalid('y'), { code: 'invalid', reason: 'y' })
})

test('refusals compare by code and reason; a refusal is told from what a fold step creates', () => {
  assert.ok(sameRefusal(notFound('a'), notFound('a')))
  assert.not.ok(sameRefusal(notFound('a'), conflict('a')))
  assert.not.ok(sameRefusal(notFound('a'), notFound('b')))
  assert.not.ok(sameRefusal(notFound('a'), undefined))
  assert.ok(sameRefusal(undefined, undefined))
  assert.ok(isRefusal(invalid('z')))
  assert.not.ok(isRefusal({ processid: 'p', state: 0 }))
})

test('refusal.ts decides nothing by reading text: no regular expression in it', async () => {
  const src = await readFile(new URL('../../src/protocol/refusal.ts', import.meta.url), 'utf8')
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
  assert.not.match(code, /RegExp|\.test\(|\.match\(|\.exec\(|\.search\(|\.includes\(|\.startsWith\(|\.endsWith\(/)
  // a regex literal follows an operator, a bracket, a comma or a keyword
  assert.not.match(code, /(^|[=(,:;!&|?{}[]|return)\s*\/[^/*\s]/m)
})

test('one hierarchy: by-status errors are the classes the node throws, with status and msgtype', () => {
  const e = rpcError(403, 'Access denied, not colony owner', 'addexecutormsg')
  assert.instance(e, ForbiddenError)
  assert.instance(e, RpcError)
  assert.instance(e, ColonyError)
  assert.is(e.msgtype, 'addexecutormsg')
  assert.instance(rpcError(404, 'gone'), NotFoundError)
  assert.instance(rpcError(400, 'bad'), BadRequestError)
  assert.is(rpcError(409, 'later').name, 'ConflictError')
  assert.is(rpcError(500, 'oops').name, 'RpcError')
  assert.is(rpcError(500, 'oops').status, 500)
  // the node's more specific classes stay within their status's class
  assert.instance(new ValidationError('spec.x', 'bad'), BadRequestError)
  assert.is(new ValidationError('spec.x', 'bad').status, 400)
  assert.instance(new SignatureError('no'), ForbiddenError)
  assert.is(new SignatureError('no').name, 'SignatureError')
})

test.run()
