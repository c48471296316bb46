/**
 * The blob endpoints of one real node on 127.0.0.1, through the client and raw HTTP:
 * upload (a file, a stream), HEAD, whole and ranged downloads, and every refusal with its
 * status: a non-member 403, a forged signature 403, a blob over the limit 413 with the
 * limit, a body that is not its checksum 400, an unknown blob 404, a range beyond the end
 * 416. Nothing refused is stored.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlobClient } from '../../src/client/blobs.js'
import { ColonyNode } from '../../src/node/index.js'
import { BLOB_ENVELOPE_HEADER, blobPath, MAX_BLOB_HEADER } from '../../src/protocol/blob-messages.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { MapCatalog } from '../helpers/blob-catalog.js'
import { ok } from '../helpers/federation.js'
import { envelope } from '../helpers/raw-rpc.js'

const LIMIT = 1024 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

let dir: string
let node: ColonyNode
const catalog = new MapCatalog()
const owner = generatePrivateKey()
const user = generatePrivateKey()
const stranger = generatePrivateKey()
const colony = 'blobs'
let client: BlobClient

async function thrown (p: Promise<unknown>): Promise<Error & { status?: number, limit?: number }> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

/** A raw request to the blob endpoint with this message signed by `prv`. */
async function raw (method: string, msg: Record<string, unknown>, prv: string, body?: Uint8Array, headers: Record<string, string> = {}, path?: string): Promise<{ status: number, headers: Headers, bytes: Buffer, value: any }> {
  const res = await fetch(`${node.url}${path ?? blobPath(String(msg.colonyname), String(msg.checksum))}`, {
    method,
    headers: { [BLOB_ENVELOPE_HEADER]: envelope(msg, prv), ...headers },
    ...(body === undefined ? {} : { body: Buffer.from(body) })
  })
  const bytes = Buffer.from(await res.arrayBuffer())
  let value: any
  try { value = JSON.parse(Buffer.from(JSON.parse(bytes.toString('utf8')).payload, 'base64').toString('utf8')) } catch { value = undefined }
  return { status: res.status, headers: res.headers, bytes, value }
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-blobs-http-'))
  const operator = generatePrivateKey()
  node = await ColonyNode.start({ dataDir: join(dir, 'node'), port: 0, operatorPrvkey: operator, dashboard: false, blobs: { catalog, maxBlobBytes: LIMIT } })
  await ok(node.url, { msgtype: 'addcolonymsg', colony: { colonyid: idFromPrivateKey(owner), name: colony } }, operator)
  await ok(node.url, { msgtype: 'addusermsg', user: { colonyname: colony, userid: idFromPrivateKey(user), name: 'u', email: '', phone: '' } }, owner)
  client = new BlobClient({ url: node.url, prvkey: user })
})

test.after(async () => {
  await node.stop()
  await rm(dir, { recursive: true, force: true })
})

test('a member uploads a file and a stream, and reads them back whole and by range', async () => {
  const data = randomBytes(700_000)
  const file = join(dir, 'a.bin')
  await writeFile(file, data)
  const seen: number[] = []
  const up = await client.uploadBlob(colony, file, { onProgress: done => seen.push(done) })
  assert.equal(up, { checksum: sha(data), size: data.length, stored: true })
  assert.is(seen.at(-1), data.length)
  // the same content again is not sent twice
  assert.equal(await client.uploadBlob(colony, file), { ...up, stored: false })
  async function * stream (): AsyncGenerator<Uint8Array> { yield data.subarray(0, 1000); yield data.subarray(1000, 5000) }
  const small = await client.uploadBlob(colony, stream())
  assert.equal(small, { checksum: sha(data.subarray(0, 5000)), size: 5000, stored: true })
  assert.is(await client.blobSize(colony, up.checksum), data.length)

  const dest = join(dir, 'a.out')
  assert.equal(await client.downloadBlob(colony, up.checksum, dest), { checksum: up.checksum, size: data.length })
  assert.equal(await readFile(dest), data)
  await assert.is(await stat(`${dest}.part`).then(() => true, () => false), false, 'no part file is left')

  const ranged = await raw('GET', { msgtype: 'getblobmsg', colonyname: colony, checksum: up.checksum }, user, undefined, { range: 'bytes=100-199' })
  assert.is(ranged.status, 206)
  assert.is(ranged.headers.get('content-range'), `bytes 100-199/${data.length}`)
  assert.equal(ranged.bytes, data.subarray(100, 200))
  const beyond = await raw('GET', { msgtype: 'getblobmsg', colonyname: colony, checksum: up.checksum }, user, undefined, { range: `bytes=${data.length}-` })
  assert.is(beyond.status, 416)
  assert.is(beyond.headers.get('content-range'), `bytes */${data.length}`)
  // the owner reads its colony too (as over the RPC)
  assert.is(await new BlobClient({ url: node.url, prvkey: owner }).blobSize(colony, up.checksum), data.length)
})

