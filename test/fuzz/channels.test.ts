/**
 * Fuzzing process channels: `channelappendmsg`, `channelreadmsg` (POST /api) and
 * `subscribechannelmsg` (WebSocket /pubsub) mutated and signed by every role against a
 * real node whose running process declares channel "chat", and hostile channel records
 * (any signer, any clock, any origin, any payload) against the fold. Whatever arrives: 200
 * or a clear 4xx; a refused append never enters the ledger; every accepted append is in
 * the channel once; replies are upstream's MsgEntry lists; a channel record never changes
 * its process, and one by a stranger or from a node that is not a site is refused.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import WebSocket from 'ws'
import { canonicalJson } from '../../src/protocol/canonical.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { type ChannelAppendMsg, parseMessage } from '../../src/protocol/messages.js'
import { newKey, World } from '../helpers/world.js'
import { ROLES } from './bodies.js'
import type { Role } from './examples.js'
import { fcOptions } from './fuzz-config.js'
import { applyEdits, editsArb, hostileValue } from './hostile.js'
import {
  assertClearRefusal, type FuzzTarget, healthy, holdsSignature, post, preview, signedBody, startTarget, watchLedger
} from './target.js'

let t: FuzzTarget

test.before(async () => {
  t = await startTarget()
})

test.after(async () => {
  await t.tc.stop()
})

/** A well-formed upstream MsgEntry. */
function assertEntry (e: any, what: string): void {
  assert.type(e.sequence, 'number', `${what}: sequence`)
  assert.type(e.timestamp, 'string', `${what}: timestamp`)
  assert.match(e.senderid, /^[0-9a-f]{64}$/, `${what}: senderid`)
  assert.ok(e.payload === null || (typeof e.payload === 'string' && Buffer.from(e.payload, 'base64').toString('base64') === e.payload), `${what}: payload ${String(e.payload)}`)
  for (const k of Object.keys(e)) assert.ok(['sequence', 'inreplyto', 'timestamp', 'senderid', 'payload', 'type', 'error'].includes(k), `${what}: field ${k}`)
}

const readAll = async (): Promise<any[]> => {
  const r = await post(t.url, signedBody({ msgtype: 'channelreadmsg', processid: t.ctx.running, name: 'chat', afterseq: 0, limit: 0 }, t.keys.user.prv))
  assert.is(r.status, 200, r.text)
  return r.value as any[]
}

const payloadArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map(b => [...b] as unknown),
  fc.uint8Array({ maxLength: 40 }).map(b => Buffer.from(b).toString('base64') as unknown),
  hostileValue as fc.Arbitrary<unknown>
)

const channelMsgArb = fc.oneof(
  fc.tuple(fc.constantFrom('channelappendmsg' as const, 'channelreadmsg' as const), editsArb, fc.constantFrom(...ROLES))
    .map(([type, edits, role]) => ({ type, role, msg: applyEdits(t.examples[type].msg as any, edits) as unknown })),
  fc.record({
    role: fc.constantFrom<Role>('user', 'executor', 'user', 'executor', 'stranger', 'owner'),
    sequence: fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constantFrom(2 ** 53, 1.5, '3', null)),
    inreplyto: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(-1)),
    payload: payloadArb,
    payloadtype: fc.constantFrom('', 'data', 'end', 'error', 7),
    name: fc.constantFrom('chat', 'chat', 'chat', 'other', '')
  }).map(r => ({
    type: 'channelappendmsg' as const,
    role: r.role,
    msg: { msgtype: 'channelappendmsg', processid: t.ctx.running, name: r.name, sequence: r.sequence, inreplyto: r.inreplyto, payload: r.payload, payloadtype: r.payloadtype } as unknown
  }))
)

test('channel appends and reads, mutated and signed by every role: 200 or a clear 4xx; accepted appends are in the channel once', async () => {
  const accepted = new Set<string>()
  await fc.assert(fc.asyncProperty(channelMsgArb, async ({ type, role, msg }) => {
    const body = signedBody(msg, t.keys[role].prv)
    const signature = (JSON.parse(body) as { signature: string }).signature
    const w = await watchLedger(t.tc, async () => await post(t.url, body))
    const r = w.result
    const what = `${type} signed by ${role}: ${preview(JSON.stringify(msg) ?? '')}`
    if (r.status !== 200) {
      assertClearRefusal(r, what)
      assert.not.ok(holdsSignature(w.appended, signature), `${what}: refused, yet it entered the ledger`)
      if (w.appended.length === 0) assert.is(w.after, w.before, `${what}: refused, yet the state changed`)
      return
    }
    if (type === 'channelreadmsg') {
      assert.ok(Array.isArray(r.value), `${what}: a list`)
      for (const e of r.value as any[]) assertEntry(e, what)
      return
    }
    assert.equal(r.value, {}, what)
    // the sequence as the node read it (a missing one is Go's zero)
    const m = parseMessage(msg as Record<string, unknown>) as ChannelAppendMsg
    accepted.add(`${t.keys[role].id}/${m.sequence}`)
  }), fcOptions(250))
  // every accepted append is one entry of the channel, with the sender and sequence it was sent with
  const entries = await readAll()
  for (const e of entries) assertEntry(e, 'read back')
  const held = entries.map(e => `${String(e.senderid)}/${String(e.sequence)}`)
  assert.is(new Set(held).size, held.length, 'no sender and sequence twice')
  for (const k of accepted) assert.ok(held.includes(k), `accepted append ${k} is in the channel`)
  assert.ok(accepted.size > 5, `only ${accepted.size} appends were accepted: the cases do not reach the channel`)
  await healthy(t.url)
})

