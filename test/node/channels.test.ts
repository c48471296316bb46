/**
 * Process channels on one real node, spoken to exactly as the official SDKs do
 * (colonies-ts and pycolonies send payloads as arrays of byte values; Go's client as base64):
 * the reply shapes, positions (afterseq, limit), who may read and write, re-sent appends,
 * the end of a channel with its process, and subscriptions on /pubsub.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { CHANNEL_APPEND_BURST } from '../../src/node/channels.js'
import { TokenBuckets } from '../../src/node/rate-limit.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { assignMsg, eventually, startColony, submit, type Identity, type TestColony } from '../helpers/colony-node.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { assertError, call, envelope, type Reply } from '../helpers/raw-rpc.js'

let tc: TestColony
let x0: Identity

const bytes = (s: string): number[] => [...Buffer.from(s, 'utf8')]
const text = (b64: string | null): string => Buffer.from(b64 ?? '', 'base64').toString('utf8')

async function ok (msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(tc.node.url, msg, prv)
  if (r.status !== 200) assert.unreachable(`${String(msg.msgtype)}: ${r.status} ${JSON.stringify(r.value)}`)
  return r.value
}

/** A process of the user declaring `channels`, assigned to x0. */
async function running (channels: string[] = ['chat']): Promise<string> {
  const p = await submit(tc, { channels, maxexectime: -1 })
  const got = await ok(assignMsg(tc.colony, 5), x0.prv)
  assert.is(got.processid, p.processid)
  return p.processid
}

const appendMsg = (processid: string, sequence: number, payload: unknown, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ msgtype: 'channelappendmsg', processid, name: 'chat', sequence, inreplyto: 0, payload, ...more })

const readMsg = (processid: string, afterseq = 0, limit = 0, name = 'chat'): Record<string, unknown> =>
  ({ msgtype: 'channelreadmsg', processid, name, afterseq, limit })

async function read (processid: string, prv: string, afterseq = 0, limit = 0): Promise<any[]> {
  return await ok(readMsg(processid, afterseq, limit), prv)
}

test.before(async () => {
  tc = await startColony({ executors: 1 })
  x0 = tc.executors[0] as Identity
})

test.after(async () => { await tc.stop() })

