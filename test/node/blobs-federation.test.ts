/**
 * Blobs across three real sites over libp2p on 127.0.0.1 (A, B, C; C keeps the label
 * /edge locally): a blob uploaded at A is downloaded at C, which fetches it from A and
 * checks its checksum; a transfer between sites cut mid-way resumes at the offset it
 * reached; a download cut mid-way resumes with a Range; and once A is gone, C still
 * serves the blobs it kept (to a client, and to B), while a blob it did not keep is lost
 * to it.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlobClient } from '../../src/client/blobs.js'
import { BlobFetcher } from '../../src/node/blobs/fetcher.js'
import type { FramedStream } from '../../src/node/p2p/host.js'
import { decodeBlobRequest } from '../../src/protocol/blob-frames.js'
import { MapCatalog } from '../helpers/blob-catalog.js'
import { eventually } from '../helpers/colony-node.js'
import { type Federation, ok, type Site, startFederation } from '../helpers/federation.js'

const MiB = 1024 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

let fed: Federation
let a: Site
let b: Site
let c: Site
let dir: string
const catalog = new MapCatalog()

async function thrown (p: Promise<unknown>): Promise<Error & { status?: number }> {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

const clientAt = (s: Site): BlobClient => new BlobClient({ url: s.node.url, prvkey: fed.user.prv })

/** Random content uploaded at A under `label` (listed in the catalogue); returns it and its checksum. */
async function uploaded (size: number, label: string): Promise<{ data: Buffer, sum: string }> {
  const data = randomBytes(size)
  const file = join(dir, `up-${sha(data).slice(0, 8)}`)
  await writeFile(file, data)
  const up = await clientAt(a).uploadBlob(fed.colony, file)
  assert.is(up.checksum, sha(data))
  catalog.add(fed.colony, label, up.checksum)
  return { data, sum: up.checksum }
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-blobs-fed-'))
  fed = await startFederation(3, {
    blobs: i => ({ catalog, maxBlobBytes: 64 * MiB, keepRetryMs: 1000, ...(i === 2 ? { keepLabels: [{ colonyname: 'fed', label: '/edge' }] } : {}) })
  })
  ;[a, b, c] = fed.sites as [Site, Site, Site]
  // C reaches both others (it fetches from whichever it asks first)
  await eventually(() => c.node.federation?.host.connectedPeers().length === 2 ? true : undefined, 'C to connect to A and B', 20_000)
})

test.after(async () => {
  await fed.stop()
  await rm(dir, { recursive: true, force: true })
})

test('a blob uploaded at A is downloaded at C: C fetches it from A over libp2p and checks it', async () => {
  const data = randomBytes(3 * MiB + 123)
  const file = join(dir, 'a.bin')
  await writeFile(file, data)
  const up = await clientAt(a).uploadBlob(fed.colony, file)
  const dest = join(dir, 'at-c.bin')
  // no file of the colony has it yet: C neither holds it nor may fetch it
  assert.is((await thrown(clientAt(c).downloadBlob(fed.colony, up.checksum, dest))).status, 404)
  catalog.add(fed.colony, '/data', up.checksum)
  const served = a.node.blobs.stats().serves.served
  const progress: number[] = []
  const got = await clientAt(c).downloadBlob(fed.colony, up.checksum, dest, { onProgress: done => progress.push(done) })
  assert.equal(got, { checksum: sha(data), size: data.length })
  assert.equal(await readFile(dest), data)
  assert.ok(progress.length > 1, 'progress was reported as bytes arrived')
  // C stored it, verified, and A served it
  assert.is(await c.node.blobs.store.sizeOf(fed.colony, up.checksum), data.length)
  assert.is(c.node.blobs.stats().fetches.fetched, 1)
  assert.is(c.node.blobs.stats().fetches.forged, 0)
  assert.is(a.node.blobs.stats().serves.served, served + 1)
  // a second download at C is served from its own disk
  await rm(dest)
  await clientAt(c).downloadBlob(fed.colony, up.checksum, dest)
  assert.is(c.node.blobs.stats().fetches.fetched, 1)
})

test('a site removed from the colony neither stores nor fetches its blobs', async () => {
  const { sum } = await uploaded(1000, '/data')
  const d = await fed.addSite('site-d')
  await ok(a.node.url, { msgtype: 'removesitemsg', colonyname: fed.colony, nodeid: d.node.nodeId }, fed.owner.prv)
  // D still knows the colony (its members too), but is no longer one of its sites
  await eventually(() => d.node.ledger.fold.colony(fed.colony)?.sites.includes(d.node.nodeId) === false ? true : undefined, 'D to learn it was removed', 20_000)
  const err = await thrown(clientAt(d).downloadBlob(fed.colony, sum, join(dir, 'at-d.bin')))
  assert.is(err.status, 403)
  assert.match(err.message, /not a site of colony/)
  const file = join(dir, 'to-d.bin')
  await writeFile(file, randomBytes(100))
  assert.is((await thrown(clientAt(d).uploadBlob(fed.colony, file))).status, 403)
  assert.is(d.node.blobs.stats().blobs, 0)
})