/** One subscription attempt: its frames for a moment, and how the socket closed. */
async function wsExchange (data: string, ms: number): Promise<{ frames: any[], code: number | undefined }> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/pubsub`)
  const frames: any[] = []
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { ws.terminate(); resolve({ frames, code: undefined }) }, ms)
    ws.on('open', () => ws.send(data))
    ws.on('message', d => frames.push(JSON.parse(d.toString())))
    ws.on('close', code => { clearTimeout(timer); resolve({ frames, code }) })
    ws.on('error', err => { clearTimeout(timer); reject(err) })
  })
}

test('channel subscriptions, mutated and signed by every role: refused with one error frame and 1008, or MsgEntry lists', async () => {
  await fc.assert(fc.asyncProperty(editsArb, fc.constantFrom(...ROLES), async (edits, role) => {
    const msg = applyEdits(t.examples.subscribechannelmsg.msg as any, edits) as any
    if (msg !== null && typeof msg === 'object' && !Array.isArray(msg)) msg.timeout = 1
    const what = `subscribechannelmsg by ${role}: ${preview(JSON.stringify(msg) ?? '')}`
    const x = await wsExchange(signedBody(msg, t.keys[role].prv), 300)
    if (x.code === 1008) {
      assert.is(x.frames.length, 1, `${what}: one error frame`)
      assert.is(x.frames[0].error, true, what)
      const v = JSON.parse(Buffer.from(x.frames[0].payload, 'base64').toString()) as { status: number, message: string }
      assert.ok(v.status >= 400 && v.status < 500 && v.message !== 'internal error', `${what}: ${v.status} ${v.message}`)
      return
    }
    assert.is(x.code, undefined, `${what}: closed with ${String(x.code)}`)
    for (const f of x.frames) {
      assert.is(f.error, false, what)
      assert.is(f.payloadtype, 'subscribechannelmsg', what)
      const entries = JSON.parse(Buffer.from(f.payload, 'base64').toString()) as any[]
      assert.ok(Array.isArray(entries), what)
      for (const e of entries) assertEntry(e, what)
    }
  }), fcOptions(60))
  await healthy(t.url)
})

// ---- hostile channel records against the fold -------------------------------------------------

interface Hostile {
  readonly signer: 'executor' | 'user' | 'other' | 'stranger'
  readonly dt: number
  readonly fromSite: boolean
  readonly claimed: boolean
  readonly closed: boolean
  readonly payload: unknown
  readonly name: string
  readonly sequence: number
}

const hostileArb: fc.Arbitrary<Hostile> = fc.record({
  signer: fc.constantFrom<Hostile['signer']>('executor', 'user', 'other', 'stranger'),
  dt: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -10_000_000, max: 10_000_000 })),
  fromSite: fc.boolean(),
  claimed: fc.boolean(),
  closed: fc.boolean(),
  payload: fc.oneof(fc.uint8Array({ maxLength: 20 }).map(b => [...b] as unknown), hostileValue as fc.Arbitrary<unknown>),
  name: fc.constantFrom('chat', 'other'),
  sequence: fc.integer({ min: -2, max: 3 })
})

const stranger = newKey()
const rogueNode = newKey()

function history (h: Hostile): { base: FoldEntry[], pid: string, hostile: FoldEntry } {
  const w = new World()
  const base: FoldEntry[] = [...w.setup(), w.addUser('u2')]
  const submit = w.submit({ channels: ['chat'] })
  base.push(submit)
  if (h.claimed) base.push(w.claim(submit.id, 'e1', 1))
  if (h.claimed && h.closed) base.push(w.close(submit.id, 'e1', [], { att: 1 }))
  const signer = h.signer === 'executor' ? w.exec('e1') : h.signer === 'user' ? w.user('u1') : h.signer === 'other' ? w.user('u2') : stranger
  const hostile = w.env({ msgtype: 'channelappendmsg', processid: submit.id, name: h.name, sequence: h.sequence, payload: h.payload },
    signer, { at: submit.rec.t.w + h.dt, origin: h.fromSite ? w.node.id : rogueNode.id })
  return { base, pid: submit.id, hostile }
}

test('a channel record never changes its process; one by a stranger, a bystander or from a node that is not a site is refused', () => {
  fc.assert(fc.property(hostileArb, (h) => {
    const { base, pid, hostile } = history(h)
    const without = foldRecords(base)
    const f = foldRecords([...base, hostile])
    const what = `append by ${h.signer} from ${h.fromSite ? 'the site' : 'a rogue node'}, ${h.dt} ms after the submit`
    assert.is(canonicalJson(f.processRaw(pid) ?? null), canonicalJson(without.processRaw(pid) ?? null), `${what}: the process changed`)
    if (!h.fromSite || h.signer === 'stranger' || h.signer === 'other') {
      assert.ok(f.refusal(hostile.id) !== undefined, `${what}: accepted`)
      assert.equal(f.channelEntries(pid, h.name), [], what)
    }
    // whichever arrives first
    assert.is(foldRecords([hostile, ...base]).stateHash(), f.stateHash(), `${what}: order matters`)
  }), fcOptions(300))
})

test.run()
