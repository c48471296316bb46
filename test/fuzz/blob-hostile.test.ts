/**
 * Hostile peers and clients of the blob store, against three real federated sites on
 * 127.0.0.1 (A, B, C) and a stranger that is no site: garbage and edited request frames
 * over real blob streams (the node ends the stream, a stranger gets nothing but a
 * refusal), hostile HTTP requests to /blobs/ (a 4xx naming the problem, never a 500, no
 * stored blob), and a site that forges blobs (wrong bytes, too many, too few, lies about
 * the size, breaks the framing): the fetching site never stores a bad blob, gets the
 * right one from an honest site when there is one, and a client never receives a
 * complete wrong file. Every node keeps answering /health.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream } from '@libp2p/interface'
import { BlobClient } from '../../src/client/blobs.js'
import { P2PHost } from '../../src/node/p2p/host.js'
import { MAX_FRAME_BYTES } from '../../src/node/p2p/framed-stream.js'
import { BLOB_CHUNK_BYTES, BLOB_PROTOCOL, decodeBlobHeader, decodeBlobRequest, encodeBlobHeader } from '../../src/protocol/blob-frames.js'
import { BLOB_ENVELOPE_HEADER, blobPath } from '../../src/protocol/blob-messages.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { MapCatalog } from '../helpers/blob-catalog.js'
import { eventually } from '../helpers/colony-node.js'
import { type Federation, type Site, startFederation } from '../helpers/federation.js'
import { envelope } from '../helpers/raw-rpc.js'
import { fcOptions } from './fuzz-config.js'
import { applyByteEdits, applyEdits, byteEditArb, editsArb, hostileValue } from './hostile.js'
import { healthy } from './target.js'
import { framed, varint } from '../helpers/frames.js'

const LIMIT = 2 * 1024 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
const enc = new TextEncoder()
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v))

let fed: Federation
let a: Site
let b: Site
let c: Site
let dir: string
let rogue: P2PHost
const rogueKey = generatePrivateKey()
const catalog = new MapCatalog()
/** a blob A holds and the catalogue lists */
let held: { data: Buffer, sum: string }


/** The frames in `bytes` (whole ones; a cut-off tail is dropped). */
function frames (bytes: Buffer): Buffer[] {
  const out: Buffer[] = []
  let i = 0
  while (i < bytes.length) {
    let len = 0
    let shift = 1
    let b: number
    do {
      if (i >= bytes.length) return out
      b = bytes[i++] as number
      len += (b & 0x7f) * shift
      shift *= 128
    } while ((b & 0x80) !== 0)
    if (i + len > bytes.length) return out
    out.push(bytes.subarray(i, i + len))
    i += len
  }
  return out
}

async function upload (at: Site, data: Buffer, label?: string): Promise<string> {
  const file = join(dir, `up-${sha(data).slice(0, 12)}`)
  await writeFile(file, data)
  const up = await new BlobClient({ url: at.node.url, prvkey: fed.user.prv }).uploadBlob(fed.colony, file)
  if (label !== undefined) catalog.add(fed.colony, label, up.checksum)
  return up.checksum
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-blob-fuzz-'))
  fed = await startFederation(3, { blobs: () => ({ catalog, maxBlobBytes: LIMIT }) })
  ;[a, b, c] = fed.sites as [Site, Site, Site]
  rogue = await P2PHost.start({ nodeKey: rogueKey, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: a.node.federation?.addresses() ?? [] })
  await eventually(() => rogue.connectedPeers().includes(a.node.federation?.peerId as string) ? true : undefined, 'the stranger to connect to A')
  await eventually(() => a.node.federation?.host.connectedPeers().length === 3 ? true : undefined, 'A to reach B, C and the stranger', 20_000)
  const data = randomBytes(300_000)
  held = { data, sum: await upload(a, data, '/held') }
})

test.after(async () => {
  await rogue.stop()
  await fed.stop()
  await rm(dir, { recursive: true, force: true })
})

/**
 * Opens a blob stream to `to`, writes `bytes` raw, closes our side and waits for the node
 * to end the stream: it must close or reset it, never leave it hanging.
 */
async function rawBlob (from: P2PHost, to: string, bytes: Uint8Array, deadlineMs = 5000): Promise<{ received: Buffer, how: string }> {
  const stream: Stream = await from.libp2p.dialProtocol(peerIdFromString(to), BLOB_PROTOCOL, { signal: AbortSignal.timeout(deadlineMs) })
  const chunks: Uint8Array[] = []
  const ended = new Promise<string>(resolve => {
    stream.addEventListener('message', evt => { chunks.push(evt.data.subarray()) })
    stream.addEventListener('close', evt => resolve(evt.error === undefined ? 'closed' : `reset (${evt.error.name})`))
  })
  if (bytes.length > 0) stream.send(bytes)
  await stream.close().catch(() => {})
  const timer = new Promise<string>(resolve => setTimeout(() => resolve('hanging'), deadlineMs).unref())
  const how = await Promise.race([ended, timer])
  if (how === 'hanging') stream.abort(new Error('test deadline'))
  return { received: Buffer.concat(chunks), how }
}

