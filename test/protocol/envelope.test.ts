import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import {
  signEnvelope, parseEnvelope, openEnvelope, verifyEnvelope, okReply, errorReply, parseReply,
  ERROR_PAYLOADTYPE, type RpcEnvelope
} from '../../src/protocol/envelope.js'
import { idFromPrivateKey, sign } from '../../src/protocol/crypto.js'
import { SignatureError, ValidationError } from '../../src/protocol/errors.js'

const KEY = 'ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05'
const ID = '3fc05cf3df4b494e95d6a3d297a34f19938f7daa7422ab0d4f794454133341ac'

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

function throwsField (fn: () => unknown, field: string, what = field): void {
  try {
    fn()
  } catch (err) {
    assert.instance(err, ValidationError, `${what}: expected ValidationError, got ${String(err)}`)
    assert.is((err as ValidationError).field, field, `${what}: field`)
    return
  }
  assert.unreachable(`${what}: expected ValidationError on ${field}, nothing thrown`)
}

/** An envelope signed over an arbitrary payload text (to build malformed-but-signed cases). */
function rawEnvelope (payloadtype: string, payload: string): RpcEnvelope {
  return { signature: sign(payload, KEY), payloadtype, payload }
}

const msg = { msgtype: 'addexecutormsg', executor: { executorname: 'e1', executortype: 'cli', colonyname: 'dev' } }

test('sign -> parse -> open -> verify round trip gives the signer id', () => {
  const env = signEnvelope(msg, KEY)
  assert.is(env.payloadtype, 'addexecutormsg')
  assert.is(env.payload, b64(JSON.stringify(msg)))
  assert.match(env.signature, /^[0-9a-f]{130}$/)
  for (const body of [env, JSON.stringify(env), Buffer.from(JSON.stringify(env)), new TextEncoder().encode(JSON.stringify(env))]) {
    const parsed = parseEnvelope(body)
    assert.equal(parsed, env)
    const opened = openEnvelope(parsed)
    assert.is(opened.msgtype, 'addexecutormsg')
    assert.equal(opened.json, msg)
    assert.is(verifyEnvelope(parsed), ID)
  }
  assert.is(idFromPrivateKey(KEY), ID)
})

test('unicode in the message survives the round trip', () => {
  const m = { msgtype: 'addlogmsg', message: 'héllo ✓ 🐜 \u0000 "quoted"' }
  const env = parseEnvelope(JSON.stringify(signEnvelope(m, KEY)))
  assert.equal(openEnvelope(env).json, m)
  assert.is(verifyEnvelope(env), ID)
})

test('tampered payload or signature never verifies as the signer', () => {
  const env = signEnvelope(msg, KEY)
  const tampered = { ...env, payload: b64(JSON.stringify({ ...msg, executor: { ...msg.executor, executorname: 'evil' } })) }
  const flipped = { ...env, signature: (env.signature[0] === 'a' ? 'b' : 'a') + env.signature.slice(1) }
  for (const [what, e] of [['payload', tampered], ['signature', flipped]] as const) {
    let id: string | undefined
    try { id = verifyEnvelope(e) } catch (err) { assert.instance(err, SignatureError, what) }
    assert.is.not(id, ID, what)
  }
})

test('missing, empty or malformed signatures raise SignatureError', () => {
  const env = signEnvelope(msg, KEY)
  // a missing signature reads as "" (upstream Go decoding), parsed but never verified
  const noSig = parseEnvelope({ payloadtype: env.payloadtype, payload: env.payload })
  assert.is(noSig.signature, '')
  assert.throws(() => verifyEnvelope(noSig), (e: unknown) => e instanceof SignatureError)
  assert.throws(() => verifyEnvelope({ ...env, signature: env.signature.slice(2) }), (e: unknown) => e instanceof SignatureError)
  assert.throws(() => verifyEnvelope({ ...env, signature: env.signature.slice(0, 128) + '1b' }), (e: unknown) => e instanceof SignatureError)
})

