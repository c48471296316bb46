/**
 * The node's WebSocket RPC (/rpc, src/node/rpc-socket.ts) frame by frame, against a real
 * node: replies matched by id and sent as they finish, refusals of frames that cannot be
 * read, the size limit, a dropped socket aborting its long-poll, and backpressure (a
 * client that floods requests without reading is held at the per-connection cap).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { MAX_BODY_BYTES } from '../../src/node/http-server.js'
import { MAX_IN_FLIGHT } from '../../src/node/rpc-socket.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { within } from '../helpers/deadline.js'
import { nodeInFlight, socketStats } from '../helpers/node-internals.js'
import { envelope } from '../helpers/raw-rpc.js'

let tc: TestColony

test.before(async () => {
  tc = await startColony({ executors: 1 })
})

test.after(async () => {
  await tc.stop()
})


interface Answer { id: number | null, status: number, reply: { payloadtype: string, payload: string, error: boolean } }

/** A raw socket to /rpc that records every answer and lets a test wait for one by id. */
class Raw {
  readonly ws: WebSocket
  readonly answers: Answer[] = []
  readonly closed: Promise<{ code: number, reason: string }>
  #waiters: Array<() => void> = []

  constructor (url: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/rpc`)
    this.ws.on('message', data => {
      this.answers.push(JSON.parse((data as Buffer).toString('utf8')) as Answer)
      for (const w of this.#waiters.splice(0)) w()
    })
    this.closed = new Promise(resolve => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  }

  async open (): Promise<this> {
    if (this.ws.readyState !== WebSocket.OPEN) await new Promise<void>((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject) })
    return this
  }

  async answer (id: number | null): Promise<Answer> {
    return await within(10_000, `the answer to frame ${String(id)}`, (async () => {
      for (;;) {
        const a = this.answers.find(x => x.id === id)
        if (a !== undefined) return a
        await new Promise<void>(resolve => this.#waiters.push(resolve))
      }
    })())
  }
}

const value = (a: Answer): any => JSON.parse(Buffer.from(a.reply.payload, 'base64').toString('utf8'))
const exec = (): string => (tc.executors[0] as { prv: string }).prv

test('replies come by id as requests finish: a parked assign is answered after the calls behind it', async () => {
  const raw = await new Raw(tc.node.url).open()
  try {
    raw.ws.send(`{"id":7,"env":${envelope(assignMsg(tc.colony, 10), exec())}}`)
    await eventually(() => nodeInFlight(tc.node) === 1 ? true : undefined, 'the assign parked')
    raw.ws.send(`{"id":8,"env":${envelope({ msgtype: 'getcolonymsg', colonyname: tc.colony }, tc.user.prv)}}`)
    const got = await raw.answer(8)
    assert.is(got.status, 200)
    assert.is(value(got).name, tc.colony)
    assert.is(raw.answers.length, 1, 'the assign is still parked')
    const p = await submit(tc)
    const assigned = await raw.answer(7)
    assert.is(assigned.status, 200)
    assert.is(value(assigned).processid, p.processid)
    // the same refusal POST /api gives: status and ColonyOS error reply
    raw.ws.send(`{"id":9,"env":${envelope({ msgtype: 'closesuccessfulmsg', processid: p.processid, out: [] }, tc.user.prv)}}`)
    const refused = await raw.answer(9)
    assert.is(refused.status, 403)
    assert.is(refused.reply.error, true)
    assert.match(value(refused).message, /^Access denied/)
    raw.ws.send(`{"id":10,"env":${envelope({ msgtype: 'closesuccessfulmsg', processid: p.processid, out: [] }, exec())}}`)
    assert.is((await raw.answer(10)).status, 200)
  } finally {
    raw.ws.terminate()
  }
})

test('frames that cannot be read get a 400 naming the problem, with their id when it is readable', async () => {
  const raw = await new Raw(tc.node.url).open()
  try {
    const cases: Array<[string, number | null, RegExp]> = [
      ['not json', null, /frame: is not JSON/],
      ['{"id":3,"env":', 3, /frame: is not JSON/],
      ['[]', null, /frame: must be a JSON object/],
      ['{"env":{}}', null, /id: is required/],
      ['{"id":-1,"env":{}}', null, /id: must be an integer/],
      ['{"id":1.5,"env":{}}', null, /id: must be an integer/],
      ['{"id":"4","env":{}}', null, /id: must be an integer/],
      ['{"id":5}', 5, /env: is required/],
      ['{"id":6,"cancel":1}', 6, /cancel: must be true/],
      ['{"id":11,"env":"x"}', 11, /env: must be the signed envelope/],
      ['{"id":13,"env":{"payloadtype":"getcolonymsg"}}', 13, /payload: is required/],
      ['{"id":12,"env":{"payloadtype":"getcolonymsg","payload":"%%","signature":""}}', 12, /payload: must be base64/]
    ]
    for (const [frame, id, message] of cases) {
      raw.answers.length = 0
      raw.ws.send(frame)
      const a = await raw.answer(id)
      assert.is(a.status, 400, frame)
      assert.is(a.reply.error, true, frame)
      assert.match(value(a).message, message, frame)
    }
    // a cancel for nothing in flight is not answered; the connection still works
    raw.answers.length = 0
    raw.ws.send('{"id":99,"cancel":true}')
    raw.ws.send(`{"id":100,"env":${envelope({ msgtype: 'getcolonymsg', colonyname: tc.colony }, tc.user.prv)}}`)
    assert.is((await raw.answer(100)).status, 200)
    assert.is(raw.answers.length, 1)
    // an id in flight used again is refused, the first request untouched
    raw.ws.send(`{"id":101,"env":${envelope(assignMsg(tc.colony, 10), exec())}}`)
    raw.ws.send(`{"id":101,"env":${envelope({ msgtype: 'getcolonymsg', colonyname: tc.colony }, tc.user.prv)}}`)
    const dup = await raw.answer(101)
    assert.is(dup.status, 400)
    assert.match(value(dup).message, /id: 101 is already in flight/)
    raw.ws.send('{"id":101,"cancel":true}')
    await eventually(() => nodeInFlight(tc.node) === 0 ? true : undefined, 'the cancelled assign ended')
    assert.is(raw.answers.filter(a => a.id === 101).length, 1, 'a cancelled request is not answered')
  } finally {
    raw.ws.terminate()
  }
})

test('a frame over MAX_BODY_BYTES is answered 413; a far larger one closes the socket with 1009', async () => {
  const raw = await new Raw(tc.node.url).open()
  raw.ws.send(`{"id":21,"env":{"payload":"${'A'.repeat(MAX_BODY_BYTES)}"}}`)
  const a = await raw.answer(21)
  assert.is(a.status, 413)
  assert.match(value(a).message, /larger than 3145728 bytes/)
  raw.ws.send(`{"id":22,"env":{"payload":"${'A'.repeat(MAX_BODY_BYTES + 128 * 1024)}"}}`)
  const closed = await within(10_000, 'the close', raw.closed)
  assert.is(closed.code, 1009)
  // the node is fine
  const again = await new Raw(tc.node.url).open()
  again.ws.send(`{"id":1,"env":${envelope({ msgtype: 'getcolonymsg', colonyname: tc.colony }, tc.user.prv)}}`)
  assert.is((await again.answer(1)).status, 200)
  again.ws.terminate()
})

test('a socket dropped during a long-poll aborts it on the node', async () => {
  const raw = await new Raw(tc.node.url).open()
  raw.ws.send(`{"id":1,"env":${envelope(assignMsg(tc.colony, 30), exec())}}`)
  await eventually(() => nodeInFlight(tc.node) === 1 ? true : undefined, 'the assign parked')
  raw.ws.terminate()
  await eventually(() => nodeInFlight(tc.node) === 0 && socketStats(tc.node).connections === 0 ? true : undefined, 'the node aborted the long-poll')
})

test('backpressure: 5,000 requests sent without waiting are held at the per-connection cap', async () => {
  const raw = await new Raw(tc.node.url).open()
  const env = envelope(assignMsg(tc.colony, 30), exec())
  // padding the frames (a field the node ignores) so that the kernel's buffers cannot hold them all
  const pad = 'p'.repeat(4096)
  for (let id = 0; id < 5000; id++) raw.ws.send(`{"id":${id},"env":${env},"pad":"${pad}"}`)
  await eventually(() => socketStats(tc.node).inflight === MAX_IN_FLIGHT ? true : undefined, () => `the cap reached (${JSON.stringify(socketStats(tc.node))})`)
  // the node stopped reading: the client still holds frames it could not write
  let samples = 0
  await eventually(() => {
    const s = socketStats(tc.node)
    assert.ok(s.inflight <= MAX_IN_FLIGHT, `in flight ${s.inflight} > ${MAX_IN_FLIGHT}`)
    assert.ok(nodeInFlight(tc.node) <= MAX_IN_FLIGHT, `the node handles ${nodeInFlight(tc.node)}`)
    // frames read but held back: at most what the reads before the pause brought
    assert.ok(s.inflight + s.queued < 1000, `the node read ${s.inflight + s.queued} of 5000 frames`)
    return ++samples >= 20 && raw.ws.bufferedAmount > 0 ? true : undefined
  }, 'samples while the client is held back')
  assert.ok(raw.ws.bufferedAmount > 1024 * 1024, `client buffer ${raw.ws.bufferedAmount}`)
  raw.ws.terminate()
  await eventually(() => nodeInFlight(tc.node) === 0 ? true : undefined, () => `the node ended every request (${nodeInFlight(tc.node)})`, 20_000)
})

test('backpressure: the held-back frames are handled once replies drain', async () => {
  const raw = await new Raw(tc.node.url).open()
  const env = envelope({ msgtype: 'getcolonymsg', colonyname: tc.colony }, tc.user.prv)
  // 255 parked assigns leave room for one request at a time; 300 quick reads pass through that slot
  const assign = envelope(assignMsg(tc.colony, 30), exec())
  for (let id = 0; id < MAX_IN_FLIGHT - 1; id++) raw.ws.send(`{"id":${id},"env":${assign}}`)
  await eventually(() => socketStats(tc.node).inflight === MAX_IN_FLIGHT - 1 ? true : undefined, 'the assigns parked')
  for (let id = 1000; id < 1300; id++) raw.ws.send(`{"id":${id},"env":${env}}`)
  await eventually(() => raw.answers.length >= 300 ? true : undefined, () => `${raw.answers.length} of 300 reads answered`, 20_000)
  assert.ok(raw.answers.every(a => a.status === 200 && a.id !== null && a.id >= 1000))
  raw.ws.terminate()
  await eventually(() => nodeInFlight(tc.node) === 0 ? true : undefined, 'the node ended every request', 20_000)
})

test.run()
