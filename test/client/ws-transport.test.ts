/**
 * The client over the node's WebSocket RPC (/rpc) against a real node: the same calls
 * answered the same as over HTTP, pipelining with a parked assign, cancel through an
 * AbortSignal, fallback to HTTP where /rpc is refused, TLS with the client's CA.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { NodeUnreachableError, NotFoundError } from '../../src/client/errors.js'
import { ColoniesClient, type Transport } from '../../src/client/rpc-client.js'
import { RpcConnection, transportFromEnv } from '../../src/client/ws-transport.js'
import { ColonyNode } from '../../src/node/index.js'
import { okReply } from '../../src/protocol/envelope.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { ValidationError } from '../../src/protocol/errors.js'
import { eventually, startColony, type TestColony } from '../helpers/colony-node.js'
import { within } from '../helpers/deadline.js'
import { nodeInFlight, socketStats } from '../helpers/node-internals.js'
import { rejects } from '../helpers/rejects.js'
import { makeCert, noOpenssl } from '../helpers/tls-cert.js'

let tc: TestColony

test.before(async () => {
  tc = await startColony({ executors: 2 })
})

test.after(async () => {
  await tc.stop()
})


const spec = (colony: string, args: string[] = []): Record<string, unknown> =>
  ({ funcname: 'echo', args, maxexectime: -1, maxretries: 0, conditions: { colonyname: colony, executortype: 'cli' } })

/** Ids and times vary between runs; everything else must not. */
function shape (v: unknown): unknown {
  return JSON.parse(JSON.stringify(v).replace(/"[0-9a-f]{64}"/g, '"<id>"').replace(/"\d{4}-\d\d-\d\dT[^"]*"/g, '"<time>"').replace(/"prioritytime":\d+/g, '"prioritytime":0'))
}

test('the same calls get the same answers and the same errors over HTTP and WebSocket', async () => {
  const seen: Record<string, unknown[]> = {}
  for (const transport of ['http', 'ws'] as Transport[]) {
    const user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv, transport })
    const x = new ColoniesClient({ url: tc.node.url, prvkey: (tc.executors[0] as { prv: string }).prv, transport })
    const submitted = await user.submitFunctionSpec(spec(tc.colony, ['same']) as never)
    const got = await user.getProcess(submitted.processid)
    const assigned = await x.assign(tc.colony, 5)
    assert.is(assigned.processid, submitted.processid)
    await x.closeSuccessful(assigned.processid, ['out'])
    const closed = await user.getProcess(submitted.processid)
    // refusals: not found, and a right the signer lacks (the user closing a process it does not run)
    const missing = await rejects(user.getProcess('f'.repeat(64)))
    const forbidden = await rejects(user.closeSuccessful(submitted.processid, []))
    const nothing = await rejects(x.assign(tc.colony, -1))
    const invalid = await rejects(user.send({ msgtype: 'getprocessmsg', processid: 'nope' } as never))
    const errs = [missing, forbidden, nothing, invalid].map(e => ({ name: e.name, status: (e as { status?: number }).status, message: e.message.replace(/[0-9a-f]{64}/g, '<id>') }))
    seen[transport] = [shape({ ...submitted, funcspec: undefined }), shape({ ...got, funcspec: undefined }), closed.state, shape(closed.out), errs]
    assert.instance(missing, NotFoundError)
  }
  assert.equal(seen.ws, seen.http)
  // the WebSocket calls went over one connection
  assert.is(socketStats(tc.node).connections, 1)
})

test('requests are pipelined on one socket: a parked assign does not hold up the calls behind it', async () => {
  const user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv, transport: 'ws' })
  const x = user.withKey((tc.executors[1] as { prv: string }).prv)
  const before = socketStats(tc.node).connections
  const parked = x.assign(tc.colony, 20)
  await eventually(() => socketStats(tc.node).inflight >= 1 ? true : undefined, 'the assign parked')
  // 50 calls answered while the assign waits: their replies come before its own
  const listed = await within(5000, 'calls behind a parked assign', Promise.all(Array.from({ length: 50 }, async () => await user.getColony(tc.colony))))
  assert.is(listed.length, 50)
  assert.is(socketStats(tc.node).inflight, 1, 'the assign is still parked')
  // withKey shares the connection: still one socket for both identities
  assert.is(socketStats(tc.node).connections, before)
  const p = await user.submitFunctionSpec(spec(tc.colony) as never)
  const got = await within(5000, 'the parked assign', parked)
  assert.is(got.processid, p.processid)
  await x.closeSuccessful(got.processid)
  await eventually(() => nodeInFlight(tc.node) === 0 ? true : undefined, 'nothing in flight')
})

