/**
 * Certificates the TLS tests make with the system's openssl (Node has no X.509 generator
 * and the project takes no dependency for one). Without openssl the tests that need a
 * certificate are skipped, saying so (.ci/run installs it).
 */
import { execFile, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Why the TLS tests cannot run here; undefined when openssl is available. */
export const noOpenssl: string | undefined = (() => {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' })
  return r.status === 0 ? undefined : 'openssl is not installed (apt-get install openssl): TLS tests skipped'
})()

export interface TestCert {
  /** paths of the PEM files */
  readonly certFile: string
  readonly keyFile: string
  /** their text */
  readonly cert: string
  readonly key: string
}

/**
 * A self-signed P-256 certificate for `names` (default localhost and 127.0.0.1, the
 * addresses tests connect to), valid from now for `days`.
 */
export async function makeCert (dir: string, name = 'node', names = ['DNS:localhost', 'IP:127.0.0.1'], days = 2): Promise<TestCert> {
  const certFile = join(dir, `${name}-cert.pem`)
  const keyFile = join(dir, `${name}-key.pem`)
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days),
    '-subj', '/CN=colonynet-test', '-addext', `subjectAltName=${names.join(',')}`, '-keyout', keyFile, '-out', certFile])
  return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') }
}
