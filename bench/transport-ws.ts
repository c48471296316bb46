/**
 * HTTP against the WebSocket RPC, same run: requests/s and CPU per request of the client
 * process and of the server process apart (the server runs in a child process, so each
 * side's process.cpuUsage is its own). Two servers:
 *  - `stub`: the node's HttpServer with an RPC service that parses the envelope and answers
 *    a fixed reply at once: the transports alone (client exchange + node route / socket);
 *  - `node read`: a real node, the client's ColoniesClient calling `getcolonies` signed by
 *    the operator: a small read end to end (the envelope is the same each time, so the
 *    node's cache of recovered signatures answers most recoveries);
 *  - `node submit`: the same node, a user submitting function specs, each a distinct
 *    signed envelope recovered, folded and stored: the transport's share of a real write.
 * CONCURRENCY requests in flight (default 8, as 8 executors would keep); rounds alternate
 * the two transports and the first round only warms up; the best round is kept.
 *
 * Usage: node --import tsx bench/transport-ws.ts   (N=… requests per round, ROUNDS=…, CONCURRENCY=…)
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { exchange, httpTarget } from '../src/client/transport.js'
import { RpcConnection } from '../src/client/ws-transport.js'
import { generatePrivateKey } from '../src/protocol/crypto.js'

type Cpu = { user: number, system: number }
interface Server { readonly url: string, cpu: () => Promise<number>, stop: () => Promise<void> }

/** The child: a server of one kind, reporting its CPU (µs) when asked. */
async function serve (kind: string, prvkey: string): Promise<void> {
  let url: string
  let stop: () => Promise<void>
  if (kind === 'stub') {
    const { HttpServer } = await import('../src/node/http-server.js')
    const { okReply } = await import('../src/protocol/envelope.js')
    const reply = okReply('getcoloniesmsg', [])
    const server = new HttpServer({
      port: 0,
      host: '127.0.0.1',
      rpc: { handle: async (body: unknown) => { if (typeof body === 'string') JSON.parse(body); return { status: 200, reply } } } as never,
      pubsub: undefined as never,
      health: () => ({})
    })
    await server.start()
    url = `http://127.0.0.1:${server.port}`
    stop = async () => { await server.stop() }
  } else {
    const { ColonyNode } = await import('../src/node/index.js')
    const dir = await mkdtemp(join(tmpdir(), 'colonynet-bench-ws-'))
    const node = await ColonyNode.start({ dataDir: dir, port: 0, operatorPrvkey: prvkey, dashboard: false })
    url = node.url
    stop = async () => { await node.stop(); await rm(dir, { recursive: true, force: true }) }
  }
  process.on('message', (m: string) => {
    if (m === 'cpu') {
      const c = process.cpuUsage()
      process.send?.({ cpu: c.user + c.system })
    } else if (m === 'stop') {
      void stop().then(() => process.exit(0))
    }
  })
  process.send?.({ url })
}

async function startServer (kind: string, prvkey: string): Promise<Server> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', kind, prvkey], { execArgv: ['--import', 'tsx'] })
  const next = async <T>(): Promise<T> => await new Promise<T>(resolve => child.once('message', m => resolve(m as T)))
  const { url } = await next<{ url: string }>()
  return {
    url,
    cpu: async () => { const r = next<{ cpu: number }>(); child.send('cpu'); return (await r).cpu },
    stop: async () => { const exited = new Promise(resolve => child.once('exit', resolve)); child.send('stop'); await exited }
  }
}

const total = (c: Cpu): number => c.user + c.system

export async function benchTransportWs (n = Number(process.env.N ?? 8000), rounds = Number(process.env.ROUNDS ?? 3), concurrency = Number(process.env.CONCURRENCY ?? 8)): Promise<Record<string, number>> {
  const prvkey = generatePrivateKey()
  const out: Record<string, number> = {}
  for (const kind of ['stub', 'node read', 'node submit']) {
    const server = await startServer(kind === 'stub' ? 'stub' : 'node', prvkey)
    const ways: Record<string, () => Promise<unknown>> = {}
    if (kind === 'stub') {
      // the envelope of a small mutation, as an executor's close carries
      const body = JSON.stringify({ payloadtype: 'submitfuncspecmsg', payload: 'a'.repeat(400), signature: 'b'.repeat(130) })
      const target = httpTarget(server.url)
      const conn = new RpcConnection(server.url)
      ways.http = async () => await exchange(target, '/api', 'POST', body, 30_000)
      ways.ws = async () => await conn.request(body, 30_000)
    } else if (kind === 'node read') {
      const http = new ColoniesClient({ url: server.url, prvkey, transport: 'http' })
      const ws = new ColoniesClient({ url: server.url, prvkey, transport: 'ws' })
      ways.http = async () => await http.getColonies()
      ways.ws = async () => await ws.getColonies()
    } else {
      const operator = new ColoniesClient({ url: server.url, prvkey, transport: 'http' })
      const ownerKey = generatePrivateKey()
      const userKey = generatePrivateKey()
      const owner = operator.withKey(ownerKey)
      await operator.addColony('bench', owner.id)
      await owner.addUser({ colonyname: 'bench', userid: operator.withKey(userKey).id, name: 'user' })
      let i = 0
      const spec = (): Record<string, unknown> => ({ funcname: 'echo', args: [String(i++)], conditions: { colonyname: 'bench', executortype: 'cli' } })
      const http = new ColoniesClient({ url: server.url, prvkey: userKey, transport: 'http' })
      const ws = new ColoniesClient({ url: server.url, prvkey: userKey, transport: 'ws' })
      ways.http = async () => await http.submitFunctionSpec(spec() as never)
      ways.ws = async () => await ws.submitFunctionSpec(spec() as never)
    }
    const best: Record<string, { rate: number, client: number, server: number }> = {}
    for (let r = 0; r < rounds + 1; r++) {
      for (const [name, f] of Object.entries(ways)) {
        const s0 = await server.cpu()
        const c0 = process.cpuUsage()
        const t0 = performance.now()
        await Promise.all(Array.from({ length: concurrency }, async () => { for (let i = 0; i < n / concurrency; i++) await f() }))
        const ms = performance.now() - t0
        const client = total(process.cpuUsage(c0)) / n
        const srv = (await server.cpu() - s0) / n
        // the first round warms the JIT and the sockets up: not counted
        if (r === 0) continue
        const b = best[name]
        if (b === undefined || client + srv < b.client + b.server) best[name] = { rate: n / ms * 1000, client, server: srv }
      }
    }
    await server.stop()
    for (const [name, b] of Object.entries(best)) {
      out[`${kind} ${name}: requests/s`] = Math.round(b.rate)
      out[`${kind} ${name}: µs CPU per request, client`] = Math.round(b.client * 10) / 10
      out[`${kind} ${name}: µs CPU per request, server`] = Math.round(b.server * 10) / 10
    }
    const h = best.http
    const w = best.ws
    if (h !== undefined && w !== undefined) {
      out[`${kind} ws ÷ http: requests/s`] = Math.round(w.rate / h.rate * 100) / 100
      out[`${kind} ws ÷ http: client CPU`] = Math.round(w.client / h.client * 100) / 100
      out[`${kind} ws ÷ http: server CPU`] = Math.round(w.server / h.server * 100) / 100
    }
  }
  return out
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] ?? 'stub', process.argv[4] ?? '')
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await benchTransportWs())
  process.exit(0)
}
