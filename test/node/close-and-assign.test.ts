/**
 * colonynet's closeandassignmsg on a real node: the close is the ledger record (the
 * executor's own signed envelope) and the next process comes back in the same reply; a
 * refused close assigns nothing; the executor SDK finishes a queue with one request per
 * process, and falls back to closes and assigns against a server that does not know the
 * message (a ColonyOS server's answer, given by a proxy in front of the node).
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { errorReply } from '../../src/protocol/envelope.js'
import { ProcessState } from '../../src/protocol/state.js'
import { within } from '../helpers/deadline.js'
import { assertError, call } from '../helpers/raw-rpc.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony

test.before.each(async () => {
  tc = await startColony({ executors: 2 })
})

test.after.each(async () => {
  await tc.stop()
})

const closeAndAssign = (processid: string, more: Record<string, unknown> = {}): Record<string, unknown> => ({
  msgtype: 'closeandassignmsg', processid, successful: true, out: [], errors: [], colonyname: tc.colony, timeout: -1, availablecpu: '', availablemem: '', ...more
})

test('the close is written and the next waiting process comes back in the same reply', async () => {
  const x = tc.executors[0]!
  const first = await submit(tc)
  const second = await submit(tc)
  const a = await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)
  assert.is(a.value.processid, first.processid)
  const r = await call(tc.node.url, closeAndAssign(first.processid, { out: ['done', 1] }), x.prv)
  assert.is(r.status, 200)
  assert.is(r.payloadtype, 'closeandassignmsg')
  assert.is(r.value.processid, first.processid)
  assert.is(r.value.next.processid, second.processid)
  assert.is(r.value.next.state, ProcessState.RUNNING)
  assert.is(r.value.next.assignedexecutorid, x.id)
  assert.is(r.value.assignerror, '')
  const closed = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: first.processid }, tc.user.prv)
  assert.is(closed.value.state, ProcessState.SUCCESS)
  assert.equal(closed.value.out, ['done', 1])
  // a failed close keeps its errors, and with nothing left the reply says so without failing
  const f = await call(tc.node.url, closeAndAssign(second.processid, { successful: false, errors: ['boom'] }), x.prv)
  assert.is(f.status, 200)
  assert.is(f.value.next, null)
  assert.match(f.value.assignerror, /No process/)
  const failed = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: second.processid }, tc.user.prv)
  assert.is(failed.value.state, ProcessState.FAILED)
  assert.equal(failed.value.errors, ['boom'])
})

test('a refused close assigns nothing: another executor cannot close, and a closed process cannot be closed again', async () => {
  const [x, y] = tc.executors as [typeof tc.executors[0], typeof tc.executors[0]]
  const p = await submit(tc)
  await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)
  const waiting = await submit(tc)
  assertError(await call(tc.node.url, closeAndAssign(p.processid), y.prv), 403, /assigned executor/)
  const w = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: waiting.processid }, tc.user.prv)
  assert.is(w.value.state, ProcessState.WAITING, 'the refused close must not have assigned the waiting process')
  assert.is((await call(tc.node.url, closeAndAssign(p.processid), x.prv)).value.next.processid, waiting.processid)
  // worded and numbered as a second closesuccessfulmsg is
  assertError(await call(tc.node.url, closeAndAssign(p.processid), x.prv), 400, /successful, not running/)
})

test('the long-poll for the next process waits for a submit', async () => {
  const x = tc.executors[0]!
  const p = await submit(tc)
  await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)
  const pending = call(tc.node.url, closeAndAssign(p.processid, { timeout: 20 }), x.prv)
  // the close is durable before the long-poll parks
  await eventually(async () => (await call(tc.node.url, { msgtype: 'getprocessmsg', processid: p.processid }, tc.user.prv)).value.state === ProcessState.SUCCESS ? true : undefined, 'the close to be written')
  await eventually(() => tc.node.waitingExecutors() === 1 ? true : undefined, 'the executor parked')
  const later = await submit(tc)
  const r = await within(10_000, 'the parked close-and-assign to be woken', pending)
  assert.is(r.value.next.processid, later.processid)
})

test('the executor SDK runs a queue with one request per process after the first assign', async () => {
  const x = tc.executors[0]!
  const ids = new Set<string>()
  for (let i = 0; i < 20; i++) ids.add((await submit(tc)).processid)
  const sent: string[] = []
  const client = new ColoniesClient({ url: tc.node.url, prvkey: x.prv })
  const send = client.send.bind(client)
  client.send = async (msg, opts) => { sent.push(msg.msgtype); return await send(msg, opts) }
  const done = new Set<string>()
  const ex = new Executor({
    client,
    colonyname: tc.colony,
    watchIntervalMs: 0,
    handler: async p => ({ out: [p.processid.slice(0, 8)] }),
    onEvent: e => { if (e.type === 'closed' && e.successful) done.add(e.process.processid) }
  }).start()
  try {
    await eventually(() => done.size === ids.size ? true : undefined, () => `${done.size} of ${ids.size} processes closed`)
  } finally {
    await ex.stop({ graceMs: 1000 })
  }
  assert.equal(done, ids)
  assert.is(sent.filter(t => t === 'closeandassignmsg').length, 20)
  assert.is(sent.filter(t => t === 'closesuccessfulmsg').length, 0)
  for (const id of ids) {
    const p = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: id }, tc.user.prv)
    assert.is(p.value.state, ProcessState.SUCCESS)
    assert.equal(p.value.out, [id.slice(0, 8)])
  }
})

/** A ColonyOS server's answer to a message it has no handler for, in front of the node; the rest goes through. */
async function upstreamLike (target: string): Promise<{ url: string, refused: () => number, server: Server }> {
  let refused = 0
  const server = createServer((req, res) => {
    // ColonyOS has no WebSocket RPC: the client's upgrade to /rpc gets its 404
    if (req.headers.upgrade !== undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found')
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (body.includes('"payloadtype":"closeandassignmsg"')) {
        refused++
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify(errorReply(403, 'invalid rpcMsg.PayloadType: closeandassignmsg')))
        return
      }
      const u = new URL(req.url ?? '/', target)
      const out = request(u, { method: req.method, headers: req.headers }, up => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      out.on('error', () => res.destroy())
      out.end(body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refused: () => refused, server }
}

test('against a server without the message, the executor closes and assigns separately after one refusal', async () => {
  const proxy = await upstreamLike(tc.node.url)
  const x = tc.executors[0]!
  const ids = new Set<string>()
  for (let i = 0; i < 5; i++) ids.add((await submit(tc)).processid)
  const done = new Set<string>()
  const errors: string[] = []
  const ex = new Executor({
    client: new ColoniesClient({ url: proxy.url, prvkey: x.prv }),
    colonyname: tc.colony,
    watchIntervalMs: 0,
    handler: async () => ({ out: [] }),
    onEvent: e => {
      if (e.type === 'closed' && e.successful) done.add(e.process.processid)
      if (e.type === 'error') errors.push(e.error.message)
    }
  }).start()
  try {
    await eventually(() => done.size === ids.size ? true : undefined, () => `${done.size} of ${ids.size} processes closed`)
  } finally {
    await ex.stop({ graceMs: 1000 })
    proxy.server.closeAllConnections()
    proxy.server.close()
  }
  assert.is(proxy.refused(), 1)
  assert.equal(errors, [])
  for (const id of ids) assert.is((await call(tc.node.url, { msgtype: 'getprocessmsg', processid: id }, tc.user.prv)).value.state, ProcessState.SUCCESS)
})

test.run()
