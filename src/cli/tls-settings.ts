/**
 * TLS on the node's API port, configured as ColonyOS configures its server:
 * COLONIES_TLS=true turns it on, COLONIES_TLSCERT and COLONIES_TLSKEY name the PEM
 * certificate and key (upstream's server also reads COLONIES_SERVER_HTTP_TLS_CERT/_KEY;
 * accepted when the first are unset). `--tls/--no-tls`, `--tlscert` and `--tlskey`
 * (upstream's flag names; `--tls-cert`/`--tls-key` too) override them, and a certificate
 * given as a flag implies --tls. The files are checked here, once, before the node
 * starts: a missing or unreadable file, one that is not PEM, or a key that is not the
 * certificate's is refused with the file's name and what to do.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { createSecureContext } from 'node:tls'
import { Flags } from '@oclif/core'
import type { TlsCredentials } from '../node/tls-port.js'
import { type Env, parseBool } from './config.js'
import { UsageError } from './errors.js'

export const SERVER_TLS_VAR = 'COLONIES_TLS'
export const TLS_CERT_VAR = 'COLONIES_TLSCERT'
export const TLS_KEY_VAR = 'COLONIES_TLSKEY'
const TLS_CERT_VAR_ALT = 'COLONIES_SERVER_HTTP_TLS_CERT'
const TLS_KEY_VAR_ALT = 'COLONIES_SERVER_HTTP_TLS_KEY'

/** How to make a certificate for a try-out, quoted in the errors. */
const MAKE_ONE = 'e.g. openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -subj /CN=localhost ' +
  '-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout key.pem -out cert.pem'

/** `node start` and `dev`. */
export const tlsFlags = {
  tls: Flags.boolean({ description: `Serve the API port as HTTPS and WSS (--no-tls: plain HTTP) [env: ${SERVER_TLS_VAR}]`, allowNo: true }),
  tlscert: Flags.string({ description: `PEM certificate (chain) the API port presents; implies --tls [env: ${TLS_CERT_VAR}]`, aliases: ['tls-cert'], helpValue: 'FILE' }),
  tlskey: Flags.string({ description: `PEM private key of --tlscert [env: ${TLS_KEY_VAR}]`, aliases: ['tls-key'], helpValue: 'FILE' })
}

export interface TlsFlags {
  tls?: boolean
  tlscert?: string
  tlskey?: string
}

/** Which files to load, and the name each came by (a flag or a variable), for the errors. */
export interface TlsFiles {
  cert: { path: string, from: string }
  key: { path: string, from: string }
}

function setting (env: Env, ...names: string[]): { value: string, from: string } | undefined {
  for (const name of names) {
    const v = env[name]?.trim()
    if (v !== undefined && v !== '') return { value: v, from: name }
  }
  return undefined
}

/** undefined: TLS off. Throws when TLS is on without both files. Pure: (env, flags). */
export function resolveTlsFiles (env: Env, flags: TlsFlags): TlsFiles | undefined {
  const envOn = setting(env, SERVER_TLS_VAR)
  const on = flags.tls ?? (flags.tlscert !== undefined ? true : envOn === undefined ? false : parseBool(envOn.value, SERVER_TLS_VAR))
  if (!on) return undefined
  const cert = flags.tlscert !== undefined ? { value: flags.tlscert.trim(), from: '--tlscert' } : setting(env, TLS_CERT_VAR, TLS_CERT_VAR_ALT)
  const key = flags.tlskey !== undefined ? { value: flags.tlskey.trim(), from: '--tlskey' } : setting(env, TLS_KEY_VAR, TLS_KEY_VAR_ALT)
  const why = flags.tls === true ? '--tls' : flags.tlscert !== undefined ? '--tlscert' : `${SERVER_TLS_VAR}=${envOn?.value ?? ''}`
  const missing = [cert === undefined || cert.value === '' ? `--tlscert FILE (or export ${TLS_CERT_VAR})` : '', key === undefined || key.value === '' ? `--tlskey FILE (or export ${TLS_KEY_VAR})` : ''].filter(m => m !== '')
  if (missing.length > 0 || cert === undefined || key === undefined) {
    throw new UsageError(`${why} needs a PEM certificate and its key: pass ${missing.join(' and ')}; to make a self-signed pair, ${MAKE_ONE}`)
  }
  return { cert: { path: cert.value, from: cert.from }, key: { path: key.value, from: key.from } }
}

async function readPem (file: { path: string, from: string }, what: string): Promise<string> {
  try {
    return await readFile(file.path, 'utf8')
  } catch (err) {
    const code = (err as { code?: string }).code
    const problem = code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'this user may not read it'
        : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? (err as Error).message})`
    throw new UsageError(`${file.from} ${file.path}: ${problem}: give the path of the ${what} (PEM)`)
  }
}

/** The files as credentials for the node; every fault is a UsageError naming the file. */
export async function loadTlsCredentials (files: TlsFiles): Promise<TlsCredentials> {
  const cert = await readPem(files.cert, 'certificate')
  const key = await readPem(files.key, 'private key')
  const where = (f: { path: string, from: string }): string => `${f.from} ${f.path}`
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`${where(files.cert)}: not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line): give the certificate file, not the key or a DER file (openssl x509 -inform der -in FILE -out cert.pem converts one)`)
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new UsageError(`${where(files.key)}: not a PEM private key (no "-----BEGIN … PRIVATE KEY-----" line): give the key file, not the certificate`)
  }
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch (err) {
    throw new UsageError(`${where(files.cert)}: not a valid PEM certificate (${(err as Error).message}): make a new one, ${MAKE_ONE}`)
  }
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(key)
  } catch (err) {
    throw new UsageError(`${where(files.key)}: not a usable PEM private key (${(err as Error).message}); a key with a passphrase must be decrypted first (openssl pkey -in FILE -out key.pem)`)
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new UsageError(`${where(files.key)} is not the key of the certificate ${where(files.cert)}: give the key the certificate was made with`)
  }
  try {
    createSecureContext({ cert, key })
  } catch (err) {
    throw new UsageError(`${where(files.cert)} with ${where(files.key)}: TLS refuses them (${(err as Error).message})`)
  }
  return { cert, key }
}

/** Loopback addresses: a node listening only there is not reachable from other machines. */
export function isLoopback (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

/** The one line a node without TLS says when other machines can reach it; undefined: nothing to say. */
export function plainExposureWarning (host: string, port: number, tls: boolean): string | undefined {
  if (tls || isLoopback(host)) return undefined
  return `warning: the API on ${host}:${port} is plain HTTP beyond this machine: specs, environments, arguments and outputs cross the network readable; ` +
    `turn TLS on with --tlscert FILE --tlskey FILE (or COLONIES_TLS=true with ${TLS_CERT_VAR} and ${TLS_KEY_VAR})`
}
