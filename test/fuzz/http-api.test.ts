/**
 * Fuzzing a real node through POST /api and WebSocket /pubsub: random bodies, byte- and
 * field-level mutations of valid envelopes, and every RPC message mutated and signed
 * again by a real member. Whatever arrives, the node answers (no hang) with 200 or a 4xx
 * ColonyOS error that names the problem (never 500 "internal error"), a refused request
 * never reaches the ledger, and the node keeps answering /health.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import WebSocket from 'ws'
import { SUBSCRIPTIONS, type MsgType } from '../../src/protocol/messages.js'
import { type Bodies, bodies, ROLES } from './bodies.js'
import { fcOptions } from './fuzz-config.js'
import { applyEdits, editsArb } from './hostile.js'
import {
  assertClearRefusal, type FuzzTarget, healthy, holdsSignature, post, preview, signedBody, startTarget, watchLedger
} from './target.js'

let t: FuzzTarget
let b: Bodies

test.before(async () => {
  t = await startTarget()
  b = bodies(t.examples, t.keys)
})

test.after(async () => {
  await t.tc.stop()
})

/** The signature member of a body, when it has one. */
function envelopeIn (body: string | Uint8Array): { signature: string } | undefined {
  try {
    const v = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8')) as { signature?: unknown }
    return typeof v?.signature === 'string' && v.signature !== '' ? { signature: v.signature } : undefined
  } catch {
    return undefined
  }
}

test('garbage and tampered envelopes get a 4xx naming the problem, and change nothing', async () => {
  await fc.assert(fc.asyncProperty(b.garbage, async ({ kind, body }) => {
    fc.pre(!b.stillValid(body))
    const w = await watchLedger(t.tc, async () => await post(t.url, body))
    assertClearRefusal(w.result, `${kind} ${preview(body)}`)
    const env = envelopeIn(body)
    assert.not.ok(env !== undefined && holdsSignature(w.appended, env.signature), `${kind}: garbage entered the ledger`)
    // (crons and deadlines created by earlier cases may write meanwhile: compare only when nothing was written)
    if (w.appended.length === 0) assert.is(w.after, w.before, `${kind}: the state changed`)
  }), fcOptions(300))
  await healthy(t.url)
})

test('every RPC message, mutated and signed by a real member: 200 or a clear 4xx; a refusal changes nothing', async () => {
  const seen = new Map<string, number>()
  await fc.assert(fc.asyncProperty(b.mutated, async ({ type, role, msg }) => {
    const body = signedBody(msg, t.keys[role].prv)
    const signature = (JSON.parse(body) as { signature: string }).signature
    const w = await watchLedger(t.tc, async () => await post(t.url, body))
    const r = w.result
    const k = `${r.status} ${r.status === 200 ? '' : String(r.value?.message).replace(/[0-9a-f]{64}/g, '<id>').slice(0, 50)}`
    seen.set(k, (seen.get(k) ?? 0) + 1)
    const what = `${type} signed by ${role}: ${preview(JSON.stringify(msg) ?? '')}`
    if (r.status === 200) {
      assert.is(r.error, false, what)
      return
    }
    assertClearRefusal(r, what)
    assert.not.ok(holdsSignature(w.appended, signature), `${what}: refused with ${r.status} ${JSON.stringify(r.value?.message)}, yet its envelope entered the ledger`)
    if (w.appended.length === 0) assert.is(w.after, w.before, `${what}: refused, yet the state changed`)
  }), fcOptions(400))
  if (process.env.FUZZ_STATS !== undefined) console.log([...seen].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join('\n'))
  await healthy(t.url)
  // "__proto__" and "constructor" keys were data, never prototypes
  assert.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted')
  // the subscriptions' msgtypes belong to /pubsub, and say so
  for (const type of SUBSCRIPTIONS) {
    const r = await post(t.url, signedBody(t.examples[type as MsgType].msg, t.keys.user.prv))
    assertClearRefusal(r, type)
    assert.match(r.value.message, /\/pubsub/)
  }
})

/** One subscription attempt over /pubsub: the first frame (if any) and how the socket closed. */
async function wsExchange (data: string | Buffer, deadlineMs = 3000): Promise<{ frames: string[], code: number | undefined, reason: string }> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/pubsub`)
  const frames: string[] = []
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // still open: a valid subscription (it waits); we end it
      ws.terminate()
      resolve({ frames, code: undefined, reason: 'open' })
    }, deadlineMs)
    ws.on('open', () => ws.send(data))
    ws.on('message', d => {
      frames.push(d.toString())
    })
    ws.on('close', (code, reason) => {
      clearTimeout(timer)
      resolve({ frames, code, reason: reason.toString() })
    })
    ws.on('error', err => {
      clearTimeout(timer)
      reject(err)
    })
  })
}

test('WebSocket /pubsub: garbage and mutated subscriptions are refused with an error frame and close 1008', async () => {
  const subArb = fc.oneof(
    b.garbage.map(g => ({ kind: g.kind, data: typeof g.body === 'string' ? g.body : Buffer.from(g.body), signed: false })),
    fc.tuple(fc.constantFrom<MsgType>('subscribeprocessmsg', 'subscribeprocessesmsg', 'subscribecolonymsg', 'subscribechannelmsg', 'getcolonymsg'), editsArb, fc.constantFrom(...ROLES))
      .map(([type, edits, role]) => {
        const msg = applyEdits(t.examples[type].msg as any, edits) as any
        // a valid subscription stays open until its timeout: keep that short
        if (msg !== null && typeof msg === 'object' && (typeof msg.timeout !== 'number' || msg.timeout > 1 || msg.timeout <= 0)) msg.timeout = 1
        return { kind: `${type} by ${role}`, data: signedBody(msg, t.keys[role].prv), signed: true }
      })
  )
  await fc.assert(fc.asyncProperty(subArb, async ({ kind, data, signed }) => {
    fc.pre(signed || !b.stillValid(data))
    // a refusal is immediate; a valid subscription stays open, and we end it after a moment
    const w = await watchLedger(t.tc, async () => await wsExchange(data, signed ? 300 : 3000))
    const x = w.result
    const what = `${kind}: ${preview(data)}`
    if (x.code === 1008) {
      assert.is(x.frames.length, 1, `${what}: one error frame before the close`)
      const reply = JSON.parse(x.frames[0] as string) as { payloadtype: string, payload: string, error: boolean }
      assert.is(reply.error, true, what)
      const value = JSON.parse(Buffer.from(reply.payload, 'base64').toString()) as { status: number, message: string }
      assert.ok(value.status >= 400 && value.status < 500, `${what}: status ${value.status} ${value.message}`)
      assert.is.not(value.message, 'internal error', what)
    } else {
      // accepted: only a correctly signed subscription may be, and it ends at its timeout
      assert.ok(signed, `${what}: garbage was not refused (close ${String(x.code)} ${x.reason})`)
      assert.ok(x.code === undefined || x.code === 1000 || x.code === 1005, `${what}: closed with ${String(x.code)} ${x.reason}`)
    }
    // (crons and deadlines created by earlier cases may write meanwhile: compare only when nothing was written)
    if (w.appended.length === 0) assert.is(w.after, w.before, `${what}: a subscription changed the state`)
  }), fcOptions(60))
  await healthy(t.url)
})

test.run()
