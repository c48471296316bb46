/**
 * The sync protocol (DESIGN decisions 4 and 5), in the spirit of y-protocols' sync: the
 * puller sends its version vector (origin → highest contiguous sequence); the server
 * answers with exactly the batches the puller lacks, in chunks, then its own vector.
 * Cost is proportional to the difference, not to the ledger. The puller ingests each
 * chunk before reading the next, so a slow puller slows the server (backpressure).
 * Only sites of a colony this node belongs to are served.
 */
import { ValidationError } from '../../protocol/errors.js'
import { type Batch, parseBatch } from '../../protocol/records.js'
import type { Ledger } from '../../store/ledger.js'
import { type Generation, parseGenerations, parsePruneSummary, type PruneSummary } from '../../store/prune-summary.js'
import { parseVersionVector } from './version-vector.js'

export const SYNC_PROTOCOL = '/colonynet/sync/1'
/** Bytes of batches per frame (frames are limited to 4 MiB by the host). */
const CHUNK_BYTES = 512 * 1024
const MAX_VECTOR = 100_000

/** The subset of a framed libp2p stream the protocol needs. */
export interface SyncStream extends AsyncIterable<Uint8Array> {
  send: (frame: Uint8Array) => Promise<void>
  closeWrite: () => Promise<void>
  close: () => Promise<void>
  /** reset the stream at once (a peer that stopped answering) */
  abort?: (err: Error) => void
}

/**
 * How long a pull waits for the server's next frame. A server sends a frame per ~512 KiB
 * of batches as it reads them; one silent this long is stalled (a connection that died
 * without closing, a peer that stopped reading its ledger), and the pull gives up rather
 * than hold up the repairs queued behind it. Generous: a slow link may take seconds a frame.
 */
export const PULL_FRAME_TIMEOUT_MS = 30_000

export class SyncStalledError extends Error {
  override name = 'SyncStalledError'
}

type Frame =
  | { type: 'hello', vv: Array<[string, number]> }
  /** what the server pruned that the puller lacks (DESIGN decision 12): sent before the batches */
  | { type: 'summary', summary: PruneSummary }
  /** the puller asks only for the last prunes applied and their digests… */
  | { type: 'generations?' }
  /** … and the server answers with them */
  | { type: 'generations', generations: Generation[] }
  | { type: 'batches', batches: Batch[] }
  | { type: 'done', vv: Array<[string, number]> }
  | { type: 'refused', reason: string }

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })
const encode = (f: Frame): Uint8Array => enc.encode(JSON.stringify(f))

/** Decodes and validates one sync frame; throws ValidationError naming the problem. */
export function decodeSyncFrame (data: Uint8Array): Frame {
  let v: unknown
  try {
    v = JSON.parse(dec.decode(data))
  } catch {
    throw new ValidationError('sync', 'frame is not UTF-8 JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError('sync', 'frame must be an object')
  const o = v as Record<string, unknown>
  switch (o.type) {
    case 'hello': return { type: 'hello', vv: parseVersionVector(o.vv, 'sync.vv', MAX_VECTOR) }
    case 'done': return { type: 'done', vv: parseVersionVector(o.vv, 'sync.vv', MAX_VECTOR) }
    case 'refused': return { type: 'refused', reason: typeof o.reason === 'string' ? o.reason.slice(0, 500) : 'refused' }
    case 'summary': return { type: 'summary', summary: parsePruneSummary(o.summary, 'sync.summary') }
    case 'generations?': return { type: 'generations?' }
    case 'generations': return { type: 'generations', generations: parseGenerations(o.generations, 'sync.generations') }
    case 'batches':
      if (!Array.isArray(o.batches)) throw new ValidationError('sync.batches', 'must be an array')
      return { type: 'batches', batches: o.batches.map(b => parseBatch(b)) }
    default:
      throw new ValidationError('sync.type', 'must be hello, summary, batches, done, refused, generations? or generations')
  }
}

export class SyncRefusedError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SyncRefusedError'
  }
}

export interface PullResult {
  /** batches newly stored */
  readonly stored: number
  readonly bytes: number
  /** the server's version vector at the end */
  readonly theirs: Map<string, number>
  /**
   * The server had pruned batches this node lacked: a fresh node took its summary
   * (`adopted`); one that held records already cannot (`behind`: it was away past the
   * frontier and must join again from an empty data directory).
   */
  readonly summary?: { readonly state: 'adopted' | 'behind', readonly generation: Generation, readonly node: string }
}

/** `read`'s value, or the error `timedOut` returns once `ms` have passed without it. */
export async function within<T> (read: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return await Promise.race([
    read,
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(timedOut()), ms) })
  ]).finally(() => clearTimeout(timer))
}

/**
 * Pulls what this node lacks from a peer over an opened stream. `onBatches` is called once,
 * when the first frame of batches arrives (the pull is bringing something).
 */
