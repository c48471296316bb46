/**
 * Named hostile cases against one real node, each with its expected refusal: forged and
 * high-S signatures, replayed envelopes, a rejected executor, an executor acting on
 * another's process, oversized and deeply nested bodies, oversized WebSocket frames and
 * a flood of subscriptions on one socket. Every refusal is a 4xx that says why, nothing
 * refused reaches the ledger, and the node keeps answering.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { sign } from '../../src/protocol/crypto.js'
import { MAX_BODY_BYTES } from '../../src/node/http-server.js'
import { signBatch } from '../../src/protocol/records.js'
import { assignMsg, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { envelope } from '../helpers/raw-rpc.js'
import { highS } from './hostile.js'
import { assertClearRefusal, healthy, post, signedBody, watchLedger } from './target.js'

let tc: TestColony

test.before(async () => {
  tc = await startColony({ executors: 3 })
})

test.after(async () => {
  await tc.stop()
})

const user = (): string => tc.user.prv
const x = (i: number): string => (tc.executors[i] as { prv: string }).prv
const getProcess = async (pid: string): Promise<any> => (await post(tc.node.url, signedBody({ msgtype: 'getprocessmsg', processid: pid }, user()))).value

/** Posts a body and checks it is refused with `status` (message matching `why`) and nothing was appended. */
async function refusedUnchanged (body: string, status: number, why: RegExp, what: string): Promise<void> {
  const w = await watchLedger(tc, async () => await post(tc.node.url, body))
  assertClearRefusal(w.result, what)
  assert.is(w.result.status, status, `${what}: ${JSON.stringify(w.result.value)}`)
  assert.match(w.result.value.message, why, what)
  assert.is(w.appended.length, 0, `${what}: a batch was appended`)
  assert.is(w.after, w.before, `${what}: the state changed`)
}

test('a high-S twin of a member\'s valid signature is refused as malleable (403), over HTTP and in a batch', async () => {
  const msg = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'twin', conditions: { colonyname: tc.colony, executortype: 'cli' } } }
  const env = JSON.parse(envelope(msg, user())) as { signature: string, payloadtype: string, payload: string }
  await refusedUnchanged(JSON.stringify({ ...env, signature: highS(env.signature) }), 403, /low-S/, 'high-S envelope')
  // the same twin on a batch signature: the ledger refuses the whole batch
  const other = signBatch('a'.repeat(64), 1, [{ o: 'a'.repeat(64), t: { w: Date.now(), l: 0 }, b: { k: 'env', env } }], x(2))
  const before = tc.node.ledger.fold.stateHash()
  let err: unknown
  try {
    await tc.node.ledger.ingest([{ ...other, sig: highS(other.sig) }])
  } catch (e) {
    err = e
  }
  assert.match(String((err as Error)?.message), /low-S/)
  assert.is(tc.node.ledger.fold.stateHash(), before)
})

test('forged signatures: another key over a member\'s payload, or a member\'s signature over another payload, are refused', async () => {
  const msg = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'forged', conditions: { colonyname: tc.colony, executortype: 'cli' } } }
  const env = JSON.parse(envelope(msg, user())) as { signature: string, payloadtype: string, payload: string }
  // a stranger's key: the signer recovered is the stranger, who is no member
  const stranger = 'b'.repeat(64)
  await refusedUnchanged(JSON.stringify({ ...env, signature: sign(env.payload, stranger) }), 403, /member/, 'signed by a stranger')
  // the member's signature moved to another payload recovers some other key
  const other = JSON.parse(envelope({ ...msg, spec: { ...msg.spec, funcname: 'evil' } }, user())) as typeof env
  await refusedUnchanged(JSON.stringify({ ...env, payload: other.payload }), 403, /member/, 'signature over another payload')
  // a well-formed signature that recovers no key at all
  await refusedUnchanged(JSON.stringify({ ...env, signature: 'f'.repeat(128) + '00' }), 403, /signature/, 'r out of range')
})

