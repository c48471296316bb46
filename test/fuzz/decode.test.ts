/**
 * The decoding every RPC body goes through, HTTP and WebSocket alike (decodeRequest:
 * envelope, strict base64, message fields, signature), fuzzed without a node so that
 * `npm run fuzz` can push it hard: only typed errors escape, a tampered envelope never
 * verifies as anyone who signed an original, and a properly signed mutated message
 * decodes to plain data signed by its signer or is refused naming a field.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { canonicalJson } from '../../src/protocol/canonical.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { SignatureError, ValidationError } from '../../src/protocol/errors.js'
import { UNSIGNED } from '../../src/protocol/messages.js'
import { decodeRequest, type Request } from '../../src/node/rpc-service.js'
import type { Identity } from '../helpers/colony-node.js'
import { bodies } from './bodies.js'
import { examples, type Role } from './examples.js'
import { fcOptions } from './fuzz-config.js'
import { preview, signedBody } from './target.js'

const key = (name: string): Identity => {
  const prv = generatePrivateKey()
  return { prv, id: idFromPrivateKey(prv), name }
}
const keys: Record<Role, Identity> = { operator: key('operator'), owner: key('owner'), user: key('user'), executor: key('executor'), stranger: key('stranger') }
const ids = new Set(Object.values(keys).map(k => k.id))
const hex = (c: string): string => c.repeat(64)
const b = bodies(examples({
  colony: 'dev', waiting: hex('1'), running: hex('2'), graph: hex('3'), cron: hex('4'), generator: hex('5'), blueprint: 'lamp', blueprintid: hex('6'), nobody: hex('f'), userId: keys.user.id, executorId: keys.executor.id
}), keys)

/** The path of the first value that is not plain JSON data (a prototype other than Object's or Array's). */
function notPlain (v: unknown, path = 'msg'): string | undefined {
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint' ? path : undefined
  const proto = Object.getPrototypeOf(v)
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return path
  } else if (proto !== Object.prototype && proto !== null) {
    return path
  }
  for (const k of Object.keys(v)) {
    const bad = notPlain((v as Record<string, unknown>)[k], `${path}.${k}`)
    if (bad !== undefined) return bad
  }
  return undefined
}

function decode (body: unknown): { req?: Request, err?: unknown } {
  try {
    return { req: decodeRequest(body) }
  } catch (err) {
    return { err }
  }
}

test('garbage and tampered envelopes: only ValidationError or SignatureError, and never a signer\'s id', () => {
  fc.assert(fc.property(b.garbage, ({ kind, body }) => {
    fc.pre(!b.stillValid(body))
    const { req, err } = decode(typeof body === 'string' ? body : Buffer.from(body))
    const what = `${kind} ${preview(body)}`
    if (err !== undefined) {
      assert.ok(err instanceof ValidationError || err instanceof SignatureError, `${what}: threw ${String(err)}`)
      return
    }
    // it decoded: then its signature recovers some unrelated key, never one that signed the originals
    if (req !== undefined && !UNSIGNED.has(req.msg.msgtype)) assert.not.ok(ids.has(req.signer), `${what}: a tampered envelope verified as ${req.signer}`)
  }), fcOptions(1500))
})

test('every message, mutated and properly signed: plain data signed by its signer, or a ValidationError', () => {
  fc.assert(fc.property(b.mutated, ({ type, role, msg }) => {
    const body = JSON.stringify(JSON.parse(signedBody(msg, keys[role].prv)))
    const { req, err } = decode(body)
    const what = `${type} by ${role}: ${preview(JSON.stringify(msg) ?? '')}`
    if (err !== undefined) {
      assert.instance(err, ValidationError, `${what}: threw ${String(err)}`)
      assert.ok((err as ValidationError).message.length > 0, what)
      return
    }
    assert.ok(req)
    assert.is(req.signer, UNSIGNED.has(req.msg.msgtype) ? '' : keys[role].id, what)
    // what enters the fold is plain JSON data: no borrowed prototypes, and it round-trips
    assert.is(notPlain(req.msg), undefined, `${what}: not plain data at ${String(notPlain(req.msg))}`)
    assert.is(canonicalJson(JSON.parse(JSON.stringify(req.msg))), canonicalJson(req.msg), `${what}: the message does not round-trip`)
  }), fcOptions(1500))
  assert.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted')
})

test.run()
