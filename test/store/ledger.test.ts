/**
 * The level-backed ledger: survives restarts, appends idempotently, keeps projections
 * that a rebuild reproduces exactly, holds back records from the far future, and
 * verifies what other nodes send.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { within } from '../helpers/deadline.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { recordId, signBatch, type Batch, type LedgerRecord } from '../../src/protocol/records.js'
import { Ledger, type LocalRecord, PROJECTION_DELAY_MS } from '../../src/store/ledger.js'
import { batchKey } from '../../src/store/keys.js'
import { Level } from 'level'
import { storeTogether } from '../../src/node/federation/index.js'
import { newKey, World, type WorldEntry } from '../helpers/world.js'

const dirs: string[] = []
async function tempDir (): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'colonynet-ledger-'))
  dirs.push(d)
  return d
}

const local = (e: WorldEntry): LocalRecord => ({ body: e.record.b, author: e.author })

/** A ledger whose node is the world's node, with the world's colony set up in it. */
async function openWithColony (w: World, dir?: string, now?: () => number): Promise<Ledger> {
  const l = await Ledger.open({ dir: dir ?? await tempDir(), nodeKey: w.node.prv, ...(now === undefined ? {} : { now }) })
  await l.appendLocal(w.setup().map(local))
  return l
}

test.after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

test('processes, logs and the version vector survive a restart', async () => {
  const w = new World()
  const dir = await tempDir()
  let l = await openWithColony(w, dir)
  const { ids: [pid] } = await l.appendLocal([local(w.submit({ maxexectime: 60 }))])
  assert.ok(pid)
  await l.appendLocal([{ body: { k: 'claim', processid: pid, attempt: 1, executorid: w.exec('e1').id } }])
  await l.appendLocal([local(w.env({ msgtype: 'addlogmsg', processid: pid, message: 'hello' }, w.exec('e1')))])
  const hash = l.fold.stateHash()
  const vv = l.versionVector()
  await l.close()

  l = await Ledger.open({ dir, nodeKey: w.node.prv })
  assert.is(l.fold.stateHash(), hash)
  assert.equal(l.versionVector(), vv)
  assert.is(l.fold.process(pid)?.state, 1)
  assert.equal((await l.storedLogs(pid)).map(x => x.message), ['hello'])
  // the next batch continues the sequence: never reuse one
  const { seq } = await l.appendLocal([local(w.submit())])
  assert.is(seq, (vv.get(w.node.id) ?? 0) + 1)
  await l.close()
})

test('concurrent appends are group-committed into fewer batches, none lost', async () => {
  const w = new World()
  const l = await openWithColony(w)
  const before = l.versionVector().get(w.node.id) ?? 0
  const results = await Promise.all(Array.from({ length: 50 }, () => l.appendLocal([local(w.submit())])))
  const after = l.versionVector().get(w.node.id) ?? 0
  assert.ok(after - before < 50, `expected grouping, got ${after - before} batches for 50 appends`)
  for (const r of results) assert.ok(l.fold.process(r.ids[0] as string), 'appended process missing')
  assert.is(new Set(results.map(r => r.ids[0])).size, 50)
  await l.close()
})

test('ingesting the same batch twice stores and applies it once', async () => {
  const w = new World()
  const l = await openWithColony(w)
  const other = newKey()
  const rec: LedgerRecord = { o: other.id, t: { w: Date.now(), l: 0 }, b: { k: 'site', operatorid: other.id, name: 'b' } }
  const batch = signBatch(other.id, 1, [rec], other.prv)
  const first = await l.ingest([batch])
  const size = l.fold.size
  const again = await l.ingest([batch, batch])
  assert.equal(first, { stored: 1, applied: 1, held: 0 })
  assert.equal(again, { stored: 0, applied: 0, held: 0 })
  assert.is(l.fold.size, size)
  assert.is(l.versionVector().get(other.id), 1)
  await l.close()
})

test('a batch not signed by its origin is refused and nothing is stored', async () => {
  const w = new World()
  const l = await openWithColony(w)
  const origin = newKey()
  const forger = newKey()
  const rec: LedgerRecord = { o: origin.id, t: { w: Date.now(), l: 0 }, b: { k: 'site', operatorid: forger.id, name: 'x' } }
  const forged: Batch = { ...signBatch(origin.id, 1, [rec], forger.prv) }
  const hash = l.fold.stateHash()
  const err = await l.ingest([forged]).then(() => undefined, (e: Error) => e)
  assert.is(err?.name, 'SignatureError')
  assert.is(l.fold.stateHash(), hash)
  assert.is(l.versionVector().get(origin.id), undefined)
  // the ledger still works after the refusal
  await l.appendLocal([local(w.submit())])
  await l.close()
})