test('a replayed close is refused and changes nothing: the process ends once, with the first output', async () => {
  const p = await submit(tc)
  const a = await post(tc.node.url, signedBody(assignMsg(tc.colony, -1), x(0)))
  assert.is(a.value.processid, p.processid)
  const close = envelope({ msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['first'] }, x(0))
  assert.is((await post(tc.node.url, close)).status, 200)
  await refusedUnchanged(close, 400, /successful|not running/, 'the same close envelope again')
  const after = await getProcess(p.processid)
  assert.is(after.state, 2)
  assert.equal(after.out, ['first'])
})

test('a replayed submit is a second process, as in ColonyOS (envelopes carry no nonce): documented, not deduplicated', async () => {
  const body = envelope({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'again', conditions: { colonyname: tc.colony, executortype: 'other' } } }, user())
  const one = await post(tc.node.url, body)
  const two = await post(tc.node.url, body)
  assert.is(one.status, 200)
  assert.is(two.status, 200)
  assert.is.not(one.value.processid, two.value.processid)
})

test('a rejected executor can neither take work nor act on the process it held, over HTTP or through a site\'s batch', async () => {
  const p = await submit(tc)
  const a = await post(tc.node.url, signedBody(assignMsg(tc.colony, -1), x(1)))
  assert.is(a.value.processid, p.processid)
  assert.is((await post(tc.node.url, signedBody({ msgtype: 'rejectexecutormsg', colonyname: tc.colony, executorname: 'x1' }, tc.owner.prv))).status, 200)
  const close = { msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['from a rejected executor'] }
  await refusedUnchanged(signedBody(close, x(1)), 403, /member/, 'close by the rejected executor')
  await refusedUnchanged(signedBody({ msgtype: 'addlogmsg', processid: p.processid, message: 'x' }, x(1)), 403, /member/, 'log by the rejected executor')
  await refusedUnchanged(signedBody({ msgtype: 'setoutputmsg', processid: p.processid, out: [1] }, x(1)), 403, /member/, 'output by the rejected executor')
  await refusedUnchanged(signedBody(assignMsg(tc.colony, -1), x(1)), 403, /not approved/, 'assign by the rejected executor')
  // the node's own log carrying the rejected executor's close (as a misbehaving site would write it): the fold refuses it
  const { ids: [id] } = await tc.node.ledger.appendLocal([{ body: { k: 'env', env: JSON.parse(envelope(close, x(1))), att: 1 }, author: tc.executors[1]?.id as string }])
  assert.match(tc.node.ledger.fold.refusal(id as string)?.reason ?? '', /member/)
  const after = await getProcess(p.processid)
  assert.is(after.state, 1, 'still running: a rejected executor\'s result never stands')
  assert.equal(after.out, [])
})

test('an executor cannot close, fail, log on or set the output of a process another executor holds', async () => {
  const p = await submit(tc)
  const a = await post(tc.node.url, signedBody(assignMsg(tc.colony, -1), x(0)))
  assert.is(a.value.processid, p.processid)
  const pid = p.processid as string
  for (const msg of [
    { msgtype: 'closesuccessfulmsg', processid: pid, out: ['stolen'] },
    { msgtype: 'closefailedmsg', processid: pid, errors: ['sabotage'] },
    { msgtype: 'setoutputmsg', processid: pid, out: ['stolen'] },
    { msgtype: 'addlogmsg', processid: pid, message: 'not mine' }
  ]) {
    await refusedUnchanged(signedBody(msg, x(2)), 403, /assigned executor/, `${msg.msgtype} by another executor`)
  }
  // the same close in a site's log, even stamped with the current attempt, is refused by the fold
  const forged = { msgtype: 'closesuccessfulmsg', processid: pid, out: ['stolen'] }
  const { ids: [id] } = await tc.node.ledger.appendLocal([{ body: { k: 'env', env: JSON.parse(envelope(forged, x(2))), att: 1 }, author: tc.executors[2]?.id as string }])
  assert.match(tc.node.ledger.fold.refusal(id as string)?.reason ?? '', /assigned executor/)
  const after = await getProcess(pid)
  assert.is(after.state, 1)
  assert.is(after.assignedexecutorid, tc.executors[0]?.id)
})

