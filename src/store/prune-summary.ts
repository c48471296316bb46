/**
 * The summary a site gives a joiner of the prunes it applied (DESIGN decision 12): each
 * applied prune (a generation) and the digest it led to, the deleted batches as ranges
 * per origin, the dead records of the batches kept, each origin's head clock, signed by
 * the serving node. Its digest is the same at every site after the same prunes, so a
 * joiner checks it against a second site; read from outside, it is validated here once.
 */
import { type Hlc, isHlc } from '../protocol/hlc.js'
import { ValidationError } from '../protocol/errors.js'
import { recoverId, sha3Hex } from '../protocol/crypto.js'
import { canonicalJson } from '../protocol/canonical.js'

export interface SummaryState {
  /** per origin, the deleted batches' sequences as ranges [from, to] */
  holes: Record<string, Array<[number, number]>>
  /** the last prune applied: its order key, and its frontier as an order key */
  applied: string
  below: string
}

/** One applied prune and the summary digest it led to. */
export interface Generation {
  readonly id: string
  readonly key: string
  /** its frontier, ms */
  readonly below: number
  readonly digest: string
}

/**
 * The digest a generation is compared by: its frontier, the deleted batches, and the dead
 * records ordered before the frontier in the batches kept. All are the same at every site
 * that applied the same prunes (DESIGN decision 12), and a joiner can compute it from a
 * summary alone.
 */
export function summaryDigest (below: string, holes: ReadonlyArray<readonly [string, ReadonlyArray<readonly [number, number]>]>,
  dead: ReadonlyArray<readonly [string, readonly string[]]>): string {
  // ranges are kept merged and sorted, so the same deleted batches read the same everywhere
  const h = [...holes].filter(([, r]) => r.length > 0).sort((a, b) => a[0] < b[0] ? -1 : 1).map(([o, r]) => `${o}:${r.map(([a, b]) => `${a}-${b}`).join(',')}`).join('\n')
  const d = dead.map(([k, keys]) => `${k}:${[...keys].sort().join(',')}`).sort().join('\n')
  return sha3Hex(`${below}\n${sha3Hex(h)}\n${sha3Hex(d)}`)
}

/**
 * What a site tells a joiner of the prunes it applied (DESIGN decision 12): the last
 * generation (prune record, frontier, digest), the deleted batches per origin, the dead
 * records of the batches kept, each origin's head clock; signed by the serving node.
 */
export interface PruneSummary {
  readonly v: 1
  readonly generation: Generation
  /** the generation's frontier as an order key */
  readonly below: string
  readonly holes: ReadonlyArray<readonly [string, ReadonlyArray<readonly [number, number]>]>
  readonly dead: ReadonlyArray<readonly [string, readonly string[]]>
  readonly heads: ReadonlyArray<readonly [string, Hlc]>
  readonly node: string
  readonly sig: string
}

export function addHole (holes: Record<string, Array<[number, number]>>, origin: string, seq: number): void {
  const ranges = holes[origin] ??= []
  for (const r of ranges) {
    if (seq >= r[0] && seq <= r[1]) return
    if (seq === r[1] + 1) { r[1] = seq; merge(ranges); return }
    if (seq === r[0] - 1) { r[0] = seq; merge(ranges); return }
  }
  ranges.push([seq, seq])
  ranges.sort((a, b) => a[0] - b[0])
}

function merge (ranges: Array<[number, number]>): void {
  ranges.sort((a, b) => a[0] - b[0])
  for (let i = 0; i + 1 < ranges.length;) {
    const a = ranges[i] as [number, number]
    const b = ranges[i + 1] as [number, number]
    if (b[0] <= a[1] + 1) {
      a[1] = Math.max(a[1], b[1])
      ranges.splice(i + 1, 1)
    } else {
      i++
    }
  }
}

/**
 * Why a summary cannot be taken (undefined: it can): its signature must be its node's,
 * and its digest must be what its contents give. That sites agree on it is the caller's
 * to check (the digest of the same generation at another site).
 */
export function checkSummary (sum: PruneSummary): string | undefined {
  if (sum.v !== 1) return `unknown summary version ${String(sum.v)}`
  const { sig, ...body } = sum
  let signer: string
  try {
    signer = recoverId(canonicalJson(body), sig)
  } catch {
    return 'the summary\'s signature does not verify'
  }
  if (signer !== sum.node) return 'the summary is not signed by the node it names'
  if (summaryDigest(sum.below, sum.holes, sum.dead) !== sum.generation.digest) return 'the summary\'s digest is not what its contents give'
  return undefined
}

