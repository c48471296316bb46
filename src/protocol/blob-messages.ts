/**
 * The signed messages of the content plane (colonynet's own; ColonyOS keeps file content
 * in S3 and has none). A client uploads or downloads a blob of a colony with one of these
 * in an RPC envelope (same signature scheme as /api), carried in the request header
 * BLOB_ENVELOPE_HEADER. They are not RPC messages: `/api` does not accept them, and they
 * never enter the ledger. A put is bound to its body by `checksum` and `size`: the node
 * stores the bytes only if their SHA-256 is the checksum signed for.
 */
import { ValidationError } from './errors.js'
import { expectObject, getField, readInt, readNonEmptyString } from './json.js'

/** The algorithm of a blob's checksum, as a file's `checksumalg` names it. */
export const CHECKSUM_ALG = 'SHA256'

/** A file's `ref.protocol` when its content lives in the sites' blob stores. */
export const BLOB_REF_PROTOCOL = 'colonynet'

/** The request header with the envelope (JSON text) of a blob request. */
export const BLOB_ENVELOPE_HEADER = 'x-colonies-envelope'

/** The reply header with the node's largest blob, in bytes (on every blob reply). */
export const MAX_BLOB_HEADER = 'x-colonies-max-blob-bytes'

/** The HTTP path of a blob: /blobs/<colony>/<checksum>, the colony URL-encoded. */
export function blobPath (colonyname: string, checksum: string): string {
  return `/blobs/${encodeURIComponent(colonyname)}/${checksum}`
}

/** Store `size` bytes whose SHA-256 is `checksum` as a blob of the colony. */
export interface PutBlobMsg {
  readonly msgtype: 'putblobmsg'
  readonly colonyname: string
  readonly checksum: string
  readonly size: number
}

/** Read a blob of the colony (the whole, or a Range of it). */
export interface GetBlobMsg {
  readonly msgtype: 'getblobmsg'
  readonly colonyname: string
  readonly checksum: string
}

export type BlobMessage = PutBlobMsg | GetBlobMsg

const CHECKSUM = /^[0-9a-f]{64}$/

/** Lowercase hex SHA-256: the only form a blob's name takes. */
export function isChecksum (v: unknown): v is string {
  return typeof v === 'string' && CHECKSUM.test(v)
}

/** `field` of `o` as a checksum; ValidationError naming the field otherwise. */
export function readChecksum (o: Record<string, unknown>, field: string, path = ''): string {
  const v = getField(o, field)
  const name = path === '' ? field : `${path}.${field}`
  if (v === undefined) throw new ValidationError(name, 'is required')
  if (!isChecksum(v)) throw new ValidationError(name, 'must be the lowercase hex SHA-256 of the content (64 characters)')
  return v
}

/** Validates a decoded payload as a blob message; ValidationError naming the field otherwise. */
export function parseBlobMessage (json: unknown): BlobMessage {
  const o = expectObject(json, '')
  const t = getField(o, 'msgtype')
  const colonyname = readNonEmptyString(o, 'colonyname', '')
  const checksum = readChecksum(o, 'checksum')
  if (t === 'putblobmsg') {
    if (getField(o, 'size') === undefined) throw new ValidationError('size', 'is required')
    return { msgtype: t, colonyname, checksum, size: readInt(o, 'size', '', 0) }
  }
  if (t === 'getblobmsg') return { msgtype: t, colonyname, checksum }
  throw new ValidationError('msgtype', 'must be putblobmsg or getblobmsg')
}