test('msgtype must equal payloadtype', () => {
  const env = signEnvelope(msg, KEY)
  throwsField(() => openEnvelope({ ...env, payloadtype: 'submitfuncspecmsg' }), 'msgtype', 'mismatch')
  throwsField(() => openEnvelope(rawEnvelope('x', b64('{"a":1}'))), 'msgtype', 'absent msgtype')
  throwsField(() => openEnvelope(rawEnvelope('1', b64('{"msgtype":1}'))), 'msgtype', 'numeric msgtype')
  throwsField(() => signEnvelope({ msgtype: '' }, KEY), 'msgtype', 'empty msgtype on sign')
})

test('payload must be canonical base64 of a UTF-8 JSON object', () => {
  const cases: Array<[string, string]> = [
    ['array', b64('[1,2]')],
    ['number', b64('42')],
    ['null', b64('null')],
    ['string', b64('"x"')],
    ['not JSON', b64('{msgtype:x}')],
    ['empty', ''],
    ['BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"msgtype":"x"}')]).toString('base64')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64')],
    ['unpadded', b64('{"msgtype":"xy"}').replace(/=+$/, '')],
    ['bad chars', 'eyJ!bXNn'],
    ['url-safe alphabet', '-_-_'],
    ['whitespace', 'eyJt ZXNn'],
    ['newline', b64('{"msgtype":"x"}') + '\n'],
    ['non-canonical padding bits', 'YR=='],
    ['length', 'abc']
  ]
  for (const [what, payload] of cases) throwsField(() => openEnvelope(rawEnvelope('x', payload)), 'payload', what)
  // 'YQ==' is the canonical encoding of "a": the pair only differs in the unused bits
  assert.is(Buffer.from('YR==', 'base64').toString(), 'a')
})

test('parseEnvelope checks shape and names the field', () => {
  const env = signEnvelope(msg, KEY)
  throwsField(() => parseEnvelope({ signature: env.signature, payload: env.payload }), 'payloadtype', 'missing payloadtype')
  throwsField(() => parseEnvelope({ signature: env.signature, payloadtype: env.payloadtype }), 'payload', 'missing payload')
  throwsField(() => parseEnvelope({ ...env, signature: 5 }), 'signature', 'numeric signature')
  throwsField(() => parseEnvelope({ ...env, signature: null }), 'signature', 'null signature')
  throwsField(() => parseEnvelope({ ...env, payloadtype: null }), 'payloadtype', 'null payloadtype')
  throwsField(() => parseEnvelope({ ...env, payloadtype: ['x'] }), 'payloadtype', 'array payloadtype')
  throwsField(() => parseEnvelope({ ...env, payload: [] }), 'payload', 'array payload')
  throwsField(() => parseEnvelope({ ...env, payload: 'not base64!' }), 'payload', 'non-base64 payload')
  for (const [what, body] of [['array', []], ['null', null], ['number', 7], ['undefined', undefined],
    ['bad JSON text', '{"signature":'], ['JSON array text', '[1]'], ['bad UTF-8 bytes', Buffer.from([0xff, 0xfe])]] as const) {
    throwsField(() => parseEnvelope(body), 'body', what)
  }
  // unknown members are ignored, as upstream's JSON decoding does
  assert.equal(parseEnvelope({ ...env, extra: 1 }), env)
})

