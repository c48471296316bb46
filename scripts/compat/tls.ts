/**
 * `npm run compat -- --tls`: a self-signed certificate for the suites' node (made with the
 * system's openssl, for 127.0.0.1 and localhost), and the settings that make each SDK
 * connect with TLS on and trust it. colonies-ts reads COLONIES_SERVER_TLS and runs on
 * Node (NODE_EXTRA_CA_CERTS); pycolonies' tests read COLONIES_TLS, and Python's requests
 * and websocket-client read their own CA bundle variables.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

export interface CompatCert {
  readonly certFile: string
  readonly cert: string
  readonly key: string
  remove: () => Promise<void>
}

export async function makeCompatCert (): Promise<CompatCert> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-compat-tls-'))
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=colonynet-compat', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile])
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw new Error(`--tls needs openssl to make a certificate: ${(err as Error).message.split('\n')[0] ?? ''}`)
  }
  return { certFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8'), remove: async () => { await rm(dir, { recursive: true, force: true }) } }
}

/** colonies-ts over TLS, trusting `certFile`. */
export function tsTlsEnv (certFile: string): NodeJS.ProcessEnv {
  return { COLONIES_SERVER_TLS: 'true', NODE_EXTRA_CA_CERTS: certFile }
}

/** pycolonies over TLS, trusting `certFile` (requests, websocket-client, Python's ssl). */
export function pyTlsEnv (certFile: string): NodeJS.ProcessEnv {
  return {
    COLONIES_TLS: 'true',
    COLONIES_SERVER_TLS: 'true',
    REQUESTS_CA_BUNDLE: certFile,
    WEBSOCKET_CLIENT_CA_BUNDLE: certFile,
    SSL_CERT_FILE: certFile
  }
}
