/**
 * The ColonyOS RPC envelope (upstream pkg/rpc). A request is
 * `{"signature","payloadtype","payload"}` where payload is standard base64 of the message JSON
 * and the signature covers the base64 text itself; a reply is
 * `{"payloadtype","payload","error"}`, with payloadtype "error" and payload
 * `{"status","message"}` on failure. Decoding is strict so that one message has exactly one
 * byte representation: the ledger stores client envelopes verbatim and hashes them.
 */
import { recoverId, sign } from './crypto.js'
import { SignatureError, ValidationError } from './errors.js'
import { fieldKey } from './json-keys.js'

export interface RpcEnvelope { signature: string, payloadtype: string, payload: string }
export interface RpcReply { payloadtype: string, payload: string, error: boolean }

/** payloadtype of every error reply (upstream rpc.ErrorPayloadType) */
export const ERROR_PAYLOADTYPE = 'error'

/**
 * Padded base64 text: a loop, not a regular expression (V8's regex engine runs out of
 * stack on a few MiB of it, which turned a large request into a 500).
 */
function isBase64 (s: string): boolean {
  if (s.length % 4 !== 0) return false
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  for (let i = 0; i < s.length - pad; i++) {
    const c = s.charCodeAt(i)
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47
    if (!ok) return false
  }
  return true
}
// fatal: invalid UTF-8 is refused rather than replaced; ignoreBOM keeps a BOM so JSON.parse refuses it
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function toBase64 (text: string): string {
  return Buffer.from(text, 'utf8').toString('base64')
}

/** Decode canonical padded base64 of UTF-8 JSON; ValidationError(field) otherwise. */
function decodeJson (b64: string, field: string): unknown {
  if (!isBase64(b64)) throw new ValidationError(field, 'must be base64 text')
  const bytes = Buffer.from(b64, 'base64')
  // non-zero padding bits decode to the same bytes: refuse them so the encoding is unique
  if (bytes.toString('base64') !== b64) throw new ValidationError(field, 'must be canonical base64')
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new ValidationError(field, 'must encode UTF-8 text')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new ValidationError(field, 'must encode JSON')
  }
}

/** An HTTP body as a JSON value: already-parsed values pass through; text and bytes are parsed. */
function bodyValue (body: unknown): unknown {
  let text: string
  if (typeof body === 'string') {
    text = body
  } else if (body instanceof Uint8Array) {
    try {
      text = utf8.decode(body)
    } catch {
      throw new ValidationError('body', 'must be UTF-8 text')
    }
  } else {
    return body
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new ValidationError('body', 'must be JSON')
  }
}

/** A field of the envelope or its payload, its name matched case-insensitively as Go's decoder does. */
function fieldOf (obj: Record<string, unknown>, name: string): unknown {
  const k = fieldKey(obj, name)
  return k === undefined ? undefined : obj[k]
}

function stringField (obj: Record<string, unknown>, name: string): string {
  const v = fieldOf(obj, name)
  if (v === undefined) throw new ValidationError(name, 'is required')
  if (typeof v !== 'string') throw new ValidationError(name, 'must be a string')
  return v
}

/** Build a signed request envelope, as the ColonyOS SDKs do. */
export function signEnvelope (msg: { msgtype: string } & Record<string, unknown>, prvkey: string): RpcEnvelope {
  if (typeof msg?.msgtype !== 'string' || msg.msgtype === '') throw new ValidationError('msgtype', 'must be a non-empty string')
  const payload = toBase64(JSON.stringify(msg))
  return { signature: sign(payload, prvkey), payloadtype: msg.msgtype, payload }
}

/**
 * Shape-check a request body (a parsed value, JSON text or bytes). A missing signature reads as
 * "" as in upstream's Go decoding (unsigned version/server-info requests); verifyEnvelope refuses it.
 */
export function parseEnvelope (body: unknown): RpcEnvelope {
  const v = bodyValue(body)
  if (!isPlainObject(v)) throw new ValidationError('body', 'must be a JSON object')
  const signature = fieldOf(v, 'signature') === undefined ? '' : stringField(v, 'signature')
  const payloadtype = stringField(v, 'payloadtype')
  const payload = stringField(v, 'payload')
  if (!isBase64(payload)) throw new ValidationError('payload', 'must be base64 text')
  return { signature, payloadtype, payload }
}

/** Decode the payload: a JSON object whose msgtype equals the envelope's payloadtype. */
export function openEnvelope (env: RpcEnvelope): { msgtype: string, json: Record<string, unknown> } {
  if (!isPlainObject(env)) throw new ValidationError('body', 'must be an envelope object')
  if (typeof env.payloadtype !== 'string') throw new ValidationError('payloadtype', 'must be a string')
  if (typeof env.payload !== 'string') throw new ValidationError('payload', 'must be a string')
  const json = decodeJson(env.payload, 'payload')
  if (!isPlainObject(json)) throw new ValidationError('payload', 'must encode a JSON object')
  const msgtype = fieldOf(json, 'msgtype')
  if (typeof msgtype !== 'string') throw new ValidationError('msgtype', 'must be a string')
  if (msgtype !== env.payloadtype) {
    throw new ValidationError('msgtype', `must equal payloadtype (${JSON.stringify(env.payloadtype)}), got ${JSON.stringify(msgtype)}`)
  }
  return { msgtype, json }
}

/** The signer's id, recovered from the signature over the base64 payload text. */
export function verifyEnvelope (env: RpcEnvelope): string {
  if (!isPlainObject(env) || typeof env.payload !== 'string') throw new SignatureError('envelope has no payload to verify')
  return recoverId(env.payload, env.signature)
}

/** A success reply carrying `value` as JSON (undefined encodes as null). */
export function okReply (payloadtype: string, value: unknown): RpcReply {
  return { payloadtype, payload: toBase64(JSON.stringify(value) ?? 'null'), error: false }
}

export function errorReply (status: number, message: string): RpcReply {
  return { payloadtype: ERROR_PAYLOADTYPE, payload: toBase64(JSON.stringify({ status, message })), error: true }
}

/** Decode a reply (parsed value, JSON text or bytes) into its value or its error. */
export function parseReply (body: unknown):
{ ok: true, payloadtype: string, value: unknown } | { ok: false, status: number, message: string } {
  const v = bodyValue(body)
  if (!isPlainObject(v)) throw new ValidationError('body', 'must be a JSON object')
  const payloadtype = stringField(v, 'payloadtype')
  const payload = stringField(v, 'payload')
  // early upstream replies had no "error" flag; their errors still carry payloadtype "error"
  if (v.error !== undefined && typeof v.error !== 'boolean') throw new ValidationError('error', 'must be a boolean')
  const isError = v.error === true || (v.error === undefined && payloadtype === ERROR_PAYLOADTYPE)
  const value = decodeJson(payload, 'payload')
  if (!isError) return { ok: true, payloadtype, value }
  if (!isPlainObject(value)) throw new ValidationError('payload', 'must encode an error object')
  if (typeof value.status !== 'number' || !Number.isInteger(value.status)) throw new ValidationError('payload.status', 'must be an integer')
  if (typeof value.message !== 'string') throw new ValidationError('payload.message', 'must be a string')
  return { ok: false, status: value.status, message: value.message }
}
