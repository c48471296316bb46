/**
 * One HTTP exchange over node:http with a keep-alive agent. Measured here, this costs a
 * fraction of the CPU of the built-in fetch (whose web streams dominate a profile of a
 * busy executor), and an executor makes two or three of these per process.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 })
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 })

export interface HttpResult {
  readonly status: number
  readonly text: string
}

/** Resolves with status and body; rejects with the socket error, or with `signal`'s reason on abort. */
export async function exchange (url: string, method: 'GET' | 'POST', body: string | undefined, signal: AbortSignal): Promise<HttpResult> {
  const u = new URL(url)
  const tls = u.protocol === 'https:'
  return await new Promise<HttpResult>((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(u, {
      method,
      agent: tls ? httpsAgent : httpAgent,
      headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      signal
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}
