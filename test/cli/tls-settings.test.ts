/**
 * The node's TLS settings as ColonyOS names them (COLONIES_TLS, COLONIES_TLSCERT,
 * COLONIES_TLSKEY, --tls/--tlscert/--tlskey), the checks on the files, and the warning
 * of a node that serves plain HTTP beyond loopback.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadTlsCredentials, plainExposureWarning, resolveTlsFiles, type TlsFiles } from '../../src/cli/tls-settings.js'
import { makeCert, noOpenssl } from '../helpers/tls-cert.js'

const throwsMatching = async (f: () => unknown, re: RegExp): Promise<void> => {
  try {
    await f()
  } catch (err) {
    assert.is((err as Error).name, 'UsageError', String(err))
    assert.match((err as Error).message, re)
    return
  }
  assert.unreachable(`expected an error matching ${String(re)}`)
}

test('TLS is off unless COLONIES_TLS=true, --tls or --tlscert turns it on', () => {
  assert.is(resolveTlsFiles({}, {}), undefined)
  assert.is(resolveTlsFiles({ COLONIES_TLSCERT: '/c', COLONIES_TLSKEY: '/k' }, {}), undefined, 'the files alone do not turn it on (as upstream)')
  assert.is(resolveTlsFiles({ COLONIES_TLS: 'true', COLONIES_TLSCERT: '/c', COLONIES_TLSKEY: '/k' }, { tls: false }), undefined, '--no-tls wins')
  assert.equal(resolveTlsFiles({ COLONIES_TLS: 'true', COLONIES_TLSCERT: '/c', COLONIES_TLSKEY: '/k' }, {}),
    { cert: { path: '/c', from: 'COLONIES_TLSCERT' }, key: { path: '/k', from: 'COLONIES_TLSKEY' } })
  // upstream's server also reads COLONIES_SERVER_HTTP_TLS_CERT/_KEY
  assert.equal(resolveTlsFiles({ COLONIES_TLS: 'true', COLONIES_SERVER_HTTP_TLS_CERT: '/c2', COLONIES_SERVER_HTTP_TLS_KEY: '/k2' }, {}),
    { cert: { path: '/c2', from: 'COLONIES_SERVER_HTTP_TLS_CERT' }, key: { path: '/k2', from: 'COLONIES_SERVER_HTTP_TLS_KEY' } })
  // flags override the variables; a certificate flag implies --tls
  assert.equal(resolveTlsFiles({ COLONIES_TLSCERT: '/c', COLONIES_TLSKEY: '/k' }, { tlscert: '/fc' }),
    { cert: { path: '/fc', from: '--tlscert' }, key: { path: '/k', from: 'COLONIES_TLSKEY' } })
})

test('TLS on without both files, or a COLONIES_TLS that is not a boolean, is refused naming what to set', async () => {
  await throwsMatching(() => resolveTlsFiles({ COLONIES_TLS: 'true' }, {}), /^COLONIES_TLS=true needs .*--tlscert FILE \(or export COLONIES_TLSCERT\) and --tlskey FILE \(or export COLONIES_TLSKEY\).*openssl req -x509/)
  await throwsMatching(() => resolveTlsFiles({}, { tlscert: '/c' }), /^--tlscert needs .*pass --tlskey FILE/)
  await throwsMatching(() => resolveTlsFiles({ COLONIES_TLSKEY: '/k' }, { tls: true }), /^--tls needs .*pass --tlscert FILE \(or export COLONIES_TLSCERT\);/)
  try {
    resolveTlsFiles({ COLONIES_TLS: 'yes please' }, {})
    assert.unreachable('accepted')
  } catch (err) {
    assert.is((err as Error).name, 'InvalidSettingError')
    assert.match((err as Error).message, /COLONIES_TLS must be true or false/)
  }
})

test('the warning of a node serving plain HTTP beyond loopback', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) assert.is(plainExposureWarning(host, 50080, false), undefined, host)
  for (const host of ['0.0.0.0', '::', '10.0.0.5', 'node.example.org']) {
    const w = plainExposureWarning(host, 50080, false)
    assert.ok(w !== undefined, host)
    assert.match(w, new RegExp(`^warning: the API on ${host.replace(/\./g, '\\.')}:50080 is plain HTTP beyond this machine`))
    assert.match(w, /--tlscert FILE --tlskey FILE \(or COLONIES_TLS=true with COLONIES_TLSCERT and COLONIES_TLSKEY\)/)
    assert.not.match(w, /\n/, 'one line')
    assert.is(plainExposureWarning(host, 50080, true), undefined, 'nothing to say with TLS on')
  }
})

if (noOpenssl !== undefined) {
  console.log(noOpenssl)
} else {
  const files = (cert: string, key: string): TlsFiles => ({ cert: { path: cert, from: '--tlscert' }, key: { path: key, from: '--tlskey' } })

  test('a certificate and its key load; every bad file is refused naming it and what to do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'colonynet-tls-'))
    try {
      const a = await makeCert(dir, 'a')
      const b = await makeCert(dir, 'b')
      const creds = await loadTlsCredentials(files(a.certFile, a.keyFile))
      assert.is(creds.cert, a.cert)
      assert.is(creds.key, a.key)

      const missing = join(dir, 'nope.pem')
      await throwsMatching(() => loadTlsCredentials(files(missing, a.keyFile)), new RegExp(`^--tlscert ${missing}: no such file: give the path of the certificate`))
      await throwsMatching(() => loadTlsCredentials(files(a.certFile, missing)), new RegExp(`^--tlskey ${missing}: no such file: give the path of the private key`))
      await throwsMatching(() => loadTlsCredentials(files(dir, a.keyFile)), /: is a directory: give the path of the certificate/)
      // cert and key swapped
      await throwsMatching(() => loadTlsCredentials(files(a.keyFile, a.certFile)), new RegExp(`^--tlscert ${a.keyFile}: not a PEM certificate`))
      await throwsMatching(() => loadTlsCredentials(files(a.certFile, a.certFile)), new RegExp(`^--tlskey ${a.certFile}: not a PEM private key`))
      // a key that is not the certificate's
      await throwsMatching(() => loadTlsCredentials(files(a.certFile, b.keyFile)), new RegExp(`^--tlskey ${b.keyFile} is not the key of the certificate --tlscert ${a.certFile}`))
      // PEM markers around garbage
      const junkCert = join(dir, 'junk-cert.pem')
      await writeFile(junkCert, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n')
      await throwsMatching(() => loadTlsCredentials(files(junkCert, a.keyFile)), new RegExp(`^--tlscert ${junkCert}: not a valid PEM certificate`))
      const junkKey = join(dir, 'junk-key.pem')
      await writeFile(junkKey, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n')
      await throwsMatching(() => loadTlsCredentials(files(a.certFile, junkKey)), new RegExp(`^--tlskey ${junkKey}: not a usable PEM private key`))
      if (process.getuid?.() !== 0) {
        const locked = join(dir, 'locked.pem')
        await writeFile(locked, a.key)
        await chmod(locked, 0)
        await throwsMatching(() => loadTlsCredentials(files(a.certFile, locked)), new RegExp(`^--tlskey ${locked}: this user may not read it`))
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

test.run()
