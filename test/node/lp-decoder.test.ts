/**
 * The length-prefixed decoder noise reads with, after installCheapEmptyPrefix: however the
 * bytes are cut into chunks (prefixes split, empty chunks, many messages per chunk), it
 * yields exactly the messages that were encoded, each as soon as its last byte is in, with
 * 1- and 2-byte varint and 2-byte big-endian prefixes; a malformed length is still refused;
 * an empty buffer costs no new error (test/node/patches.test.ts checks a host installs it).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { installCheapEmptyPrefix } from '../../src/node/p2p/lp-decoder.js'
import { varint } from '../helpers/frames.js'

installCheapEmptyPrefix()

function rng (seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

/** unsigned LEB128, as multiformats' varint writes it */
const u16 = {
  decode: (buf: { byteLength: number, get: (i: number) => number }): number => {
    if (buf.byteLength < 2) throw new RangeError('need 2 bytes')
    return buf.get(0) * 256 + buf.get(1)
  },
  encodingLength: () => 2,
  encode: (n: number): Uint8Array => Uint8Array.of(n >> 8, n & 255)
}

for (const kind of ['varint', 'uint16be'] as const) {
  test(`${kind} prefixes: any chunking yields exactly the encoded messages`, () => {
    const rand = rng(kind === 'varint' ? 7 : 11)
    for (let round = 0; round < 50; round++) {
      const messages = Array.from({ length: 1 + Math.floor(rand() * 20) }, (_, i) =>
        new Uint8Array(rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 1 + Math.floor(rand() * 400)).fill((round + i) & 255))
      const wire: number[] = []
      /** where each message's last byte lies on the wire */
      const ends: number[] = []
      for (const m of messages) {
        wire.push(...(kind === 'varint' ? varint(m.byteLength) : u16.encode(m.byteLength)), ...m)
        ends.push(wire.length)
      }
      const decoder = kind === 'varint'
        ? new LengthPrefixedDecoder()
        : new LengthPrefixedDecoder({ lengthDecoder: u16.decode as any, encodingLength: u16.encodingLength })
      const got: Uint8Array[] = []
      let at = 0
      while (at < wire.length) {
        // chunks of 0 to 300 bytes: prefixes split across chunks, several messages in one
        const n = Math.floor(rand() * 301)
        for (const m of decoder.decode(Uint8Array.from(wire.slice(at, at + n)))) got.push(m.subarray())
        at = Math.min(wire.length, at + n)
        // every message whose bytes have all arrived is out, not held for the next chunk
        assert.is(got.length, ends.filter(e => e <= at).length, `round ${round}: messages complete at byte ${at}`)
      }
      assert.is(got.length, messages.length, `round ${round}: every message, none twice`)
      got.forEach((m, i) => assert.equal(m, messages[i], `round ${round}, message ${i}`))
    }
  })
}

test('an empty buffer throws one preallocated RangeError, not a new error per chunk', () => {
  const cases = [
    { decoder: new LengthPrefixedDecoder(), message: [...varint(1), 9] },
    { decoder: new LengthPrefixedDecoder({ lengthDecoder: u16.decode as any, encodingLength: u16.encodingLength }), message: [...u16.encode(1), 9] }
  ]
  for (const { decoder, message } of cases) {
    // the length decoder is wrapped on the decoder's first use
    assert.is([...decoder.decode(Uint8Array.from(message))].length, 1)
    const lengthOf = (decoder as unknown as { lengthDecoder: (buf: Uint8ArrayList) => number }).lengthDecoder
    const thrown = (): unknown => { try { lengthOf(new Uint8ArrayList()) } catch (err) { return err } }
    const first = thrown()
    assert.instance(first, RangeError, 'a RangeError: the decoder\'s loop stops on it')
    assert.is(thrown(), first, 'the same error each time')
  }
})

test('a length over the limit is still refused', () => {
  const decoder = new LengthPrefixedDecoder({ maxDataLength: 100 })
  assert.throws(() => [...decoder.decode(Uint8Array.from([...varint(1000), 1, 2, 3]))], /length/i)
})

test.run()
