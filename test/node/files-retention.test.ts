/**
 * Retention does not reach files and snapshots: they are colony-level records, never in a
 * unit a prune drops, so their batches stay while the settled processes around them go,
 * and a restart after the prune reads them back.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

async function ok (tc: TestColony, msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(tc.node.url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
  return r.value
}

test('with retention, settled processes are pruned and the files and snapshots between them stay, across a restart', async () => {
  const tc = await startColony({ retention: { policySeconds: 1 } })
  try {
    const x = tc.executors[0] as { prv: string }
    const files: string[] = []
    const done: string[] = []
    for (let i = 0; i < 6; i++) {
      const content = `content ${i}`
      const f = await ok(tc, { msgtype: 'addfilemsg', file: { colonyname: tc.colony, label: '/kept', name: `f${i % 3}`, size: content.length, checksum: sha(content), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} } } }, x.prv)
      files.push(f.fileid)
      const p = await submit(tc, { args: [String(i)] })
      await ok(tc, assignMsg(tc.colony, 5), x.prv)
      await ok(tc, { msgtype: 'closesuccessfulmsg', processid: p.processid, out: [] }, x.prv)
      done.push(p.processid)
    }
    const snap = await ok(tc, { msgtype: 'createsnapshotmsg', colonyname: tc.colony, label: '/kept', name: 'before-prune' }, tc.user.prv)
    await eventually(async () => (await tc.node.ledger.reads.processes(done)).length === 0 ? true : undefined, 'every settled process to be purged', 20_000)
    assert.ok(tc.node.ledger.pruneStats().processes >= 6)
    const read = async (): Promise<unknown> => ({
      labels: await ok(tc, { msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '', exact: false }, tc.user.prv),
      byId: await Promise.all(files.map(async fileid => (await ok(tc, { msgtype: 'getfilemsg', colonyname: tc.colony, fileid }, tc.user.prv))[0])),
      snapshot: await ok(tc, { msgtype: 'getsnapshotmsg', colonyname: tc.colony, snapshotid: snap.snapshotid, name: '' }, tc.user.prv)
    })
    const after = await read()
    assert.equal((after as { labels: unknown }).labels, [{ name: '/kept', files: 6 }])
    assert.equal((after as { snapshot: { fileids: string[] } }).snapshot.fileids, files.slice(3))
    await tc.restart()
    assert.equal(await read(), after, 'the same after a restart')
  } finally {
    await tc.stop()
  }
})

test.run()
