/**
 * Process channels (upstream pkg/rpc/channel_append_msg.go, channel_read_msg.go,
 * subscribe_channel_msg.go): append-only message logs a process declares in its spec's
 * `channels`, written and read by its submitter and its assigned executor.
 *
 * `payload` is Go's []byte: upstream's SDKs send it as an array of byte values
 * (colonies-ts, pycolonies) and Go's own client as base64 text; both are accepted and kept
 * as canonical base64 (null when absent, as Go keeps a nil slice).
 */
import { ValidationError } from '../errors.js'
import { getField, readInt } from '../json.js'
import { id, name, type Obj, type ParsersOf, ROOT, str } from './readers.js'

/** The largest payload one append may carry (decoded bytes); the RPC body limit (3 MiB) bounds the array form further. */
export const MAX_CHANNEL_PAYLOAD_BYTES = 1024 * 1024

export interface ChannelAppendMsg {
  msgtype: 'channelappendmsg'
  processid: string
  name: string
  /** client-assigned, per sender */
  sequence: number
  /** a sequence of the other party this answers (0: none) */
  inreplyto: number
  /** canonical base64 of the bytes; null when the client sent none */
  payload: string | null
  /** the entry's type: "" (data), "end", "error", … */
  payloadtype: string
}

export interface ChannelReadMsg {
  msgtype: 'channelreadmsg'
  processid: string
  name: string
  /** entries already read: the reply starts after this many */
  afterseq: number
  /** ≤ 0: all */
  limit: number
}

export interface SubscribeChannelMsg {
  msgtype: 'subscribechannelmsg'
  processid: string
  name: string
  afterseq: number
  /** seconds; 0 = 30 s, as upstream */
  timeout: number
}

export type ChannelMessage = ChannelAppendMsg | ChannelReadMsg | SubscribeChannelMsg

/** Padded standard base64, checked by a loop (a regular expression overflows on MiBs). */
function isBase64 (s: string): boolean {
  if (s.length % 4 !== 0) return false
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  for (let i = 0; i < s.length - pad; i++) {
    const c = s.charCodeAt(i)
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47)) return false
  }
  return true
}

/** Go's []byte from JSON: base64 text or an array of byte values; canonical base64 out. */
export function readPayload (o: Obj, key: string): string | null {
  const v = getField(o, key)
  if (v === undefined) return null
  if (typeof v === 'string') {
    if (v.length > Math.ceil(MAX_CHANNEL_PAYLOAD_BYTES / 3) * 4) throw new ValidationError(key, `is larger than ${MAX_CHANNEL_PAYLOAD_BYTES} bytes`)
    if (!isBase64(v)) throw new ValidationError(key, 'must be base64 text or an array of byte values')
    return Buffer.from(v, 'base64').toString('base64')
  }
  if (!Array.isArray(v)) throw new ValidationError(key, 'must be base64 text or an array of byte values')
  if (v.length > MAX_CHANNEL_PAYLOAD_BYTES) throw new ValidationError(key, `is larger than ${MAX_CHANNEL_PAYLOAD_BYTES} bytes`)
  const bytes = Buffer.alloc(v.length)
  for (let i = 0; i < v.length; i++) {
    const b: unknown = v[i]
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) throw new ValidationError(`${key}[${i}]`, 'must be a byte value (0–255)')
    bytes[i] = b
  }
  return bytes.toString('base64')
}

/** Decoded bytes of a canonical base64 payload, without decoding it. */
export function payloadSize (payload: string | null): number {
  if (payload === null || payload.length === 0) return 0
  const pad = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0
  return payload.length / 4 * 3 - pad
}

export const CHANNEL_PARSERS: ParsersOf<ChannelMessage> = {
  channelappendmsg: (o: Obj) => ({
    processid: id(o, 'processid'),
    name: name(o, 'name'),
    sequence: readInt(o, 'sequence', ROOT),
    inreplyto: readInt(o, 'inreplyto', ROOT),
    payload: readPayload(o, 'payload'),
    payloadtype: str(o, 'payloadtype')
  }),
  channelreadmsg: (o: Obj) => ({
    processid: id(o, 'processid'),
    name: name(o, 'name'),
    afterseq: readInt(o, 'afterseq', ROOT),
    limit: readInt(o, 'limit', ROOT)
  }),
  subscribechannelmsg: (o: Obj) => ({
    processid: id(o, 'processid'),
    name: name(o, 'name'),
    afterseq: readInt(o, 'afterseq', ROOT),
    timeout: readInt(o, 'timeout', ROOT)
  })
}