test('an aborted assign sends a cancel: the node ends its long-poll', async () => {
  const x = new ColoniesClient({ url: tc.node.url, prvkey: (tc.executors[0] as { prv: string }).prv, transport: 'ws' })
  const ac = new AbortController()
  const parked = x.assign(tc.colony, 30, '', '', ac.signal)
  await eventually(() => nodeInFlight(tc.node) === 1 ? true : undefined, 'the assign parked')
  ac.abort(new Error('stop'))
  assert.is((await rejects(parked)).message, 'stop')
  await eventually(() => nodeInFlight(tc.node) === 0 ? true : undefined, 'the node ended the long-poll')
  // the connection is still good
  assert.is((await x.getColony(tc.colony)).name, tc.colony)
})

test('a per-call timeout fails the call as HTTP does and cancels it on the node', async () => {
  const x = new ColoniesClient({ url: tc.node.url, prvkey: (tc.executors[0] as { prv: string }).prv, transport: 'ws', timeoutMs: 300 })
  const err = await rejects(x.send({ msgtype: 'assignprocessmsg', colonyname: tc.colony, timeout: 30, availablecpu: '', availablemem: '' }))
  assert.instance(err, NodeUnreachableError)
  assert.match(err.message, /no reply within 300 ms/)
  await eventually(() => nodeInFlight(tc.node) === 0 ? true : undefined, 'the node ended the long-poll')
})

test('a dropped connection fails the calls in flight and the next call reconnects', async () => {
  const x = new ColoniesClient({ url: tc.node.url, prvkey: (tc.executors[0] as { prv: string }).prv, transport: 'ws' })
  await x.getColony(tc.colony)
  const parked = x.assign(tc.colony, 30)
  await eventually(() => nodeInFlight(tc.node) === 1 ? true : undefined, 'the assign parked')
  RpcConnection.for(x.url).close()
  const err = await rejects(parked)
  assert.instance(err, NodeUnreachableError)
  await eventually(() => nodeInFlight(tc.node) === 0 ? true : undefined, 'the node aborted the long-poll')
  assert.is((await x.getColony(tc.colony)).name, tc.colony)
})

test('an envelope over the size limit is refused as over HTTP (413)', async () => {
  const errs = []
  for (const transport of ['http', 'ws'] as Transport[]) {
    const user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv, transport })
    const err = await rejects(user.submitFunctionSpec(spec(tc.colony, ['x'.repeat(3.5 * 1024 * 1024)]) as never))
    errs.push({ status: (err as { status?: number }).status, message: err.message })
  }
  assert.is(errs[0]?.status, 413)
  assert.equal(errs[1], errs[0])
})

test('auto falls back to HTTP where /rpc is refused; ws says what to do', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-ws-off-'))
  const operator = generatePrivateKey()
  const node = await ColonyNode.start({ dataDir: dir, port: 0, operatorPrvkey: operator, rpcSocket: false })
  try {
    const auto = new ColoniesClient({ url: node.url, prvkey: operator, transport: 'auto' })
    assert.ok((await auto.getServerInfo()) !== undefined)
    assert.is(RpcConnection.for(auto.url).refusedStatus, 404)
    // and stays on HTTP: no second upgrade
    assert.ok((await auto.version()).buildversion !== undefined)
    const ws = new ColoniesClient({ url: node.url, prvkey: operator, transport: 'ws' })
    const err = await rejects(ws.version())
    assert.instance(err, NodeUnreachableError)
    assert.match(err.message, /no WebSocket RPC at \/rpc \(HTTP 404\).*'http' or 'auto'/)
  } finally {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
  // a server that is not colonynet at all: node:http without an upgrade handler answers the GET itself
  const server = createServer((req, res) => {
    req.resume()
    if (req.method === 'POST' && req.url === '/api') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(okReply('versionmsg', { buildversion: 'go', buildtime: 't' })))
    } else {
      res.writeHead(404)
      res.end('404 page not found')
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  try {
    const auto = new ColoniesClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, prvkey: operator, transport: 'auto' })
    assert.equal(await auto.version(), { buildversion: 'go', buildtime: 't' })
  } finally {
    server.close()
  }
})

