/**
 * Fetches a blob this site lacks from the other sites of its colony over the blob protocol.
 * The sites connected now are asked one after the other (in a random order, to spread the
 * load); each answer resumes at what the part file holds, so a transfer cut mid-way goes on
 * from there with the next site, or with the same one later. The whole is checked against
 * the checksum before it is stored: a forged or wrong blob is thrown away and the next site
 * asked, from the start. One fetch per blob at a time, shared by all who want it.
 */
import { decodeBlobHeader, encodeBlobRequest, BLOB_CHUNK_BYTES, BLOB_PROTOCOL } from '../../protocol/blob-frames.js'
import { ChecksumMismatchError, NotFoundError } from '../../protocol/errors.js'
import type { FramedStream, P2PHost } from '../p2p/host.js'
import { logNameOfPeer, siteIdOfPeer } from '../p2p/peer-identity.js'
import { PULL_FRAME_TIMEOUT_MS, within } from '../p2p/sync-protocol.js'
import type { BlobStore, PartFile } from './store.js'
import { Transfer } from './transfer.js'

export interface BlobFetcherComponents {
  readonly store: BlobStore
  /** the libp2p host; undefined on a lone node (nothing to fetch from) */
  readonly host: () => Pick<P2PHost, 'open' | 'connectedPeers'> | undefined
  /** the node ids of a colony's sites */
  readonly sitesOf: (colonyname: string) => readonly string[]
  readonly nodeId: string
  readonly log?: (line: string) => void
  /** how long a site may stay silent mid-transfer before the next one is asked */
  readonly frameTimeoutMs?: number
  readonly random?: () => number
}

export interface BlobFetcherStats {
  /** blobs fetched and stored, and the bytes received for them */
  readonly fetched: number
  readonly bytes: number
  /** transfers thrown away whole: the bytes were not the blob */
  readonly forged: number
  /** fetches that no site could serve */
  readonly failed: number
}

/** Why one site did not give us the blob: it said so (missing, refused) or the transfer broke. */
class SiteAnswer extends Error {
  override name = 'SiteAnswer'
}

export class BlobFetcher {
  private readonly c: BlobFetcherComponents
  private readonly transfers = new Map<string, Transfer>()
  private readonly stopping = new AbortController()
  private fetched = 0
  private bytes = 0
  private forged = 0
  private failed = 0

  constructor (components: BlobFetcherComponents) {
    this.c = components
  }

  stats (): BlobFetcherStats {
    return { fetched: this.fetched, bytes: this.bytes, forged: this.forged, failed: this.failed }
  }

  /** The fetch of blob `checksum` of the colony under way, or a new one. */
  fetch (colonyname: string, checksum: string): Transfer {
    const key = `${colonyname}\n${checksum}`
    const running = this.transfers.get(key)
    if (running !== undefined) return running
    const t = new Transfer(colonyname, checksum)
    this.transfers.set(key, t)
    this.run(t).then(() => t.finish(), (err: unknown) => {
      this.failed++
      t.fail(err instanceof Error ? err : new Error(String(err)))
    }).finally(() => this.transfers.delete(key))
    return t
  }

  /** Fetches under way now. */
  running (): number {
    return this.transfers.size
  }

  /** Aborts every fetch (their part files stay, to resume). */
  stop (): void {
    this.stopping.abort(new Error('the node is stopping'))
  }

