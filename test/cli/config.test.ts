import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MEMBER_KEY, OPERATOR_KEY, OWNER_KEY, resolveColonyName, resolveConnection, resolveKey, resolveRetention } from '../../src/cli/config.js'

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

test('retention as ColonyOS reads it: COLONIES_RETENTION=true and COLONIES_RETENTION_POLICY seconds; the policy alone does nothing', () => {
  assert.equal(resolveRetention({}, {}), { policySeconds: 0 })
  assert.equal(resolveRetention({ COLONIES_RETENTION: 'true', COLONIES_RETENTION_POLICY: '604800' }, {}), { policySeconds: 604800 })
  // ColonyOS's sample configuration: retention off, a policy that waits for it
  assert.equal(resolveRetention({ COLONIES_RETENTION: 'false', COLONIES_RETENTION_POLICY: '200' }, {}), { policySeconds: 0 })
  assert.equal(resolveRetention({ COLONIES_RETENTION_POLICY: '200' }, {}), { policySeconds: 0 })
})

test('retention flags win over the variables; --retention-policy implies --retention; --archive is made absolute', () => {
  const on = { COLONIES_RETENTION: 'true', COLONIES_RETENTION_POLICY: '3600' }
  assert.equal(resolveRetention(on, { 'retention-policy': '60' }), { policySeconds: 60 })
  assert.equal(resolveRetention(on, { retention: false }), { policySeconds: 0 })
  assert.equal(resolveRetention({ COLONIES_RETENTION: 'false' }, { 'retention-policy': '30' }), { policySeconds: 30 })
  assert.equal(resolveRetention({ COLONIES_RETENTION_POLICY: '90' }, { retention: true }), { policySeconds: 90 })
  assert.equal(resolveRetention({ COLONIES_RETENTION_POLICY: 'soon' }, { 'retention-policy': '10' }), { policySeconds: 10 }, 'the flag is read, not the variable')
  assert.equal(resolveRetention({}, { archive: ' ~/arch ' }, p => `/home/me/${p.slice(2)}`), { policySeconds: 0, archiveDir: '/home/me/arch' })
})

test('a policy that is not a whole number of seconds, or retention on without one, is refused naming where it came from', () => {
  refused(() => resolveRetention({ COLONIES_RETENTION_POLICY: 'a week' }, {}), 'InvalidSettingError', 'COLONIES_RETENTION_POLICY', '"a week"', 'whole number of seconds')
  refused(() => resolveRetention({}, { 'retention-policy': '-5' }), 'InvalidSettingError', '--retention-policy', '"-5"')
  refused(() => resolveRetention({}, { 'retention-policy': '1.5' }), 'InvalidSettingError', '--retention-policy')
  refused(() => resolveRetention({ COLONIES_RETENTION: 'maybe' }, {}), 'InvalidSettingError', 'COLONIES_RETENTION', 'true or false')
  refused(() => resolveRetention({ COLONIES_RETENTION: 'true' }, {}), 'UsageError', 'COLONIES_RETENTION=true needs a retention policy', 'export COLONIES_RETENTION_POLICY=', '--retention-policy')
  refused(() => resolveRetention({}, { retention: true }), 'UsageError', '--retention needs a retention policy')
  refused(() => resolveRetention({ COLONIES_RETENTION: 'true', COLONIES_RETENTION_POLICY: '0' }, {}), 'InvalidSettingError', 'COLONIES_RETENTION_POLICY is 0', '--no-retention')
  refused(() => resolveRetention({}, { 'retention-policy': '0' }), 'InvalidSettingError', '--retention-policy is 0')
})

test.run()