test(`a body over ${MAX_BODY_BYTES} bytes is refused with 413 naming the limit, and the node keeps serving`, async () => {
  const body = '{"signature":"","payloadtype":"x","payload":"' + 'A'.repeat(MAX_BODY_BYTES) + '"}'
  let status: number | undefined
  let message = ''
  try {
    const r = await post(tc.node.url, body, 20_000)
    status = r.status
    message = String(r.value?.message)
  } catch (err) {
    // the node may answer and close while the client is still uploading: the upload then fails
    message = String((err as Error).message)
  }
  if (status !== undefined) {
    assert.is(status, 413)
    assert.match(message, `larger than ${MAX_BODY_BYTES} bytes`)
  }
  await healthy(tc.node.url)
})

test('a signed request of 6 MiB (under the 16 MiB body limit) gets 200 or a clear 4xx, never 500', async () => {
  const msg = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'big', args: ['x'.repeat(6 * 1024 * 1024)], conditions: { colonyname: tc.colony, executortype: 'other' } } }
  const w = await watchLedger(tc, async () => await post(tc.node.url, envelope(msg, user()), 20_000))
  assert.ok(w.result.status === 200 || (w.result.status >= 400 && w.result.status < 500),
    `got ${w.result.status} ${JSON.stringify(w.result.value)} for a ${Math.round(JSON.stringify(msg).length / 1024)} KiB message`)
  if (w.result.status !== 200) assertClearRefusal(w.result, '6 MiB request')
})

test('JSON nested 100,000 levels deep (body, payload, a spec\'s arguments) is refused with a clear 400', async () => {
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n)
  const env = JSON.parse(envelope({ msgtype: 'getcolonymsg', colonyname: tc.colony }, user())) as Record<string, string>
  // the body itself
  await refusedUnchanged(deep(100_000), 400, /body/, 'a deep body')
  // an unknown envelope member, deep
  const extra = JSON.stringify({ ...env, extra: '__DEEP__' }).replace('"__DEEP__"', deep(100_000))
  const r = await post(tc.node.url, extra)
  assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `deep unknown member: ${r.status}`)
  // a deep payload value, signed by a member
  const payloadText = JSON.stringify({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'deep', args: ['__DEEP__'], conditions: { colonyname: tc.colony, executortype: 'cli' } } }).replace('"__DEEP__"', deep(100_000))
  const payload = Buffer.from(payloadText).toString('base64')
  await refusedUnchanged(JSON.stringify({ signature: sign(payload, user()), payloadtype: 'submitfuncspecmsg', payload }), 400, /nested deeper/, 'deep args')
})

/**
 * Counts Node's TimeoutOverflowWarnings (a timer asked for more than 2^31-1 ms, run after
 * 1 ms instead) without printing them, until `restore()`.
 */
function timerOverflows (): { count: () => number, restore: () => void } {
  const original = process.emitWarning
  let n = 0
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type
    if (type === 'TimeoutOverflowWarning' || (warning instanceof Error && warning.name === 'TimeoutOverflowWarning')) {
      n++
      return
    }
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  return { count: () => n, restore: () => { process.emitWarning = original } }
}

async function wsOpen (): Promise<WebSocket> {
  const ws = new WebSocket(`${tc.node.url.replace('http', 'ws')}/pubsub`)
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  return ws
}

test('a WebSocket frame over 1 MiB closes the socket with 1009 (message too big), and the node keeps serving', async () => {
  const ws = await wsOpen()
  const closed = new Promise<number>(resolve => ws.once('close', code => resolve(code)))
  ws.on('error', () => {})
  ws.send('x'.repeat(1024 * 1024 + 1))
  assert.is(await closed, 1009)
  await healthy(tc.node.url)
})

