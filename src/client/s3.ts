/**
 * A small S3 client: create and check buckets, put, get, head and delete objects, signed
 * with AWS Signature Version 4 (node:crypto) and sent with fetch, path-style
 * (http(s)://host:port/bucket/key) as S3-compatible servers (MinIO and the like) expect.
 * Bodies are held in memory and their SHA-256 signed, which suits the files ColonyOS's
 * CFS moves; it is not a streaming multipart uploader.
 *
 * A file whose `ref.protocol` is "s3" names its object in `ref.s3object`; `s3ForObject`
 * turns that into a client and the object's bucket and key, as upstream's clients read it.
 */
import { createHash, createHmac } from 'node:crypto'
import type { S3ObjectInput } from '../protocol/messages.js'

export interface S3Options {
  /** e.g. http://127.0.0.1:9000 */
  endpoint: string
  accessKey: string
  secretKey: string
  /** default us-east-1 */
  region?: string
  /** per-request limit in ms (default 60 s) */
  timeoutMs?: number
}

export interface S3Head {
  readonly size: number
  readonly etag: string
  readonly contentType: string
}

/** An S3 error reply (or a failed exchange, status 0): its HTTP status and S3 error code. */
export class S3Error extends Error {
  readonly status: number
  readonly code: string
  constructor (status: number, code: string, message: string) {
    super(message)
    this.name = 'S3Error'
    this.status = status
    this.code = code
  }
}

const sha256Hex = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex')
const hmac = (key: Uint8Array | string, data: string): Buffer => createHmac('sha256', key).update(data).digest()

/** RFC 3986 encoding of one path segment or query part, as SigV4 wants it. */
function encode (text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The XML error body's <Code> and <Message>, when there is one. */
function errorOf (status: number, text: string, what: string): S3Error {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (status === 404 ? 'NotFound' : `HTTP${status}`)
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200)
  return new S3Error(status, code, `${what}: ${status} ${code}${message === '' ? '' : `: ${message}`}`)
}

export class S3Client {
  readonly endpoint: URL
  readonly region: string
  readonly #accessKey: string
  readonly #secretKey: string
  readonly #timeoutMs: number

  constructor (opts: S3Options) {
    this.endpoint = new URL(opts.endpoint)
    if (this.endpoint.protocol !== 'http:' && this.endpoint.protocol !== 'https:') throw new TypeError(`S3 endpoint must be http or https: ${opts.endpoint}`)
    this.region = opts.region !== undefined && opts.region !== '' ? opts.region : 'us-east-1'
    this.#accessKey = opts.accessKey
    this.#secretKey = opts.secretKey
    this.#timeoutMs = opts.timeoutMs ?? 60_000
  }

  /** Creates the bucket; one this client already owns is fine. */
  async createBucket (bucket: string): Promise<void> {
    const r = await this.request('PUT', bucket, '', new Uint8Array(0))
    const text = await r.text()
    if (r.status === 200 || (r.status === 409 && /BucketAlreadyOwnedByYou/.test(text))) return
    throw errorOf(r.status, text, `create bucket ${bucket}`)
  }

  async bucketExists (bucket: string): Promise<boolean> {
    const r = await this.request('HEAD', bucket, '')
    if (r.status === 200) return true
    if (r.status === 404) return false
    throw errorOf(r.status, '', `head bucket ${bucket}`)
  }

  /** Creates the bucket unless it exists (as upstream's clients do before an upload). */
  async ensureBucket (bucket: string): Promise<void> {
    if (!await this.bucketExists(bucket)) await this.createBucket(bucket)
  }