  /** Connected peers that are sites of the colony, in a random order. */
  private candidates (colonyname: string): string[] {
    const host = this.c.host()
    if (host === undefined) return []
    const sites = new Set(this.c.sitesOf(colonyname))
    const peers = host.connectedPeers().filter(p => {
      const site = siteIdOfPeer(p)
      return site !== undefined && site !== this.c.nodeId && sites.has(site)
    })
    const random = this.c.random ?? Math.random
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const p = peers[i] as string
      peers[i] = peers[j] as string
      peers[j] = p
    }
    return peers
  }

  private async run (t: Transfer): Promise<void> {
    const { store } = this.c
    t.finalPath = store.pathOf(t.colonyname, t.checksum)
    // a fetch that ended just before this one began: nothing to do
    const held = await store.sizeOf(t.colonyname, t.checksum)
    if (held !== undefined) {
      t.partPath = t.finalPath
      t.setSize(held)
      t.progress(held)
      return
    }
    const peers = this.candidates(t.colonyname)
    if (peers.length === 0) {
      throw new NotFoundError(`blob ${t.checksum} of colony ${JSON.stringify(t.colonyname)} is not held here, and no other site of the colony is connected to fetch it from`)
    }
    const part = await store.openPart(t.colonyname, t.checksum)
    t.partPath = part.path
    t.progress(part.offset)
    const why: string[] = []
    try {
      // a site whose bytes completed a resumed part wrongly is asked once more from the start:
      // the bad bytes may have been another's
      const queue = peers.map(peer => ({ peer, again: true }))
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (this.stopping.signal.aborted) throw this.stopping.signal.reason
        const { peer } = next
        const resumedAt = part.offset
        try {
          await this.fetchFrom(peer, t, part)
          await part.commit()
          this.fetched++
          this.c.log?.(`blob ${t.checksum.slice(0, 12)} of ${t.colonyname}: ${t.size ?? 0} bytes from ${logNameOfPeer(peer)}`)
          return
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err)
          why.push(`${logNameOfPeer(peer)}: ${msg}`)
          if (err instanceof ChecksumMismatchError) this.forged++
          if (part.offset < resumedAt || err instanceof ChecksumMismatchError) {
            // the bytes held were thrown away: whoever reads behind them must stop
            t.restart()
            if (resumedAt > 0 && next.again) queue.unshift({ peer, again: false })
          }
        }
      }
    } finally {
      await part.close()
    }
    throw new NotFoundError(`no site could give blob ${t.checksum} of colony ${JSON.stringify(t.colonyname)}: ${why.join('; ')}`)
  }

  /** Asks one site for the rest of the blob and appends it to the part; throws why it did not. */
  private async fetchFrom (peer: string, t: Transfer, part: PartFile): Promise<void> {
    const host = this.c.host()
    if (host === undefined) throw new SiteAnswer('the node has left the network')
    const timeout = this.c.frameTimeoutMs ?? PULL_FRAME_TIMEOUT_MS
    const signal = this.stopping.signal
    // the deadline bounds the opening only: a timer cleared once the stream is open
    const opening = new AbortController()
    const timer = setTimeout(() => opening.abort(new SiteAnswer(`no stream to the site in ${timeout} ms`)), timeout)
    let stream: FramedStream
    try {
      stream = await host.open(peer, BLOB_PROTOCOL, AbortSignal.any([signal, opening.signal]))
    } finally {
      clearTimeout(timer)
    }
    const next = async (): Promise<Uint8Array | undefined> => await within(stream.read(), timeout, () => {
      const err = new SiteAnswer(`nothing from the site in ${timeout} ms`)
      stream.abort(err)
      return err
    })
    const onStop = (): void => { stream.abort(new Error('the node is stopping')) }
    signal.addEventListener('abort', onStop, { once: true })
    try {
      await stream.send(encodeBlobRequest({ colonyname: t.colonyname, checksum: t.checksum, offset: part.offset }))
      await stream.closeWrite()
      const first = await next()
      if (first === undefined) throw new SiteAnswer('the site closed the stream without an answer')
      const h = decodeBlobHeader(first)
      if (h.type !== 'blob') throw new SiteAnswer(`${h.type}: ${h.reason}`)
      this.c.store.checkSize(h.size)
      // a size heard before with no bytes held yet: the new site's word stands (tails restart)
      if (t.size !== undefined && t.size !== h.size && part.offset === 0) t.restart()
      if (h.size < part.offset || (t.size !== undefined && t.size !== h.size)) {
        // two sites disagree on the size of one content: the bytes held may be the liar's
        await part.truncate()
        throw new SiteAnswer(`says the blob has ${h.size} bytes, which disagrees with what was received before: starting over`)
      }
      t.setSize(h.size)
      let rest = h.size - part.offset
      for (let frame = await next(); frame !== undefined; frame = await next()) {
        if (frame.byteLength > BLOB_CHUNK_BYTES) throw new SiteAnswer(`sent a frame of ${frame.byteLength} bytes (at most ${BLOB_CHUNK_BYTES})`)
        if (frame.byteLength > rest) throw new SiteAnswer(`sent more than the ${h.size} bytes it announced`)
        await part.append(frame)
        this.bytes += frame.byteLength
        rest -= frame.byteLength
        t.progress(part.offset)
      }
      if (rest > 0) throw new SiteAnswer(`the stream ended ${rest} bytes before the end of the blob (kept to resume)`)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    } finally {
      signal.removeEventListener('abort', onStop)
    }
    await stream.close().catch(() => {})
  }
}
