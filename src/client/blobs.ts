/**
 * The client of a node's blob endpoints (the content of colony files; see the node's
 * blobs/http.ts): upload a file or a stream, download a blob to a file, resuming a cut
 * download where it stopped. Bytes stream both ways with backpressure; nothing holds a
 * whole blob in memory. Every request is signed with the client's key, as the RPC is.
 *
 * A download is written to `<dest>.part` and renamed to `dest` only once its SHA-256 is
 * the checksum asked for; a later download of the same blob to the same place resumes
 * from the part file's size (or from `offset`).
 */
import { createHash, type Hash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest, type ClientRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { installCryptoBackend } from '../crypto/index.js'
import { BLOB_ENVELOPE_HEADER, blobPath, type BlobMessage, isChecksum } from '../protocol/blob-messages.js'
import { idFromPrivateKey } from '../protocol/crypto.js'
import { parseReply, signEnvelope } from '../protocol/envelope.js'
import { ChecksumMismatchError, ValidationError } from '../protocol/errors.js'
import { NodeUnreachableError, RpcError, rpcError } from './errors.js'
import { describeNetworkError, normalizeUrl, type ColoniesClientOptions } from './rpc-base.js'
import { httpTarget, type HttpTarget } from './transport.js'

/** How long a transfer may go without a byte moving before it is given up. */
export const BLOB_IDLE_TIMEOUT_MS = 60_000

const httpAgent = new HttpAgent({ keepAlive: true })
const httpsAgent = new HttpsAgent({ keepAlive: true })

/** Called as bytes move: `done` of `total` (total -1 while unknown). */
export type BlobProgress = (done: number, total: number) => void

export interface BlobTransferOptions {
  readonly signal?: AbortSignal
  readonly onProgress?: BlobProgress
  /** give up after this long without a byte moving (default BLOB_IDLE_TIMEOUT_MS) */
  readonly idleTimeoutMs?: number
}

export interface DownloadOptions extends BlobTransferOptions {
  /**
   * Resume at this byte of `<dest>.part` (which must hold at least that many; the rest is
   * dropped). Default: the part file's size, or 0 when there is none.
   */
  readonly offset?: number
}

export interface BlobInfo {
  /** lowercase hex SHA-256 of the content */
  readonly checksum: string
  readonly size: number
}

/** The checksum and size of a file, read once. */
export async function hashFile (path: string, upTo?: number): Promise<BlobInfo & { hash: Hash }> {
  const hash = createHash('sha256')
  let size = 0
  if (upTo !== 0) {
    for await (const chunk of createReadStream(path, upTo === undefined ? {} : { end: upTo - 1 })) {
      hash.update(chunk as Buffer)
      size += (chunk as Buffer).byteLength
    }
  }
  return { checksum: hash.copy().digest('hex'), size, hash }
}

/** Counts bytes as they pass, for progress and the idle timer. */
function counter (start: number, total: number, onProgress: BlobProgress | undefined, hash?: Hash): Transform {
  let done = start
  return new Transform({
    transform (chunk: Buffer, _enc, cb) {
      done += chunk.byteLength
      hash?.update(chunk)
      onProgress?.(done, total)
      cb(null, chunk)
    }
  })
}

async function readText (res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of res) {
    // an error reply is small; anything else is not read whole
    if (n < 64 * 1024) chunks.push(c as Buffer)
    n += (c as Buffer).byteLength
  }
  return Buffer.concat(chunks).toString('utf8')
}

export class BlobClient {
  readonly url: string
  readonly id: string
  readonly #prvkey: string
  readonly #target: HttpTarget
  readonly #httpsAgent: HttpsAgent

  constructor (opts: Pick<ColoniesClientOptions, 'url' | 'prvkey' | 'ca'>) {
    installCryptoBackend()
    this.url = normalizeUrl(opts.url)
    this.#target = httpTarget(this.url, opts.ca)
    // blobs keep their own agent (no socket cap) unless the client trusts an extra CA
    this.#httpsAgent = opts.ca === undefined ? httpsAgent : this.#target.httpsAgent
    this.id = idFromPrivateKey(opts.prvkey)
    this.#prvkey = opts.prvkey
  }

