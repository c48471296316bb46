/**
 * The blob endpoints on the API port, for clients (`colonies fs`, the SDKs):
 *
 *   PUT  /blobs/<colony>/<checksum>  body: the bytes    header: a signed putblobmsg
 *   GET  /blobs/<colony>/<checksum>  (Range: bytes=N-)   header: a signed getblobmsg
 *   HEAD /blobs/<colony>/<checksum>  whether this site holds it (no fetch)
 *
 * The header `x-colonies-envelope` carries the message in an RPC envelope (JSON text),
 * signed as for /api; its colony and checksum must be the path's, and the signer must be a
 * member of the colony (as for reading it over the RPC). Bodies stream both ways with
 * backpressure: nothing holds a whole blob in memory. A GET of a blob this site lacks
 * but the colony's catalogue lists is fetched from another site and streamed to the
 * client as it is stored. Errors are ColonyOS error replies: 400 (a field, a checksum that
 * does not match the body), 403, 404, 413 (with the limit), 416.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { BLOB_ENVELOPE_HEADER, type BlobMessage, isChecksum, MAX_BLOB_HEADER, parseBlobMessage } from '../../protocol/blob-messages.js'
import { errorReply, okReply, openEnvelope, parseEnvelope, verifyEnvelope } from '../../protocol/envelope.js'
import { ColonyError, ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../protocol/errors.js'
import type { BlobCatalog } from './catalog.js'
import type { BlobFetcher } from './fetcher.js'
import { type ByteRange, parseRange, UnsatisfiableRangeError } from './range.js'
import type { BlobStore } from './store.js'
import { tail } from './transfer.js'

export interface BlobHttpComponents {
  readonly store: BlobStore
  readonly catalog: BlobCatalog
  /** undefined on a lone node: a blob not held here is not found */
  readonly fetcher: () => BlobFetcher | undefined
  /** the RPC's check that `signer` may read `colony` (throws ForbiddenError / NotFoundError) */
  readonly requireReader: (colony: string, signer: string) => void
  /** whether this node is a site of the colony (only a site stores and serves its blobs) */
  readonly isSiteOf: (colony: string) => boolean
  readonly log?: (line: string) => void
}

export const BLOBS_PREFIX = '/blobs/'

interface BlobRequest {
  readonly msg: BlobMessage
  readonly signer: string
}

function sendJson (res: ServerResponse, status: number, body: unknown, extra: Record<string, string | number> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra })
  res.end(text)
}

/** The colony and checksum a path names; ValidationError otherwise. */
function parsePath (path: string): { colonyname: string, checksum: string } {
  const parts = path.slice(BLOBS_PREFIX.length).split('/')
  if (parts.length !== 2) throw new ValidationError('path', 'must be /blobs/<colony>/<checksum>')
  let colonyname: string
  try {
    colonyname = decodeURIComponent(parts[0] as string)
  } catch {
    throw new ValidationError('path', 'the colony name is not URL-encoded UTF-8')
  }
  if (colonyname === '') throw new ValidationError('path', 'names no colony: use /blobs/<colony>/<checksum>')
  const checksum = parts[1] as string
  if (!isChecksum(checksum)) throw new ValidationError('path', 'the checksum must be the lowercase hex SHA-256 of the content (64 characters)')
  return { colonyname, checksum }
}

export class BlobHttp {
  private readonly c: BlobHttpComponents

  constructor (components: BlobHttpComponents) {
    this.c = components
  }

  /**
   * Answers one request under /blobs/. `expectContinue`: the client sent `Expect:
   * 100-continue` and waits for our word before sending the body (refusals then cost it
   * nothing). Never throws.
   */
  async serve (req: IncomingMessage, res: ServerResponse, path: string, expectContinue = false): Promise<void> {
    try {
      const method = req.method ?? ''
      if (method !== 'PUT' && method !== 'GET' && method !== 'HEAD') {
        sendJson(res, 405, errorReply(405, `use PUT, GET or HEAD on ${BLOBS_PREFIX}<colony>/<checksum>`), { allow: 'PUT, GET, HEAD' })
        return
      }
      const r = this.authorize(req, method, parsePath(path))
      if (r.msg.msgtype === 'putblobmsg') await this.put(req, res, r, expectContinue)
      else await this.get(req, res, r.msg.colonyname, r.msg.checksum, method === 'HEAD')
    } catch (err) {
      this.fail(req, res, err)
    }
  }