const MAX_SUMMARY_ORIGINS = 10_000
const MAX_SUMMARY_RANGES = 1_000_000
const MAX_SUMMARY_DEAD = 1_000_000
const HEX64 = /^[0-9a-f]{64}$/

/** Reads a summary from outside (a sync frame), naming the first problem. */
export function parsePruneSummary (v: unknown, path = 'summary'): PruneSummary {
  const fail = (field: string, problem: string): never => { throw new ValidationError(`${path}.${field}`, problem) }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('', 'must be an object')
  const o = v as Record<string, unknown>
  if (o.v !== 1) fail('v', 'must be 1')
  const g = o.generation as Record<string, unknown> | null
  if (g === null || typeof g !== 'object' || typeof g.id !== 'string' || !HEX64.test(g.id) || typeof g.key !== 'string' ||
    !Number.isSafeInteger(g.below) || typeof g.digest !== 'string' || !HEX64.test(g.digest)) fail('generation', 'must be {id, key, below, digest}')
  if (typeof o.below !== 'string' || o.below.length > 200) fail('below', 'must be an order key')
  if (typeof o.node !== 'string' || !HEX64.test(o.node)) fail('node', 'must be a 64-hex node id')
  if (typeof o.sig !== 'string') fail('sig', 'must be a signature')
  const pairs = (x: unknown, field: string, max: number): Array<[unknown, unknown]> => {
    if (!Array.isArray(x) || x.length > max || !x.every(p => Array.isArray(p) && p.length === 2)) fail(field, `must be at most ${max} pairs`)
    return x as Array<[unknown, unknown]>
  }
  let ranges = 0
  const holes = pairs(o.holes, 'holes', MAX_SUMMARY_ORIGINS).map(([origin, rs]) => {
    if (typeof origin !== 'string' || !HEX64.test(origin) || !Array.isArray(rs)) fail('holes', 'must pair a 64-hex origin with its ranges')
    ranges += (rs as unknown[]).length
    if (ranges > MAX_SUMMARY_RANGES) fail('holes', `must hold at most ${MAX_SUMMARY_RANGES} ranges`)
    const list = (rs as unknown[]).map(rr => {
      const r = rr as unknown[]
      if (!Array.isArray(r) || r.length !== 2 || !Number.isSafeInteger(r[0]) || !Number.isSafeInteger(r[1]) || (r[0] as number) < 1 || (r[1] as number) < (r[0] as number)) fail('holes', 'ranges must be [from, to] with 1 ≤ from ≤ to')
      return [r[0], r[1]] as [number, number]
    })
    return [origin as string, list] as const
  })
  let deadKeys = 0
  const dead = pairs(o.dead, 'dead', MAX_SUMMARY_DEAD).map(([k, keys]) => {
    if (typeof k !== 'string' || k.length > 200 || !Array.isArray(keys) || !keys.every(x => typeof x === 'string' && x.length <= 200)) fail('dead', 'must pair a batch key with record keys')
    deadKeys += (keys as string[]).length
    if (deadKeys > MAX_SUMMARY_DEAD) fail('dead', `must name at most ${MAX_SUMMARY_DEAD} records`)
    return [k as string, keys as string[]] as const
  })
  const heads = pairs(o.heads, 'heads', MAX_SUMMARY_ORIGINS).map(([origin, h]) => {
    if (typeof origin !== 'string' || !HEX64.test(origin) || !isHlc(h)) fail('heads', 'must pair a 64-hex origin with a clock')
    return [origin as string, { w: (h as Hlc).w, l: (h as Hlc).l }] as const
  })
  const gen = g as { id: string, key: string, below: number, digest: string }
  return { v: 1, generation: { id: gen.id, key: gen.key, below: gen.below, digest: gen.digest }, below: o.below as string, holes, dead, heads, node: o.node as string, sig: o.sig as string }
}

/** Reads a list of generations from outside. */
export function parseGenerations (v: unknown, path = 'generations'): Generation[] {
  if (!Array.isArray(v) || v.length > 1000) throw new ValidationError(path, 'must be a list of at most 1000 generations')
  return v.map((g, i) => {
    const o = g as Record<string, unknown> | null
    if (o === null || typeof o !== 'object' || typeof o.id !== 'string' || !HEX64.test(o.id) || typeof o.key !== 'string' ||
      !Number.isSafeInteger(o.below) || typeof o.digest !== 'string' || !HEX64.test(o.digest)) throw new ValidationError(`${path}[${i}]`, 'must be {id, key, below, digest}')
    return { id: o.id, key: o.key, below: o.below as number, digest: o.digest }
  })
}