const requestArb = (): fc.Arbitrary<{ kind: string, bytes: Uint8Array }> => {
  const valid = { colonyname: fed.colony, checksum: held.sum, offset: 0 }
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map(bytes => ({ kind: 'random bytes', bytes })),
    hostileValue.map(v => ({ kind: 'random JSON frame', bytes: framed(json(v)) })),
    fc.tuple(fc.constant(valid), editsArb).map(([r, edits]) => ({ kind: 'field-edited request', bytes: framed(json(applyEdits(r, edits))) })),
    fc.tuple(fc.constant(valid), fc.array(byteEditArb, { minLength: 1, maxLength: 3 }))
      .map(([r, edits]) => ({ kind: 'byte-edited stream', bytes: applyByteEdits(framed(json(r)), edits) })),
    fc.nat({ max: held.data.length + 10 }).map(offset => ({ kind: 'a request at an offset', bytes: framed(json({ ...valid, offset })) })),
    fc.constantFrom(
      { kind: 'the valid request', bytes: framed(json(valid)) },
      { kind: 'another colony', bytes: framed(json({ ...valid, colonyname: 'other' })) },
      { kind: 'a blob nobody listed', bytes: framed(json({ ...valid, checksum: 'e'.repeat(64) })) },
      { kind: 'length prefix over the frame limit', bytes: Buffer.concat([varint(MAX_FRAME_BYTES + 1), Buffer.alloc(64)]) },
      { kind: 'a request frame of 5,000 bytes', bytes: framed(json({ ...valid, pad: 'x'.repeat(5000) })) },
      { kind: 'truncated frame', bytes: Buffer.concat([varint(1000), json(valid)]) },
      { kind: 'empty frame', bytes: framed(new Uint8Array(0)) },
      { kind: 'nothing at all', bytes: new Uint8Array(0) },
      { kind: 'two requests', bytes: framed(json(valid), json(valid)) }
    )
  )
}

test('hostile blob requests over real streams: the node ends every stream, and a stranger gets only a refusal', async () => {
  const peers = [rogue, b.node.federation?.host as P2PHost]
  const target = a.node.federation?.peerId as string
  const before = a.node.blobs.stats()
  await fc.assert(fc.asyncProperty(requestArb(), fc.nat(1), async ({ kind, bytes }, who) => {
    const r = await rawBlob(peers[who] as P2PHost, target, bytes)
    const from = who === 0 ? 'a stranger' : 'a site'
    assert.is.not(r.how, 'hanging', `${kind} from ${from}: the node left the stream open`)
    const got = frames(r.received)
    if (got.length === 0) return
    const header = decodeBlobHeader(got[0] as Buffer)
    if (who === 0) {
      assert.is(header.type, 'refused', `${kind}: a stranger was answered ${header.type}`)
      assert.is(got.length, 1, `${kind}: a stranger got bytes after the refusal`)
    } else if (header.type === 'blob') {
      // a site gets exactly the blob from the offset it asked for
      const offset = decodeBlobRequest(frames(Buffer.from(bytes))[0] as Buffer).offset
      assert.equal(Buffer.concat(got.slice(1)), held.data.subarray(offset), `${kind}: the bytes served`)
    }
  }), fcOptions(80))
  assert.is(a.node.blobs.stats().blobs, before.blobs, 'A stored nothing')
  await healthy(a.node.url)
})

