/**
 * The native secp256k1 backends, behind protocol/crypto.ts's strict parsing:
 * - `system`: the system's libsecp256k1 (0.2 or later) through colonynet's own Node-API
 *   binding (native/secp256k1.c, built at install where a C compiler and libsecp256k1-dev
 *   are present): recovery ~30 % and signing ~35 % cheaper than `native` (bench/crypto.ts);
 * - `native`: the `secp256k1` npm addon, which bundles a 2019 libsecp256k1 (~20x faster than
 *   noble at recovery, which dominates ingest).
 * Each loads on first request, once per thread.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import {
  type CryptoBackend, type CryptoBackendName, nobleBackend, privateKeyBytes, signatureBytes, textHash
} from '../protocol/crypto.js'
import { SignatureError, ValidationError } from '../protocol/errors.js'

/** The subset of the `secp256k1` package's API (v5, native addon) that we call. */
interface NativeSecp256k1 {
  publicKeyCreate (seckey: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array
  ecdsaSign (msg32: Uint8Array, seckey: Uint8Array, options?: object, output?: Uint8Array): { signature: Uint8Array, recid: number }
  ecdsaRecover (sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean, output?: Uint8Array): Uint8Array
}

function nativeBackend (lib: NativeSecp256k1): CryptoBackend {
  return {
    name: 'native',
    publicKey (prvkey) {
      return Buffer.from(lib.publicKeyCreate(privateKeyBytes(prvkey), false, Buffer.allocUnsafe(65))).toString('hex')
    },
    sign (text, prvkey) {
      const key = privateKeyBytes(prvkey)
      const out = Buffer.allocUnsafe(65)
      // libsecp256k1 signs with the RFC 6979 nonce and always normalizes to low-S
      const { recid } = lib.ecdsaSign(textHash(text), key, {}, out.subarray(0, 64))
      out[64] = recid
      return out.toString('hex')
    },
    recoverPublicKey (text, signature) {
      const sig = signatureBytes(signature)
      const h = textHash(text)
      const out = Buffer.allocUnsafe(65)
      try {
        lib.ecdsaRecover(sig.subarray(0, 64), sig[64]!, h, false, out)
      } catch (err) {
        throw new SignatureError(`signature does not recover: ${(err as Error).message}`)
      }
      return out.toString('hex')
    }
  }
}

/** colonynet's binding of the system libsecp256k1 (native/secp256k1.c). */
interface SystemSecp256k1 {
  recover (sig64: Uint8Array, recid: number, msg32: Uint8Array, out65: Uint8Array): boolean
  /** the recovery id, or -1 when the key is invalid */
  sign (msg32: Uint8Array, key32: Uint8Array, out64: Uint8Array): number
  publicKey (key32: Uint8Array, out65: Uint8Array): boolean
}

function systemBackend (lib: SystemSecp256k1): CryptoBackend {
  return {
    name: 'system',
    publicKey (prvkey) {
      const out = Buffer.allocUnsafe(65)
      if (!lib.publicKey(privateKeyBytes(prvkey), out)) throw new ValidationError('prvkey', 'is not a valid secp256k1 private key')
      return out.toString('hex')
    },
    sign (text, prvkey) {
      const key = privateKeyBytes(prvkey)
      const out = Buffer.allocUnsafe(65)
      const recid = lib.sign(textHash(text), key, out.subarray(0, 64))
      if (recid < 0) throw new ValidationError('prvkey', 'is not a valid secp256k1 private key')
      out[64] = recid
      return out.toString('hex')
    },
    recoverPublicKey (text, signature) {
      const sig = signatureBytes(signature)
      const out = Buffer.allocUnsafe(65)
      if (!lib.recover(sig.subarray(0, 64), sig[64]!, textHash(text), out)) throw new SignatureError('signature does not recover: no public key for it')
      return out.toString('hex')
    }
  }
}

const require = createRequire(import.meta.url)
/** Where scripts/build-secp256k1.mjs puts the binding (relative to this file: src/crypto). */
export const SYSTEM_BINDING_PATH = fileURLToPath(new URL('../../build/secp256k1.node', import.meta.url))

const loaded = new Map<'system' | 'native', CryptoBackend | Error>()

function tryLoad (name: 'system' | 'native'): CryptoBackend | Error {
  let b = loaded.get(name)
  if (b !== undefined) return b
  try {
    b = name === 'system'
      ? systemBackend(require(SYSTEM_BINDING_PATH) as SystemSecp256k1)
      // `secp256k1/bindings` throws when the addon cannot load; the package's main entry
      // would silently fall back to its slow `elliptic` JS build instead.
      : nativeBackend(require('secp256k1/bindings') as NativeSecp256k1)
  } catch (err) {
    b = err instanceof Error ? err : new Error(String(err))
  }
  loaded.set(name, b)
  return b
}

/** A specific backend; throws if a native one is requested and cannot load. */
export function loadBackend (name: CryptoBackendName): CryptoBackend {
  if (name === 'noble') return nobleBackend
  if (name === 'system' || name === 'native') {
    const b = tryLoad(name)
    if (b instanceof Error) {
      throw new Error(name === 'system'
        ? `system libsecp256k1 binding unavailable (${b.message}): install a C compiler and libsecp256k1-dev, then run npm run build:secp256k1`
        : `native secp256k1 backend unavailable: ${b.message}`)
    }
    return b
  }
  throw new Error(`unknown crypto backend: ${String(name)}`)
}

/** Why a native backend cannot load here, with what to do about it (null when it can). */
export function unavailableReason (name: 'system' | 'native'): string | null {
  try {
    loadBackend(name)
    return null
  } catch (err) {
    return (err as Error).message
  }
}
