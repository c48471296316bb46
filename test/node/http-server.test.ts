/**
 * The HTTP details of the node's port: `HEAD /health` answers as `GET` does without the
 * body (load balancers and uptime checks send HEAD), and a body over the limit is 413
 * naming the limit, so a client can tell "too big" from "malformed".
 */
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_BODY_BYTES } from '../../src/node/http-server.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'
import { within } from '../helpers/deadline.js'

let tc: TestColony

test.before(async () => {
  tc = await startColony({ executors: 0 })
})

test.after(async () => {
  await tc.stop()
})

/** Everything the node sends for one raw request on a connection it closes after. */
async function rawExchange (request: string): Promise<string> {
  const url = new URL(tc.node.url)
  return await within(10_000, `an answer to ${request.split('\r\n')[0] ?? ''}`, new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect(Number(url.port), url.hostname, () => socket.write(request))
    socket.on('data', c => chunks.push(c))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.on('error', reject)
  }))
}

test('HEAD /health answers with GET\'s status and headers and no body', async () => {
  const get = await fetch(`${tc.node.url}/health`)
  assert.is(get.status, 200)
  assert.ok((await get.text()).length > 0)
  const answer = await rawExchange('HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  const [head = '', body] = answer.split('\r\n\r\n')
  assert.match(head, /^HTTP\/1\.1 200 /)
  assert.match(head, /\r\ncontent-type: application\/json\r\n/i)
  assert.match(head, /\r\ncontent-length: [1-9]\d*\r\n/i)
  assert.is(body, '', 'HEAD must not carry a body')
})

test(`a body over ${MAX_BODY_BYTES} bytes gets 413 naming the limit, and the node keeps serving`, async () => {
  const body = Buffer.alloc(MAX_BODY_BYTES + 1, 'A')
  const r = await fetch(`${tc.node.url}/api`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  assert.is(r.status, 413)
  const reply = await r.json() as { payloadtype: string, payload: string }
  assert.is(reply.payloadtype, 'error')
  const failure = JSON.parse(Buffer.from(reply.payload, 'base64').toString('utf8')) as { status: number, message: string }
  assert.is(failure.status, 413)
  assert.match(failure.message, `larger than ${MAX_BODY_BYTES} bytes`)
  assert.is((await fetch(`${tc.node.url}/health`)).status, 200)
})

test.run()
