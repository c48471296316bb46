/**
 * ColonyOS envelopes in the browser, exactly as the SDKs make them (see
 * src/protocol/crypto.ts and envelope.ts, which the node verifies with): payload = standard
 * base64 of the message JSON's UTF-8 bytes; signature = recoverable secp256k1 (RFC 6979,
 * low-S) over SHA3-256 of the base64 text, hex of r‖s‖v; id = hex SHA3-256 of the ASCII hex
 * of the uncompressed public key. Pure JS (noble), no Node APIs, no DOM: the key stays in
 * the page and only signed envelopes leave it.
 */
import * as secp from '@noble/secp256k1'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { sha3_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

// noble needs these for synchronous, deterministic signing
secp.hashes.sha256 = sha256
secp.hashes.hmacSha256 = (key, msg) => hmac(sha256, key, msg)

export interface Envelope { signature: string, payloadtype: string, payload: string }

export type Reply = { ok: true, value: unknown } | { ok: false, status: number, message: string }

const N_HEX = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'
const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

/** 64 hex characters encoding a scalar in [1, n−1]. */
export function isPrivateKey (s: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(s)) return false
  const lc = s.toLowerCase()
  return lc !== '0'.repeat(64) && lc < N_HEX
}

/** The ColonyOS id of a private key. */
export function idFromPrivateKey (prvkey: string): string {
  const pub = bytesToHex(secp.getPublicKey(hexToBytes(prvkey.toLowerCase()), false))
  return bytesToHex(sha3_256(utf8.encode(pub)))
}

function toBase64 (bytes: Uint8Array): string {
  let binary = ''
  // in chunks: String.fromCharCode takes its bytes as arguments
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

function fromBase64 (text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** r‖s‖v hex over SHA3-256 of `text` (noble's recovered layout is v‖r‖s). */
export function sign (text: string, prvkey: string): string {
  const rec = secp.sign(sha3_256(utf8.encode(text)), hexToBytes(prvkey.toLowerCase()), { prehash: false, lowS: true, format: 'recovered' })
  const out = new Uint8Array(65)
  out.set(rec.subarray(1, 65), 0)
  out[64] = rec[0] as number
  return bytesToHex(out)
}

/** A signed request envelope for `msg` (which names its own msgtype). */
export function signEnvelope (msg: { msgtype: string } & Record<string, unknown>, prvkey: string): Envelope {
  const payload = toBase64(utf8.encode(JSON.stringify(msg)))
  return { signature: sign(payload, prvkey), payloadtype: msg.msgtype, payload }
}

/** A reply envelope's value, or its error status and message. */
export function openReply (reply: unknown): Reply {
  if (typeof reply !== 'object' || reply === null) return { ok: false, status: 0, message: 'the node sent a reply that is not an envelope' }
  const r = reply as { payload?: unknown, error?: unknown, payloadtype?: unknown }
  if (typeof r.payload !== 'string') return { ok: false, status: 0, message: 'the node sent a reply without a payload' }
  let value: unknown
  try {
    value = JSON.parse(fromUtf8.decode(fromBase64(r.payload)))
  } catch {
    return { ok: false, status: 0, message: 'the node sent a payload that is not base64 JSON' }
  }
  if (r.error === true || (r.error === undefined && r.payloadtype === 'error')) {
    const e = value as { status?: unknown, message?: unknown }
    return { ok: false, status: typeof e?.status === 'number' ? e.status : 0, message: typeof e?.message === 'string' ? e.message : 'unknown error' }
  }
  return { ok: true, value }
}
