/**
 * DeadlineWatcher on a manual clock: the expiry is written when the deadline passes by the
 * clock, not a millisecond before, whether the deadline is seconds or months away.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeadlineWatcher, MAX_TIMER_MS } from '../../src/node/deadlines.js'
import { EXEC_TIMEOUT_ERROR, ProcessState, WAIT_TIMEOUT_ERROR } from '../../src/protocol/state.js'
import { Ledger, type LocalRecord } from '../../src/store/ledger.js'
import { ManualClock } from '../helpers/manual-clock.js'
import { World, type WorldEntry } from '../helpers/world.js'

const local = (e: WorldEntry): LocalRecord => ({ body: e.record.b, author: e.author })

interface Site {
  readonly w: World
  readonly clock: ManualClock
  readonly ledger: Ledger
  readonly watcher: DeadlineWatcher
  submit: (spec: Record<string, unknown>) => Promise<string>
  claim: (pid: string, attempt: number) => Promise<void>
  /** the expiry records in a process's history: what expired, which attempt, the record's clock */
  expiries: (pid: string) => Array<{ what: string, attempt: number, at: number }>
  stop: () => Promise<void>
}

async function site (opts: { start?: boolean } = {}): Promise<Site> {
  const w = new World()
  const clock = new ManualClock(1_700_000_000_000)
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-deadlines-'))
  const ledger = await Ledger.open({ dir, nodeKey: w.node.prv, now: clock.now, verifyThreads: 0 })
  await ledger.appendLocal(w.setup().map(local))
  const watcher = new DeadlineWatcher(ledger, clock)
  ledger.on('change', c => { watcher.onChange(c) })
  if (opts.start !== false) watcher.start()
  return {
    w,
    clock,
    ledger,
    watcher,
    submit: async spec => (await ledger.appendLocal([local(w.submit(spec))])).ids[0] as string,
    claim: async (pid, attempt) => { await ledger.appendLocal([{ body: { k: 'claim', processid: pid, attempt, executorid: w.exec('e1').id } }]) },
    expiries: pid => (ledger.fold.process(pid)?.history ?? []).flatMap(h => {
      const b = ledger.fold.entry(h.record)?.rec
      return b?.b.k === 'expire' ? [{ what: b.b.what, attempt: b.b.attempt, at: b.t.w }] : []
    }),
    stop: async () => {
      watcher.stop()
      await ledger.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

test('a waiting process fails when its maxwaittime has passed by the clock, not a millisecond before', async () => {
  const s = await site()
  try {
    const pid = await s.submit({ maxwaittime: 5 })
    const deadline = s.ledger.fold.process(pid)?.waitdeadline as number
    assert.is(deadline, s.clock.now() + 5000)
    await s.clock.advance(4999)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.WAITING)
    assert.equal(s.expiries(pid), [])
    await s.clock.advance(1)
    const p = s.ledger.fold.process(pid)
    assert.is(p?.state, ProcessState.FAILED)
    assert.equal(p?.errors, [WAIT_TIMEOUT_ERROR])
    assert.equal(s.expiries(pid), [{ what: 'wait', attempt: 1, at: deadline }], 'one expiry, written at the deadline')
    assert.is(s.ledger.fold.refusals().size, 0)
  } finally {
    await s.stop()
  }
})

test('a running process past maxexectime is retried, then failed once its retries run out', async () => {
  const s = await site()
  try {
    const pid = await s.submit({ maxexectime: 2, maxretries: 1 })
    await s.claim(pid, 1)
    await s.clock.advance(1999)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.RUNNING)
    await s.clock.advance(1)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.WAITING, 'requeued')
    assert.is(s.ledger.fold.process(pid)?.attempt, 2)
    await s.clock.advance(10_000)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.WAITING, 'no wait limit: it waits as long as it takes')
    await s.claim(pid, 2)
    const claimedAt = s.clock.now()
    await s.clock.advance(2000)
    const p = s.ledger.fold.process(pid)
    assert.is(p?.state, ProcessState.FAILED)
    assert.equal(p?.errors, [EXEC_TIMEOUT_ERROR])
    assert.equal(s.expiries(pid).map(e => [e.what, e.attempt]), [['exec', 1], ['exec', 2]])
    assert.is(s.expiries(pid)[1]?.at, claimedAt + 2000)
  } finally {
    await s.stop()
  }
})

test('a deadline beyond the longest timer wakes the watcher early, which waits again', async () => {
  const s = await site()
  try {
    const days = 40
    const pid = await s.submit({ maxwaittime: days * 86_400 })
    await s.clock.advance(MAX_TIMER_MS + 1)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.WAITING, 'not at the longest timer')
    assert.is(s.clock.pending, 1, 're-armed')
    await s.clock.advance(days * 86_400_000 - MAX_TIMER_MS - 2)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.WAITING)
    await s.clock.advance(1)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.FAILED)
    assert.is(s.expiries(pid).length, 1)
  } finally {
    await s.stop()
  }
})

test('nothing is written before start (a recovering node writes nothing) nor after stop', async () => {
  const s = await site({ start: false })
  try {
    const late = await s.submit({ maxwaittime: 1 })
    await s.clock.advance(5000)
    assert.is(s.ledger.fold.process(late)?.state, ProcessState.WAITING)
    assert.is(s.clock.pending, 0)
    s.watcher.start()
    // a deadline already past expires at once
    await s.clock.advance(0)
    assert.is(s.ledger.fold.process(late)?.state, ProcessState.FAILED)
    s.watcher.stop()
    const after = await s.submit({ maxwaittime: 1 })
    await s.clock.advance(5000)
    assert.is(s.ledger.fold.process(after)?.state, ProcessState.WAITING)
    assert.is(s.clock.pending, 0)
  } finally {
    await s.stop()
  }
})

test('a process that leaves the waiting state before its deadline is not expired', async () => {
  const s = await site()
  try {
    const pid = await s.submit({ maxwaittime: 3 })
    await s.clock.advance(1000)
    await s.claim(pid, 1)
    await s.clock.advance(10_000)
    assert.is(s.ledger.fold.process(pid)?.state, ProcessState.RUNNING)
    assert.equal(s.expiries(pid), [])
    assert.is(s.ledger.fold.refusals().size, 0, 'no expiry was even tried')
  } finally {
    await s.stop()
  }
})

test.run()
