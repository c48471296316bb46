/**
 * Retention and the space of removed processes on one node (DESIGN decision 12): settled
 * processes older than the policy leave memory and disk, removed ones go even with
 * retention off, live work stays, what is pruned stays pruned across a restart, and with
 * an archive the pruned records are written out, signed, first.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { orderKey } from '../../src/protocol/records.js'
import { verifyArchive } from '../../src/store/archive.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'

async function ok (tc: TestColony, msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(tc.node.url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
  return r.value
}

/** Submits `n` processes and runs each to success with the colony's first executor. */
async function runMany (tc: TestColony, n: number): Promise<string[]> {
  const x = tc.executors[0] as { prv: string }
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const p = await submit(tc, { args: [String(i)] })
    const got = await ok(tc, assignMsg(tc.colony, 5), x.prv)
    await ok(tc, { msgtype: 'addlogmsg', processid: got.processid, message: `line ${i}` }, x.prv)
    await ok(tc, { msgtype: 'closesuccessfulmsg', processid: got.processid, out: [String(i)] }, x.prv)
    ids.push(p.processid)
  }
  return ids
}

/** How many entries a sublevel of a stopped node's store holds. */
async function countIn (dir: string, names: string[]): Promise<Record<string, number>> {
  const db = new Level<string, unknown>(join(dir, 'ledger'), { valueEncoding: 'json' })
  const out: Record<string, number> = {}
  try {
    for (const name of names) out[name] = (await db.sublevel<string, unknown>(name, { valueEncoding: 'json' }).keys().all()).length
  } finally {
    await db.close()
  }
  return out
}

test('with retention, successful processes older than the policy leave memory and disk; live work stays', async () => {
  const tc = await startColony({ retention: { policySeconds: 1 } })
  try {
    const done = await runMany(tc, 12)
    // as in ColonyOS: a failed process stays (until removed)
    const x = tc.executors[0] as { prv: string }
    const failed = await submit(tc, { args: ['fails'] })
    await ok(tc, assignMsg(tc.colony, 5), x.prv)
    await ok(tc, { msgtype: 'closefailedmsg', processid: failed.processid, errors: ['boom'] }, x.prv)
    const waiting = await submit(tc, { conditions: { executortype: 'nobody' } })
    await eventually(async () => await tc.node.ledger.reads.process(done[0] as string) === undefined ? true : undefined, 'the first process to be purged', 20_000)
    await eventually(async () => (await tc.node.ledger.reads.processes(done)).length === 0 ? true : undefined, 'every settled process to be purged', 20_000)
    const r = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: done[0] }, tc.user.prv)
    assert.is(r.status, 404, 'a purged process is not found')
    assert.is((await tc.node.ledger.reads.process(waiting.processid))?.state, 0, 'the waiting process stays')
    assert.is((await tc.node.ledger.reads.process(failed.processid))?.state, 3, 'the failed process stays')
    const stats = await ok(tc, { msgtype: 'getstatisticsmsg' }, tc.operator.prv)
    assert.is(stats.successfulprocesses, 0)
    assert.is(stats.waitingprocesses, 1)
    assert.is(tc.node.ledger.fold.resident().processes, 1, 'memory holds the live process only')
    const pruned = tc.node.ledger.pruneStats()
    assert.ok(pruned.processes >= 12, `${pruned.processes} processes pruned`)
    const dir = tc.dir
    await tc.restart()
    // pruned stays pruned, and the disk holds no trace of the purged processes
    assert.is(await tc.node.ledger.reads.process(done[0] as string), undefined)
    assert.is((await tc.node.ledger.reads.process(waiting.processid))?.state, 0)
    await tc.node.stop()
    const left = await countIn(dir, ['procs', 'units', 'attrs', 'removed'])
    assert.equal(left, { procs: 1, units: 1, attrs: 0, removed: 0 }, 'only the failed process is left on disk')
    const batches = await countIn(dir, ['batches'])
    assert.ok((batches.batches ?? 0) < 12 * 3, `batches left: ${String(batches.batches)} (every process wrote at least 3)`)
  } finally {
    await rm(tc.dir, { recursive: true, force: true })
  }
})