export async function pull (stream: SyncStream, ledger: Pick<Ledger, 'versionVector' | 'ingest' | 'fresh' | 'adoptSummary'>, opts: { frameTimeoutMs?: number, onBatches?: () => void } = {}): Promise<PullResult> {
  const frameTimeoutMs = opts.frameTimeoutMs ?? PULL_FRAME_TIMEOUT_MS
  const vv = ledger.versionVector()
  await stream.send(encode({ type: 'hello', vv: [...vv] }))
  await stream.closeWrite()
  let stored = 0
  let bytes = 0
  let summary: PullResult['summary']
  // Two frames in flight: the next one's signatures are recovered while this one is written.
  // Reading waits for the one before, so a slow puller still slows the server.
  let inflight: Promise<{ stored: number }> | undefined
  const settle = async (): Promise<void> => {
    if (inflight !== undefined) stored += (await inflight).stored
    inflight = undefined
  }
  const frames = stream[Symbol.asyncIterator]()
  for (;;) {
    const next = await within(frames.next(), frameTimeoutMs, () => {
      const err = new SyncStalledError(`no sync frame from the peer in ${frameTimeoutMs} ms`)
      stream.abort?.(err)
      return err
    })
    if (next.done === true) break
    const data = next.value
    bytes += data.length
    const f = decodeSyncFrame(data)
    if (f.type === 'refused') {
      // a removed site is sent the batches that remove it before the refusal: stored first
      await settle()
      throw new SyncRefusedError(f.reason)
    }
    if (f.type === 'summary') {
      const state = ledger.fresh ? 'adopted' : 'behind'
      if (state === 'adopted') await ledger.adoptSummary(f.summary)
      summary = { state, generation: f.summary.generation, node: f.summary.node }
    }
    if (f.type === 'batches') {
      if (stored === 0 && inflight === undefined) opts.onBatches?.()
      const ingesting = ledger.ingest(f.batches)
      ingesting.catch(() => {}) // awaited by settle, in its turn
      await settle()
      inflight = ingesting
    }
    if (f.type === 'done') {
      await settle()
      await stream.close()
      return { stored, bytes, theirs: new Map(f.vv), ...(summary === undefined ? {} : { summary }) }
    }
  }
  throw new ValidationError('sync', 'the stream ended before "done"')
}

/**
 * Serves one pull. `allowed` says whether the peer may read this node's ledger;
 * `onHello` learns the peer's version vector (how far behind it is).
 */
/** What a site removed from our colonies is sent instead of a pull: the batches (JSON) holding its removal, and why. */
export interface RemovalNotice {
  readonly batches: readonly string[]
  readonly reason: string
}

/** How long a peer that opened a sync stream has to say hello. */
export const HELLO_TIMEOUT_MS = 10_000

export async function serve (stream: SyncStream, ledger: Ledger, allowed: boolean, onHello?: (theirs: Map<string, number>) => void, told?: RemovalNotice): Promise<number> {
  // a stranger is told at once, before it may send anything (it cannot hold the stream open);
  // a site that was removed gets the signed batches that say so first, so its own fold knows
  if (!allowed) {
    for (const b of told?.batches ?? []) await stream.send(enc.encode(`{"type":"batches","batches":[${b}]}`))
    await stream.send(encode({ type: 'refused', reason: told?.reason ?? 'not a site of any colony of this node' }))
    await stream.close()
    return 0
  }
  // read only the first frame (breaking out of a for-await would end the stream), in time
  const first = await within(stream[Symbol.asyncIterator]().next(), HELLO_TIMEOUT_MS,
    () => new ValidationError('sync', `no "hello" within ${HELLO_TIMEOUT_MS} ms`))
  const hello: Frame | undefined = first.done === true ? undefined : decodeSyncFrame(first.value)
  if (hello?.type === 'generations?') {
    await stream.send(encode({ type: 'generations', generations: [...ledger.generations()] }))
    await stream.closeWrite()
    return 0
  }
  if (hello?.type !== 'hello') throw new ValidationError('sync', 'the first frame must be "hello"')
  const theirs = new Map(hello.vv)
  onHello?.(theirs)
  let sent = 0
  // batches we deleted that the puller lacks: it gets what the prunes left out first
  const summary = ledger.prunedBeyond(theirs) ? await ledger.pruneSummary() : undefined
  if (summary !== undefined) {
    const frame = encode({ type: 'summary', summary })
    sent += frame.length
    await stream.send(frame)
  }
  // batches travel as the JSON text they were stored as: the frame is assembled, not re-encoded
  let chunk: string[] = []
  let size = 0
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return
    const frame = enc.encode(`{"type":"batches","batches":[${chunk.join(',')}]}`)
    sent += frame.length
    await stream.send(frame)
    chunk = []
    size = 0
  }
  for await (const json of ledger.missingFor(theirs)) {
    if (size + json.length > CHUNK_BYTES) await flush()
    chunk.push(json)
    size += json.length
  }
  await flush()
  await stream.send(encode({ type: 'done', vv: [...ledger.versionVector()] }))
  await stream.closeWrite()
  return sent
}

/** Asks a peer for the last prunes it applied and their digests (a joiner checks its summary). */
export async function askGenerations (stream: SyncStream, frameTimeoutMs = PULL_FRAME_TIMEOUT_MS): Promise<Generation[]> {
  await stream.send(encode({ type: 'generations?' }))
  await stream.closeWrite()
  const frames = stream[Symbol.asyncIterator]()
  const next = await within(frames.next(), frameTimeoutMs, () => new SyncStalledError(`no answer from the peer in ${frameTimeoutMs} ms`))
  if (next.done === true) throw new ValidationError('sync', 'the stream ended before the generations')
  const f = decodeSyncFrame(next.value)
  if (f.type === 'refused') throw new SyncRefusedError(f.reason)
  if (f.type !== 'generations') throw new ValidationError('sync', 'expected the generations')
  await stream.close()
  return f.generations
}