test('okReply / errorReply / parseReply', () => {
  const value = { processid: 'p1', state: 0, attributes: [] }
  const ok = okReply('submitfuncspecmsg', value)
  assert.equal(ok, { payloadtype: 'submitfuncspecmsg', payload: b64(JSON.stringify(value)), error: false })
  assert.equal(parseReply(ok), { ok: true, payloadtype: 'submitfuncspecmsg', value })
  assert.equal(parseReply(JSON.stringify(ok)), { ok: true, payloadtype: 'submitfuncspecmsg', value })
  assert.equal(parseReply(okReply('x', undefined)), { ok: true, payloadtype: 'x', value: null })

  const err = errorReply(404, 'process not found')
  assert.is(err.payloadtype, ERROR_PAYLOADTYPE)
  assert.is(err.payloadtype, 'error')
  assert.is(err.error, true)
  assert.equal(JSON.parse(Buffer.from(err.payload, 'base64').toString()), { status: 404, message: 'process not found' })
  assert.equal(parseReply(Buffer.from(JSON.stringify(err))), { ok: false, status: 404, message: 'process not found' })
  // early upstream replies carry no "error" member
  assert.equal(parseReply({ payloadtype: 'error', payload: err.payload }), { ok: false, status: 404, message: 'process not found' })

  throwsField(() => parseReply({ ...ok, error: 'no' }), 'error')
  throwsField(() => parseReply({ payload: ok.payload, error: false }), 'payloadtype')
  throwsField(() => parseReply({ payloadtype: 'x', error: false }), 'payload')
  throwsField(() => parseReply({ ...ok, payload: 'YR==' }), 'payload')
  throwsField(() => parseReply({ ...err, payload: b64('[]') }), 'payload')
  throwsField(() => parseReply({ ...err, payload: b64('{"status":"404","message":"m"}') }), 'payload.status')
  throwsField(() => parseReply({ ...err, payload: b64('{"status":404}') }), 'payload.message')
  throwsField(() => parseReply('nope'), 'body')
})

function onlyTypedErrors (fn: () => unknown): boolean {
  try {
    fn()
  } catch (err) {
    if (err instanceof ValidationError || err instanceof SignatureError) return true
    throw err
  }
  return true
}

test('fuzz: arbitrary bodies only ever raise ValidationError / SignatureError', () => {
  fc.assert(fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.string({ unit: 'binary' }), fc.uint8Array()), body => {
    onlyTypedErrors(() => parseEnvelope(body))
    onlyTypedErrors(() => parseReply(body))
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
      const text = JSON.stringify(body)
      if (text !== undefined) onlyTypedErrors(() => parseEnvelope(text))
    }
  }), { seed: 7, numRuns: 300 })
})

test('fuzz: envelope-shaped bodies through parse, open and verify', () => {
  const payloadArb = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.base64String(),
    fc.jsonValue().map(v => b64(JSON.stringify(v))),
    fc.dictionary(fc.string(), fc.jsonValue()).map(o => b64(JSON.stringify({ ...o, msgtype: 't' })))
  )
  fc.assert(fc.property(
    fc.record({
      signature: fc.oneof(fc.string(), fc.uint8Array({ minLength: 65, maxLength: 65 }).map(b => Buffer.from(b).toString('hex')),
        fc.tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom('00', '01')).map(([b, v]) => Buffer.from(b).toString('hex') + v),
        fc.anything()),
      payloadtype: fc.oneof(fc.constant('t'), fc.string(), fc.anything()),
      payload: fc.oneof(payloadArb, fc.anything())
    }, { requiredKeys: [] }),
    body => {
      onlyTypedErrors(() => {
        const env = parseEnvelope(body)
        onlyTypedErrors(() => openEnvelope(env))
        onlyTypedErrors(() => verifyEnvelope(env))
      })
      onlyTypedErrors(() => parseEnvelope(JSON.stringify(body)))
      onlyTypedErrors(() => parseReply({ ...body, error: true }))
    }
  ), { seed: 11, numRuns: 300 })
})

test('fuzz: any JSON object with a matching msgtype round trips', () => {
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string({ minLength: 1 }), (obj, msgtype) => {
    const m = { ...obj, msgtype }
    const env = parseEnvelope(JSON.stringify(signEnvelope(m, KEY)))
    const opened = openEnvelope(env)
    assert.is(opened.msgtype, msgtype)
    assert.equal(opened.json, JSON.parse(JSON.stringify(m)))
    assert.is(verifyEnvelope(env), ID)
  }), { seed: 3, numRuns: 50 })
})

test.run()
