/**
 * Field names match JSON keys as Go's encoding/json matches them (upstream's server decodes
 * every message so): the exact key, else a key equal to it case-insensitively. SDKs rely
 * on it: colonies-ts's reconciler example adds its executor with `executorId`.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { openEnvelope, parseEnvelope, signEnvelope } from '../../src/protocol/envelope.js'
import { fieldKey, foldName } from '../../src/protocol/json-keys.js'
import { parseMessage, type MessageOf } from '../../src/protocol/messages.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'

const A = 'a'.repeat(64)

test('foldName folds as Go does: ASCII upper-cased, the Kelvin sign and ſ onto K and S', () => {
  assert.is(foldName('executorId'), 'EXECUTORID')
  assert.is(foldName('EXECUTORID'), 'EXECUTORID')
  assert.is(foldName('max_retries2'), 'MAX_RETRIES2')
  assert.is(foldName('\u212Aey'), 'KEY') // Kelvin sign
  assert.is(foldName('\u017Fpec'), 'SPEC') // long s
  assert.is(foldName('ß'), 'ß') // ß → SS is not a simple fold
  assert.is(foldName('é'), foldName('É'))
  assert.is.not(foldName('ı'), 'I') // dotless i is its own orbit in Go
})

test('fieldKey: the exact key wins, else the last key equal case-insensitively, else none', () => {
  assert.is(fieldKey({ executorid: 1, executorId: 2 }, 'executorid'), 'executorid')
  assert.is(fieldKey({ executorId: 2 }, 'executorid'), 'executorId')
  assert.is(fieldKey({ ExecutorID: 1, executorId: 2 }, 'executorid'), 'executorId')
  assert.is(fieldKey({ executorid: 1 }, 'ExecutorId'), 'executorid')
  assert.is(fieldKey({ executor: 1, executorids: 2 }, 'executorid'), undefined)
  assert.is(fieldKey({ '\u212Aind': 1 }, 'kind'), '\u212Aind')
  // prototype names are never fields
  assert.is(fieldKey({}, 'constructor'), undefined)
  assert.is(fieldKey(JSON.parse('{"__PROTO__":1}'), '__proto__'), '__PROTO__')
})

test('addexecutormsg with camelCase fields (colonies-ts reconciler) reads as the lowercase one', () => {
  const m = parseMessage({
    msgtype: 'addexecutormsg',
    executor: { executorname: 'home-reconciler', executortype: 'home-reconciler', colonyname: 'dev', executorId: A }
  }) as MessageOf<'addexecutormsg'>
  assert.is(m.executor.executorid, A)
  assert.is(m.executor.executorname, 'home-reconciler')
})

test('nested fields fold at every level; map keys (env, kwargs) stay as sent', () => {
  const m = parseMessage({
    MsgType: 'submitfuncspecmsg',
    Spec: {
      FuncName: 'echo',
      MaxRetries: 3,
      Env: { Greeting: 'hi' },
      KwArgs: { Name: 'x' },
      Conditions: { ColonyName: 'dev', ExecutorType: 'cli', GPU: { Count: 1 } }
    }
  }) as MessageOf<'submitfuncspecmsg'>
  assert.is(m.msgtype, 'submitfuncspecmsg')
  assert.is(m.spec.funcname, 'echo')
  assert.is(m.spec.maxretries, 3)
  assert.is(m.spec.conditions.colonyname, 'dev')
  assert.is(m.spec.conditions.executortype, 'cli')
  assert.is(m.spec.conditions.gpu.count, 1)
  assert.equal(m.spec.env, { Greeting: 'hi' })
  assert.equal(m.spec.kwargs, { Name: 'x' })
})

test('a folded field is validated like the exact one, the error naming the field', () => {
  try {
    parseMessage({ msgtype: 'getprocessesmsg', colonyname: 'dev', Count: 'ten' })
    assert.unreachable('expected a ValidationError')
  } catch (err) {
    assert.is((err as { field?: string }).field, 'count')
  }
})

test('the envelope and its msgtype fold too: a body sent with Go-style field names opens', () => {
  const prv = generatePrivateKey()
  const env = signEnvelope({ msgtype: 'getcolonymsg', colonyname: 'dev' }, prv)
  const body = JSON.stringify({ Signature: env.signature, PayloadType: env.payloadtype, Payload: env.payload })
  assert.equal(parseEnvelope(body), env)
  const payload = Buffer.from(JSON.stringify({ MsgType: 'getcolonymsg', ColonyName: 'dev' })).toString('base64')
  const opened = openEnvelope({ signature: '', payloadtype: 'getcolonymsg', payload })
  assert.is(opened.msgtype, 'getcolonymsg')
  assert.equal(parseMessage(opened.json), { msgtype: 'getcolonymsg', colonyname: 'dev' })
})

/** The same object with each key (not inside the maps) in a random case. */
function scramble (v: unknown, flips: () => boolean, inMap = false): unknown {
  if (Array.isArray(v)) return v.map(x => scramble(x, flips))
  if (typeof v !== 'object' || v === null) return v
  return Object.fromEntries(Object.entries(v).map(([k, x]) => {
    const key = inMap ? k : [...k].map(c => flips() ? c.toUpperCase() : c).join('')
    return [key, scramble(x, flips, k === 'env' || k === 'kwargs')]
  }))
}

test('property: any casing of the field names parses to the message the lowercase names give', () => {
  const examples: Array<Record<string, unknown>> = [
    { msgtype: 'submitfuncspecmsg', spec: { nodename: 'n', funcname: 'f', args: ['a'], kwargs: { K: 1 }, priority: 2, maxwaittime: 5, maxexectime: 6, maxretries: 1, label: 'l', env: { E: 'v' }, conditions: { colonyname: 'dev', executortype: 'cli', executornames: ['x'], cpu: '1000m', mem: '1Gi', gpu: { name: 'g', count: 1 } } } },
    { msgtype: 'getlogsmsg', colonyname: 'dev', processid: A, count: 10, since: 5, latest: true },
    { msgtype: 'addusermsg', user: { colonyname: 'dev', userid: A, name: 'alice', email: 'a@x', phone: '1' } },
    { msgtype: 'assignprocessmsg', colonyname: 'dev', timeout: 10, availablecpu: '2', availablemem: '1Gi' }
  ]
  fc.assert(fc.property(fc.constantFrom(...examples), fc.infiniteStream(fc.boolean()), (msg, bits) => {
    const it = bits[Symbol.iterator]()
    const flips = (): boolean => it.next().value as boolean
    assert.equal(parseMessage(scramble(msg, flips) as Record<string, unknown>), parseMessage(msg))
  }), { numRuns: 200 })
})

test.run()
