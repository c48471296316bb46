/**
 * What travels on a colony's gossip topic: new batches of a site's log (pushed live), and
 * small, ephemeral adverts of which executor types a site has idle (for claim ranking;
 * never part of the ledger). Decoded and validated here, once, at the boundary.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { ValidationError } from '../../protocol/errors.js'
import { type Hlc, isHlc } from '../../protocol/hlc.js'
import { type Batch, parseBatch } from '../../protocol/records.js'
import { peerInMultiaddr } from './peer-identity.js'
import { parseVersionVector } from './version-vector.js'

export const topicOf = (colony: string): string => `/colonynet/colony/${colony}/1`

export function colonyOfTopic (topic: string): string | undefined {
  const m = /^\/colonynet\/colony\/(.+)\/1$/.exec(topic)
  return m?.[1]
}

/**
 * One or more batches of the sender's log, in log order: `more` carries batches that waited
 * to travel with the next one (see Federation's publish hold), so one message, not several.
 */
export interface BatchFrame { readonly k: 'batch', readonly batch: Batch, readonly more?: readonly Batch[] }

/** The most batches one gossip message carries (the first and MAX_MORE_BATCHES in `more`). */
export const MAX_MORE_BATCHES = 32

/** A site says which executor types it has idle executors of, right now. */
export interface IdleFrame {
  readonly k: 'idle'
  readonly site: string
  readonly colony: string
  /** executor type → idle executors */
  readonly types: Readonly<Record<string, number>>
  /** sender's wall clock, ms: stale adverts are dropped */
  readonly t: number
  /**
   * the sender's own log head (its last batch's sequence): a site that holds less of that
   * log missed a batch, and pulls, without waiting for a later batch to show the gap
   */
  readonly seq?: number
  /**
   * the sender's clock when it had written nothing beyond `seq` (sent only then): every
   * claim it may still write is later than `h` (an acknowledgement, see Federation)
   */
  readonly h?: Hlc
  /**
   * where the sender can be dialled: multiaddrs ending in /p2p/<its peer id> (sent with the
   * heartbeat, so that every site connects directly to every other, see Federation)
   */
  readonly addrs?: readonly string[]
  /**
   * how much of each origin's log the sender holds ([origin, highest contiguous sequence]),
   * sent with the heartbeat: how far behind it is (`colonies node ls`), between syncs
   */
  readonly vv?: ReadonlyArray<readonly [string, number]>
}

/** at most this many addresses, each at most ADDR_MAX_CHARS long, per advert */
export const MAX_ADVERT_ADDRS = 16
const ADDR_MAX_CHARS = 512
/** at most this many origins in an advert's version vector */
export const MAX_ADVERT_ORIGINS = 1024

export type GossipFrame = BatchFrame | IdleFrame

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

export function encodeGossip (f: GossipFrame): Uint8Array {
  return enc.encode(JSON.stringify(f))
}

/**
 * A batch frame from batches already encoded as JSON (each once, as it was written), in log
 * order: byte for byte what encodeGossip makes of the same frame.
 */
export function encodeBatchFrame (batches: readonly string[]): Uint8Array {
  const [first, ...more] = batches
  if (first === undefined) throw new TypeError('a batch frame carries at least one batch')
  if (more.length > MAX_MORE_BATCHES) throw new TypeError(`a batch frame carries at most ${MAX_MORE_BATCHES + 1} batches`)
  return enc.encode(more.length === 0 ? `{"k":"batch","batch":${first}}` : `{"k":"batch","batch":${first},"more":[${more.join(',')}]}`)
}

/** Every batch a frame carries, in the order sent. */
export function batchesOf (f: BatchFrame): readonly Batch[] {
  return f.more === undefined ? [f.batch] : [f.batch, ...f.more]
}

const HEX64 = /^[0-9a-f]{64}$/

