/**
 * The frames of the site-to-site blob protocol (/colonynet/blob/1.0.0), as y-protocols
 * would put it: the asking site sends one request frame, the serving site one header
 * frame, then (for a blob it serves) the blob's bytes from the requested offset in raw
 * frames of at most BLOB_CHUNK_BYTES, and closes its side. The asker knows from the
 * header how many bytes must follow, and checks the whole against the checksum.
 */
import { isChecksum, readChecksum } from './blob-messages.js'
import { ValidationError } from './errors.js'
import { expectObject, getField, readInt, readNonEmptyString } from './json.js'

export const BLOB_PROTOCOL = '/colonynet/blob/1.0.0'

/** The largest data frame a site sends (and accepts): well under the host's frame limit. */
export const BLOB_CHUNK_BYTES = 256 * 1024

/** The largest request or header frame (both are a few hundred bytes of JSON). */
export const MAX_CONTROL_FRAME_BYTES = 4096

/** A site asks for a blob of a colony from `offset` on (what it holds of it already). */
export interface BlobRequest {
  readonly colonyname: string
  readonly checksum: string
  readonly offset: number
}

/** The serving site's answer: the blob's whole size (bytes from the offset follow), or why not. */
export type BlobHeader =
  | { readonly type: 'blob', readonly size: number }
  | { readonly type: 'missing', readonly reason: string }
  | { readonly type: 'refused', readonly reason: string }

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

function decodeJson (data: Uint8Array, what: string): Record<string, unknown> {
  if (data.byteLength > MAX_CONTROL_FRAME_BYTES) throw new ValidationError(what, `frame is larger than ${MAX_CONTROL_FRAME_BYTES} bytes`)
  let v: unknown
  try {
    v = JSON.parse(dec.decode(data))
  } catch {
    throw new ValidationError(what, 'frame is not UTF-8 JSON')
  }
  return expectObject(v, what)
}

export function encodeBlobRequest (r: BlobRequest): Uint8Array {
  if (!isChecksum(r.checksum)) throw new ValidationError('blob.checksum', 'must be lowercase hex SHA-256')
  return enc.encode(JSON.stringify({ colonyname: r.colonyname, checksum: r.checksum, offset: r.offset }))
}

/** Decodes and validates a request frame; ValidationError naming the field otherwise. */
export function decodeBlobRequest (data: Uint8Array): BlobRequest {
  const o = decodeJson(data, 'blob')
  return {
    colonyname: readNonEmptyString(o, 'colonyname', 'blob'),
    checksum: readChecksum(o, 'checksum', 'blob'),
    offset: readInt(o, 'offset', 'blob', 0)
  }
}

export function encodeBlobHeader (h: BlobHeader): Uint8Array {
  // a reason is for logs: bounded so the frame stays small whatever it quotes
  return enc.encode(JSON.stringify(h.type === 'blob' ? h : { type: h.type, reason: h.reason.slice(0, 500) }))
}

/** Decodes and validates a header frame; ValidationError naming the field otherwise. */
export function decodeBlobHeader (data: Uint8Array): BlobHeader {
  const o = decodeJson(data, 'blob')
  const type = getField(o, 'type')
  if (type === 'blob') return { type, size: readInt(o, 'size', 'blob', 0) }
  if (type === 'missing' || type === 'refused') {
    const reason = getField(o, 'reason')
    return { type, reason: typeof reason === 'string' ? reason.slice(0, 500) : type }
  }
  throw new ValidationError('blob.type', 'must be blob, missing or refused')
}
