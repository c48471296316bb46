/**
 * A live node to fuzz: a real colony (owner, user, two approved executors x0 and x1) with
 * a waiting process, one running on x0 (both declare channel "chat"), a workflow, a yearly
 * cron, a generator and a blueprint (kind "Lamp", reconciled by executors of type
 * "lamp-reconciler"), plus
 * the helpers the properties need: raw POSTs with a deadline, and a watch on what the
 * ledger appended while a request was in flight.
 */
import * as assert from 'uvu/assert'
import { generatePrivateKey, idFromPrivateKey, sign } from '../../src/protocol/crypto.js'
import type { Batch } from '../../src/protocol/records.js'
import { assignMsg, startColony, type Identity, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { type ExampleContext, examples, type Example, type Role } from './examples.js'
import type { MsgType } from '../../src/protocol/messages.js'

export interface FuzzTarget {
  readonly tc: TestColony
  readonly ctx: ExampleContext
  readonly examples: Record<MsgType, Example>
  readonly keys: Record<Role, Identity>
  readonly url: string
}

export interface RawReply {
  readonly status: number
  /** the decoded reply payload (undefined if the body was not a reply envelope) */
  readonly value: any
  readonly payloadtype: string | undefined
  readonly error: boolean | undefined
  readonly text: string
}

async function ok (tc: TestColony, msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(tc.node.url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
  return r.value
}

export async function startTarget (): Promise<FuzzTarget> {
  const tc = await startColony({ executors: 2 })
  const stranger = generatePrivateKey()
  const keys: Record<Role, Identity> = {
    operator: tc.operator,
    owner: tc.owner,
    user: tc.user,
    executor: tc.executors[0] as Identity,
    stranger: { prv: stranger, id: idFromPrivateKey(stranger), name: 'stranger' }
  }
  const submit = async (): Promise<string> => (await ok(tc, {
    msgtype: 'submitfuncspecmsg',
    spec: { funcname: 'echo', maxwaittime: -1, maxexectime: -1, channels: ['chat'], conditions: { colonyname: tc.colony, executortype: 'cli' } }
  }, tc.user.prv)).processid
  const running = await submit()
  const taken = await ok(tc, assignMsg(tc.colony, -1), keys.executor.prv)
  assert.is(taken.processid, running)
  const waiting = await submit()
  const wf = { colonyname: tc.colony, functionspecs: [{ nodename: 'a', funcname: 'a', conditions: { executortype: 'other' } }] }
  const graph = (await ok(tc, { msgtype: 'submitworkflowspecmsg', spec: wf }, tc.user.prv)).processgraphid
  const cron = (await ok(tc, { msgtype: 'addcronmsg', cron: { colonyname: tc.colony, name: 'yearly', cronexpression: '0 0 0 1 1 *', interval: -1, random: false, workflowspec: JSON.stringify(wf), waitforprevprocessgraph: true } }, tc.user.prv)).cronid
  const generator = (await ok(tc, { msgtype: 'addgeneratormsg', generator: { colonyname: tc.colony, name: 'gen', workflowspec: JSON.stringify(wf), trigger: 1000, timeout: -1 } }, tc.user.prv)).generatorid
  const file = { colonyname: tc.colony, label: '/fuzz', name: 'f', size: 5, checksum: 'ab'.repeat(32), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} } }
  await ok(tc, { msgtype: 'addfilemsg', file }, tc.user.prv)
  await ok(tc, { msgtype: 'createsnapshotmsg', colonyname: tc.colony, label: '/fuzz', name: 'snap' }, tc.user.prv)
  await ok(tc, { msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: { kind: 'BlueprintDefinition', metadata: { name: 'lamp-def', colonyname: tc.colony }, spec: { names: { kind: 'Lamp' }, handler: { executorType: 'lamp-reconciler', functionName: 'reconcile' } } } }, tc.owner.prv)
  const blueprint = await ok(tc, { msgtype: 'addblueprintmsg', blueprint: { kind: 'Lamp', metadata: { name: 'lamp', colonyname: tc.colony }, spec: { on: false } } }, tc.user.prv)
  const ctx: ExampleContext = {
    colony: tc.colony,
    waiting,
    running,
    graph,
    cron,
    generator,
    blueprint: 'lamp',
    blueprintid: blueprint.blueprintid,
    nobody: 'f'.repeat(64),
    userId: tc.user.id,
    executorId: keys.executor.id
  }
  return { tc, ctx, examples: examples(ctx), keys, url: tc.node.url }
}