  /** Stores the object; returns its ETag. */
  async putObject (bucket: string, key: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<string> {
    const r = await this.request('PUT', bucket, key, body, { 'content-type': contentType })
    const text = await r.text()
    if (r.status !== 200) throw errorOf(r.status, text, `put ${bucket}/${key}`)
    return r.headers.get('etag') ?? ''
  }

  async getObject (bucket: string, key: string): Promise<Uint8Array> {
    const r = await this.request('GET', bucket, key)
    if (r.status !== 200) throw errorOf(r.status, await r.text(), `get ${bucket}/${key}`)
    return new Uint8Array(await r.arrayBuffer())
  }

  /** The object's size and ETag, or undefined when there is no such object. */
  async headObject (bucket: string, key: string): Promise<S3Head | undefined> {
    const r = await this.request('HEAD', bucket, key)
    if (r.status === 404) return undefined
    if (r.status !== 200) throw errorOf(r.status, '', `head ${bucket}/${key}`)
    return { size: Number(r.headers.get('content-length') ?? 0), etag: r.headers.get('etag') ?? '', contentType: r.headers.get('content-type') ?? '' }
  }

  /** Deletes the object (S3 answers success for one that is not there). */
  async deleteObject (bucket: string, key: string): Promise<void> {
    const r = await this.request('DELETE', bucket, key)
    if (r.status !== 204 && r.status !== 200) throw errorOf(r.status, await r.text(), `delete ${bucket}/${key}`)
  }

  /** One signed request, path-style: /bucket[/key]. */
  private async request (method: string, bucket: string, key: string, body?: Uint8Array, extra: Record<string, string> = {}): Promise<Response> {
    if (bucket === '') throw new TypeError('an S3 bucket name is required')
    const url = new URL('/' + [bucket, ...(key === '' ? [] : key.split('/'))].map(encode).join('/'), this.endpoint)
    const payloadHash = sha256Hex(body ?? new Uint8Array(0))
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
    const headers: Record<string, string> = { ...extra, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate }
    const { authorization } = signV4({
      method, path: url.pathname, headers: { ...headers, host: url.host }, payloadHash, amzDate,
      region: this.region, accessKey: this.#accessKey, secretKey: this.#secretKey
    })
    try {
      const payload = body === undefined || body.length === 0 ? {} : { body: body as Uint8Array<ArrayBuffer> }
      return await fetch(url, { method, headers: { ...headers, authorization }, ...payload, signal: AbortSignal.timeout(this.#timeoutMs) })
    } catch (err) {
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      throw new S3Error(0, cause?.code ?? 'NetworkError', `${method} ${url.origin}: ${cause?.message ?? (err as Error).message}`)
    }
  }
}

/** What a request signature covers (no query string: these calls use none). */
export interface SignV4Input {
  method: string
  /** the URI-encoded path as sent */
  path: string
  /** every header to sign, host included */
  headers: Record<string, string>
  /** hex SHA-256 of the body (also sent as x-amz-content-sha256) */
  payloadHash: string
  /** YYYYMMDDTHHMMSSZ (also sent as x-amz-date) */
  amzDate: string
  region: string
  accessKey: string
  secretKey: string
  service?: string
}

/** AWS Signature Version 4 of one request: its Authorization header (a pure function of the input). */
export function signV4 (r: SignV4Input): { authorization: string, signature: string, signedHeaders: string } {
  const day = r.amzDate.slice(0, 8)
  const service = r.service ?? 's3'
  const lower = new Map(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')]))
  const names = [...lower.keys()].sort()
  const signedHeaders = names.join(';')
  const canonical = [r.method, r.path, '', names.map(h => `${h}:${lower.get(h) as string}\n`).join(''), signedHeaders, r.payloadHash].join('\n')
  const scope = `${day}/${r.region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', r.amzDate, scope, sha256Hex(canonical)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${r.secretKey}`, day), r.region), service), 'aws4_request')
  const signature = createHmac('sha256', key).update(toSign).digest('hex')
  return { authorization: `AWS4-HMAC-SHA256 Credential=${r.accessKey}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`, signature, signedHeaders }
}

/**
 * The endpoint an S3 reference names: `server` may hold "host:port" (upstream's Go client
 * writes port -1 then) or a whole URL; otherwise `port` and `tls` complete it.
 */
export function s3Endpoint (o: Pick<S3ObjectInput, 'server' | 'port' | 'tls'>): string {
  if (/^https?:\/\//i.test(o.server)) return o.server
  const scheme = o.tls ? 'https' : 'http'
  const hasPort = /:\d+$/.test(o.server) && !o.server.startsWith('[')
  return `${scheme}://${o.server}${o.port > 0 && !hasPort ? `:${o.port}` : ''}`
}

/**
 * A client for the object a file's S3 reference names, with its bucket and key. The
 * reference's own keys are used unless `credentials` are given (pycolonies records empty
 * keys and reads AWS_S3_ACCESSKEY / AWS_S3_SECRETKEY at download).
 */
export function s3ForObject (o: S3ObjectInput, credentials?: { accessKey: string, secretKey: string }): { client: S3Client, bucket: string, key: string } {
  const client = new S3Client({
    endpoint: s3Endpoint(o),
    accessKey: credentials?.accessKey ?? o.accesskey,
    secretKey: credentials?.secretKey ?? o.secretkey,
    region: o.region
  })
  return { client, bucket: o.bucket, key: o.object }
}

/** The lowercase hex SHA-256 of content: a file's checksum, as upstream's clients write it. */
export function contentChecksum (data: Uint8Array | string): string {
  return sha256Hex(data)
}