  #envelope (msg: BlobMessage): string {
    return JSON.stringify(signEnvelope({ ...msg }, this.#prvkey))
  }

  /** Opens one request; `res` resolves with the reply (network failures: NodeUnreachableError). */
  #request (method: 'PUT' | 'GET' | 'HEAD', msg: BlobMessage, headers: Record<string, string | number>, opts: BlobTransferOptions): { req: ClientRequest, res: Promise<IncomingMessage> } {
    const target = this.#target
    const req = (target.tls ? httpsRequest : httpRequest)({
      ...target.options,
      path: target.prefix + blobPath(msg.colonyname, msg.checksum),
      method,
      agent: target.tls ? this.#httpsAgent : httpAgent,
      headers: { ...headers, [BLOB_ENVELOPE_HEADER]: this.#envelope(msg) },
      ...(opts.signal === undefined ? {} : { signal: opts.signal })
    })
    const idle = opts.idleTimeoutMs ?? BLOB_IDLE_TIMEOUT_MS
    req.setTimeout(idle, () => req.destroy(new Error(`no byte moved in ${idle} ms`)))
    const res = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve)
      req.once('error', err => {
        if (opts.signal?.aborted === true) reject(opts.signal.reason)
        else reject(new NodeUnreachableError(this.url, describeNetworkError(err), err))
      })
    })
    res.catch(() => {})
    return { req, res }
  }

  /** An error reply as the typed error of its status. */
  async #refusal (res: IncomingMessage, msgtype: string): Promise<Error> {
    const text = await readText(res)
    try {
      const r = parseReply(text)
      if (!r.ok) return rpcError(r.status, r.message, msgtype)
    } catch { /* not a reply: described below */ }
    return new RpcError(res.statusCode ?? 502, `${this.url} answered HTTP ${res.statusCode ?? 0} to ${msgtype}: ${text.slice(0, 200)}`, msgtype)
  }

  /** The size of the blob if the node holds it now (it does not fetch it for this); undefined if not. */
  async blobSize (colonyname: string, checksum: string, opts: BlobTransferOptions = {}): Promise<number | undefined> {
    const { req, res } = this.#request('HEAD', { msgtype: 'getblobmsg', colonyname, checksum }, {}, opts)
    req.end()
    const r = await res
    r.resume()
    if (r.statusCode === 404) return undefined
    if (r.statusCode !== 200) throw rpcError(r.statusCode ?? 502, `HEAD of blob ${checksum} answered HTTP ${r.statusCode ?? 0}`, 'getblobmsg')
    return Number(r.headers['content-length'])
  }

  /**
   * Uploads a file (a path) or a stream as a blob of the colony; returns its checksum and
   * size (`stored`: false when the node held it already). A stream is first spooled to a
   * temporary file, as the request must sign for the checksum before the body.
   */
  async uploadBlob (colonyname: string, source: string | AsyncIterable<Uint8Array>, opts: BlobTransferOptions = {}): Promise<BlobInfo & { stored: boolean }> {
    if (typeof source !== 'string') {
      const spool = join(tmpdir(), `colonynet-upload-${randomBytes(6).toString('hex')}`)
      try {
        await pipeline(Readable.from(source), createWriteStream(spool), opts.signal === undefined ? {} : { signal: opts.signal })
        return await this.uploadBlob(colonyname, spool, opts)
      } finally {
        await rm(spool, { force: true })
      }
    }
    const { checksum, size } = await hashFile(source)
    if (await this.blobSize(colonyname, checksum, opts) === size) {
      opts.onProgress?.(size, size)
      return { checksum, size, stored: false }
    }
    const msg: BlobMessage = { msgtype: 'putblobmsg', colonyname, checksum, size }
    const { req, res } = this.#request('PUT', msg, {
      'content-type': 'application/octet-stream',
      'content-length': size,
      // the node refuses (too large, not a member) before we send a byte
      expect: '100-continue'
    }, opts)
    let sending: Promise<void> | undefined
    req.once('continue', () => {
      sending = pipeline(createReadStream(source), counter(0, size, opts.onProgress), req)
      sending.catch(() => {})
    })
    const r = await res
    if (r.statusCode !== 200) {
      const err = await this.#refusal(r, msg.msgtype)
      req.destroy()
      throw err
    }
    const reply = parseReply(await readText(r))
    if (!reply.ok) throw rpcError(reply.status, reply.message, msg.msgtype)
    await sending
    const stored = (reply.value as { stored?: unknown } | null)?.stored !== false
    return { checksum, size, stored }
  }

  /**
   * Downloads blob `checksum` of the colony to `dest`, resuming `<dest>.part` (see
   * DownloadOptions.offset). The file appears at `dest` only once its SHA-256 is `checksum`;
   * otherwise the part is removed and ChecksumMismatchError thrown. A cut transfer leaves
   * the part file, and the next call resumes it.
   */
  async downloadBlob (colonyname: string, checksum: string, dest: string, opts: DownloadOptions = {}): Promise<BlobInfo> {
    if (!isChecksum(checksum)) throw new ValidationError('checksum', 'must be the lowercase hex SHA-256 of the content (64 characters)')
    const part = `${dest}.part`
    const held = await stat(part).then(s => s.size, () => 0)
    let offset = opts.offset ?? held
    if (!Number.isSafeInteger(offset) || offset < 0) throw new ValidationError('offset', 'must be a whole number of bytes ≥ 0')
    if (offset > held) throw new ValidationError('offset', `is ${offset}, but ${part} holds ${held} bytes`)
    const msg: BlobMessage = { msgtype: 'getblobmsg', colonyname, checksum }
    const { req, res } = this.#request('GET', msg, offset > 0 ? { range: `bytes=${offset}-` } : {}, opts)
    req.end()
    const r = await res
    let total: number
    if (r.statusCode === 206 && offset > 0) {
      const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(r.headers['content-range'] ?? '')
      if (m === null || Number(m[1]) !== offset) {
        r.destroy()
        throw new RpcError(502, `${this.url} answered a resumed download with ${r.headers['content-range'] ?? 'no Content-Range'}`, msg.msgtype)
      }
      total = Number(m[2])
    } else if (r.statusCode === 200) {
      // the whole (the node ignored the range, or none was asked)
      offset = 0
      total = Number(r.headers['content-length'])
    } else if (r.statusCode === 416 && offset > 0) {
      // nothing after the offset: the part may be the whole blob
      r.resume()
      total = offset
    } else {
      throw await this.#refusal(r, msg.msgtype)
    }
    const fh = await open(part, offset === 0 ? 'w' : 'r+')
    try {
      await fh.truncate(offset)
    } finally {
      await fh.close()
    }
    const { hash } = await hashFile(part, offset)
    opts.onProgress?.(offset, total)
    if (total > offset) {
      try {
        await pipeline(r, counter(offset, total, opts.onProgress, hash), createWriteStream(part, { flags: 'a' }))
      } catch (err) {
        if (opts.signal?.aborted === true) throw opts.signal.reason
        throw new NodeUnreachableError(this.url, `the download was cut short (${describeNetworkError(err)}): run it again to resume`, err)
      }
      if (!r.complete) throw new NodeUnreachableError(this.url, 'the download was cut short: run it again to resume')
    }
    const got = hash.digest('hex')
    if (got !== checksum) {
      await rm(part, { force: true })
      throw new ChecksumMismatchError(`the bytes received hash to ${got}, not to ${checksum}: removed, download again`, msg.msgtype)
    }
    await rename(part, dest)
    return { checksum, size: total }
  }
}