test('auto on a node that is down fails in HTTP\'s words', async () => {
  const port = await new Promise<number>(resolve => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)) })
  })
  for (const transport of ['http', 'ws', 'auto'] as Transport[]) {
    const err = await rejects(new ColoniesClient({ url: `http://127.0.0.1:${port}`, prvkey: tc.user.prv, transport }).version())
    assert.instance(err, NodeUnreachableError)
    assert.match(err.message, /connection refused \(ECONNREFUSED\)/, transport)
  }
})

/** A TCP relay to the node that, once told to, resets each client connection at its next bytes instead of passing them on. */
async function relay (port: number): Promise<{ url: string, resetNext: () => void, connections: () => number, close: () => void }> {
  let reset = false
  let conns = 0
  const open = new Set<Socket>()
  const srv = createTcpServer(client => {
    conns++
    const upstream = connect(port, '127.0.0.1')
    open.add(client).add(upstream)
    client.on('data', chunk => {
      if (reset) {
        reset = false
        upstream.destroy()
        client.resetAndDestroy()
        return
      }
      upstream.write(chunk)
    })
    upstream.pipe(client)
    const end = (): void => { client.destroy(); upstream.destroy() }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    resetNext: () => { reset = true },
    connections: () => conns,
    close: () => { for (const x of open) x.destroy(); srv.close() }
  }
}

test('an idle connection reset before it carried anything back: the request goes again, once, on a fresh one', async () => {
  const r = await relay(tc.node.port)
  try {
    const user = new ColoniesClient({ url: r.url, prvkey: tc.user.prv, transport: 'ws' })
    await user.getColony(tc.colony)
    assert.is(r.connections(), 1)
    const before = (await user.getWaitingProcesses(tc.colony)).length
    // the flow is forgotten while idle: the submit's bytes are answered with a reset, never reaching the node
    r.resetNext()
    const p = await user.submitFunctionSpec(spec(tc.colony, ['after reset']) as never)
    assert.is(r.connections(), 2)
    const waiting = await user.getWaitingProcesses(tc.colony)
    assert.is(waiting.length, before + 1, 'submitted exactly once')
    assert.ok(waiting.some(w => w.processid === p.processid))
    // a reset of a fresh connection's first request is reported, not retried
    RpcConnection.for(r.url).close()
    r.resetNext()
    const err = await rejects(user.getColony(tc.colony))
    assert.instance(err, NodeUnreachableError)
    assert.is(r.connections(), 3)
  } finally {
    r.close()
  }
})

test('COLONIES_TRANSPORT chooses the transport; a bad value names the variable', () => {
  assert.is(transportFromEnv({}), 'http')
  assert.is(transportFromEnv({ COLONIES_TRANSPORT: 'WS' }), 'ws')
  assert.is(transportFromEnv({ COLONIES_TRANSPORT: 'auto' }), 'auto')
  assert.throws(() => transportFromEnv({ COLONIES_TRANSPORT: 'udp' }), (e: unknown) => e instanceof ValidationError && /COLONIES_TRANSPORT/.test((e as Error).message))
})

test('wss with the client\'s CA', async () => {
  if (noOpenssl !== undefined) {
    console.log(noOpenssl)
    return
  }
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-wss-'))
  const operator = generatePrivateKey()
  const cert = await makeCert(dir)
  const node = await ColonyNode.start({ dataDir: join(dir, 'data'), port: 0, operatorPrvkey: operator, tls: { cert: cert.cert, key: cert.key } })
  try {
    const url = `https://127.0.0.1:${node.port}`
    const ws = new ColoniesClient({ url, prvkey: operator, transport: 'ws', ca: cert.cert })
    assert.ok((await ws.version()).buildversion !== '')
    assert.is(socketStats(node).connections, 1)
    // without the CA the certificate is not trusted, as over HTTP
    const err = await rejects(new ColoniesClient({ url, prvkey: operator, transport: 'ws' }).version())
    assert.instance(err, NodeUnreachableError)
    // plain ws:// to the TLS port: the same words as plain HTTP to it
    const plain = await rejects(new ColoniesClient({ url: `http://127.0.0.1:${node.port}`, prvkey: operator, transport: 'ws' }).version())
    assert.match(plain.message, /serves HTTPS/)
  } finally {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
