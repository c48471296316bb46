import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MEMBER_KEY, OPERATOR_KEY, OWNER_KEY, resolveColonyName, resolveConnection, resolveKey } from '../../src/cli/config.js'

const KEY = 'a'.repeat(64)

function refused (fn: () => unknown, name: string, ...parts: string[]): void {
  try {
    fn()
  } catch (err) {
    const e = err as Error
    assert.is(e.name, name, e.message)
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" should mention ${p}`)
    return
  }
  assert.unreachable(`expected ${name}`)
}

test('with nothing set the CLI talks to localhost:50080 over http', () => {
  assert.equal(resolveConnection({}), { host: 'localhost', port: 50080, tls: false, url: 'http://localhost:50080' })
})

test('COLONIES_SERVER_HOST/PORT/TLS set the URL; flags win over them', () => {
  const env = { COLONIES_SERVER_HOST: 'colony.example.org', COLONIES_SERVER_PORT: '443', COLONIES_SERVER_TLS: 'true' }
  assert.is(resolveConnection(env).url, 'https://colony.example.org:443')
  assert.is(resolveConnection(env, { host: 'other', port: 8080 }).url, 'https://other:8080')
  assert.is(resolveConnection({ COLONIES_TLS: 'true' }).url, 'https://localhost:50080')
  assert.is(resolveConnection({ COLONIES_SERVER_HOST: '::1' }).url, 'http://[::1]:50080')
})

test('a bad port or TLS value names the variable', () => {
  refused(() => resolveConnection({ COLONIES_SERVER_PORT: 'http' }), 'InvalidSettingError', 'COLONIES_SERVER_PORT', '"http"')
  refused(() => resolveConnection({ COLONIES_SERVER_PORT: '70000' }), 'InvalidSettingError', 'COLONIES_SERVER_PORT')
  refused(() => resolveConnection({ COLONIES_SERVER_TLS: 'maybe' }), 'InvalidSettingError', 'COLONIES_SERVER_TLS')
})

test('a missing key says which variable to export and which flag to pass', () => {
  refused(() => resolveKey({}, MEMBER_KEY), 'MissingSettingError', 'export COLONIES_PRVKEY=', '--prvkey')
  refused(() => resolveKey({}, OWNER_KEY), 'MissingSettingError', 'COLONIES_COLONY_PRVKEY', '--colonyprvkey')
  refused(() => resolveKey({ COLONIES_PRVKEY: KEY }, OPERATOR_KEY), 'MissingSettingError', 'COLONIES_SERVER_PRVKEY', '--serverprvkey')
})

test('a key that is not 64 hex characters is refused, naming where it came from', () => {
  refused(() => resolveKey({ COLONIES_PRVKEY: 'abc' }, MEMBER_KEY), 'InvalidSettingError', 'COLONIES_PRVKEY', '64 hex')
  refused(() => resolveKey({}, MEMBER_KEY, 'xyz'), 'InvalidSettingError', '--prvkey')
})

test('the flag wins over the variable; keys are normalised to lowercase', () => {
  assert.is(resolveKey({ COLONIES_PRVKEY: KEY }, MEMBER_KEY), KEY)
  assert.is(resolveKey({ COLONIES_PRVKEY: KEY }, MEMBER_KEY, 'B'.repeat(64)), 'b'.repeat(64))
})

test('the colony name comes from --colonyname or COLONIES_COLONY_NAME', () => {
  assert.is(resolveColonyName({ COLONIES_COLONY_NAME: 'dev' }), 'dev')
  assert.is(resolveColonyName({ COLONIES_COLONY_NAME: 'dev' }, 'prod'), 'prod')
  refused(() => resolveColonyName({ COLONIES_COLONY_NAME: '  ' }), 'MissingSettingError', 'export COLONIES_COLONY_NAME=')
})

test.run()