test('the waiting queue lists processes in priority order and drops claimed ones', async () => {
  const w = new World()
  const l = await openWithColony(w)
  const low = (await l.appendLocal([local(w.submit({ priority: -1 }))])).ids[0] as string
  const mid = (await l.appendLocal([local(w.submit({ priority: 0 }))])).ids[0] as string
  const high = (await l.appendLocal([local(w.submit({ priority: 5 }))])).ids[0] as string
  const other = (await l.appendLocal([local(w.submit({ conditions: { executortype: 'gpu' } }))])).ids[0] as string
  assert.equal(await l.waiting(w.colony, 'cli'), [high, mid, low])
  assert.equal(await l.waiting(w.colony, 'gpu'), [other])
  await l.appendLocal([{ body: { k: 'claim', processid: high, attempt: 1, executorid: w.exec('e1').id } }])
  assert.equal(await l.waiting(w.colony, 'cli'), [mid, low])
  assert.equal(await l.processesByState(w.colony, 1), [high])
  await l.close()
})

test('a process view is stored once it settles, and leaves the store if a re-fold unsettles it', async () => {
  const w = new World()
  // the world's node is the origin; this ledger is another site receiving its batches
  const l = await Ledger.open({ dir: await tempDir(), nodeKey: newKey().prv })
  let seq = 0
  const ingest = async (entries: WorldEntry[]): Promise<void> => {
    const res = await l.ingest([signBatch(w.node.id, ++seq, entries.map(e => e.record), w.node.prv)])
    assert.is(res.applied, entries.length, 'every record applied')
  }
  const base = [...w.setup(), w.addExecutor('e2'), w.approve('e2')]
  const T = w.t + 1000
  const ok = w.submit({}, undefined, { at: T })
  const failing = w.submit()
  const waiting = w.submit()
  await ingest([...base, ok, failing, waiting, w.claim(ok.id, 'e1', 1, { at: T + 10 }), w.claim(failing.id, 'e1')])
  // live processes are indexed, but their views are the fold's, not written
  assert.equal(await l.processesByState(w.colony, 1), [ok.id, failing.id])
  assert.equal(await l.waiting(w.colony, 'cli'), [waiting.id])
  for (const p of [ok, failing, waiting]) assert.is(await l.storedProcess(p.id), undefined)
  assert.is(l.viewsWritten, 0)
  await ingest([w.close(ok.id, 'e1', ['done']), w.fail(failing.id, 'e1')])
  assert.is((await l.storedProcess(ok.id))?.state, 2)
  assert.equal((await l.storedProcess(ok.id))?.out, ['done'])
  assert.is((await l.storedProcess(failing.id))?.state, 3)
  assert.equal(await l.processesByState(w.colony, 2), [ok.id])
  assert.is(l.viewsWritten, 2)
  // a claim for the same attempt with an earlier clock arrives late: it wins, e1's close is
  // refused after all, and the process runs (for e2) again
  await ingest([w.claim(ok.id, 'e2', 1, { at: T + 5 })])
  assert.is(l.fold.process(ok.id)?.state, 1)
  assert.is(await l.storedProcess(ok.id), undefined)
  assert.equal(await l.processesByState(w.colony, 2), [])
  assert.equal(await l.processesByState(w.colony, 1), [ok.id])
  // what was written step by step is what a rebuild writes
  const projected = await l.projectionHash()
  assert.is((await l.rebuildProjections()).hash, projected)
  await l.close()
})

