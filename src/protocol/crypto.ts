/**
 * ColonyOS-compatible identities (upstream internal/crypto): secp256k1 keys, id =
 * hex(SHA3-256(ASCII of the 130-char lowercase hex of the uncompressed public key)),
 * signatures = recoverable ECDSA over SHA3-256(utf-8 text), hex of r(32)‖s(32)‖v(1).
 *
 * The curve arithmetic is a CryptoBackend. All backends produce byte-identical RFC 6979
 * signatures behind the same strict parsing (here). This module holds noble (`@noble/secp256k1`,
 * pure JS) and uses it until an entry point injects a faster one with setCryptoBackend:
 * src/crypto loads the native ones (the system libsecp256k1, the `secp256k1` npm addon) and
 * reads COLONYNET_CRYPTO, so that protocol loads nothing and reads no environment.
 */
import nodeCrypto, { createHash } from 'node:crypto'
import * as noble from '@noble/secp256k1'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha3_256 as nobleSha3 } from '@noble/hashes/sha3.js'
import { SignatureError, ValidationError } from './errors.js'

export type CryptoBackendName = 'system' | 'native' | 'noble'

export interface CryptoBackend {
  readonly name: CryptoBackendName
  /** 130-char lowercase hex of the uncompressed public key 04‖X‖Y */
  publicKey (prvkey: string): string
  /** 130-char lowercase hex r‖s‖v over SHA3-256(utf-8 text); deterministic (RFC 6979), low-S */
  sign (text: string, prvkey: string): string
  /** 130-char lowercase hex public key of the signer; throws SignatureError */
  recoverPublicKey (text: string, signature: string): string
}

// ---------------------------------------------------------------------------------------------
// Hashing

// Node 20 ships SHA3 through OpenSSL 3; fall back to noble where a build lacks it.
const nodeHasSha3 = (() => {
  try { createHash('sha3-256'); return true } catch { return false }
})()
// One-shot hashing (Node ≥ 20.12) skips the Hash object: 2.0 → 1.6 µs per record id.
const oneShot = nodeHasSha3 && typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined

/** Standard SHA3-256 (FIPS 202, not Keccak). Strings are hashed as UTF-8. */
export function sha3 (data: string | Uint8Array): Uint8Array {
  if (oneShot !== undefined) return oneShot('sha3-256', data, 'buffer')
  if (nodeHasSha3) return createHash('sha3-256').update(data).digest()
  return nobleSha3(typeof data === 'string' ? new TextEncoder().encode(data) : data)
}

export function sha3Hex (data: string | Uint8Array): string {
  if (oneShot !== undefined) return oneShot('sha3-256', data, 'hex')
  if (nodeHasSha3) return createHash('sha3-256').update(data).digest('hex')
  return Buffer.from(sha3(data)).toString('hex')
}

// ---------------------------------------------------------------------------------------------
// Keys and signature parsing, shared by every backend (src/crypto has the native ones) so they
// accept exactly the same inputs

const N_HEX = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'
const N_BYTES = Buffer.from(N_HEX, 'hex')
// floor(n/2): upstream (btcec IsOverHalfOrder) rejects s strictly greater than this
const HALF_N_BYTES = Buffer.from('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0', 'hex')
const ZERO_BYTES = Buffer.alloc(32)
const ZERO_HEX = '0'.repeat(64)
const PRVKEY_RE = /^[0-9a-fA-F]{64}$/
// Lowercase only: what every ColonyOS SDK emits, and it keeps one byte string per signature.
const SIGNATURE_RE = /^[0-9a-f]{130}$/

/** 64 hex chars (either case) encoding a scalar in [1, n-1]. */
export function isPrivateKey (s: unknown): s is string {
  if (typeof s !== 'string' || !PRVKEY_RE.test(s)) return false
  const lc = s.toLowerCase()
  // equal-length lowercase hex compares like the numbers it encodes
  return lc !== ZERO_HEX && lc < N_HEX
}

/** The 32 bytes of a valid private key; throws ValidationError otherwise. */
export function privateKeyBytes (prvkey: string): Buffer {
  if (!isPrivateKey(prvkey)) throw new ValidationError('prvkey', 'must be 64 hex characters encoding a valid secp256k1 private key')
  return Buffer.from(prvkey, 'hex')
}

/** Strictly parse a 130-hex r‖s‖v signature; returns its 65 bytes. */
export function signatureBytes (signature: string): Buffer {
  if (typeof signature !== 'string') throw new SignatureError('signature must be a string')
  if (signature.length !== 130) throw new SignatureError(`signature must be 130 hex characters, got ${signature.length}`)
  if (!SIGNATURE_RE.test(signature)) throw new SignatureError('signature must be lowercase hex')
  const sig = Buffer.from(signature, 'hex')
  const v = sig[64]!
  if (v !== 0 && v !== 1) throw new SignatureError(`signature recovery id must be 0 or 1, got ${v}`)
  // Buffer#compare(target, tStart, tEnd, sStart, sEnd) compares sig[sStart:sEnd] with target
  if (sig.compare(ZERO_BYTES, 0, 32, 0, 32) === 0 || sig.compare(N_BYTES, 0, 32, 0, 32) >= 0) {
    throw new SignatureError('signature r is out of range')
  }
  if (sig.compare(ZERO_BYTES, 0, 32, 32, 64) === 0) throw new SignatureError('signature s is zero')
  // libsecp256k1's recover accepts high-S; refusing it here removes signature malleability
  if (sig.compare(HALF_N_BYTES, 0, 32, 32, 64) > 0) throw new SignatureError('signature s is not low-S (malleable signature)')
  return sig
}

