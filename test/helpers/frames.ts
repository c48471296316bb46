/**
 * Length-prefixed frames as the p2p protocols send them (unsigned varint length, then the
 * bytes: src/node/p2p/framed-stream.ts), built by hand for tests that send their own.
 */

/** `n` as an unsigned varint. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}

/** The frames, each behind its varint length, in one buffer. */
export const framed = (...frames: Uint8Array[]): Uint8Array => Buffer.concat(frames.flatMap(f => [varint(f.length), f]))