/** Hostile HTTP requests: methods, paths, envelope headers, bodies and ranges. */
const httpArb = (): fc.Arbitrary<{ kind: string, method: string, path: string, headers: Record<string, string>, body?: Buffer }> => {
  const members = [fed.user.prv, fed.owner.prv]
  const stranger = generatePrivateKey()
  const putMsg = { msgtype: 'putblobmsg', colonyname: fed.colony, checksum: held.sum, size: held.data.length }
  const getMsg = { msgtype: 'getblobmsg', colonyname: fed.colony, checksum: held.sum }
  const path = fc.oneof(
    { weight: 4, arbitrary: fc.constant(blobPath(fed.colony, held.sum)) },
    { weight: 1, arbitrary: fc.constantFrom('/blobs/', '/blobs/fed', `/blobs/fed/${held.sum}/x`, '/blobs/%ff/' + held.sum, `/blobs/fed/${held.sum.toUpperCase()}`, '/blobs/..%2f..%2fetc/passwd', `/blobs//${held.sum}`, '/blobs/other/' + 'a'.repeat(64)) }
  )
  const header = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(putMsg, getMsg), editsArb, fc.constantFrom(...members, stranger)).map(([m, edits, prv]) => envelope(applyEdits(m, edits) as Record<string, unknown>, prv)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(putMsg, getMsg), fc.constantFrom(...members, stranger)).map(([m, prv]) => envelope(m, prv)) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(putMsg, getMsg), fc.array(byteEditArb, { minLength: 1, maxLength: 3 }))
      .map(([m, edits]) => Buffer.from(applyByteEdits(enc.encode(envelope(m, fed.user.prv)), edits)).toString('latin1').replace(/[^\x20-\x7e]/g, '?')) },
    { weight: 1, arbitrary: fc.constantFrom('', 'x', '{}', 'null', '[]', '{"payloadtype":"putblobmsg","payload":"e30=","signature":""}') }
  )
  const body = fc.oneof(
    fc.constant(undefined),
    fc.constant(held.data),
    fc.uint8Array({ maxLength: 2000 }).map(u => Buffer.from(u)),
    fc.constant(Buffer.from(randomBytes(held.data.length)))
  )
  const range = fc.oneof(fc.constant(undefined), fc.constantFrom('bytes=0-', 'bytes=10-20', 'bytes=-5', `bytes=${held.data.length}-`, 'bytes=5-1', 'bytes=1-2,4-5', 'garbage', 'bytes=-0'))
  return fc.record({ method: fc.constantFrom('PUT', 'PUT', 'GET', 'GET', 'HEAD', 'POST', 'DELETE'), path, header, body, range })
    .map(({ method, path, header, body, range }) => ({
      kind: `${method} ${path}`,
      method,
      path,
      // a header is bytes on the wire: UTF-8 sent as is (the node reads it as latin1)
      headers: { ...(header === '' ? {} : { [BLOB_ENVELOPE_HEADER]: Buffer.from(header, 'utf8').toString('latin1') }), ...(range === undefined ? {} : { range }) },
      ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body })
    }))
}

test('hostile HTTP requests to /blobs/: 2xx or a 4xx naming the problem, never a 500, and nothing bad stored', async () => {
  const before = a.node.blobs.stats()
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(httpArb(), async r => {
    let res: Response
    try {
      res = await fetch(`${a.node.url}${r.path}`, { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: new Uint8Array(r.body) as Uint8Array<ArrayBuffer> }), signal: AbortSignal.timeout(5000) })
    } catch (err) {
      throw new Error(`${r.kind}: no answer (${(err as Error).message})`)
    }
    const text = Buffer.from(await res.arrayBuffer())
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    assert.ok(res.status < 500, `${r.kind}: ${res.status} ${text.toString('utf8').slice(0, 300)}`)
    // headers over node:http's 16 KiB limit are refused by its parser, before any route, with no body
    if (res.status >= 400 && r.method !== 'HEAD' && res.status !== 431) {
      const reply = JSON.parse(text.toString('utf8')) as { error: boolean, payload: string }
      assert.is(reply.error, true)
      const { message } = JSON.parse(Buffer.from(reply.payload, 'base64').toString('utf8')) as { message: string }
      assert.ok(message.length > 0 && message !== 'internal error', `${r.kind}: ${message}`)
    }
    if ((res.status === 200 || res.status === 206) && r.method === 'GET') {
      assert.ok(held.data.includes(text), `${r.kind}: served bytes that are not the blob`)
    }
  }), fcOptions(200))
  if (process.env.FUZZ_STATS !== undefined) console.log('blob HTTP statuses:', Object.fromEntries(statuses))
  // the only content that could be stored is the blob A held already
  assert.equal(a.node.blobs.stats().blobs, before.blobs)
  assert.equal(a.node.blobs.stats().bytes, before.bytes)
  await healthy(a.node.url)
})

type Forgery = 'other bytes' | 'one byte flipped' | 'more bytes' | 'fewer bytes' | 'a smaller size' | 'a size over the limit' | 'garbage header' | 'an oversized frame' | 'an empty blob' | 'the right bytes'

