/**
 * Channel entries and the store: they live with their process's unit, so a running
 * process's channels survive a restart (checkpoint and replay), leave memory when the
 * process settles, and leave the disk with it when retention prunes it.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import type { Batch } from '../../src/protocol/records.js'
import { assignMsg, eventually, startColony, submit, type Identity, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'

async function ok (tc: TestColony, msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(tc.node.url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
  return r.value
}

async function running (tc: TestColony): Promise<string> {
  const p = await submit(tc, { channels: ['chat'], maxexectime: -1 })
  const got = await ok(tc, assignMsg(tc.colony, 5), (tc.executors[0] as Identity).prv)
  assert.is(got.processid, p.processid)
  return p.processid
}

const append = async (tc: TestColony, pid: string, seq: number): Promise<void> => {
  await ok(tc, { msgtype: 'channelappendmsg', processid: pid, name: 'chat', sequence: seq, payload: [...Buffer.from(`message ${seq}`)] }, tc.user.prv)
}

const read = async (tc: TestColony, pid: string): Promise<string[]> =>
  (await ok(tc, { msgtype: 'channelreadmsg', processid: pid, name: 'chat', afterseq: 0, limit: 0 }, tc.user.prv) as Array<{ payload: string }>)
    .map(e => Buffer.from(e.payload, 'base64').toString('utf8'))

/** Channel appends in a stopped node's stored batches. */
async function storedAppends (dir: string): Promise<number> {
  const db = new Level<string, unknown>(join(dir, 'ledger'), { valueEncoding: 'json' })
  try {
    let n = 0
    for (const b of await db.sublevel<string, Batch>('batches', { valueEncoding: 'json' }).values().all()) {
      n += b.records.filter(r => r.b.k === 'env' && r.b.env.payloadtype === 'channelappendmsg').length
    }
    return n
  } finally {
    await db.close()
  }
}

test('a running process\'s channel survives a restart, checkpointed or replayed', async () => {
  const tc = await startColony()
  try {
    const pid = await running(tc)
    for (let i = 1; i <= 5; i++) await append(tc, pid, i)
    await tc.restart()
    assert.equal(await read(tc, pid), [1, 2, 3, 4, 5].map(i => `message ${i}`))
    // more after the restart, then a restart after a checkpoint of the unit
    for (let i = 6; i <= 8; i++) await append(tc, pid, i)
    await tc.restart()
    assert.equal((await read(tc, pid)).length, 8)
    // a resend after the restart is still the same entry
    await append(tc, pid, 3)
    assert.equal((await read(tc, pid)).length, 8)
    await tc.node.stop()
    assert.is(await storedAppends(tc.dir), 8, 'the appends are in the stored batches (what the next test sees go)')
  } finally {
    await rm(tc.dir, { recursive: true, force: true })
  }
})

test('a settled process\'s channel leaves memory, and with retention its records leave the disk', async () => {
  const tc = await startColony({ retention: { policySeconds: 1 } })
  try {
    const pid = await running(tc)
    for (let i = 1; i <= 20; i++) await append(tc, pid, i)
    assert.ok(tc.node.ledger.fold.channels(pid) !== undefined)
    await ok(tc, { msgtype: 'closesuccessfulmsg', processid: pid, out: [] }, (tc.executors[0] as Identity).prv)
    await eventually(() => tc.node.ledger.fold.channels(pid) === undefined ? true : undefined, 'the channel to leave memory with its settled process', 20_000)
    await eventually(async () => await tc.node.ledger.reads.process(pid) === undefined ? true : undefined, 'the process to be pruned', 20_000)
    await tc.node.stop()
    assert.is(await storedAppends(tc.dir), 0, 'no channel append is left on disk')
  } finally {
    await rm(tc.dir, { recursive: true, force: true })
  }
})

test.run()
