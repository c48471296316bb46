/**
 * A stand-in for a colonies node, for client tests: node:http on 127.0.0.1:0 that checks
 * every request is a correctly signed envelope, answers like upstream (reply envelope,
 * HTTP status = error status), and serves /pubsub over WebSocket. Each test installs the
 * handlers it needs; every call is recorded and can be awaited as an event.
 */
import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { errorReply, okReply, openEnvelope, parseEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js'
import type { Process } from '../../src/protocol/wire-types.js'

export interface Call { msgtype: string, msg: Record<string, unknown>, signer: string }
/** What a handler answers: a value (payload), or an error with its status; `hold` leaves the request open. */
export type Answer = { value?: unknown, status?: number, error?: string } | 'hold'
export type Handler = (call: Call) => Answer | Promise<Answer>
export type PubsubHandler = (call: Call, ws: WebSocket) => void

export class FakeNode {
  readonly calls: Call[] = []
  readonly handlers = new Map<string, Handler>()
  pubsub: PubsubHandler | undefined
  health: () => { status: number, body: string } = () => ({ status: 200, body: '{"status":"ok"}' })
  readonly #events = new EventEmitter()
  readonly #server: Server
  readonly #wss: WebSocketServer
  readonly #held = new Set<ServerResponse>()
  url = ''

  constructor () {
    this.#server = createServer((req, res) => { void this.#serve(req, res) })
    this.#wss = new WebSocketServer({ server: this.#server, path: '/pubsub' })
    this.#wss.on('connection', ws => {
      ws.on('message', data => {
        const call = this.#open((data as Buffer).toString('utf8'))
        this.#record(call)
        this.pubsub?.(call, ws)
      })
    })
  }

  async start (): Promise<this> {
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    return this
  }

  async close (): Promise<void> {
    for (const res of this.#held) res.destroy()
    for (const ws of this.#wss.clients) ws.terminate()
    this.#wss.close()
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  on (msgtype: string, handler: Handler): this {
    this.handlers.set(msgtype, handler)
    return this
  }

  /** The first call of `msgtype` (matching `pred`) made so far or from now on. */
  async next (msgtype: string, pred: (c: Call) => boolean = () => true): Promise<Call> {
    const seen = this.calls.find(c => c.msgtype === msgtype && pred(c))
    if (seen !== undefined) return seen
    return await new Promise(resolve => {
      const listener = (c: Call): void => {
        if (c.msgtype === msgtype && pred(c)) {
          this.#events.off('call', listener)
          resolve(c)
        }
      }
      this.#events.on('call', listener)
    })
  }

  count (msgtype: string): number {
    return this.calls.filter(c => c.msgtype === msgtype).length
  }

  /** Every request must verify; a failure here fails the test with the reason. */
  #open (body: string): Call {
    const env = parseEnvelope(body)
    const signer = verifyEnvelope(env)
    const { msgtype, json } = openEnvelope(env)
    return { msgtype, msg: json, signer }
  }

  #record (call: Call): void {
    this.calls.push(call)
    this.#events.emit('call', call)
  }

  async #serve (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/health') {
      const h = this.health()
      res.writeHead(h.status, { 'content-type': 'application/json' }).end(h.body)
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    let call: Call
    try {
      call = this.#open(Buffer.concat(chunks).toString('utf8'))
    } catch (err) {
      const reply = errorReply(400, `fake node: bad envelope: ${(err as Error).message}`)
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(reply))
      return
    }
    this.#record(call)
    const handler = this.handlers.get(call.msgtype)
    // as a ColonyOS server answers a payload type it has no handler for (pkg/server/server.go)
    const answer: Answer = handler === undefined ? { status: 403, error: `invalid rpcMsg.PayloadType: ${call.msgtype} (fake node: no handler)` } : await handler(call)
    if (answer === 'hold') {
      this.#held.add(res)
      res.on('close', () => this.#held.delete(res))
      return
    }
    if (answer.error !== undefined) {
      const status = answer.status ?? 400
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(errorReply(status, answer.error)))
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(okReply(call.msgtype, answer.value ?? {})))
    }
  }
}

export async function startFakeNode (): Promise<FakeNode> {
  return await new FakeNode().start()
}

let seq = 0

/** A Process as upstream sends it, with the fields a test cares about overridden. */
export function makeProcess (over: Partial<Omit<Process, 'spec'>> & { spec?: Partial<Process['spec']> } = {}): Process {
  const processid = over.processid ?? (++seq).toString(16).padStart(64, '0')
  const { spec: specOver, ...rest } = over
  return {
    processid,
    initiatorid: 'a'.repeat(64),
    initiatorname: 'tester',
    assignedexecutorid: '',
    isassigned: false,
    state: 0,
    prioritytime: 0,
    submissiontime: '2024-01-01T00:00:00Z',
    starttime: '0001-01-01T00:00:00Z',
    endtime: '0001-01-01T00:00:00Z',
    waitdeadline: '0001-01-01T00:00:00Z',
    execdeadline: '0001-01-01T00:00:00Z',
    retries: 0,
    attributes: [],
    waitforparents: false,
    parents: [],
    children: [],
    processgraphid: '',
    in: [],
    out: [],
    errors: [],
    ...rest,
    spec: {
      nodename: '',
      funcname: 'echo',
      args: [],
      kwargs: {},
      priority: 0,
      maxwaittime: -1,
      maxexectime: -1,
      maxretries: 0,
      conditions: {
        colonyname: 'dev',
        executornames: [],
        executortype: 'cli',
        dependencies: [],
        nodes: 0,
        cpu: '',
        processes: 0,
        processespernode: 0,
        mem: '',
        storage: '',
        gpu: { name: '', mem: '', count: 0, nodecount: 0 },
        walltime: 0
      },
      label: '',
      fs: { mount: '', snapshots: [], dirs: [] },
      env: {},
      ...specOver
    }
  }
}