  /** The signed message of the request, checked against the path and the signer's rights. */
  private authorize (req: IncomingMessage, method: string, at: { colonyname: string, checksum: string }): BlobRequest {
    const header = req.headers[BLOB_ENVELOPE_HEADER]
    const want = method === 'PUT' ? 'putblobmsg' : 'getblobmsg'
    if (typeof header !== 'string' || header === '') {
      throw new ValidationError(BLOB_ENVELOPE_HEADER, `is required: a ${want} in a signed envelope (JSON), as for /api`)
    }
    const env = parseEnvelope(header)
    const msg = parseBlobMessage(openEnvelope(env).json)
    if (msg.msgtype !== want) throw new ValidationError('msgtype', `${method} takes a ${want}, not a ${msg.msgtype}`)
    if (msg.colonyname !== at.colonyname) throw new ValidationError('colonyname', `is ${JSON.stringify(msg.colonyname)} in the message but ${JSON.stringify(at.colonyname)} in the path`)
    if (msg.checksum !== at.checksum) throw new ValidationError('checksum', 'differs between the message and the path')
    const signer = verifyEnvelope(env)
    this.c.requireReader(msg.colonyname, signer)
    if (!this.c.isSiteOf(msg.colonyname)) {
      throw new ForbiddenError(`this node is not a site of colony ${JSON.stringify(msg.colonyname)}: use one of its sites (colonies node ls)`)
    }
    return { msg, signer }
  }

  private async put (req: IncomingMessage, res: ServerResponse, { msg }: BlobRequest, expectContinue: boolean): Promise<void> {
    if (msg.msgtype !== 'putblobmsg') return
    this.c.store.checkSize(msg.size)
    const length = req.headers['content-length']
    if (length !== undefined && Number(length) !== msg.size) {
      throw new ValidationError('content-length', `is ${length} but the message signs for ${msg.size} bytes`)
    }
    if (expectContinue) res.writeContinue()
    const { stored } = await this.c.store.put(msg.colonyname, msg.checksum, msg.size, req)
    sendJson(res, 200, okReply(msg.msgtype, { checksum: msg.checksum, size: msg.size, stored }), { [MAX_BLOB_HEADER]: this.c.store.maxBlobBytes })
  }

  private async get (req: IncomingMessage, res: ServerResponse, colonyname: string, checksum: string, head: boolean): Promise<void> {
    const { store, catalog } = this.c
    const held = await store.sizeOf(colonyname, checksum)
    if (held !== undefined) {
      const range = parseRange(req.headers.range, held)
      this.writeHead(res, checksum, held, range)
      if (head) res.end()
      else await this.stream(res, store.read(colonyname, checksum, range.start, range.end))
      return
    }
    if (head) throw new NotFoundError(`blob ${checksum} of colony ${JSON.stringify(colonyname)} is not held by this site (a GET fetches it from another site)`)
    if (!catalog.referenced(colonyname, checksum)) {
      throw new NotFoundError(`no file of colony ${JSON.stringify(colonyname)} has content ${checksum}, and this site holds no such blob`)
    }
    const fetcher = this.c.fetcher()
    if (fetcher === undefined) throw new NotFoundError(`blob ${checksum} is not held by this site, which has no other sites to fetch it from`)
    const t = fetcher.fetch(colonyname, checksum)
    const size = await t.sized()
    const range = parseRange(req.headers.range, size)
    this.writeHead(res, checksum, size, range)
    await this.stream(res, tail(t, range.start, range.end))
  }

  private writeHead (res: ServerResponse, checksum: string, size: number, range: ByteRange): void {
    res.writeHead(range.partial ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': range.end - range.start,
      'accept-ranges': 'bytes',
      etag: `"${checksum}"`,
      [MAX_BLOB_HEADER]: this.c.store.maxBlobBytes,
      ...(range.partial ? { 'content-range': `bytes ${range.start}-${range.end - 1}/${size}` } : {})
    })
  }

  /** Streams the bytes with backpressure; a failure part-way cuts the reply short (the client sees it). */
  private async stream (res: ServerResponse, bytes: AsyncIterable<Uint8Array>): Promise<void> {
    await pipeline(Readable.from(bytes, { objectMode: false, highWaterMark: 1 }), res)
  }

  private fail (req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (res.headersSent || res.destroyed) {
      // the reply is under way: end it short so the client cannot take it for the whole
      res.destroy()
      return
    }
    const status = err instanceof ColonyError ? err.status : 500
    const message = err instanceof ColonyError ? err.message : 'internal error'
    const extra: Record<string, string | number> = { [MAX_BLOB_HEADER]: this.c.store.maxBlobBytes }
    if (err instanceof UnsatisfiableRangeError) extra['content-range'] = `bytes */${err.size}`
    if (err instanceof PayloadTooLargeError && err.limit >= 0) extra[MAX_BLOB_HEADER] = err.limit
    // a request body left unread would be drained in full to keep the connection: close it instead
    if (!req.complete) extra.connection = 'close'
    if (req.method === 'HEAD') {
      res.writeHead(status, extra)
      res.end()
      return
    }
    if (status === 500) this.c.log?.(`blob request ${req.method ?? ''} ${req.url ?? ''} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
    sendJson(res, status, errorReply(status, message), extra)
  }
}
