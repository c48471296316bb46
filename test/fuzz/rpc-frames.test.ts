/**
 * Fuzzing the node's WebSocket RPC (/rpc) frame by frame on one connection: random text
 * and bytes, frames with odd ids, cancels and members, and the HTTP fuzzer's garbage and
 * tampered envelopes carried in frames. Whatever arrives, the node answers (no hang) with
 * 200 or a clear 4xx (never 500), carrying the frame's id when it had a readable one; an
 * envelope in a frame gets exactly the status and message POST /api gives the same body;
 * a refusal never reaches the ledger; the connection stays open and the node healthy.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import WebSocket from 'ws'
import { type Bodies, bodies } from './bodies.js'
import { fcOptions } from './fuzz-config.js'
import { assertClearRefusal, type FuzzTarget, healthy, holdsSignature, post, preview, type RawReply, startTarget, watchLedger } from './target.js'

let t: FuzzTarget
let b: Bodies
let ws: WebSocket
const waiting = new Map<number | null, (a: Answer) => void>()
/** answers with id null, in order (frames whose id was not readable) */
const anonymous: Answer[] = []

interface Answer { id: number | null, status: number, reply: { payloadtype: string, payload: string, error: boolean } }

test.before(async () => {
  t = await startTarget()
  b = bodies(t.examples, t.keys)
  ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/rpc`)
  ws.on('message', data => {
    const a = JSON.parse((data as Buffer).toString('utf8')) as Answer
    const w = waiting.get(a.id)
    if (w !== undefined) {
      waiting.delete(a.id)
      w(a)
    } else {
      anonymous.push(a)
    }
  })
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
})

test.after(async () => {
  ws.terminate()
  await t.tc.stop()
})

/** Sends a frame and waits (with a deadline) for the answer carrying `id`. */
async function exchange (frame: string | Uint8Array, id: number | null, deadlineMs = 5000): Promise<Answer> {
  anonymous.length = 0
  return await new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id)
      reject(new Error(`no answer with id ${String(id)} within ${deadlineMs} ms to frame ${preview(frame)}`))
    }, deadlineMs)
    waiting.set(id, a => { clearTimeout(timer); resolve(a) })
    ws.send(frame)
  })
}

function asRaw (a: Answer): RawReply {
  let value: any
  try { value = JSON.parse(Buffer.from(a.reply.payload, 'base64').toString('utf8')) } catch { value = undefined }
  return { status: a.status, value, payloadtype: a.reply?.payloadtype, error: a.reply?.error, text: JSON.stringify(a) }
}

let nextId = 1
const stats = new Map<string, number>()

test('random frames: a clear 400 with the id when readable, never a crash, the connection stays', async () => {
  const idArb = fc.oneof(
    { arbitrary: fc.nat(), weight: 6 },
    fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.constant(-0), fc.constant(2 ** 53), fc.boolean())
  // a read-only message's valid envelope (answered 200), garbage envelopes, any JSON
  const envArb = fc.oneof(
    fc.constantFrom('getcolonymsg', 'getprocessmsg', 'versionmsg', 'getexecutorsmsg').map(type => b.validEnvelope(type) as unknown),
    b.garbage.map(g => { try { return JSON.parse(typeof g.body === 'string' ? g.body : Buffer.from(g.body).toString('utf8')) as unknown } catch { return g.body as unknown } }),
    fc.jsonValue())
  const frameArb = fc.oneof(
    { arbitrary: fc.record({ id: idArb, env: envArb }).map(o => ({ frame: JSON.stringify(o) as string | Uint8Array })), weight: 4 },
    fc.string().map(s => ({ frame: s as string | Uint8Array })),
    fc.uint8Array({ maxLength: 200 }).map(u => ({ frame: u as string | Uint8Array })),
    fc.jsonValue().map(v => ({ frame: JSON.stringify(v) as string | Uint8Array })),
    fc.record({ id: idArb, env: envArb, cancel: fc.oneof(fc.constant(true), fc.jsonValue()), pad: fc.string() }, { requiredKeys: [] }).map(o => ({ frame: JSON.stringify(o) as string | Uint8Array }))
  )
  await fc.assert(fc.asyncProperty(frameArb, async ({ frame }) => {
    // a frame that is a valid cancel is answered by nothing: follow every frame with a probe
    // whose id is fresh, and collect what came for the frame itself meanwhile
    const probeId = 1e12 + nextId++
    const seen: Answer[] = []
    const text = typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8')
    let parsed: any
    try { parsed = JSON.parse(text) } catch { parsed = undefined }
    const id = typeof parsed?.id === 'number' && Number.isSafeInteger(parsed.id) && parsed.id >= 0 ? parsed.id as number : null
    const forFrame = new Promise<Answer>(resolve => waiting.set(id, resolve))
    ws.send(frame)
    const probe = await exchange(`{"id":${probeId},"env":{"payloadtype":"versionmsg","payload":"","signature":""}}`, probeId)
    assert.ok(probe.status === 400 || probe.status === 200, `probe: ${probe.status}`)
    const isCancel = id !== null && parsed?.cancel === true && Object.keys(parsed).length >= 2
    if (!isCancel) {
      // the frame went before the probe and answers come in order for frames refused at once;
      // a request that went on to the RPC is answered within the deadline
      let timer: NodeJS.Timeout | undefined
      const a = await Promise.race([forFrame, new Promise<undefined>(resolve => { timer = setTimeout(resolve, 5000, undefined) })]) ?? anonymous.shift()
      clearTimeout(timer)
      if (process.env.FUZZ_STATS !== undefined) stats.set(`${a?.status} ${a?.id === null ? 'null' : 'id'}`, (stats.get(`${a?.status} ${a?.id === null ? 'null' : 'id'}`) ?? 0) + 1)
      assert.ok(a !== undefined, `no answer to frame ${preview(frame)}`)
      seen.push(a)
      if (a.status !== 200) assertClearRefusal(asRaw(a), `frame ${preview(frame)}`)
    } else {
      waiting.delete(id)
    }
    assert.is(ws.readyState, WebSocket.OPEN, `closed after ${preview(frame)}`)
  }), fcOptions(300))
  if (process.env.FUZZ_STATS !== undefined) console.log([...stats])
  await healthy(t.url)
})

test('garbage envelopes in frames: the status and message POST /api gives, and nothing in the ledger', async () => {
  await fc.assert(fc.asyncProperty(b.garbage, async ({ kind, body }) => {
    fc.pre(!b.stillValid(body))
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8')
    let env: unknown
    try { env = JSON.parse(text) } catch { env = undefined }
    // only bodies that are JSON objects can ride in a frame as they are
    fc.pre(typeof env === 'object' && env !== null && !Array.isArray(env))
    const id = nextId++
    const w = await watchLedger(t.tc, async () => await exchange(`{"id":${id},"env":${text}}`, id))
    const a = asRaw(w.result)
    assertClearRefusal(a, `${kind} ${preview(body)}`)
    const sig = (env as { signature?: unknown }).signature
    assert.not.ok(typeof sig === 'string' && sig !== '' && holdsSignature(w.appended, sig), `${kind}: garbage entered the ledger`)
    const h = await post(t.url, text)
    assert.is(a.status, h.status, `${kind} ${preview(body)}: status over WS and HTTP`)
    assert.is(a.value?.message, h.value?.message, `${kind} ${preview(body)}: message over WS and HTTP`)
  }), fcOptions(200))
  await healthy(t.url)
})

test.run()
