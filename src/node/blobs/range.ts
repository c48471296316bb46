/**
 * The Range header of a blob download (RFC 9110 §14): one range of bytes, `bytes=a-b`,
 * `bytes=a-` (from a to the end: a resumed download) or `bytes=-n` (the last n). Other
 * forms (several ranges, other units) are ignored, as the RFC allows: the whole is sent.
 */
import { RangeNotSatisfiableError } from '../../protocol/errors.js'

/** Bytes [start, end) of a blob of `size` bytes, and whether they are a part (206) or the whole (200). */
export interface ByteRange {
  readonly start: number
  readonly end: number
  readonly partial: boolean
}

const SINGLE = /^bytes=(\d*)-(\d*)$/

/** 416, with the blob's size for the reply's `Content-Range: bytes *\/<size>`. */
export class UnsatisfiableRangeError extends RangeNotSatisfiableError {
  constructor (message: string, readonly size: number) {
    super(message)
  }
}

/** The range a header asks for, in a blob of `size` bytes; UnsatisfiableRangeError (416) if none of it exists. */
export function parseRange (header: string | undefined, size: number): ByteRange {
  const whole = { start: 0, end: size, partial: false }
  if (header === undefined) return whole
  const m = SINGLE.exec(header.trim())
  if (m === null) return whole
  const [, a = '', b = ''] = m
  if (a === '' && b === '') return whole
  const first = a === '' ? undefined : Number(a)
  const last = b === '' ? undefined : Number(b)
  if ((first !== undefined && !Number.isSafeInteger(first)) || (last !== undefined && !Number.isSafeInteger(last))) return whole
  let start: number
  let end: number
  if (first === undefined) {
    // the last `last` bytes
    if (last === 0) throw new UnsatisfiableRangeError(`range ${header} asks for no bytes`, size)
    start = Math.max(0, size - (last as number))
    end = size
  } else {
    if (last !== undefined && last < first) return whole
    if (first >= size) throw new UnsatisfiableRangeError(`range ${header} starts at or beyond the end of the blob (${size} bytes)`, size)
    start = first
    end = last === undefined ? size : Math.min(size, last + 1)
  }
  return { start, end, partial: !(start === 0 && end === size) }
}