test('with retention off, removed processes are freed and settled ones stay', async () => {
  const tc = await startColony({ retention: { periodMs: 500 } })
  try {
    const done = await runMany(tc, 4)
    const [a, b] = done as [string, string]
    await ok(tc, { msgtype: 'removeprocessmsg', processid: a, all: false }, tc.user.prv)
    await ok(tc, { msgtype: 'removeprocessmsg', processid: b, all: false }, tc.user.prv)
    // the removal is answered at once; its space goes with the next stable frontier
    await eventually(async () => tc.node.ledger.pruneStats().processes >= 2 ? true : undefined, 'the removed processes to be freed', 10_000)
    assert.is(await tc.node.ledger.reads.process(a), undefined)
    for (const pid of done.slice(2)) assert.is((await tc.node.ledger.reads.process(pid))?.state, 2, 'the others stay')
    assert.is(await tc.node.ledger.reads.hasRemoved(tc.colony), false)
  } finally {
    await tc.stop()
  }
})

test('with an archive, pruned records are written out signed first, and verify-archive catches a forged line', async () => {
  const archive = await mkdtemp(join(tmpdir(), 'colonynet-archive-'))
  const tc = await startColony({ retention: { policySeconds: 1, archiveDir: archive } })
  try {
    const done = await runMany(tc, 3)
    await eventually(async () => (await tc.node.ledger.reads.processes(done)).length === 0 ? true : undefined, 'the processes to be purged', 20_000)
    const check = await verifyArchive(archive)
    assert.equal(check.problems, [])
    assert.is(check.files, 1)
    // submit, claim, log and close of each
    assert.ok(check.records >= 12, `${check.records} records archived`)
    assert.equal(check.nodes, [tc.node.nodeId])
    const file = join(archive, (await import('node:fs/promises').then(async fs => await fs.readdir(archive)))[0] as string)
    const lines = (await readFile(file, 'utf8')).trim().split('\n')
    const forged = JSON.parse(lines[0] as string)
    forged.colony = 'elsewhere'
    await writeFile(file, [JSON.stringify(forged), ...lines.slice(1)].join('\n') + '\n')
    const again = await verifyArchive(archive)
    assert.is(again.problems.length, 1)
    assert.match(again.problems[0] as string, /:1: signed by/)
  } finally {
    await tc.stop()
    await rm(archive, { recursive: true, force: true })
  }
})

/** Batches left in a stopped node's store whose records are all dead and wholly before its last applied frontier. */
async function lingering (dir: string): Promise<{ lingering: string[], deadLater: number, below: string }> {
  const db = new Level<string, unknown>(join(dir, 'ledger'), { valueEncoding: 'json' })
  try {
    const sub = <V>(name: string) => db.sublevel<string, V>(name, { valueEncoding: 'json' })
    const below = ((await sub<{ below: string }>('meta').get('prunesummary')) ?? { below: '' }).below
    const out: string[] = []
    let later = 0
    for await (const [k, keys] of sub<string[]>('dead').iterator()) {
      const meta = await sub<{ n: number, t: { w: number, l: number } }>('sizes').get(k)
      if (meta === undefined || keys.length < meta.n) continue
      if (orderKey(meta.t, '\uffff') < below) out.push(k)
      else later++
    }
    return { lingering: out, deadLater: later, below }
  } finally {
    await db.close()
  }
}

test('a batch all dead but after the frontier is deleted by the next prune, across a restart too', async () => {
  // one site: each prune record's own batch is dead once applied, and after its own
  // frontier; the next prune deletes it, even when the node restarted in between
  const tc = await startColony({ retention: { policySeconds: 1, periodMs: 200 } })
  try {
    await runMany(tc, 3)
    const gens = (): number => tc.node.ledger.generations().length
    await eventually(() => gens() >= 2 ? true : undefined, 'two prunes applied', 15_000)
    await tc.node.stop()
    const before = await lingering(tc.dir)
    assert.equal(before.lingering, [], 'none lingers before the restart')
    assert.ok(before.deadLater >= 1, `the last prune record's batch waits for the next frontier (${before.deadLater})`)
    await tc.restart()
    const at = gens()
    await eventually(() => gens() >= at + 2 ? true : undefined, 'two more prunes after the restart', 15_000)
    await tc.node.stop()
    const after = await lingering(tc.dir)
    assert.equal(after.lingering, [], 'the batches that waited at the restart were deleted')
  } finally {
    await rm(tc.dir, { recursive: true, force: true })
  }
})

test.run()
