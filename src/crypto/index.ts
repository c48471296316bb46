/**
 * Which secp256k1 backend a process uses: the first of `system`, `native` and `noble` that
 * loads (native.ts), or the one COLONYNET_CRYPTO=system|native|noble insists on. Entry
 * points (a node, a client, benches) call installCryptoBackend, which injects the choice
 * into protocol/crypto.ts (that stays pure); the verifier pool's threads load the one their
 * creator uses.
 */
import { type CryptoBackend, cryptoBackend, cryptoBackendSet, setCryptoBackend } from '../protocol/crypto.js'
import { loadBackend, unavailableReason } from './native.js'

export { loadBackend, SYSTEM_BINDING_PATH, unavailableReason } from './native.js'

/** The backend `env` asks for, else the fastest that loads; throws for a bad or unloadable COLONYNET_CRYPTO. */
export function chooseCryptoBackend (env: Record<string, string | undefined> = process.env): CryptoBackend {
  const wanted = env.COLONYNET_CRYPTO
  if (wanted !== undefined && wanted !== '') {
    if (wanted !== 'system' && wanted !== 'native' && wanted !== 'noble') throw new Error(`COLONYNET_CRYPTO must be system, native or noble, got ${JSON.stringify(wanted)}`)
    return loadBackend(wanted)
  }
  for (const name of ['system', 'native'] as const) {
    if (unavailableReason(name) === null) return loadBackend(name)
  }
  return loadBackend('noble')
}

/**
 * Injects chooseCryptoBackend's pick into protocol/crypto.ts, unless a backend was set
 * there already (by an earlier call, or explicitly); returns the backend in use.
 */
export function installCryptoBackend (): CryptoBackend {
  if (!cryptoBackendSet()) setCryptoBackend(chooseCryptoBackend())
  return cryptoBackend()
}