test('append and read with the SDKs\' shapes: an empty reply, then upstream\'s MsgEntry list', async () => {
  const pid = await running()
  // colonies-ts: payload as byte values, inreplyto 0
  assert.equal(await ok(appendMsg(pid, 1, bytes('Hello, World!')), tc.user.prv), {})
  await ok(appendMsg(pid, 2, bytes('This is a reply'), { inreplyto: 1 }), x0.prv)
  // Go's client: base64 text; pycolonies: payloadtype
  await ok(appendMsg(pid, 3, Buffer.from('fin').toString('base64'), { payloadtype: 'end' }), x0.prv)
  const r = await call(tc.node.url, readMsg(pid, 0, 10), tc.user.prv)
  assert.is(r.status, 200)
  assert.is(r.payloadtype, 'channelreadmsg')
  const entries = r.value as any[]
  assert.equal(entries.map(e => Object.keys(e)), [
    ['sequence', 'timestamp', 'senderid', 'payload', 'type'],
    ['sequence', 'inreplyto', 'timestamp', 'senderid', 'payload', 'type'],
    ['sequence', 'timestamp', 'senderid', 'payload', 'type']
  ])
  assert.equal(entries.map(e => [e.sequence, e.inreplyto ?? 0, e.senderid, text(e.payload), e.type]), [
    [1, 0, tc.user.id, 'Hello, World!', 'data'],
    [2, 1, x0.id, 'This is a reply', 'data'],
    [3, 0, x0.id, 'fin', 'end']
  ])
  assert.match(entries[0].timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
  // the same from the executor's side
  assert.equal(await read(pid, x0.prv), entries)
})

test('afterseq is a position in the channel, limit bounds the reply; UTF-8 survives', async () => {
  const pid = await running()
  const words = ['Message 1', 'Sverige: åäö', '中文', '🙂 emoji', 'Message 5']
  for (let i = 0; i < words.length; i++) await ok(appendMsg(pid, i + 1, bytes(words[i] as string)), x0.prv)
  assert.equal((await read(pid, tc.user.prv, 0, 10)).map(e => text(e.payload)), words)
  assert.equal((await read(pid, tc.user.prv, 2, 10)).map(e => text(e.payload)), words.slice(2))
  assert.equal((await read(pid, tc.user.prv, 1, 2)).map(e => text(e.payload)), words.slice(1, 3))
  assert.equal(await read(pid, tc.user.prv, 5, 10), [])
  assert.equal(await read(pid, tc.user.prv, 99, 0), [])
})

test('rights: a stranger, a member who is neither party, an undeclared channel, an unknown process', async () => {
  const pid = await running()
  const stranger = generatePrivateKey()
  assertError(await call(tc.node.url, appendMsg(pid, 1, bytes('x')), stranger), 403, /^Access denied, not a member of colony/)
  assertError(await call(tc.node.url, readMsg(pid), stranger), 403, /^Access denied, not a member of colony/)
  const other = generatePrivateKey()
  await ok({ msgtype: 'addusermsg', user: { colonyname: tc.colony, userid: idFromPrivateKey(other), name: 'bystander', email: '', phone: '' } }, tc.owner.prv)
  assertError(await call(tc.node.url, appendMsg(pid, 1, bytes('x')), other), 403, /^Access denied, not authorized to write to channel "chat"/)
  assertError(await call(tc.node.url, readMsg(pid), other), 403, /^Access denied, not authorized to read from channel "chat"/)
  assertError(await call(tc.node.url, appendMsg(pid, 1, bytes('x'), { name: 'nope' }), tc.user.prv), 404, /^Channel not found/)
  assertError(await call(tc.node.url, readMsg(pid, 0, 0, 'nope'), tc.user.prv), 404, /^Channel not found/)
  assertError(await call(tc.node.url, appendMsg('f'.repeat(64), 1, bytes('x')), tc.user.prv), 404, /does not exist/)
  assertError(await call(tc.node.url, appendMsg(pid, 1, [300]), tc.user.prv), 400, /payload\[0\]: must be a byte value/)
  // none of it was written
  assert.equal(await read(pid, tc.user.prv), [])
})

test('before assignment the submitter may write and the executor may not', async () => {
  const p = await submit(tc, { channels: ['chat'], conditions: { executortype: 'nobody-runs-this' } })
  await ok(appendMsg(p.processid, 1, bytes('queued')), tc.user.prv)
  assertError(await call(tc.node.url, appendMsg(p.processid, 1, bytes('x')), x0.prv), 403, /not authorized to write/)
  await ok({ msgtype: 'cancelprocessmsg', processid: p.processid }, tc.user.prv)
})

test('a re-sent append is one entry; another message with a used sequence is refused', async () => {
  const pid = await running()
  await ok(appendMsg(pid, 1, bytes('once')), tc.user.prv)
  const records = tc.node.ledger.records
  await ok(appendMsg(pid, 1, bytes('once')), tc.user.prv)
  assert.is(tc.node.ledger.records, records, 'the resend wrote nothing')
  assertError(await call(tc.node.url, appendMsg(pid, 1, bytes('twice?')), tc.user.prv), 400, /sequence 1 was already used/)
  assert.equal((await read(pid, tc.user.prv)).map(e => text(e.payload)), ['once'])
})

test('a process that ends closes its channels: "Channel not found"', async () => {
  const pid = await running()
  await ok(appendMsg(pid, 1, bytes('last words')), x0.prv)
  await ok({ msgtype: 'closesuccessfulmsg', processid: pid, out: [] }, x0.prv)
  assertError(await call(tc.node.url, readMsg(pid), tc.user.prv), 404, /^Channel not found.*ended/)
  assertError(await call(tc.node.url, appendMsg(pid, 2, bytes('x')), tc.user.prv), 404, /^Channel not found.*ended/)
})

// ---- /pubsub ------------------------------------------------------------------------------

interface Socket { ws: WebSocket, frames: any[], closed: Promise<number> }

async function subscribe (msg: Record<string, unknown>, prv: string): Promise<Socket> {
  const ws = new WebSocket(`${tc.node.url.replace('http', 'ws')}/pubsub`)
  const frames: any[] = []
  const closed = new Promise<number>(resolve => ws.on('close', code => resolve(code)))
  ws.on('message', d => {
    const reply = JSON.parse(d.toString()) as { payloadtype: string, payload: string, error: boolean }
    frames.push({ ...reply, value: JSON.parse(Buffer.from(reply.payload, 'base64').toString('utf8')) })
  })
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  ws.send(envelope(msg, prv))
  return { ws, frames, closed }
}

const subMsg = (processid: string, afterseq = 0, timeout = 10): Record<string, unknown> =>
  ({ msgtype: 'subscribechannelmsg', processid, name: 'chat', afterseq, timeout })

/** The entries' payloads in every frame so far, frame by frame. */
const framesText = (s: Socket): string[][] => s.frames.map(f => (f.value as any[]).map(e => text(e.payload)))

test('subscribechannelmsg: what is there after afterseq, then each append in its own reply', async () => {
  const pid = await running()
  await ok(appendMsg(pid, 1, bytes('before')), tc.user.prv)
  await ok(appendMsg(pid, 2, bytes('also before')), tc.user.prv)
  const s = await subscribe(subMsg(pid, 1), x0.prv)
  await eventually(() => s.frames.length >= 1 ? true : undefined, 'the backlog')
  await ok(appendMsg(pid, 1, bytes('First message')), x0.prv)
  await ok(appendMsg(pid, 3, bytes('Second message')), tc.user.prv)
  await eventually(() => s.frames.length >= 3 ? true : undefined, 'two pushes')
  assert.equal(framesText(s), [['also before'], ['First message'], ['Second message']])
  assert.ok(s.frames.every(f => f.payloadtype === 'subscribechannelmsg' && f.error === false))
  s.ws.close()
})

test('a subscription ends with an empty list at its timeout, and when the process ends; the socket stays open', async () => {
  const pid = await running()
  const s = await subscribe(subMsg(pid, 0, 1), tc.user.prv)
  await eventually(() => s.frames.length >= 1 ? true : undefined, 'the timeout\'s empty list', 5000)
  assert.equal(s.frames.map(f => f.value), [[]])
  assert.is(s.ws.readyState, WebSocket.OPEN)
  // the same socket subscribes again; the process ends
  s.ws.send(envelope(subMsg(pid, 0, 30), tc.user.prv))
  await eventually(() => tc.node.subscriptions() > 0 ? true : undefined, 'the second subscription')
  await ok(appendMsg(pid, 1, bytes('bye')), x0.prv)
  await ok({ msgtype: 'closesuccessfulmsg', processid: pid, out: [] }, x0.prv)
  await eventually(() => s.frames.length >= 3 ? true : undefined, 'the entry, then the end')
  assert.equal(framesText(s), [[], ['bye'], []])
  s.ws.close()
})

test('a refused subscription gets an error reply and the socket closes with 1008', async () => {
  const pid = await running()
  const other = generatePrivateKey()
  await ok({ msgtype: 'addusermsg', user: { colonyname: tc.colony, userid: idFromPrivateKey(other), name: 'nosy', email: '', phone: '' } }, tc.owner.prv)
  for (const [msg, prv, status, why] of [
    [subMsg(pid), other, 403, /^Access denied, not authorized to subscribe to channel "chat"/],
    [subMsg(pid), generatePrivateKey(), 403, /^Access denied, not a member/],
    [{ ...subMsg(pid), name: 'nope' }, tc.user.prv, 404, /^Channel not found/],
    [subMsg('f'.repeat(64)), tc.user.prv, 404, /does not exist/]
  ] as Array<[Record<string, unknown>, string, number, RegExp]>) {
    const s = await subscribe(msg, prv)
    assert.is(await s.closed, 1008)
    assert.is(s.frames.length, 1)
    assert.is(s.frames[0].error, true)
    assert.is(s.frames[0].value.status, status)
    assert.match(s.frames[0].value.message, why)
  }
  const posted: Reply = await call(tc.node.url, subMsg(pid), tc.user.prv)
  assertError(posted, 400, /\/pubsub/)
})

test('appends are rate limited per process (upstream: bursts of 500, then 100 a second)', async () => {
  const clock = new ManualClock(1_000_000)
  const b = new TokenBuckets({ burst: 3, perSecond: 2, clock })
  assert.equal([b.take('p'), b.take('p'), b.take('p'), b.take('p')], [true, true, true, false])
  assert.ok(b.take('q'), 'each key has its own bucket')
  await clock.advance(500)
  assert.equal([b.take('p'), b.take('p')], [true, false])
  b.forget('p')
  assert.is(b.size, 1)
  // the node: one burst's worth goes through, the next append is 429 (its clock stands still)
  const saved = { tc, x0 }
  tc = await startColony({ clock: new ManualClock() })
  x0 = tc.executors[0] as Identity
  try {
    const pid = await running()
    for (let i = 1; i <= CHANNEL_APPEND_BURST; i++) await ok(appendMsg(pid, i, [i % 256]), tc.user.prv)
    assertError(await call(tc.node.url, appendMsg(pid, CHANNEL_APPEND_BURST + 1, [0]), tc.user.prv), 429, /rate limit exceeded/)
  } finally {
    await tc.stop()
    ;({ tc, x0 } = saved)
  }
})

test.run()
