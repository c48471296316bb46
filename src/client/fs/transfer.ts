/**
 * Moves one file's content between a local path and where the colony keeps it, and records
 * or reads its metadata: what `fs sync`, `fs get` and `fs snapshot download` do per file.
 *
 * Upload, "colonynet" (the default): the blob goes to the node the client talks to
 * (BlobClient.uploadBlob), then `addfilemsg` records it with ref {protocol: "colonynet"}
 * and the content's SHA-256; other sites fetch it from there when asked. Upload, "s3":
 * the object goes to the configured bucket under a random name, then the file is recorded
 * with ref "s3" as upstream's CLI records it, except that no keys are written into the
 * ledger (every member and every site reads it; pycolonies records none either).
 *
 * Download picks the backend by the file's ref.protocol: "colonynet" from the local node
 * (which fetches the blob from another site if it lacks it), resuming `<dest>.part`;
 * "s3" from the object the ref names. Either way the bytes are checked against the
 * file's checksum before they appear at `dest`.
 */
import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { BLOB_CHECKSUM_ALG, EMPTY_S3OBJECT } from '../../protocol/messages.js'
import type { ColonyFile } from '../../protocol/wire-files.js'
import { ChecksumMismatchError, NotFoundError, ValidationError } from '../../protocol/errors.js'
import type { BlobClient } from '../blobs.js'
import { contentChecksum, S3Client, s3Endpoint } from '../s3.js'
import type { FileRegistration } from '../rpc-files.js'

/** Where uploads go. */
export type Driver = 'colonynet' | 's3'

/** An S3 bucket to upload to (upstream's AWS_S3_* settings). */
export interface S3Settings {
  /** "host:port" as upstream's AWS_S3_ENDPOINT, or an http(s) URL */
  endpoint: string
  accessKey: string
  secretKey: string
  region: string
  tls: boolean
  bucket: string
}

/** Called as bytes move: `done` of `total` for one file. */
export type FileProgress = (done: number, total: number) => void

export interface DownloadResult {
  size: number
  /** bytes a previous, cut download had left in `<dest>.part` and that were kept (0: from the start) */
  resumed: number
}

/** The calls the mover makes (a ColoniesClient has them). */
export interface MoverClient {
  addFile: (file: FileRegistration) => Promise<ColonyFile>
}

export interface FileMoverOptions {
  client: MoverClient
  blobs: BlobClient
  colonyname: string
  /** the bucket for `s3` uploads, and the credentials for `s3` downloads (else the ref's) */
  s3?: S3Settings
  signal?: AbortSignal
}

const HEX64 = /^[0-9a-f]{64}$/i
const EMPTY_SHA256 = contentChecksum(new Uint8Array(0))

/** The URL of an AWS_S3_ENDPOINT-style endpoint. */
export function s3Url (s: Pick<S3Settings, 'endpoint' | 'tls'>): string {
  return /^https?:\/\//i.test(s.endpoint) ? s.endpoint : `${s.tls ? 'https' : 'http'}://${s.endpoint}`
}

export class FileMover {
  readonly colonyname: string
  readonly #o: FileMoverOptions
  #bucketReady: Promise<void> | undefined

  constructor (opts: FileMoverOptions) {
    this.colonyname = opts.colonyname
    this.#o = opts
  }

