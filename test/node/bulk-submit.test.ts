/**
 * submitfuncspecsmsg on one real node: one signed envelope, one ledger record, N processes
 * that live as N separate submits would — assigned, closed, failed, cancelled, removed,
 * evicted and brought back, and purged by retention, each on its own; a refused bulk
 * writes nothing.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rm } from 'node:fs/promises'
import { MAX_BULK_SPECS } from '../../src/protocol/messages.js'
import { ProcessState } from '../../src/protocol/state.js'
import { addExecutor, assignMsg, eventually, startColony, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'

async function ok (tc: TestColony, msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(tc.node.url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
  return r.value
}

const specOf = (tc: TestColony, i: number, more: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ funcname: 'echo', args: [String(i)], ...more, conditions: { colonyname: tc.colony, executortype: 'cli', ...(more.conditions as object ?? {}) } })

async function bulk (tc: TestColony, n: number, more: Record<string, unknown> = {}): Promise<any[]> {
  return await ok(tc, { msgtype: 'submitfuncspecsmsg', specs: Array.from({ length: n }, (_, i) => specOf(tc, i, more)) }, tc.user.prv)
}

/** The process an executor gets by a one-shot assign. */
async function take (tc: TestColony, prv: string): Promise<any> {
  return await ok(tc, assignMsg(tc.colony, -1), prv)
}

test('a bulk of 5 gives 5 processes in spec order, distinct ids, each run on its own', async () => {
  const tc = await startColony({ executors: 2 })
  try {
    const before = tc.node.ledger.records
    const ps = await bulk(tc, 5)
    assert.is(tc.node.ledger.records, before + 1, 'one record for the bulk')
    assert.is(ps.length, 5)
    assert.is(new Set(ps.map(p => p.processid)).size, 5)
    ps.forEach((p, i) => {
      assert.equal(p.spec.args, [String(i)], 'in spec order')
      assert.is(p.processgraphid, '')
      assert.is(p.state, ProcessState.WAITING)
      assert.is(p.initiatorid, tc.user.id)
    })
    for (const p of ps) assert.is((await ok(tc, { msgtype: 'getprocessmsg', processid: p.processid }, tc.user.prv)).processid, p.processid)
    const listed = await ok(tc, { msgtype: 'getprocessesmsg', colonyname: tc.colony, count: 100, state: ProcessState.WAITING }, tc.user.prv)
    assert.equal(new Set(listed.map((p: any) => p.processid)), new Set(ps.map(p => p.processid)))

    const [x, y] = tc.executors as unknown as [{ prv: string }, { prv: string }]
    const a = await take(tc, x.prv)
    const b = await take(tc, y.prv)
    assert.is.not(a.processid, b.processid)
    await ok(tc, { msgtype: 'closesuccessfulmsg', processid: a.processid, out: ['fine'] }, x.prv)
    await ok(tc, { msgtype: 'closefailedmsg', processid: b.processid, errors: ['boom'] }, y.prv)
    const c = await take(tc, x.prv)
    await ok(tc, { msgtype: 'cancelprocessmsg', processid: c.processid }, tc.user.prv)
    const rest = ps.map(p => p.processid).filter(id => ![a, b, c].some(q => q.processid === id))
    await ok(tc, { msgtype: 'removeprocessmsg', processid: rest[0], all: false }, tc.user.prv)
    const state = async (pid: string): Promise<number | undefined> => {
      const r = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: pid }, tc.user.prv)
      return r.status === 200 ? r.value.state : undefined
    }
    assert.is(await state(a.processid), ProcessState.SUCCESS)
    assert.is(await state(b.processid), ProcessState.FAILED, 'one failing fails no other')
    assert.is(await state(c.processid), ProcessState.CANCELLED)
    assert.is(await state(rest[0] as string), undefined, 'removed')
    assert.is(await state(rest[1] as string), ProcessState.WAITING, 'the last one still waits')
    const last = await take(tc, y.prv)
    assert.is(last.processid, rest[1])

    // and across a restart (checkpoint and replay), each comes back as it was
    await tc.restart()
    assert.is(await state(a.processid), ProcessState.SUCCESS)
    assert.is(await state(b.processid), ProcessState.FAILED)
    assert.is(await state(last.processid), ProcessState.RUNNING)
    await ok(tc, { msgtype: 'closesuccessfulmsg', processid: last.processid, out: [] }, y.prv)
    assert.is(await state(last.processid), ProcessState.SUCCESS)
  } finally {
    await tc.stop()
  }
})

test('refused whole, nothing written: mixed colonies, empty, over the cap, a bad spec, a non-member', async () => {
  const tc = await startColony()
  try {
    const stranger = await addExecutor(tc.node.url, tc.colony, tc.owner, 'unapproved', 'cli', false)
    const before = tc.node.ledger.records
    const refused = async (specs: unknown, prv: string, status: number, field: string): Promise<void> => {
      const r = await call(tc.node.url, { msgtype: 'submitfuncspecsmsg', specs }, prv)
      assert.is(r.status, status, JSON.stringify(r.value))
      assert.match(JSON.stringify(r.value), field)
    }
    await refused([specOf(tc, 0), specOf(tc, 1, { conditions: { colonyname: 'other' } })], tc.user.prv, 400, 'specs[1].conditions.colonyname')
    await refused([], tc.user.prv, 400, 'specs')
    await refused(Array.from({ length: MAX_BULK_SPECS + 1 }, (_, i) => specOf(tc, i)), tc.user.prv, 400, `1 to ${MAX_BULK_SPECS}`)
    await refused([specOf(tc, 0), specOf(tc, 1, { priority: 60000 })], tc.user.prv, 400, 'specs[1].priority')
    await refused([specOf(tc, 0)], stranger.prv, 403, 'members')
    assert.is(tc.node.ledger.records, before, 'nothing was written')
    assert.is([...tc.node.ledger.fold.processes(tc.colony)].length, 0)
  } finally {
    await tc.stop()
  }
})

