/**
 * A kept-alive socket that the other end reset while idle (a node's idle timeout racing
 * our reuse, a NAT router that forgot the flow) fails the next request with ECONNRESET
 * before any reply: the transport sends it again once on a fresh connection. A reset on a
 * fresh connection is reported, not retried.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer, type Server, type Socket } from 'node:net'
import { exchange, httpTarget } from '../../src/client/transport.js'

const reply = (body: string): string => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n${body}`

/** Answers the first request of each connection; `resetSecond`: resets the connection when a second one comes on it. */
async function server (resetSecond: (conn: number) => boolean): Promise<{ srv: Server, url: string, connections: () => number, close: () => void }> {
  let conns = 0
  const open = new Set<Socket>()
  const srv = createServer((sock: Socket) => {
    open.add(sock)
    sock.on('close', () => open.delete(sock))
    const conn = ++conns
    let requests = 0
    sock.on('data', () => {
      requests++
      if (requests > 1 && resetSecond(conn)) { sock.resetAndDestroy(); return }
      sock.write(reply(JSON.stringify({ conn, requests })))
    })
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  // the client's agent keeps its sockets: close them from this end, or the test never exits
  return { srv, url: `http://127.0.0.1:${port}`, connections: () => conns, close: () => { for (const x of open) x.destroy(); srv.close() } }
}

test('a request on a kept-alive socket reset by the other end is sent again on a fresh one', async () => {
  const s = await server(conn => conn === 1)
  try {
    const target = httpTarget(s.url)
    const first = await exchange(target, '/api', 'POST', '{}', 5000)
    assert.equal(JSON.parse(first.text), { conn: 1, requests: 1 })
    // the same socket is reused and reset: the request goes again, on connection 2
    const second = await exchange(target, '/api', 'POST', '{}', 5000)
    assert.is(second.status, 200)
    assert.equal(JSON.parse(second.text), { conn: 2, requests: 1 })
    assert.is(s.connections(), 2)
  } finally {
    s.close()
  }
})

test('a reset on a fresh connection is an error, not retried', async () => {
  let conns = 0
  const srv = createServer((sock: Socket) => { conns++; sock.on('data', () => sock.resetAndDestroy()) })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  try {
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`
    let failed: (Error & { code?: string }) | undefined
    try { await exchange(httpTarget(url), '/api', 'POST', '{}', 5000) } catch (err) { failed = err as Error }
    assert.is(failed?.code, 'ECONNRESET')
    assert.is(conns, 1)
  } finally {
    srv.close()
  }
})

test.run()
