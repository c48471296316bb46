/**
 * A bulk submit in the fold (bulk-fold.ts): one record, N standalone processes with ids
 * hashed from the record id and the index, each living, failing, leaving memory and coming
 * back on its own; refused whole when its author may not submit.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { bulkProcessId, unlessDead, withoutCoveredParts } from '../../src/protocol/bulk-fold.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { ProcessState } from '../../src/protocol/state.js'
import { PagedFold } from '../helpers/pager.js'
import { assertOrderFree, newKey, World } from '../helpers/world.js'

test('one record, N processes: distinct hashed ids, standalone, each settled on its own', () => {
  const w = new World()
  const base = [...w.setup(), w.addExecutor('e0'), w.approve('e0')]
  const b = w.submitMany([{ args: ['0'] }, { args: ['1'] }, { args: ['2'] }])
  const [p0, p1, p2] = [0, 1, 2].map(i => bulkProcessId(b.id, i)) as [string, string, string]
  const f = foldRecords([...base, b,
    w.claim(p0, 'e0'), w.claim(p1, 'e1'),
    w.close(p0, 'e0', ['ok']), w.fail(p1, 'e1', ['boom'])])
  assert.is(new Set([p0, p1, p2, b.id]).size, 4)
  assert.is(f.process(p0)?.state, ProcessState.SUCCESS)
  assert.is(f.process(p1)?.state, ProcessState.FAILED)
  assert.is(f.process(p2)?.state, ProcessState.WAITING, 'a failing sibling fails no other')
  for (const [i, pid] of [p0, p1, p2].entries()) {
    const p = f.process(pid)
    assert.is(p?.processgraphid, '')
    assert.equal(p?.spec.args, [String(i)])
    assert.is(p?.history[0]?.record, b.id, 'created by the bulk record')
  }
  assert.is(f.refusal(b.id), undefined)
  assert.is(f.size, base.length + 5, 'one record for three processes')
})

test('refused whole: a non-member\'s bulk creates nothing and is refused', () => {
  const w = new World()
  const base = w.setup()
  const b = w.submitMany([{}, {}], newKey())
  const f = foldRecords([...base, b])
  assert.is(f.process(bulkProcessId(b.id, 0)), undefined)
  assert.is(f.process(bulkProcessId(b.id, 1)), undefined)
  assert.is(f.refusal(b.id)?.code, 'forbidden')
})

test('a settled process leaves memory alone; the record seen again changes nothing', () => {
  const w = new World()
  const base = [...w.setup(), w.addExecutor('e0'), w.approve('e0')]
  const b = w.submitMany([{}, {}])
  const [p0, p1] = [bulkProcessId(b.id, 0), bulkProcessId(b.id, 1)]
  const records = [...base, b, w.claim(p0, 'e0'), w.close(p0, 'e0', ['ok'])]
  const whole = foldRecords(records).stateHash()
  const paged = new PagedFold(0)
  for (const e of records) paged.add([e])
  assert.ok(!paged.fold.holds(p0), 'the settled one left memory')
  assert.ok(paged.fold.holds(p1), 'its waiting sibling stays')
  assert.is(paged.stateHash(), whole)
  // gossip delivers the record again: the sibling in memory keeps it as seen
  paged.add([b])
  assert.is(paged.stateHash(), whole)
  assert.is(paged.fold.refusals().size, foldRecords(records).refusals().size)
  // forgotten (pruned) while its sibling lives, it does not come back with the record
  const f = foldRecords(records)
  f.forget(p0)
  const pruned = f.stateHash()
  f.add([b])
  assert.is(f.stateHash(), pruned)
  assert.is(f.process(p0), undefined)
  // a late record for the settled one brings it back, alone
  paged.add([w.env({ msgtype: 'removeprocessmsg', processid: p0, all: false }, w.user('u1'))])
  assert.is(paged.fold.process(p0), undefined)
  assert.is(paged.fold.process(p1)?.state, ProcessState.WAITING)
})

test('read back with some processes pruned, a bulk record creates only the others', () => {
  const w = new World()
  const base = w.setup()
  const b = w.submitMany([{}, {}, {}])
  const kept = unlessDead(b, new Set([`${b.key}/1`]))
  assert.equal(kept?.pruned, [1])
  assert.is(unlessDead(b, new Set([b.key])), undefined, 'a dead record is not read back')
  // marked dead whole, its per-process marks go: the list is the same however the prune was chunked
  assert.equal(withoutCoveredParts([`${b.key}/0`, `${b.key}/1`, b.key, 'other/2'].sort()), [b.key, 'other/2'].sort())
  const f = foldRecords([...base, kept as typeof b])
  assert.ok(f.process(bulkProcessId(b.id, 0)) !== undefined)
  assert.is(f.process(bulkProcessId(b.id, 1)), undefined)
  assert.ok(f.process(bulkProcessId(b.id, 2)) !== undefined)
})

test('replayed after its settled siblings came back from the store, the record creates the process that was nowhere', () => {
  // a reopen after SIGKILL (chaos kill-9): the record is after the checkpoint, parts 1..2
  // had gone out to the store, part 0 had not (never checkpointed, never sent out)
  const w = new World()
  const base = [...w.setup(), w.addExecutor('e0'), w.approve('e0')]
  const b = w.submitMany([{}, {}, {}])
  const [p0, p1, p2] = [0, 1, 2].map(i => bulkProcessId(b.id, i)) as [string, string, string]
  const after = [b, w.claim(p0, 'e0'), w.claim(p1, 'e0'), w.claim(p2, 'e0'), w.close(p1, 'e0', ['x']), w.close(p2, 'e0', ['x'])]
  const before = new PagedFold(0)
  before.add(base)
  before.add(after)
  assert.ok(before.fold.holds(p0) && !before.fold.holds(p1) && !before.fold.holds(p2))
  const reopened = new PagedFold(0)
  reopened.add(base)
  for (const p of [p1, p2]) reopened.away.set(p, before.away.get(p) as NonNullable<ReturnType<typeof before.away.get>>)
  reopened.fold.adoptOutside(before.fold.outside, 0)
  reopened.add(after)
  assert.is(reopened.fold.process(p0)?.state, ProcessState.RUNNING, 'the process that was nowhere is created')
  assert.is(reopened.fold.orphanEntries().length, 0, 'its claim is not left waiting')
  assert.is(reopened.stateHash(), foldRecords([...base, ...after]).stateHash())
  // a sibling pruned while the record stays seen does not come back with it
  const f = foldRecords([...base, ...after])
  f.forget(p1)
  const pruned = f.stateHash()
  f.add([b])
  assert.is(f.stateHash(), pruned)
})

test('a bulk process\'s channels: its submitter and its executor talk, in every order', () => {
  const w = new World()
  const base = [...w.setup(), w.addExecutor('e0'), w.approve('e0')]
  const b = w.submitMany([{}, { channels: ['chat'] }])
  const pid = bulkProcessId(b.id, 1)
  const say = (by: ReturnType<World['user']>, sequence: number, text: string): ReturnType<World['env']> =>
    w.env({ msgtype: 'channelappendmsg', processid: pid, name: 'chat', sequence, inreplyto: 0, payload: [...Buffer.from(text)], payloadtype: '' }, by)
  const records = [...base, b, say(w.user('u1'), 1, 'hello'), w.claim(pid, 'e0'), say(w.exec('e0'), 1, 'hi')]
  const f = foldRecords(records)
  assert.equal(f.channelEntries(pid, 'chat').map(c => Buffer.from(c.payload ?? '', 'base64').toString()), ['hello', 'hi'])
  assert.is(f.channels(bulkProcessId(b.id, 0)), undefined, 'its sibling declared none')
  assertOrderFree(records, 5)
})

test.run()