/** B answers every blob request with a forgery of `blob`; returns a function that sets which. */
async function forgeAtB (): Promise<(blob: Buffer, how: Forgery) => void> {
  let blob: Buffer = Buffer.alloc(0)
  let how: Forgery = 'other bytes'
  const host = b.node.federation?.host as P2PHost
  await host.libp2p.unhandle(BLOB_PROTOCOL)
  await host.handle(BLOB_PROTOCOL, async (stream) => {
    const req = decodeBlobRequest(await stream.read() as Uint8Array)
    const size = how === 'a smaller size' ? blob.length - 10 : how === 'a size over the limit' ? LIMIT + 1 : how === 'an empty blob' ? 0 : blob.length
    if (how === 'garbage header') {
      await stream.send(json({ type: 'blob', size: 'many' }))
      return
    }
    await stream.send(encodeBlobHeader({ type: 'blob', size }))
    let bytes: Buffer = blob.subarray(req.offset)
    if (how === 'other bytes') bytes = randomBytes(bytes.length)
    if (how === 'one byte flipped' && bytes.length > 0) { bytes = Buffer.from(bytes); bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1 }
    if (how === 'more bytes') bytes = Buffer.concat([bytes, randomBytes(100)])
    if (how === 'fewer bytes') bytes = bytes.subarray(0, Math.floor(bytes.length / 2))
    if (how === 'an empty blob') bytes = Buffer.alloc(0)
    if (how === 'an oversized frame') {
      await stream.send(Buffer.concat([bytes, Buffer.alloc(BLOB_CHUNK_BYTES + 1)]).subarray(0, BLOB_CHUNK_BYTES + 1))
      return
    }
    for (let i = 0; i < bytes.length; i += 64 * 1024) await stream.send(bytes.subarray(i, i + 64 * 1024))
  })
  return (next, h) => { blob = next; how = h }
}

test('a site that forges blobs: the fetching site never stores a bad blob, and takes the right one from an honest site', async () => {
  const set = await forgeAtB()
  const forgeries: Forgery[] = ['other bytes', 'one byte flipped', 'more bytes', 'fewer bytes', 'a smaller size', 'a size over the limit', 'garbage header', 'an oversized frame', 'an empty blob', 'the right bytes']
  let n = 0
  await fc.assert(fc.asyncProperty(fc.constantFrom(...forgeries), fc.boolean(), fc.integer({ min: 1, max: 400_000 }), async (how, honestC, size) => {
    const data = randomBytes(size)
    // each case its own blob: listed, held by C when C is honest, by nobody else
    const sum = honestC ? await upload(c, data, `/forged/${n++}`) : sha(data)
    if (!honestC) catalog.add(fed.colony, `/forged/${n++}`, sum)
    set(data, how)
    const t = a.node.blobs.fetcher.fetch(fed.colony, sum)
    const outcome = await t.done.then(() => 'stored', (err: Error) => err.message)
    const stored = await a.node.blobs.store.sizeOf(fed.colony, sum)
    if (stored !== undefined) {
      assert.equal(sha(await readFile(a.node.blobs.store.pathOf(fed.colony, sum))), sum, `${how}: A stored bytes that are not the blob`)
    }
    if (honestC || how === 'the right bytes') assert.is(outcome, 'stored', `${how}, honest C ${String(honestC)}: ${outcome}`)
    else assert.is(stored, undefined, `${how}: A stored a blob only a forger had (${outcome})`)
  }), fcOptions(40))
  await healthy(a.node.url)
})

test('a client downloading a blob only a forger serves gets an error, never a whole wrong file', async () => {
  // B serves every byte right but the last
  const data = randomBytes(500_000)
  const sum = sha(data)
  catalog.add(fed.colony, '/forged/client', sum)
  const host = b.node.federation?.host as P2PHost
  await host.libp2p.unhandle(BLOB_PROTOCOL)
  await host.handle(BLOB_PROTOCOL, async (stream) => {
    await stream.read()
    await stream.send(encodeBlobHeader({ type: 'blob', size: data.length }))
    const wrong = Buffer.from(data)
    wrong[wrong.length - 1] = (wrong[wrong.length - 1] as number) ^ 1
    for (let i = 0; i < wrong.length; i += 64 * 1024) await stream.send(wrong.subarray(i, i + 64 * 1024))
  })
  const dest = join(dir, 'forged.bin')
  let err: unknown
  try {
    await new BlobClient({ url: a.node.url, prvkey: fed.user.prv }).downloadBlob(fed.colony, sum, dest)
  } catch (e) {
    err = e
  }
  assert.ok(err !== undefined, 'the download failed')
  assert.is(await stat(dest).then(() => true, () => false), false, 'no file at the destination')
  assert.is(await a.node.blobs.store.sizeOf(fed.colony, sum), undefined)
  assert.ok(a.node.blobs.stats().fetches.forged > 0)
  await healthy(a.node.url)
})

test.run()