/** A signed envelope over exactly this message text (the message need not be valid). */
export function signedBody (msg: unknown, prv: string): string {
  const payload = Buffer.from(JSON.stringify(msg) ?? 'null', 'utf8').toString('base64')
  const m = msg as { msgtype?: unknown } | null
  const payloadtype = typeof m?.msgtype === 'string' ? m.msgtype : 'unknown'
  return JSON.stringify({ signature: sign(payload, prv), payloadtype, payload })
}

/** POST /api with a deadline: a reply that does not come is a failure, not a hang. */
export async function post (url: string, body: string | Uint8Array, deadlineMs = 5000): Promise<RawReply> {
  let res: Response
  try {
    res = await fetch(`${url}/api`, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(deadlineMs) })
  } catch (err) {
    throw new Error(`no reply within ${deadlineMs} ms (${(err as Error).message}) to body ${preview(body)}`)
  }
  const text = await res.text()
  let value: any
  let payloadtype: string | undefined
  let error: boolean | undefined
  try {
    const json = JSON.parse(text) as { payloadtype: string, payload: string, error: boolean }
    payloadtype = json.payloadtype
    error = json.error
    value = JSON.parse(Buffer.from(json.payload, 'base64').toString('utf8'))
  } catch {
    value = undefined
  }
  return { status: res.status, value, payloadtype, error, text }
}

export function preview (body: string | Uint8Array, max = 300): string {
  const s = typeof body === 'string' ? body : Buffer.from(body).toString('latin1')
  return JSON.stringify(s.length > max ? s.slice(0, max) + `…(${s.length} chars)` : s)
}

/** A refusal a client can act on: a 4xx ColonyOS error reply whose message names the problem. */
export function assertClearRefusal (r: RawReply, what: string): void {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: expected a 4xx refusal, got ${r.status} ${r.text.slice(0, 300)}`)
  assert.is(r.error, true, `${what}: error flag`)
  assert.is(r.payloadtype, 'error', `${what}: payloadtype`)
  assert.is(r.value?.status, r.status, `${what}: status in the payload`)
  assert.type(r.value?.message, 'string', `${what}: message`)
  assert.ok((r.value.message as string).length > 0 && r.value.message !== 'internal error', `${what}: message ${JSON.stringify(r.value.message)}`)
}

/**
 * Runs `fn` while recording the batches the node appended; says whether one of them holds
 * an envelope with `signature` (the request entered the ledger) and whether the state
 * hash moved although nothing was appended.
 */
export async function watchLedger<T> (tc: TestColony, fn: () => Promise<T>): Promise<{ result: T, appended: Batch[], before: string, after: string, sizeBefore: number, sizeAfter: number }> {
  const ledger = tc.node.ledger
  const appended: Batch[] = []
  const onBatch = (b: Batch): void => { appended.push(b) }
  const before = ledger.fold.stateHash()
  const sizeBefore = ledger.fold.size
  ledger.on('batch', onBatch)
  try {
    const result = await fn()
    return { result, appended, before, after: ledger.fold.stateHash(), sizeBefore, sizeAfter: ledger.fold.size }
  } finally {
    ledger.off('batch', onBatch)
  }
}

export function holdsSignature (batches: readonly Batch[], signature: string): boolean {
  return batches.some(b => b.records.some(r => r.b.k === 'env' && r.b.env.signature === signature))
}

/** GET /health answers 200 within `deadlineMs`; returns how long it took. */
export async function healthy (url: string, deadlineMs = 2000): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(deadlineMs) })
  assert.is(res.status, 200, 'GET /health')
  await res.json()
  return performance.now() - t0
}