test('rebuilding the projections from the records gives an identical result, and repairs damage', async () => {
  const w = new World()
  const l = await openWithColony(w)
  for (let i = 0; i < 20; i++) {
    const pid = (await l.appendLocal([local(w.submit({ priority: i % 3 }))])).ids[0] as string
    if (i % 2 === 0) {
      await l.appendLocal([{ body: { k: 'claim', processid: pid, attempt: 1, executorid: w.exec('e1').id } }])
      await l.appendLocal([local(w.env({ msgtype: 'addlogmsg', processid: pid, message: `log ${i}` }, w.exec('e1')))])
      if (i % 4 === 0) await l.appendLocal([local(w.close(pid, 'e1', [i]))])
    }
  }
  const before = await l.projectionHash()
  const rebuilt = await l.rebuildProjections()
  assert.is(rebuilt.hash, before)
  assert.is(rebuilt.processes, 20)
  // damage a projection behind the ledger's back: the rebuild restores it
  const [victim] = await l.waiting(w.colony, 'cli', 1)
  assert.ok(victim)
  await (l as any).store.queue.clear()
  assert.is.not(await l.projectionHash(), before)
  assert.is((await l.rebuildProjections()).hash, before)
  await l.close()
})

test('while a pull streams in, projections wait for it: each process is written once, as a rebuild writes it', async () => {
  const w = new World()
  // the world's node is the origin; this ledger is another site pulling its log
  const l = await Ledger.open({ dir: await tempDir(), nodeKey: newKey().prv })
  const recs = w.setup().map(e => e.record)
  const submits = Array.from({ length: 400 }, () => w.submit())
  recs.push(...submits.map(e => e.record))
  recs.push(...submits.map(e => w.claim(e.id, 'e1').record))
  const closesFrom = recs.length
  recs.push(...submits.map((e, i) => w.close(e.id, 'e1', [i]).record))
  const batches: Batch[] = []
  for (let i = 0; i < recs.length; i += 5) batches.push(signBatch(w.node.id, batches.length + 1, recs.slice(i, i + 5), w.node.prv))
  // each process's projection writes: its view (procs), its state index, its queue entry
  const internals = l as any
  const writes = { procs: new Map<string, number>(), bystate: new Map<string, number>(), queue: new Map<string, number>() }
  const count = (m: Map<string, number>, pid: string): void => { m.set(pid, (m.get(pid) ?? 0) + 1) }
  let allProjected = (): void => {}
  const projectedAll = new Promise<void>(resolve => { allProjected = resolve })
  // while `gate` is set, every store write waits for it
  let gate: Promise<void> | undefined
  let onHeld = (): void => {}
  const db = internals.store.db
  const batch = db.batch.bind(db)
  db.batch = async (ops: any[], ...rest: unknown[]) => {
    for (const op of ops) {
      if (op.type !== 'put') continue
      if (op.sublevel === internals.store.procs) count(writes.procs, op.key)
      if (op.sublevel === internals.store.bystate) count(writes.bystate, op.value)
      if (op.sublevel === internals.store.queue) count(writes.queue, op.value)
    }
    if (writes.procs.size === submits.length) allProjected()
    if (gate !== undefined) {
      onHeld()
      await gate
    }
    return await batch(ops, ...rest)
  }
  // as the puller does: the next frame's ingest is asked for before the last one is written
  let inFlight: Array<Promise<unknown>> = []
  const stream = async (part: Batch[]): Promise<void> => {
    for (const b of part) {
      inFlight.push(l.ingest([b]))
      if (inFlight.length >= 2) await inFlight.shift()
    }
  }
  const firstClose = Math.floor(closesFrom / 5)
  await stream(batches.slice(0, firstClose))
  // Every process is submitted and claimed. Before the closes come in, the pull stalls on a
  // write (a slow disk) for longer than the projection delay: the projection timer, armed
  // before the stall and due sooner, fires during it (timers fire in the order they fall
  // due) and must find the stream still running, not write the claimed processes now and
  // again once they close.
  let release = (): void => {}
  gate = new Promise(resolve => { release = resolve })
  const held = new Promise<void>(resolve => { onHeld = resolve })
  const stalled = stream(batches.slice(firstClose, firstClose + 2))
  await within(10_000, 'a write to stall', held)
  await new Promise(resolve => setTimeout(resolve, 4 * PROJECTION_DELAY_MS))
  gate = undefined
  release()
  await stalled
  await stream(batches.slice(firstClose + 2))
  await Promise.all(inFlight)
  inFlight = []
  // the stream over, the projections follow by themselves
  await within(10_000, 'the projections to be written', projectedAll)
  const pids = submits.map(e => e.id)
  assert.equal(pids.filter(pid => writes.procs.get(pid) !== 1), [], 'each settled view written once')
  assert.equal(pids.filter(pid => writes.bystate.get(pid) !== 1), [], 'each state index written once (not waiting, running, then successful)')
  assert.is(writes.queue.size, 0, 'no queue entry for a process that had left the queue when it was written')
  const projected = await l.projectionHash()
  assert.is((await l.reads.process(submits[0]!.id))?.state, 2)
  assert.is(l.fold.resident().processes, 0, 'every settled process left memory')
  assert.is((await l.rebuildProjections()).hash, projected)
  await l.close()
})

