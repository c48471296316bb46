/**
 * The API port with TLS on: one TCP listener that looks at the first byte of every
 * connection and hands it to the HTTPS server (a TLS handshake starts with 0x16) or, when
 * a client speaks plain HTTP to it, to a small server that answers every request with
 * 400 and a sentence saying the port serves HTTPS. Without that second server a plain
 * client sees only "socket hang up", which says nothing about the cause (Go's net/http,
 * which ColonyOS uses, answers such clients the same way).
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { errorReply } from '../protocol/envelope.js'
import { PLAIN_ON_TLS_MESSAGE } from '../protocol/tls.js'

/** The PEM certificate (chain) and private key the port presents. */
export interface TlsCredentials {
  readonly cert: string | Buffer
  readonly key: string | Buffer
}

/** The first byte of a TLS record carrying a handshake. */
const TLS_HANDSHAKE = 0x16

/** A connection that sends nothing this long is closed (a plain server's headersTimeout does the same). */
const FIRST_BYTE_MS = 60_000

export class TlsPort {
  /** the server the routes are attached to ('request', 'upgrade', 'checkContinue') */
  readonly https: HttpsServer
  readonly #plain: HttpServer
  readonly #outer: NetServer
  readonly #sockets = new Set<Socket>()

  constructor (credentials: TlsCredentials) {
    this.https = createHttpsServer({ cert: credentials.cert, key: credentials.key })
    this.#plain = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const text = JSON.stringify(errorReply(400, PLAIN_ON_TLS_MESSAGE))
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' })
      res.end(text)
      req.resume()
    })
    this.#plain.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      const text = JSON.stringify(errorReply(400, PLAIN_ON_TLS_MESSAGE))
      socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`)
    })
    this.#outer = createNetServer(socket => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
      socket.setTimeout(FIRST_BYTE_MS, () => socket.destroy())
      socket.once('error', () => socket.destroy())
      socket.once('readable', () => {
        const first = socket.read(1) as Buffer | null
        socket.setTimeout(0)
        if (first === null) {
          socket.destroy()
          return
        }
        socket.unshift(first)
        if (first[0] === TLS_HANDSHAKE) this.https.emit('connection', socket)
        else this.#plain.emit('connection', socket)
      })
    })
  }

  /** Listens; resolves with the port bound. */
  async listen (port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#outer.once('error', reject)
      this.#outer.listen(port, host, () => {
        this.#outer.off('error', reject)
        resolve()
      })
    })
    const address = this.#outer.address()
    return typeof address === 'object' && address !== null ? address.port : port
  }

  /** Stops listening and ends every connection, TLS or not. */
  async close (): Promise<void> {
    const closed = new Promise<void>(resolve => this.#outer.close(() => resolve()))
    this.https.closeAllConnections()
    this.#plain.closeAllConnections()
    for (const s of this.#sockets) s.destroy()
    await closed
  }
}