  #s3 (): { client: S3Client, settings: S3Settings } {
    const settings = this.#o.s3
    if (settings === undefined) throw new ValidationError('driver', 's3 needs an S3 endpoint and bucket (AWS_S3_ENDPOINT, AWS_S3_BUCKET, AWS_S3_ACCESSKEY, AWS_S3_SECRETKEY)')
    return { client: new S3Client({ endpoint: s3Url(settings), accessKey: settings.accessKey, secretKey: settings.secretKey, region: settings.region }), settings }
  }

  /**
   * Uploads the file at `path` and records it as `name` under `label` (a new revision when
   * the name exists). Returns the recorded file.
   */
  async upload (path: string, label: string, name: string, driver: Driver, onProgress?: FileProgress): Promise<ColonyFile> {
    const colonyname = this.colonyname
    if (driver === 'colonynet') {
      const { checksum, size } = await this.#o.blobs.uploadBlob(colonyname, path, {
        ...(onProgress === undefined ? {} : { onProgress }),
        ...(this.#o.signal === undefined ? {} : { signal: this.#o.signal })
      })
      return await this.#o.client.addFile({ colonyname, label, name, size, checksum, checksumalg: BLOB_CHECKSUM_ALG, ref: { protocol: 'colonynet' } })
    }
    const { client, settings } = this.#s3()
    // the bytes read are the bytes hashed and sent (the S3 client signs a body it holds)
    const body = await readFile(path)
    const checksum = contentChecksum(body)
    onProgress?.(0, body.length)
    const object = randomBytes(32).toString('hex')
    if (body.length > 0) {
      this.#bucketReady ??= client.ensureBucket(settings.bucket)
      await this.#bucketReady
      await client.putObject(settings.bucket, object, body)
    }
    onProgress?.(body.length, body.length)
    const url = new URL(s3Url(settings))
    return await this.#o.client.addFile({
      colonyname,
      label,
      name,
      size: body.length,
      checksum,
      checksumalg: BLOB_CHECKSUM_ALG,
      ref: {
        protocol: 's3',
        // upstream's Go CLI: the endpoint as host:port, port -1, TLS from the setting
        s3object: { ...EMPTY_S3OBJECT, server: url.host, port: -1, tls: url.protocol === 'https:', region: settings.region, object, bucket: settings.bucket }
      }
    })
  }

  /**
   * Downloads `file` to `dest` (replacing what is there only once the bytes are checked).
   * A colonynet download resumes the `<dest>.part` a cut one left; if those bytes turn out
   * not to be the file's, it starts once more from the beginning.
   */
  async download (file: Pick<ColonyFile, 'name' | 'checksum' | 'size' | 'ref'> & { label?: string }, dest: string, onProgress?: FileProgress): Promise<DownloadResult> {
    const protocol = file.ref.protocol
    if (file.size === 0) {
      if (HEX64.test(file.checksum) && file.checksum.toLowerCase() !== EMPTY_SHA256) {
        throw new ChecksumMismatchError(`${file.name} is recorded as empty but with checksum ${file.checksum}, which is not that of no bytes`)
      }
      await writeFile(dest, new Uint8Array(0))
      onProgress?.(0, 0)
      return { size: 0, resumed: 0 }
    }
    if (protocol === 'colonynet') {
      try {
        return await this.#downloadBlob(file.checksum.toLowerCase(), dest, onProgress)
      } catch (err) {
        if ((err as Error).name !== 'NotFoundError') throw err
        // the node's words name the blob; say which file, and what can be done
        const path = file.label === undefined ? file.name : file.label === '/' ? `/${file.name}` : `${file.label}/${file.name}`
        const e = new NotFoundError(`the content of ${path} is neither at this site nor at a site it can reach: try again once a site that holds it is reachable ` +
          `(a site keeps a label's files for such times with \`node start --keep-label\`). The node said: ${(err as Error).message.replace(/ of colony "[^"]*"/, '')}`)
        e.cause = err
        throw e
      }
    }
    if (protocol === 's3') return await this.#downloadS3(file, dest, onProgress)
    throw new ValidationError('ref.protocol', `${file.name} is stored with protocol "${protocol}", which this client cannot fetch (colonynet or s3)`)
  }

  async #downloadBlob (checksum: string, dest: string, onProgress?: FileProgress): Promise<DownloadResult> {
    const held = await stat(`${dest}.part`).then(s => s.size, () => 0)
    let resumed = -1
    const opts = {
      onProgress: (done: number, total: number) => {
        if (resumed < 0) resumed = done
        onProgress?.(done, total)
      },
      ...(this.#o.signal === undefined ? {} : { signal: this.#o.signal })
    }
    try {
      const { size } = await this.#o.blobs.downloadBlob(this.colonyname, checksum, dest, opts)
      return { size, resumed: Math.max(resumed, 0) }
    } catch (err) {
      // the part was not a prefix of this content (another revision's, say): it is gone now; once more from 0
      if ((err as Error).name !== 'ChecksumMismatchError' || held === 0) throw err
      resumed = -1
      const { size } = await this.#o.blobs.downloadBlob(this.colonyname, checksum, dest, opts)
      return { size, resumed: 0 }
    }
  }

  async #downloadS3 (file: Pick<ColonyFile, 'name' | 'checksum' | 'size' | 'ref'>, dest: string, onProgress?: FileProgress): Promise<DownloadResult> {
    const o = file.ref.s3object
    const s = this.#o.s3
    // the ref's endpoint and bucket; the configured keys, else the ref's (upstream's CLI wrote them there)
    const endpoint = o.server !== '' ? s3Endpoint(o) : s === undefined ? '' : s3Url(s)
    if (endpoint === '') throw new ValidationError('ref.s3object.server', `${file.name} names no S3 endpoint: set AWS_S3_ENDPOINT`)
    const keys = s !== undefined && s.accessKey !== '' ? s : { accessKey: o.accesskey, secretKey: o.secretkey }
    const client = new S3Client({ endpoint, accessKey: keys.accessKey, secretKey: keys.secretKey, region: o.region !== '' ? o.region : s?.region ?? '' })
    onProgress?.(0, file.size)
    const body = await client.getObject(o.bucket !== '' ? o.bucket : s?.bucket ?? '', o.object)
    const got = contentChecksum(body)
    if (HEX64.test(file.checksum) && got !== file.checksum.toLowerCase()) {
      throw new ChecksumMismatchError(`${file.name}: the S3 object ${o.bucket}/${o.object} hashes to ${got}, not to the recorded ${file.checksum}`)
    }
    const part = `${dest}.part`
    try {
      await writeFile(part, body)
      await rename(part, dest)
    } catch (err) {
      await rm(part, { force: true })
      throw err
    }
    onProgress?.(body.length, body.length)
    return { size: body.length, resumed: 0 }
  }
}