test('a record from the far future is held back, then applied when its time comes', async () => {
  const w = new World()
  let now = Date.now()
  const l = await openWithColony(w, undefined, () => now)
  const site = newKey()
  const future = now + 3_600_000
  const rec: LedgerRecord = { o: site.id, t: { w: future, l: 0 }, b: { k: 'site', operatorid: site.id, name: 'ahead' } }
  const res = await l.ingest([signBatch(site.id, 1, [rec], site.prv)])
  assert.equal(res, { stored: 1, applied: 0, held: 1 })
  assert.is(l.fold.siteOperator(site.id), undefined)
  assert.is(l.heldCount(), 1)
  // the clock did not jump an hour ahead either
  assert.ok(l.clock.tick().w < future)
  now = future
  assert.is(await l.releaseDue(), 1)
  assert.is(l.fold.siteOperator(site.id), site.id)
  await l.close()
})

test('records written by one node are verified and applied by another', async () => {
  const w = new World()
  const a = await openWithColony(w)
  const bKey = newKey()
  const b = await Ledger.open({ dir: await tempDir(), nodeKey: bKey.prv })
  const pid = (await a.appendLocal([local(w.submit())])).ids[0] as string
  const batches = (await a.getBatches(w.node.id, 1)).slice()
  const res = await b.ingest(batches)
  assert.is(res.stored, batches.length)
  assert.is(b.fold.stateHash(), a.fold.stateHash())
  assert.is(b.fold.process(pid)?.initiatorname, 'u1')
  await a.close()
  await b.close()
})

/**
 * The fold keeps every entry while the node runs; an envelope's signature and payload are
 * read once (author, parsed message) and stay in the store only (entry.ts FoldEnvelopeBody):
 * 10–18 % less heap per process (bench/memory.ts). What is stored and served is still whole.
 */
test('the fold keeps envelopes without signature or payload, written, ingested or reopened; the store keeps them whole', async () => {
  const w = new World()
  const dir = await tempDir()
  let a = await openWithColony(w, dir)
  const b = await Ledger.open({ dir: await tempDir(), nodeKey: newKey().prv })
  const pid = (await a.appendLocal([local(w.submit())])).ids[0] as string
  const batches = (await a.getBatches(w.node.id, 1)).slice()
  await b.ingest(batches)
  const kept = (l: Ledger): unknown => l.fold.entry(pid)?.rec.b
  assert.equal(kept(a), { k: 'env', env: { payloadtype: 'submitfuncspecmsg' } }, 'appended here')
  assert.equal(kept(b), { k: 'env', env: { payloadtype: 'submitfuncspecmsg' } }, 'ingested')
  assert.is(b.fold.stateHash(), a.fold.stateHash())
  const stored = (await b.getBatches(w.node.id, 1)).flatMap(x => x.records).find(r => recordId(r) === pid)
  assert.ok(stored?.b.k === 'env' && stored.b.env.signature.length === 130 && stored.b.env.payload.length > 0, 'stored whole')
  const hash = a.fold.stateHash()
  await a.close()
  a = await Ledger.open({ dir, nodeKey: w.node.prv })
  assert.equal(kept(a), { k: 'env', env: { payloadtype: 'submitfuncspecmsg' } }, 'reopened')
  assert.is(a.fold.stateHash(), hash)
  assert.is(a.fold.process(pid)?.spec.funcname, 'echo', 'the process as the message said')
  await a.close()
  await b.close()
})

test('batches stored together: one that does not verify is refused alone, the others are stored', async () => {
  const w = new World()
  const a = await openWithColony(w)
  const b = await Ledger.open({ dir: await tempDir(), nodeKey: newKey().prv })
  const pid = (await a.appendLocal([local(w.submit())])).ids[0] as string
  const good = (await a.getBatches(w.node.id, 1)).slice()
  const last = good[good.length - 1] as Batch
  // the last batch with its records swapped for another's, under its own signature
  const other = newKey()
  const bad: Batch = { ...last, records: last.records.map(r => ({ ...r, o: other.id })) }
  const refused = await storeTogether(b, [...good.slice(0, -1), bad, last])
  assert.equal(refused.map(([batch]) => batch), [bad])
  assert.ok(refused[0]?.[1] instanceof Error)
  assert.is(b.fold.stateHash(), a.fold.stateHash(), 'every good batch was stored')
  assert.is(b.fold.process(pid)?.initiatorname, 'u1')
  // nothing to refuse: one ingest, nothing returned
  assert.equal(await storeTogether(b, good), [])
  await a.close()
  await b.close()
})

