/**
 * A version vector as peers send it (sync hello/done frames, heartbeat adverts): pairs of
 * [origin node id, highest contiguous sequence held]. Validated here, once, for both.
 */
import { ValidationError } from '../../protocol/errors.js'

const HEX64 = /^[0-9a-f]{64}$/

/** Distinct 64-hex origins, each with a sequence ≥ 0, at most `max` of them; errors name `field`. */
export function parseVersionVector (v: unknown, field: string, max: number): Array<[string, number]> {
  if (!Array.isArray(v) || v.length > max) throw new ValidationError(field, `must be an array of at most ${max} [origin, sequence] pairs`)
  const seen = new Set<string>()
  return v.map((e, i) => {
    if (!Array.isArray(e) || e.length !== 2) throw new ValidationError(`${field}[${i}]`, 'must be an [origin, sequence] pair')
    const [origin, seq] = e as [unknown, unknown]
    if (typeof origin !== 'string' || !HEX64.test(origin)) throw new ValidationError(`${field}[${i}][0]`, 'must be a 64-hex node id')
    if (!Number.isSafeInteger(seq) || (seq as number) < 0) throw new ValidationError(`${field}[${i}][1]`, 'must be a sequence number ≥ 0')
    if (seen.has(origin)) throw new ValidationError(`${field}[${i}][0]`, 'names an origin twice')
    seen.add(origin)
    return [origin, seq as number]
  })
}
