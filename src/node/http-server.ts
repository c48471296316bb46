/**
 * The node's one port: `POST /api` (ColonyOS RPC), the same RPC pipelined over WebSocket
 * `/rpc` (rpc-socket.ts), `GET /health`, WebSocket `/pubsub`,
 * the blobs of colony files under `/blobs/`, and the dashboard at `/` unless it is turned off.
 * Bodies are limited (MAX_BODY_BYTES, 413 beyond) and must be JSON; a client that disconnects aborts
 * its long-poll. With `tls` the same routes are served as HTTPS and WSS (tls-port.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { errorReply } from '../protocol/envelope.js'
import type { ChannelService } from './channels.js'
import type { Service } from './clock.js'
import type { ColonyStream } from './colony-stream.js'
import type { DashboardAssets } from './dashboard-assets.js'
import type { PubSub } from './pubsub.js'
import { decodeRequest, requestTooLarge, type RpcService, toResult } from './rpc-service.js'
import { RpcSocket } from './rpc-socket.js'
import { type TlsCredentials, TlsPort } from './tls-port.js'

/**
 * The largest RPC body accepted (a spec with big args, a big output): 3 MiB. A mutation
 * becomes one ledger record, and every record must fit one gossip message and one sync
 * frame (4 MiB each) with room to spare, or it could be acknowledged here and never
 * reach the other sites. Large data belongs in files, as ColonyOS advises.
 */
export const MAX_BODY_BYTES = 3 * 1024 * 1024

export interface HttpServerOptions {
  /** the port to listen on (0 picks a free one) and the interface */
  readonly port: number
  readonly host: string
  readonly rpc: RpcService
  readonly pubsub: PubSub
  /** `full`: also the state hash (costly on a big ledger; asked for with GET /health?state=1) */
  readonly health: (full: boolean) => Record<string, unknown>
  /** colonynet's colony-wide change stream (subscribecolonymsg) on /pubsub */
  readonly colonyStream?: ColonyStream
  /** process channels (subscribechannelmsg) on /pubsub */
  readonly channels?: ChannelService
  /** the dashboard's static files at `/`; undefined = no dashboard */
  readonly dashboard?: DashboardAssets
  /** the blob endpoints under /blobs/ (blobs/http.ts) */
  readonly blobs?: { serve: (req: IncomingMessage, res: ServerResponse, path: string, expectContinue: boolean) => Promise<void> }
  /** serve HTTPS and WSS with this certificate and key (ColonyOS's COLONIES_TLS); undefined = plain HTTP */
  readonly tls?: TlsCredentials
  /** false: no WebSocket RPC at /rpc (its upgrade is answered 404, as a ColonyOS server does) */
  readonly rpcSocket?: boolean
}

function send (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** The body as text; refuses one larger than MAX_BODY_BYTES as soon as it is (event handlers: cheaper per request than an async iterator). */
async function readBody (req: IncomingMessage): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        // the rest is drained, not read: a reset now would lose the 413 for the client
        // (node:http's requestTimeout bounds a body that never ends)
        req.off('data', onData)
        req.resume()
        reject(requestTooLarge(MAX_BODY_BYTES))
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}

/** A signal that aborts when the client goes away before its reply is written. */
function abortOnClose (res: ServerResponse): AbortSignal {
  const ac = new AbortController()
  if (res.destroyed) ac.abort()
  else res.once('close', () => { if (!res.writableFinished) ac.abort() })
  return ac.signal
}

export class HttpServer implements Service {
  readonly server: Server
  private readonly wss: WebSocketServer
  /** the WebSocket RPC at /rpc; undefined when turned off */
  readonly rpcSocket: RpcSocket | undefined
  private readonly opts: HttpServerOptions
  /** with TLS: the listener in front of `server` (tls-port.ts) */
  private readonly tlsPort: TlsPort | undefined
  private boundPort = 0