test('one WebSocket holds a bounded number of process subscriptions (colony streams: 4 per socket)', async () => {
  const ws = await wsOpen()
  ws.on('error', () => {})
  const before = tc.node.subscriptions()
  const sub = envelope({ msgtype: 'subscribeprocessesmsg', colonyname: tc.colony, executortype: 'cli', state: 2, timeout: 0 }, user())
  for (let i = 0; i < 1000; i++) ws.send(sub)
  // every message is handled (accepted or refused) before a /health that follows them
  const deadline = Date.now() + 5000
  while (Date.now() < deadline && tc.node.subscriptions() - before < 1000 && ws.readyState === ws.OPEN) await new Promise(resolve => setTimeout(resolve, 20))
  const held = tc.node.subscriptions() - before
  ws.terminate()
  assert.ok(held <= 100, `one socket holds ${held} subscriptions`)
})

test('a wait or execution time beyond what a date can hold gets 200 or a clear 4xx (never 500), and the colony keeps working', async () => {
  const problems: string[] = []
  const overflows = timerOverflows() // (the next test is about those)
  for (const field of ['maxwaittime', 'maxexectime']) {
    // a colony of its own per case: what this test submits must not reach the other tests
    const own = await startColony({ executors: 1 })
    try {
      const msg = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'forever', [field]: Number.MAX_SAFE_INTEGER - 1, conditions: { colonyname: own.colony, executortype: 'cli' } } }
      const size = own.node.ledger.fold.size
      const s = await post(own.node.url, signedBody(msg, own.user.prv))
      const written = own.node.ledger.fold.size > size
      const ok = (r: { status: number }): boolean => r.status === 200 || r.status === 404 || (r.status >= 400 && r.status < 500)
      if (!ok(s)) problems.push(`${field} 2^53-2 s: submit answered ${s.status} ${JSON.stringify(s.value?.message)} (the record was ${written ? 'written anyway' : 'not written'})`)
      const list = await post(own.node.url, signedBody({ msgtype: 'getprocessesmsg', colonyname: own.colony, count: 100, state: 0 }, own.user.prv))
      if (list.status !== 200) problems.push(`${field}: then listing the waiting processes answered ${list.status} ${JSON.stringify(list.value?.message)}`)
      const a = await post(own.node.url, signedBody(assignMsg(own.colony, -1), (own.executors[0] as { prv: string }).prv))
      if (!ok(a)) problems.push(`${field}: then assign answered ${a.status} ${JSON.stringify(a.value?.message)}`)
    } finally {
      await own.stop()
    }
  }
  overflows.restore()
  assert.equal(problems, [], problems.join('; '))
})

test('a process that may wait 30 days does not spin the deadline timer (setTimeout holds at most 24.8 days)', async () => {
  const own = await startColony({ executors: 0 })
  const overflows = timerOverflows()
  try {
    const r = await post(own.node.url, signedBody({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'patient', maxwaittime: 30 * 86_400, conditions: { colonyname: own.colony, executortype: 'cli' } } }, own.user.prv))
    assert.is(r.status, 200)
    const cpu = process.cpuUsage()
    await new Promise(resolve => setTimeout(resolve, 500))
    const used = process.cpuUsage(cpu)
    assert.ok(overflows.count() <= 1, `${overflows.count()} timer overflows (a timer re-armed every millisecond) and ${Math.round((used.user + used.system) / 1000)} ms of CPU in 500 ms while idle`)
  } finally {
    await own.stop()
    overflows.restore()
  }
})

test('after all of it the node answers, and a well-formed request still works', async () => {
  await healthy(tc.node.url)
  const p = await submit(tc)
  assert.ok(p.processid)
  assert.is((await post(tc.node.url, signedBody({ msgtype: 'getprocessmsg', processid: p.processid }, user()))).status, 200)
})

test.run()
