/**
 * The serving side of the blob protocol: a site of a colony asks for a blob of that colony
 * from an offset; it gets the blob's size and the bytes from there, read from disk as the
 * stream drains (a slow asker slows the reads, nothing piles up in memory). Only sites of
 * the colony (this node being one too) are served, and only blobs the colony's catalogue
 * references; anything else gets a "refused" header naming why.
 */
import { BLOB_CHUNK_BYTES, BLOB_PROTOCOL, type BlobHeader, decodeBlobRequest, encodeBlobHeader } from '../../protocol/blob-frames.js'
import type { FramedStream, P2PHost } from '../p2p/host.js'
import { logNameOfPeer, siteIdOfPeer } from '../p2p/peer-identity.js'
import { HELLO_TIMEOUT_MS, within } from '../p2p/sync-protocol.js'
import type { BlobCatalog } from './catalog.js'
import type { BlobStore } from './store.js'

export interface BlobServerComponents {
  readonly host: Pick<P2PHost, 'handle'>
  readonly store: BlobStore
  readonly catalog: BlobCatalog
  /** the node ids of a colony's sites */
  readonly sitesOf: (colonyname: string) => readonly string[]
  readonly nodeId: string
  readonly log?: (line: string) => void
}

export interface BlobServerStats {
  /** blobs (or their rest) served, and the bytes sent */
  readonly served: number
  readonly bytes: number
  /** requests refused (not a site, not referenced, bad request) or for blobs not held */
  readonly refused: number
  readonly missing: number
}

export class BlobServer {
  private readonly c: BlobServerComponents
  private served = 0
  private bytes = 0
  private refused = 0
  private missing = 0

  constructor (components: BlobServerComponents) {
    this.c = components
  }

  stats (): BlobServerStats {
    return { served: this.served, bytes: this.bytes, refused: this.refused, missing: this.missing }
  }

  async start (): Promise<void> {
    await this.c.host.handle(BLOB_PROTOCOL, async (stream, peer) => { await this.serve(stream, peer) })
  }

  private async answer (stream: FramedStream, h: BlobHeader): Promise<void> {
    if (h.type === 'refused') this.refused++
    if (h.type === 'missing') this.missing++
    await stream.send(encodeBlobHeader(h))
  }

  /** One request; returning closes our side of the stream (an exception resets it). */
  private async serve (stream: FramedStream, peer: string): Promise<void> {
    const { store, catalog, sitesOf, nodeId } = this.c
    const first = await within(stream.read(), HELLO_TIMEOUT_MS, () => new Error(`no blob request within ${HELLO_TIMEOUT_MS} ms`))
    if (first === undefined) return
    let req
    try {
      req = decodeBlobRequest(first)
    } catch (err) {
      await this.answer(stream, { type: 'refused', reason: (err as Error).message })
      return
    }
    const site = siteIdOfPeer(peer)
    const sites = sitesOf(req.colonyname)
    if (site === undefined || !sites.includes(site) || !sites.includes(nodeId)) {
      await this.answer(stream, { type: 'refused', reason: `not a site of colony ${JSON.stringify(req.colonyname)} with this node` })
      return
    }
    if (!catalog.referenced(req.colonyname, req.checksum)) {
      await this.answer(stream, { type: 'refused', reason: `no file of colony ${JSON.stringify(req.colonyname)} has content ${req.checksum}` })
      return
    }
    const size = await store.sizeOf(req.colonyname, req.checksum)
    if (size === undefined) {
      await this.answer(stream, { type: 'missing', reason: 'not held by this site' })
      return
    }
    if (req.offset > size) {
      await this.answer(stream, { type: 'refused', reason: `offset ${req.offset} is beyond the blob's ${size} bytes` })
      return
    }
    await this.answer(stream, { type: 'blob', size })
    // a corrupt blob throws before its last chunk: the stream is reset, the asker tries another site
    for await (const chunk of store.read(req.colonyname, req.checksum, req.offset, size)) {
      for (let i = 0; i < chunk.byteLength; i += BLOB_CHUNK_BYTES) {
        const frame = chunk.subarray(i, i + BLOB_CHUNK_BYTES)
        await stream.send(frame)
        this.bytes += frame.byteLength
      }
    }
    this.served++
    this.c.log?.(`blob ${req.checksum.slice(0, 12)} of ${req.colonyname}: ${size - req.offset} bytes to ${logNameOfPeer(peer)}`)
  }
}
