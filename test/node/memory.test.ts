/**
 * MemoryWatch: the node's warning before its heap fills with the folded ledger. The heap's
 * figures are V8's, a true edge: the tests hand in their own.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MemoryWatch, memoryStatus } from '../../src/node/memory.js'
import { ManualClock } from '../helpers/manual-clock.js'

const MIB = 2 ** 20

function watch (records = 1_000_000): { w: MemoryWatch, lines: string[], set: (usedMib: number) => void } {
  const lines: string[] = []
  let used = 0
  const w = new MemoryWatch({
    log: line => lines.push(line),
    live: () => records,
    stats: () => ({ heapused: used * MIB, heaplimit: 4096 * MIB, rss: (used + 100) * MIB })
  })
  return { w, lines, set: mib => { used = mib } }
}

test('warns once the heap stays past 80 % of its limit, with the figures and what to do', () => {
  const { w, lines, set } = watch()
  set(3000) // 73 %
  assert.is(w.check(), undefined)
  set(3400) // 83 %: once could be garbage between two collections
  assert.is(w.check(), undefined)
  const line = w.check()
  assert.ok(line !== undefined, 'the second look past 80 % warns')
  assert.equal(lines, [line])
  assert.match(line, '3400 of its 4096 MiB (83 %) with 1000000 waiting or running processes')
  assert.match(line, 'about 3.5 KiB per process in memory')
  assert.match(line, 'NODE_OPTIONS=--max-old-space-size=')
})

test('says it once, and again only after the heap fell below 70 % and rose past 80 % again', () => {
  const { w, lines, set } = watch()
  set(3500)
  w.check()
  w.check()
  w.check()
  set(3000) // 73 %: not low enough to forget the warning
  w.check()
  set(3500)
  w.check()
  w.check()
  assert.is(lines.length, 1)
  set(2000) // 49 %
  w.check()
  set(3500)
  w.check()
  assert.is(lines.length, 1, 'one look past 80 % after the fall is not yet a warning')
  w.check()
  assert.is(lines.length, 2)
})

test('a dip between two looks past 80 % starts the count again', () => {
  const { w, lines, set } = watch()
  set(3500)
  w.check()
  set(3100) // 76 %
  w.check()
  set(3500)
  w.check()
  assert.is(lines.length, 0)
})

test('once started it looks every period on its clock, and not after it is stopped', async () => {
  const clock = new ManualClock()
  const lines: string[] = []
  let looks = 0
  const w = new MemoryWatch({
    log: line => lines.push(line),
    live: () => 1000,
    periodMs: 30_000,
    clock,
    stats: () => { looks++; return { heapused: 3500 * MIB, heaplimit: 4096 * MIB, rss: 3600 * MIB } }
  })
  await clock.advance(60_000)
  assert.is(looks, 0, 'no look before start')
  w.start()
  await clock.advance(29_999)
  assert.is(looks, 0)
  await clock.advance(1)
  assert.is(looks, 1)
  assert.is(lines.length, 0, 'one look past 80 % is not yet a warning')
  await clock.advance(30_000)
  assert.is(looks, 2)
  assert.is(lines.length, 1)
  w.stop()
  await clock.advance(120_000)
  assert.is(looks, 2)
  assert.is(clock.pending, 0)
})

test('the figures /health reports are this process\'s', () => {
  const m = memoryStatus()
  assert.ok(m.heapused > 0 && m.heapused < m.heaplimit, JSON.stringify(m))
  assert.ok(m.rss >= m.heapused, JSON.stringify(m))
})

test.run()
