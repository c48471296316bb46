/**
 * A cheaper "not enough bytes yet" in @libp2p/utils' LengthPrefixedDecoder (7.x), which
 * noise reads every connection with. After taking every whole message out of a chunk, its
 * loop asks the length decoder for the next length prefix once more; on an empty buffer
 * that throws a RangeError, which the loop catches to stop. A new Error (with its stack)
 * for every chunk received cost ~2 % of a site's CPU under load. Here the length decoder
 * of each decoder is wrapped, on its first use, so that an empty buffer throws one
 * preallocated RangeError instead; everything else goes to the original decoder.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'

const EMPTY = new RangeError('no length prefix yet')

interface DecoderFields {
  buffer: { byteLength: number }
  lengthDecoder: (buf: any) => number
  __cheapEmpty?: boolean
}

type Proto = DecoderFields & { decode: (buf: any) => Generator<any>, __cheapEmptyInstalled?: boolean }

export function installCheapEmptyPrefix (): void {
  const proto = LengthPrefixedDecoder.prototype as unknown as Proto
  if (proto.__cheapEmptyInstalled === true) return
  proto.__cheapEmptyInstalled = true
  const decode = proto.decode
  proto.decode = function (this: DecoderFields, buf: unknown) {
    if (this.__cheapEmpty !== true && typeof this.lengthDecoder === 'function' && typeof this.buffer?.byteLength === 'number') {
      const inner = this.lengthDecoder
      this.lengthDecoder = (b: { byteLength: number }) => {
        if (b.byteLength === 0) throw EMPTY
        return inner(b)
      }
      this.__cheapEmpty = true
    }
    return decode.call(this, buf)
  }
}