test('a non-member, a forged signature and a message for another path are refused; nothing is stored', async () => {
  const data = randomBytes(1000)
  const sum = sha(data)
  const before = node.blobs.stats().blobs
  const put = { msgtype: 'putblobmsg', colonyname: colony, checksum: sum, size: data.length }
  const notMember = await raw('PUT', put, stranger, data)
  assert.is(notMember.status, 403)
  assert.match(notMember.value.message, /not a member/)
  assert.is((await thrown(new BlobClient({ url: node.url, prvkey: stranger }).downloadBlob(colony, sum, join(dir, 'x')))).status, 403)
  // a signature over another payload
  const env = JSON.parse(envelope(put, user))
  env.payload = Buffer.from(JSON.stringify({ ...put, size: 1 })).toString('base64')
  const forged = await fetch(`${node.url}${blobPath(colony, sum)}`, { method: 'PUT', headers: { [BLOB_ENVELOPE_HEADER]: JSON.stringify(env) }, body: Buffer.from(data) })
  assert.ok(forged.status === 403 || forged.status === 400, `forged signature: ${forged.status}`)
  const elsewhere = await raw('PUT', put, user, data, {}, blobPath(colony, 'b'.repeat(64)))
  assert.is(elsewhere.status, 400)
  assert.match(elsewhere.value.message, /^checksum:/)
  const wrongVerb = await raw('PUT', { msgtype: 'getblobmsg', colonyname: colony, checksum: sum }, user, data)
  assert.is(wrongVerb.status, 400)
  const noHeader = await fetch(`${node.url}${blobPath(colony, sum)}`)
  assert.is(noHeader.status, 400)
  assert.match(await noHeader.text(), /./)
  const noColony = await raw('PUT', { ...put, colonyname: 'nosuch' }, user, data)
  assert.is(noColony.status, 404)
  assert.is(node.blobs.stats().blobs, before)
})

test('a body that is not the checksum signed for is refused with 400 and not stored', async () => {
  const data = randomBytes(5000)
  const sum = sha(data)
  const other = randomBytes(5000)
  const r = await raw('PUT', { msgtype: 'putblobmsg', colonyname: colony, checksum: sum, size: data.length }, user, other)
  assert.is(r.status, 400)
  assert.match(r.value.message, /hashes to/)
  const short = await raw('PUT', { msgtype: 'putblobmsg', colonyname: colony, checksum: sum, size: data.length + 1 }, user, data, { 'content-type': 'application/octet-stream' })
  assert.is(short.status, 400)
  assert.match(short.value.message, /content-length/)
  assert.is(await client.blobSize(colony, sum), undefined)
})

test('a blob over the limit is refused with 413 and the limit, by the client before it sends a byte', async () => {
  const big = join(dir, 'big.bin')
  await writeFile(big, randomBytes(LIMIT + 1))
  let sent = 0
  const err = await thrown(client.uploadBlob(colony, big, { onProgress: done => { sent = done } }))
  assert.is(err.name, 'PayloadTooLargeError')
  assert.is(err.status, 413)
  assert.match(err.message, new RegExp(`${LIMIT}`))
  assert.is(sent, 0, 'the body was not sent')
  const r = await raw('PUT', { msgtype: 'putblobmsg', colonyname: colony, checksum: 'c'.repeat(64), size: LIMIT + 1 }, user, new Uint8Array(10), { 'content-type': 'application/octet-stream' })
  assert.is(r.status, 413)
  assert.is(r.headers.get(MAX_BLOB_HEADER), String(LIMIT))
})

test('a blob nobody has is 404; one the catalogue lists but a lone node lacks is 404 too', async () => {
  const sum = 'd'.repeat(64)
  const dest = join(dir, 'none')
  const err = await thrown(client.downloadBlob(colony, sum, dest))
  assert.is(err.status, 404)
  assert.match(err.message, /no file of colony/)
  catalog.add(colony, '/x', sum)
  const lone = await thrown(client.downloadBlob(colony, sum, dest))
  assert.is(lone.status, 404)
  assert.match(lone.message, /no other sites/)
  const head = await fetch(`${node.url}${blobPath(colony, sum)}`, { method: 'HEAD', headers: { [BLOB_ENVELOPE_HEADER]: envelope({ msgtype: 'getblobmsg', colonyname: colony, checksum: sum }, user) } })
  assert.is(head.status, 404)
})

test('/health reports the blobs held and their bytes', async () => {
  const h = await (await fetch(`${node.url}/health`)).json() as { blobs: { blobs: number, bytes: number } }
  assert.is(h.blobs.blobs, 2)
  assert.is(h.blobs.bytes, 705_000)
})

test.run()
