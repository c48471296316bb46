/**
 * The blob store on a real data directory: a blob gets its name only when its bytes hash
 * to it, oversize is refused before a byte is written, a part file resumes where it
 * stopped, a blob that rots on disk is never served whole, and the figures /health shows.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { BlobStore, CorruptBlobError } from '../../src/node/blobs/store.js'
import { parseRange } from '../../src/node/blobs/range.js'
import { parseBlobMessage } from '../../src/protocol/blob-messages.js'
import { decodeBlobHeader, decodeBlobRequest } from '../../src/protocol/blob-frames.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

async function * chunks (b: Uint8Array, size = 100_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size)
}

async function collect (it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = []
  for await (const c of it) out.push(c)
  return Buffer.concat(out)
}

async function thrown (p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

let dir: string
let store: BlobStore

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-blobs-'))
  store = new BlobStore({ dir, maxBlobBytes: 1024 * 1024 })
  await store.start()
})

test.after.each(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('a put stores the bytes under their checksum, per colony, and counts them', async () => {
  const data = randomBytes(300_000)
  const sum = sha(data)
  assert.equal(await store.put('c1', sum, data.length, chunks(data)), { stored: true })
  assert.is(await store.sizeOf('c1', sum), data.length)
  assert.is(await store.sizeOf('c2', sum), undefined, 'another colony does not see it')
  assert.equal(await readFile(store.pathOf('c1', sum)), data)
  assert.equal(await store.put('c1', sum, data.length, chunks(data)), { stored: false }, 'held already')
  assert.equal(store.stats(), { blobs: 1, bytes: data.length, parts: 0, partbytes: 0 })
  // the figures survive a restart
  const again = new BlobStore({ dir })
  await again.start()
  assert.equal(again.stats(), store.stats())
})

test('bytes that are not the checksum, too many or too few are refused and leave nothing behind', async () => {
  const data = randomBytes(50_000)
  const sum = sha(data)
  const other = Buffer.from(data)
  other[10] = (other[10] as number) ^ 1
  assert.is((await thrown(store.put('c', sum, data.length, chunks(other)))).name, 'ChecksumMismatchError')
  assert.match((await thrown(store.put('c', sum, data.length - 1, chunks(data)))).message, /longer than/)
  assert.match((await thrown(store.put('c', sum, data.length + 1, chunks(data)))).message, /ended after/)
  assert.is(await store.sizeOf('c', sum), undefined)
  const left = await readdir(dirname(store.pathOf('c', sum)))
  assert.equal(left, [], `no temp file is left: ${left.join(', ')}`)
  assert.equal(store.stats(), { blobs: 0, bytes: 0, parts: 0, partbytes: 0 })
})

test('a blob over the limit is refused with 413 and the limit before anything is read', async () => {
  let read = false
  async function * source (): AsyncGenerator<Uint8Array> { read = true; yield new Uint8Array(1) }
  const err = await thrown(store.put('c', 'a'.repeat(64), 1024 * 1024 + 1, source())) as Error & { status: number, limit: number }
  assert.is(err.name, 'PayloadTooLargeError')
  assert.is(err.status, 413)
  assert.is(err.limit, 1024 * 1024)
  assert.not.ok(read)
})

test('a part file resumes at its size and becomes the blob only if the whole hashes right', async () => {
  const data = randomBytes(200_000)
  const sum = sha(data)
  let part = await store.openPart('c', sum)
  assert.is(part.offset, 0)
  await part.append(data.subarray(0, 70_000))
  await part.close()
  assert.equal(store.stats(), { blobs: 0, bytes: 0, parts: 1, partbytes: 70_000 })
  // a restart in between: the part is still there, and counted
  store = new BlobStore({ dir })
  await store.start()
  assert.equal(store.stats(), { blobs: 0, bytes: 0, parts: 1, partbytes: 70_000 })
  part = await store.openPart('c', sum)
  assert.is(part.offset, 70_000, 'resumes where it stopped')
  await assert.is((await thrown(store.openPart('c', sum))).message.includes('being fetched'), true)
  await part.append(data.subarray(70_000))
  await part.commit()
  await part.close()
  assert.equal(await readFile(store.pathOf('c', sum)), data)
  assert.equal(store.stats(), { blobs: 1, bytes: data.length, parts: 0, partbytes: 0 })
})

test('a part whose bytes are not the blob is emptied at commit and never named', async () => {
  const data = randomBytes(10_000)
  const sum = sha(data)
  const part = await store.openPart('c', sum)
  await part.append(randomBytes(10_000))
  assert.is((await thrown(part.commit())).name, 'ChecksumMismatchError')
  assert.is(part.offset, 0)
  await part.close()
  assert.is(await store.sizeOf('c', sum), undefined)
})

test('a fetch that got nothing leaves no part file behind', async () => {
  const sum = 'f'.repeat(64)
  const part = await store.openPart('c', sum)
  await part.close()
  assert.equal(await readdir(dirname(store.pathOf('c', sum))), [])
  assert.equal(store.stats(), { blobs: 0, bytes: 0, parts: 0, partbytes: 0 })
})

test('a whole read of a blob that rotted on disk withholds its last chunk and removes it; ranges read as asked', async () => {
  const data = randomBytes(600_000)
  const sum = sha(data)
  await store.put('c', sum, data.length, chunks(data))
  assert.equal(await collect(store.read('c', sum, 0, data.length)), data)
  assert.equal(await collect(store.read('c', sum, 1000, 5000)), data.subarray(1000, 5000))
  // rot: the same length, other bytes
  const rotten = Buffer.from(data)
  rotten[500_000] = (rotten[500_000] as number) ^ 0xff
  await writeFile(store.pathOf('c', sum), rotten)
  let got = 0
  let err: unknown
  try {
    for await (const c of store.read('c', sum, 0, data.length)) got += c.byteLength
  } catch (e) {
    err = e
  }
  assert.instance(err, CorruptBlobError)
  assert.ok(got < data.length, `${got} of ${data.length} bytes came out`)
  assert.is(await store.sizeOf('c', sum), undefined, 'removed, to be fetched again')
  // a blob cut short on disk fails a read too
  await store.put('c', sum, data.length, chunks(data))
  await truncate(store.pathOf('c', sum), 1000)
  await assert.is((await thrown(collect(store.read('c', sum, 0, data.length)))).name, 'CorruptBlobError')
})

test('an upload a crash interrupted is cleaned up at the next start', async () => {
  const data = randomBytes(1000)
  const sum = sha(data)
  await store.put('c', sum, data.length, chunks(data))
  await writeFile(`${store.pathOf('c', sum)}.abcdef.tmp`, 'half an upload')
  const again = new BlobStore({ dir })
  await again.start()
  assert.equal(await readdir(dirname(store.pathOf('c', sum))), [sum])
})

test('Range headers: one range, a resume, a suffix; the rest is ignored; beyond the end is 416', () => {
  assert.equal(parseRange(undefined, 100), { start: 0, end: 100, partial: false })
  assert.equal(parseRange('bytes=10-', 100), { start: 10, end: 100, partial: true })
  assert.equal(parseRange('bytes=10-19', 100), { start: 10, end: 20, partial: true })
  assert.equal(parseRange('bytes=90-1000', 100), { start: 90, end: 100, partial: true })
  assert.equal(parseRange('bytes=-30', 100), { start: 70, end: 100, partial: true })
  assert.equal(parseRange('bytes=0-', 100), { start: 0, end: 100, partial: false })
  for (const ignored of ['bytes=1-2,5-6', 'items=1-2', 'bytes=5-1', 'bytes=-', 'nonsense', 'bytes=99999999999999999999-']) {
    assert.equal(parseRange(ignored, 100), { start: 0, end: 100, partial: false }, ignored)
  }
  for (const bad of ['bytes=100-', 'bytes=-0']) {
    try {
      parseRange(bad, 100)
      assert.unreachable(bad)
    } catch (err) {
      assert.is((err as { status: number }).status, 416, bad)
    }
  }
})

test('blob messages and frames are validated at the boundary, naming the field', () => {
  const sum = 'ab'.repeat(32)
  assert.equal(parseBlobMessage({ msgtype: 'putblobmsg', colonyname: 'c', checksum: sum, size: 3 }), { msgtype: 'putblobmsg', colonyname: 'c', checksum: sum, size: 3 })
  const refusals: Array<[unknown, RegExp]> = [
    [{ msgtype: 'putblobmsg', colonyname: 'c', checksum: sum }, /^size: is required/],
    [{ msgtype: 'putblobmsg', colonyname: 'c', checksum: sum, size: -1 }, /^size:/],
    [{ msgtype: 'getblobmsg', colonyname: 'c', checksum: sum.toUpperCase() }, /^checksum:/],
    [{ msgtype: 'getblobmsg', colonyname: '', checksum: sum }, /^colonyname:/],
    [{ msgtype: 'addfilemsg', colonyname: 'c', checksum: sum }, /^msgtype:/],
    [[], /must be an object/]
  ]
  for (const [v, re] of refusals) {
    try {
      parseBlobMessage(v)
      assert.unreachable(JSON.stringify(v))
    } catch (err) {
      assert.match((err as Error).message, re)
    }
  }
  const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
  assert.equal(decodeBlobRequest(enc({ colonyname: 'c', checksum: sum, offset: 5 })), { colonyname: 'c', checksum: sum, offset: 5 })
  assert.throws(() => decodeBlobRequest(enc({ colonyname: 'c', checksum: sum, offset: 1.5 })), /blob.offset/)
  assert.throws(() => decodeBlobRequest(new Uint8Array([0xff, 0xfe])), /not UTF-8 JSON/)
  assert.throws(() => decodeBlobRequest(new Uint8Array(5000)), /larger than/)
  assert.equal(decodeBlobHeader(enc({ type: 'blob', size: 7 })), { type: 'blob', size: 7 })
  assert.throws(() => decodeBlobHeader(enc({ type: 'blob', size: -7 })), /blob.size/)
  assert.throws(() => decodeBlobHeader(enc({ type: 'more' })), /blob.type/)
})

test.run()
