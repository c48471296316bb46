/**
 * CPU per HTTP exchange of the client transport (src/client/transport.ts), against a bare
 * node:http request on the same keep-alive agent settings (no deadline, no abort), and
 * against the way the transport worked before (the URL parsed per request, a deadline
 * through an AbortController and node:http's `signal` option). One process: a local
 * server answers each POST with a small ColonyOS-shaped reply, so every figure includes the
 * same server-side cost; rounds alternate the three, and the ratio to the bare request is
 * what to read. 8 requests in flight, as 8 executors would keep.
 * The server side too: the bare request against the node's own HTTP route (src/node/
 * http-server.ts, with an RPC service that answers at once) instead of the bare server.
 *
 * Usage: node --import tsx bench/transport.ts   (N=… requests per round, ROUNDS=…)
 */
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { exchange, httpTarget } from '../src/client/transport.js'
import { HttpServer } from '../src/node/http-server.js'
import type { RpcService } from '../src/node/rpc-service.js'

export async function benchTransport (n = Number(process.env.N ?? 4000), rounds = Number(process.env.ROUNDS ?? 3)): Promise<Record<string, number>> {
  const reply = JSON.stringify({ payloadtype: 'getcoloniesmsg', payload: Buffer.from('[]').toString('base64'), signature: 'b'.repeat(130), error: false })
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) })
      res.end(reply)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const body = JSON.stringify({ payloadtype: 'submitfuncspecmsg', payload: 'a'.repeat(400), signature: 'b'.repeat(130) })
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
  const read = async (make: (done: (err?: Error) => void) => void): Promise<void> => await new Promise<void>((resolve, reject) => make(err => err === undefined ? resolve() : reject(err)))

  // the node's route, its RPC service reduced to parsing the body and answering
  const parsed = JSON.parse(reply) as Awaited<ReturnType<RpcService['handle']>>['reply']
  const route = new HttpServer({
    port: 0,
    host: '127.0.0.1',
    rpc: { handle: async (text: unknown) => { JSON.parse(text as string); return { status: 200, reply: parsed } } } as unknown as RpcService,
    pubsub: undefined as never,
    health: () => ({})
  })
  await route.start()
  const routePort = route.port

  const bareTo = async (to: number): Promise<void> => await read(done => {
    const req = request({ host: '127.0.0.1', port: to, path: '/api', method: 'POST', agent, headers }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { Buffer.concat(chunks).toString('utf8'); done() })
    })
    req.on('error', done)
    req.end(body)
  })
  const bare = async (): Promise<void> => { await bareTo(port) }
  const nodeRoute = async (): Promise<void> => { await bareTo(routePort) }
  const target = httpTarget(url)
  const transport = async (): Promise<void> => { await exchange(target, '/api', 'POST', body, 30_000) }
  const withSignal = async (): Promise<void> => {
    const ctrl = new AbortController()
    const timer = setTimeout(() => ctrl.abort(), 30_000)
    try {
      await read(done => {
        const req = request(new URL(`${url}/api`), { method: 'POST', agent, headers, signal: ctrl.signal }, res => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => { Buffer.concat(chunks).toString('utf8'); done() })
        })
        req.on('error', done)
        req.end(body)
      })
    } finally {
      clearTimeout(timer)
    }
  }

  const ways = { bare, transport, 'signal option': withSignal, 'node route': nodeRoute } as const
  const best: Record<string, number> = {}
  for (let r = 0; r < rounds + 1; r++) {
    for (const [name, f] of Object.entries(ways)) {
      const c0 = process.cpuUsage()
      await Promise.all(Array.from({ length: 8 }, async () => { for (let i = 0; i < n / 8; i++) await f() }))
      const c = process.cpuUsage(c0)
      // the first round warms the JIT and the sockets up: not counted
      if (r > 0) best[name] = Math.min(best[name] ?? Infinity, (c.user + c.system) / n)
    }
  }
  server.close()
  await route.stop()
  agent.destroy()
  const out: Record<string, number> = {}
  for (const [name, us] of Object.entries(best)) out[`µs CPU per exchange (client + server): ${name}`] = Math.round(us * 10) / 10
  out['transport ÷ bare'] = Math.round((best.transport ?? NaN) / (best.bare ?? NaN) * 100) / 100
  out['signal option ÷ bare'] = Math.round((best['signal option'] ?? NaN) / (best.bare ?? NaN) * 100) / 100
  out['node route ÷ bare (server side)'] = Math.round((best['node route'] ?? NaN) / (best.bare ?? NaN) * 100) / 100
  return out
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchTransport())
  process.exit(0)
}