/** B, a second node, holding A's log in which a submission's envelope signature is broken (A signed the batch). */
async function withBrokenEnvelope (w: World, dir: string): Promise<{ b: Ledger, brokenId: string, goodPid: string }> {
  const a = await openWithColony(w)
  const good = local(w.submit())
  const broken = local(w.submit())
  if (broken.body.k !== 'env') throw new Error('a submission is an envelope')
  // r = 0: well-formed hex of the right length, but no key recovers from it
  const body = { ...broken.body, env: { ...broken.body.env, signature: '0'.repeat(64) + broken.body.env.signature.slice(64) } }
  const { ids: [goodPid, brokenId] } = await a.appendLocal([good, { body, author: 'not checked here' }])
  const b = await Ledger.open({ dir, nodeKey: newKey().prv })
  await b.ingest(await a.getBatches(w.node.id, 1))
  await a.close()
  return { b, brokenId: brokenId as string, goodPid: goodPid as string }
}

test('an envelope whose signature does not verify is refused alike before and after a restart', async () => {
  const w = new World()
  const dir = await tempDir()
  let { b, brokenId, goodPid } = await withBrokenEnvelope(w, dir)
  const why = b.fold.refusal(brokenId)
  assert.ok(why !== undefined, 'refused at ingest')
  assert.ok(b.fold.process(goodPid) !== undefined)
  const hash = b.fold.stateHash()
  await b.close()
  b = await Ledger.open({ dir, nodeKey: newKey().prv })
  assert.equal(b.fold.refusal(brokenId), why)
  assert.is(b.fold.stateHash(), hash)
  await b.close()
})

test('a restart takes the authors stored with each batch (no signature recovered); a data dir with authors per record still opens', async () => {
  const w = new World()
  const dir = await tempDir()
  let l = await openWithColony(w, dir)
  const { ids: [pid], seq } = await l.appendLocal([local(w.submit())])
  const hash = l.fold.stateHash()
  await l.close()
  // one entry per batch, '' for node facts, and no per-record entries any more
  const raw = new Level<string, any>(dir, { valueEncoding: 'json' })
  const authors = raw.sublevel<string, any>('authors', { valueEncoding: 'json' })
  const records = raw.sublevel<string, any>('records', { valueEncoding: 'json' })
  const key = batchKey(w.node.id, seq)
  assert.equal(await authors.get(key), [w.user('u1').id])
  assert.equal(await authors.get(batchKey(w.node.id, 1)), ['', w.operator.id, w.owner.id, w.owner.id, w.owner.id])
  assert.equal(await records.keys().all(), [])
  // what is stored is what a rebuild from the batches believes: another author there, and
  // the submission is refused (a store without a checkpoint is rebuilt from its batches)
  await authors.put(key, ['0'.repeat(64)])
  await raw.sublevel<string, any>('meta', { valueEncoding: 'json' }).del('checkpoint')
  await raw.close()
  l = await Ledger.open({ dir, nodeKey: w.node.prv })
  assert.is(await l.reads.process(pid as string), undefined)
  assert.is.not(l.fold.stateHash(), hash)
  await l.close()
  // an earlier version's layout: the verified author of each record under its id
  const old = new Level<string, any>(dir, { valueEncoding: 'json' })
  await old.sublevel<string, any>('authors', { valueEncoding: 'json' }).clear()
  await old.sublevel<string, any>('records', { valueEncoding: 'json' }).put(pid as string, { o: w.node.id, s: seq, a: w.user('u1').id })
  await old.sublevel<string, any>('meta', { valueEncoding: 'json' }).del('checkpoint')
  await old.close()
  l = await Ledger.open({ dir, nodeKey: w.node.prv })
  assert.is(l.fold.stateHash(), hash)
  assert.is(l.fold.process(pid as string)?.initiatorname, 'u1')
  await l.close()
})

test.run()