export function decodeGossip (data: Uint8Array): GossipFrame {
  let v: unknown
  try {
    v = JSON.parse(dec.decode(data))
  } catch {
    throw new ValidationError('gossip', 'is not UTF-8 JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError('gossip', 'must be an object')
  const o = v as Record<string, unknown>
  if (o.k === 'batch') {
    const batch = parseBatch(o.batch)
    if (o.more === undefined) return { k: 'batch', batch }
    if (!Array.isArray(o.more) || o.more.length === 0 || o.more.length > MAX_MORE_BATCHES) {
      throw new ValidationError('gossip.more', `must be an array of 1 to ${MAX_MORE_BATCHES} batches`)
    }
    const more = o.more.map((b, i) => {
      try {
        return parseBatch(b)
      } catch (err) {
        throw err instanceof ValidationError ? new ValidationError(`gossip.more[${i}]`, err.message) : err
      }
    })
    let prev = batch
    for (const [i, b] of more.entries()) {
      if (b.origin !== batch.origin) throw new ValidationError(`gossip.more[${i}].origin`, 'must be the origin of gossip.batch (a site sends its own log)')
      if (b.seq <= prev.seq) throw new ValidationError(`gossip.more[${i}].seq`, 'must follow the sequence before it (batches go in log order)')
      prev = b
    }
    return { k: 'batch', batch, more }
  }
  if (o.k === 'idle') {
    if (typeof o.site !== 'string' || !HEX64.test(o.site)) throw new ValidationError('gossip.site', 'must be a 64-hex node id')
    if (typeof o.colony !== 'string' || o.colony === '') throw new ValidationError('gossip.colony', 'must be a colony name')
    if (!Number.isSafeInteger(o.t)) throw new ValidationError('gossip.t', 'must be a time in ms')
    const types: Record<string, number> = {}
    if (o.types === null || typeof o.types !== 'object' || Array.isArray(o.types)) throw new ValidationError('gossip.types', 'must be an object')
    const entries = Object.entries(o.types as Record<string, unknown>)
    if (entries.length > 256) throw new ValidationError('gossip.types', 'has too many entries')
    for (const [type, n] of entries) {
      if (!Number.isSafeInteger(n) || (n as number) < 0) throw new ValidationError(`gossip.types.${type}`, 'must be a count')
      types[type] = n as number
    }
    if (o.seq !== undefined && (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0)) throw new ValidationError('gossip.seq', 'must be a sequence number ≥ 0')
    if (o.h !== undefined && !isHlc(o.h)) throw new ValidationError('gossip.h', 'must be a clock {w, l}')
    if (o.h !== undefined && o.seq === undefined) throw new ValidationError('gossip.h', 'comes with seq')
    let frame: IdleFrame = { k: 'idle', site: o.site, colony: o.colony, types, t: o.t as number }
    if (o.seq !== undefined) frame = { ...frame, seq: o.seq as number }
    if (o.h !== undefined) frame = { ...frame, h: { w: (o.h as Hlc).w, l: (o.h as Hlc).l } }
    if (o.addrs !== undefined) frame = { ...frame, addrs: parseAddrs(o.addrs) }
    if (o.vv !== undefined) frame = { ...frame, vv: parseVersionVector(o.vv, 'gossip.vv', MAX_ADVERT_ORIGINS) }
    return frame
  }
  throw new ValidationError('gossip.k', 'must be "batch" or "idle"')
}

/** The peer that validated advertised addresses name. */
export function peerOfAddrs (addrs: readonly string[]): string | undefined {
  const a = addrs[0]
  return a === undefined ? undefined : peerInMultiaddr(multiaddr(a))
}

/** Advertised addresses: multiaddrs of one peer, each naming it in its last /p2p/ part. */
function parseAddrs (v: unknown): string[] {
  if (!Array.isArray(v) || v.length > MAX_ADVERT_ADDRS) throw new ValidationError('gossip.addrs', `must be an array of at most ${MAX_ADVERT_ADDRS} multiaddrs`)
  let peer: string | undefined
  return v.map((a, i) => {
    if (typeof a !== 'string' || a.length > ADDR_MAX_CHARS) throw new ValidationError(`gossip.addrs[${i}]`, `must be a multiaddr of at most ${ADDR_MAX_CHARS} characters`)
    let last: string | undefined
    try {
      last = peerInMultiaddr(multiaddr(a))
    } catch {
      throw new ValidationError(`gossip.addrs[${i}]`, 'is not a multiaddr')
    }
    if (last === undefined) throw new ValidationError(`gossip.addrs[${i}]`, 'must name its peer (/p2p/<peer id>)')
    if (peer !== undefined && last !== peer) throw new ValidationError(`gossip.addrs[${i}]`, 'names another peer than gossip.addrs[0]')
    peer = last
    return a
  })
}