test('a transfer between sites cut mid-way resumes at the offset it reached', async () => {
  const { data, sum } = await uploaded(4 * MiB, '/data')
  const host = c.node.federation?.host
  assert.ok(host !== undefined)
  const offsets: number[] = []
  let cutAfterFrames = 5
  let passed = 0
  // C's own host and store; the test cuts A's stream after a few data frames
  const cutting = {
    connectedPeers: () => host.connectedPeers(),
    open: async (peer: string, protocol: string, signal?: AbortSignal): Promise<FramedStream> => {
      const s = await host.open(peer, protocol, signal)
      let frames = 0
      return {
        send: async (f: Uint8Array) => { offsets.push(decodeBlobRequest(f).offset); await s.send(f) },
        read: async () => {
          const f = await s.read()
          if (f !== undefined && ++frames > cutAfterFrames + 1) {
            const err = new Error('cut by the test')
            s.abort(err)
            throw err
          }
          if (f !== undefined && frames > 1) passed += f.byteLength
          return f
        },
        closeWrite: async () => { await s.closeWrite() },
        close: async () => { await s.close() },
        abort: (err: Error) => { s.abort(err) },
        [Symbol.asyncIterator]: () => s[Symbol.asyncIterator]()
      }
    }
  }
  const store = c.node.blobs.store
  const fetcher = new BlobFetcher({ store, host: () => cutting, sitesOf: colony => c.node.ledger.fold.colony(colony)?.sites ?? [], nodeId: c.node.nodeId })
  const first = await thrown(fetcher.fetch(fed.colony, sum).done)
  assert.match(first.message, /cut by the test/)
  const part = `${store.pathOf(fed.colony, sum)}.part`
  const held = (await stat(part)).size
  assert.is(held, passed, 'the part holds what arrived')
  assert.ok(held > 0 && held < data.length, `cut mid-way: ${held} of ${data.length}`)
  assert.is(await store.sizeOf(fed.colony, sum), undefined, 'a partial blob is not a blob')

  cutAfterFrames = Infinity
  offsets.length = 0
  await fetcher.fetch(fed.colony, sum).done
  assert.ok(offsets.length > 0 && offsets.every(o => o === held), `the second request starts at ${held}: ${offsets.join(', ')}`)
  assert.is(fetcher.stats().bytes, data.length, 'every byte crossed once')
  assert.is(await store.sizeOf(fed.colony, sum), data.length)
  assert.equal(await readFile(store.pathOf(fed.colony, sum)), data)
})

test('a download cut mid-way resumes with a Range at the bytes it holds', async () => {
  const { data, sum } = await uploaded(6 * MiB, '/data')
  const dest = join(dir, 'resumed.bin')
  const ac = new AbortController()
  const err = await thrown(clientAt(a).downloadBlob(fed.colony, sum, dest, {
    signal: ac.signal,
    onProgress: done => { if (done >= MiB) ac.abort(new Error('cut by the test')) }
  }))
  assert.match(err.message, /cut by the test/)
  const held = (await stat(`${dest}.part`)).size
  assert.ok(held > 0 && held < data.length, `cut mid-way: ${held} of ${data.length}`)
  const seen: number[] = []
  await clientAt(a).downloadBlob(fed.colony, sum, dest, { onProgress: done => seen.push(done) })
  assert.is(seen[0], held, 'the second download starts at the offset (206), not at 0')
  assert.equal(await readFile(dest), data)
})

test('keep-local: C fetches the blobs of /edge as they are listed, and serves them once A is gone', async () => {
  const kept = await uploaded(2 * MiB, '/edge/models')
  const other = await uploaded(MiB, '/other')
  // the ledger change that carries the file records (here: the catalogue was changed by hand)
  c.node.blobs.onChange()
  await eventually(async () => await c.node.blobs.store.sizeOf(fed.colony, kept.sum), 'C to keep the blob of /edge/models', 20_000)
  assert.is(await c.node.blobs.store.sizeOf(fed.colony, other.sum), undefined, 'a blob of another label is not kept')
  await c.node.blobs.keeper.idle()
  assert.equal(c.node.blobs.stats().kept, { listed: 1, held: 1 })

  const peerA = a.node.federation?.peerId as string
  await a.node.stop()
  await eventually(() => c.node.federation?.host.connectedPeers().includes(peerA) === false ? true : undefined, 'C to see A gone', 20_000)
  const dest = join(dir, 'edge.bin')
  await clientAt(c).downloadBlob(fed.colony, kept.sum, dest)
  assert.equal(await readFile(dest), kept.data)
  // B never held it: it fetches it from C, the only site left that has it
  const atB = join(dir, 'edge-b.bin')
  await clientAt(b).downloadBlob(fed.colony, kept.sum, atB)
  assert.equal(await readFile(atB), kept.data)
  // what C did not keep left with A
  const lost = await thrown(clientAt(c).downloadBlob(fed.colony, other.sum, join(dir, 'other.bin')))
  assert.is(lost.status, 404)
  assert.match(lost.message, /missing/)
})

test.run()