/** What is signed: SHA3-256 of the text as UTF-8. */
export function textHash (text: string): Uint8Array {
  if (typeof text !== 'string') throw new SignatureError('signed text must be a string')
  return sha3(text)
}

// ---------------------------------------------------------------------------------------------
// The backend

// noble needs sync hash helpers for deterministic signing; idempotent if set elsewhere too
noble.hashes.sha256 = sha256
noble.hashes.hmacSha256 = (key, msg) => hmac(sha256, key, msg)

/** Pure JavaScript, always available: the backend until one is injected. */
export const nobleBackend: CryptoBackend = {
  name: 'noble',
  publicKey (prvkey) {
    return Buffer.from(noble.getPublicKey(privateKeyBytes(prvkey), false)).toString('hex')
  },
  sign (text, prvkey) {
    const key = privateKeyBytes(prvkey)
    // noble's 'recovered' layout is v‖r‖s; ColonyOS wants r‖s‖v
    const rec = noble.sign(textHash(text), key, { prehash: false, lowS: true, format: 'recovered' })
    const out = Buffer.allocUnsafe(65)
    out.set(rec.subarray(1, 65), 0)
    out[64] = rec[0]!
    return out.toString('hex')
  },
  recoverPublicKey (text, signature) {
    const sig = signatureBytes(signature)
    const h = textHash(text)
    const rec = new Uint8Array(65)
    rec[0] = sig[64]!
    rec.set(sig.subarray(0, 64), 1)
    try {
      return Buffer.from(noble.recoverPublicKey(rec, h, { prehash: false, isCompressed: false })).toString('hex')
    } catch (err) {
      throw new SignatureError(`signature does not recover: ${(err as Error).message}`)
    }
  }
}

let active: CryptoBackend = nobleBackend
let injected = false

/**
 * Makes `b` the backend every signature and id of this thread goes through. All backends
 * give the same answers, so what the caches below hold stays valid across a change.
 */
export function setCryptoBackend (b: CryptoBackend): void {
  active = b
  injected = true
}

/** The backend in use: noble unless one was set. */
export function cryptoBackend (): CryptoBackend {
  return active
}

/** Whether setCryptoBackend was called in this thread (a loader then leaves the choice alone). */
export function cryptoBackendSet (): boolean {
  return injected
}

// ---------------------------------------------------------------------------------------------
// Identities

/** A fresh random private key, 64 lowercase hex chars. */
export function generatePrivateKey (): string {
  return Buffer.from(noble.utils.randomSecretKey()).toString('hex')
}

export function idFromPublicKey (pubHex: string): string {
  if (typeof pubHex !== 'string' || !/^04[0-9a-fA-F]{128}$/.test(pubHex)) {
    throw new ValidationError('pubkey', 'must be 130 hex characters of an uncompressed public key (04...)')
  }
  // the id hashes the ASCII of the lowercase hex, so case must be normalized first
  return sha3Hex(pubHex.toLowerCase())
}

// Keys are reused constantly (every node and client signs with one key); a scalar
// multiplication per lookup would be wasted. Bounded so a flood of keys cannot grow it.
const ID_CACHE_MAX = 256
const idCache = new Map<string, string>()

export function idFromPrivateKey (prvkey: string): string {
  const hit = idCache.get(prvkey)
  if (hit !== undefined) return hit
  const id = sha3Hex(active.publicKey(prvkey))
  if (idCache.size >= ID_CACHE_MAX) idCache.delete(idCache.keys().next().value as string)
  idCache.set(prvkey, id)
  return id
}

// Signatures are deterministic (RFC 6979): a client that sends the same request again (an
// executor's assign, every time it asks for work) signs the same text into the same
// signature, and the node recovers the same signer from it. Both are remembered for the
// last few short texts. A remembered answer is only ever the one the backend gave for that
// exact text and key (or signature): the text is compared on every hit.
const MEMO_MAX = 256
const MEMO_TEXT_MAX = 4096
const signMemo = new Map<string, { prvkey: string, signature: string }>()
const recoverMemo = new Map<string, { text: string, id: string }>()

function remember<V> (memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string)
  memo.set(key, value)
}

/** Sign `text` (ColonyOS signs the base64 payload text) with the active backend. */
export function sign (text: string, prvkey: string): string {
  if (text.length > MEMO_TEXT_MAX) return active.sign(text, prvkey)
  const hit = signMemo.get(text)
  if (hit !== undefined && hit.prvkey === prvkey) return hit.signature
  const signature = active.sign(text, prvkey)
  remember(signMemo, text, { prvkey, signature })
  return signature
}

/** The signer's id; throws SignatureError for a malformed or unrecoverable signature. */
export function recoverId (text: string, signature: string): string {
  const hit = recoverMemo.get(signature)
  if (hit !== undefined && hit.text === text) return hit.id
  // the recovered key is already lowercase hex, exactly the text the id hashes
  const id = sha3Hex(active.recoverPublicKey(text, signature))
  if (text.length <= MEMO_TEXT_MAX) remember(recoverMemo, signature, { text, id })
  return id
}