  constructor (opts: HttpServerOptions) {
    this.opts = opts
    this.tlsPort = opts.tls === undefined ? undefined : new TlsPort(opts.tls)
    // an HTTPS server is an HTTP server with the same events ('request', 'upgrade', …)
    this.server = this.tlsPort?.https as Server | undefined ?? createServer()
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => { void this.route(req, res) })
    // a blob upload sent with `Expect: 100-continue` is refused (too large, not a member)
    // before its body is sent; everything else is told to go on at once, as node:http does
    this.server.on('checkContinue', (req, res) => {
      if (this.opts.blobs !== undefined && (req.url ?? '').startsWith('/blobs/')) {
        void this.opts.blobs.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname, true)
        return
      }
      res.writeContinue()
      void this.route(req, res)
    })
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 })
    this.rpcSocket = opts.rpcSocket === false ? undefined : new RpcSocket({ rpc: opts.rpc, maxBodyBytes: MAX_BODY_BYTES })
    this.server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/rpc' && this.rpcSocket !== undefined) {
        this.rpcSocket.handleUpgrade(req, socket, head)
        return
      }
      if (path !== '/pubsub') {
        // a status, not a reset: a client trying /rpc learns to use POST /api (client/ws-transport.ts)
        socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
        return
      }
      this.wss.handleUpgrade(req, socket, head, ws => {
        ws.on('message', data => {
          const refuse = (err: unknown): void => {
            ws.send(JSON.stringify(toResult(err).reply))
            ws.close(1008, 'subscription refused')
          }
          try {
            const req = decodeRequest(data.toString())
            if (req.msg.msgtype === 'subscribecolonymsg' && this.opts.colonyStream !== undefined) this.opts.colonyStream.subscribe(ws, req)
            else if (req.msg.msgtype === 'subscribechannelmsg' && this.opts.channels !== undefined) this.opts.channels.subscribe(ws, req).catch(refuse)
            else this.opts.pubsub.subscribe(ws, req).catch(refuse)
          } catch (err) {
            refuse(err)
          }
        })
        ws.on('error', () => ws.terminate())
      })
    })
  }

  private async route (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/'
    // the RPC's path is taken without a URL object: it is nearly every request
    const url = raw === '/api' ? undefined : new URL(raw, 'http://x')
    const path = url?.pathname ?? raw
    try {
      // HEAD as uptime checks send it: node:http leaves the body out of a HEAD answer
      if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
        send(res, 200, { status: 'ok', ...this.opts.health(url?.searchParams.get('state') === '1') })
        return
      }
      if (this.opts.blobs !== undefined && path.startsWith('/blobs/')) {
        await this.opts.blobs.serve(req, res, path, false)
        return
      }
      if (path !== '/api' && this.opts.dashboard !== undefined && await this.opts.dashboard.serve(req, res, path)) return
      if (path !== '/api') {
        send(res, 404, errorReply(404, `no such endpoint ${req.method ?? ''} ${path}: use POST /api, GET /health, /rpc or /pubsub`))
        return
      }
      if (req.method !== 'POST') {
        send(res, 405, errorReply(405, 'use POST /api with a signed envelope'))
        return
      }
      const text = await readBody(req)
      const result = await this.opts.rpc.handle(text, () => abortOnClose(res))
      if (!res.destroyed) send(res, result.status, result.reply)
    } catch (err) {
      if (!res.headersSent && !res.destroyed) {
        const r = toResult(err)
        send(res, r.status, r.reply)
      }
    }
  }

  /** The port listened on once started (0 before). */
  get port (): number {
    return this.boundPort
  }

  /** Whether the port serves HTTPS and WSS. */
  get tls (): boolean {
    return this.tlsPort !== undefined
  }

  /** Listens on the port and interface of the options. */
  async start (): Promise<void> {
    if (this.tlsPort !== undefined) {
      this.boundPort = await this.tlsPort.listen(this.opts.port, this.opts.host)
      return
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.boundPort = (this.server.address() as AddressInfo).port
  }

  /** Closes the WebSockets and every connection, then the server. */
  async stop (): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate()
    this.wss.close()
    this.rpcSocket?.close()
    if (this.tlsPort !== undefined) {
      await this.tlsPort.close()
      return
    }
    await new Promise<void>(resolve => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }
}