test('a settled process of a bulk leaves memory and is read back; a late record brings it back alone', async () => {
  const tc = await startColony()
  try {
    const ps = await bulk(tc, 3)
    const x = tc.executors[0] as { prv: string }
    const a = await take(tc, x.prv)
    await ok(tc, { msgtype: 'closesuccessfulmsg', processid: a.processid, out: ['kept'] }, x.prv)
    const fold = (): typeof tc.node.ledger.fold => tc.node.ledger.fold
    await eventually(() => fold().holds(a.processid) ? undefined : true, 'the settled process to leave memory')
    const others = ps.map(p => p.processid).filter(id => id !== a.processid)
    for (const pid of others) assert.ok(fold().holds(pid), 'its waiting siblings stay')
    const back = await ok(tc, { msgtype: 'getprocessmsg', processid: a.processid }, tc.user.prv)
    assert.equal([back.state, back.out], [ProcessState.SUCCESS, ['kept']])
    const hash = fold().stateHash()
    // a removal touches the evicted process: it is folded again from its records, alone
    await ok(tc, { msgtype: 'removeprocessmsg', processid: a.processid, all: false }, tc.user.prv)
    assert.is.not(fold().stateHash(), hash)
    for (const pid of others) assert.is((await ok(tc, { msgtype: 'getprocessmsg', processid: pid }, tc.user.prv)).state, ProcessState.WAITING)
    const r = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: a.processid }, tc.user.prv)
    assert.is(r.status, 404)
  } finally {
    await tc.stop()
  }
})

test('retention purges a bulk\'s processes one by one; its batch stays until the last is gone', async () => {
  const tc = await startColony({ retention: { policySeconds: 1, periodMs: 300 } })
  try {
    const ps = await bulk(tc, 3)
    const x = tc.executors[0] as { prv: string }
    const done = await take(tc, x.prv)
    await ok(tc, { msgtype: 'closesuccessfulmsg', processid: done.processid, out: [] }, x.prv)
    const failed = await take(tc, x.prv)
    await ok(tc, { msgtype: 'closefailedmsg', processid: failed.processid, errors: ['boom'] }, x.prv)
    const waiting = ps.find(p => p.processid !== done.processid && p.processid !== failed.processid)
    const record = tc.node.ledger.fold.processRaw(waiting.processid)?.history[0]?.record as string
    const e = tc.node.ledger.fold.entry(record)
    assert.ok(e?.s !== undefined, 'the bulk record is known with its batch')
    const held = async (): Promise<boolean> => (await tc.node.ledger.getBatches(e.rec.o, e.s as number, 1))[0]?.seq === e.s
    await eventually(async () => await tc.node.ledger.reads.process(done.processid) === undefined ? true : undefined, 'the successful one to be purged', 20_000)
    assert.is((await tc.node.ledger.reads.process(failed.processid))?.state, ProcessState.FAILED, 'a failed one stays')
    assert.is((await tc.node.ledger.reads.process(waiting.processid))?.state, ProcessState.WAITING, 'the waiting one stays')
    assert.ok(await held(), 'the bulk\'s batch stays while its processes live')
    // a rebuild from the batches finds the other two, and not the pruned one: the same state
    const hash = tc.node.ledger.fold.stateHash()
    await tc.node.ledger.rebuildProjections()
    assert.is(tc.node.ledger.fold.stateHash(), hash, 'the rebuilt fold is the fold it replaces')
    assert.is(await tc.node.ledger.reads.process(done.processid), undefined, 'the pruned one stays pruned')
    assert.is((await tc.node.ledger.reads.process(waiting.processid))?.state, ProcessState.WAITING, 'the waiting one survives a rebuild')
    assert.is((await tc.node.ledger.reads.process(failed.processid))?.state, ProcessState.FAILED)
    // the rest go: the record is dead once none of its processes is left
    await ok(tc, { msgtype: 'cancelprocessmsg', processid: waiting.processid }, tc.user.prv)
    await ok(tc, { msgtype: 'removeprocessmsg', processid: failed.processid, all: false }, tc.user.prv)
    await ok(tc, { msgtype: 'removeprocessmsg', processid: waiting.processid, all: false }, tc.user.prv)
    await eventually(async () => await held() ? undefined : true, 'the bulk\'s batch to be deleted', 20_000)
    assert.is(await tc.node.ledger.reads.process(waiting.processid), undefined)
  } finally {
    await rm(tc.dir, { recursive: true, force: true })
    await tc.node.stop().catch(() => undefined)
  }
})

test.run()
