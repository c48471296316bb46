/**
 * The clocks services run on: the system's, and the manual one tests drive (it must run
 * timers as the system's would, in order and each at its own time, or a test on it proves
 * nothing about the node).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { every, systemClock } from '../../src/node/clock.js'
import { ManualClock } from '../helpers/manual-clock.js'

test('a manual clock runs the timers due by the end of an advance, earliest first, each at its due time', async () => {
  const clock = new ManualClock(1000)
  const ran: Array<[string, number]> = []
  clock.setTimeout(() => { ran.push(['b', clock.now()]) }, 20)
  clock.setTimeout(() => { ran.push(['a', clock.now()]) }, 10)
  clock.setTimeout(() => { ran.push(['c', clock.now()]) }, 20)
  clock.setTimeout(() => { ran.push(['late', clock.now()]) }, 31)
  const cancelled = clock.setTimeout(() => { ran.push(['cancelled', clock.now()]) }, 5)
  clock.clearTimeout(cancelled)
  await clock.advance(30)
  assert.equal(ran, [['a', 1010], ['b', 1020], ['c', 1020]], 'same due time: in arming order')
  assert.is(clock.now(), 1030)
  assert.is(clock.pending, 1)
  assert.is(clock.nextAt(), 1031)
  await clock.advance(1)
  assert.equal(ran.at(-1), ['late', 1031])
})

test('a manual clock awaits each timer\'s work, and runs timers armed meanwhile when they are due', async () => {
  const clock = new ManualClock(0)
  const ran: Array<[string, number]> = []
  clock.setTimeout(async () => {
    await new Promise(resolve => setImmediate(resolve))
    ran.push(['slow', clock.now()])
    clock.setTimeout(() => { ran.push(['armed by slow', clock.now()]) }, 5)
    clock.setTimeout(() => { ran.push(['too late', clock.now()]) }, 50)
  }, 10)
  clock.setTimeout(() => { ran.push(['next', clock.now()]) }, 11)
  await clock.advance(20)
  assert.equal(ran, [['slow', 10], ['next', 11], ['armed by slow', 15]])
  await assert.not.throws(async () => { await clock.advance(0) })
  assert.is(clock.pending, 1)
})

test('time only moves forward', async () => {
  const clock = new ManualClock(0)
  let err: unknown
  await clock.advance(-1).catch(e => { err = e })
  assert.instance(err, RangeError)
})

test('every: runs each period until stopped, the next run armed before this one\'s work', async () => {
  const clock = new ManualClock(0)
  const at: number[] = []
  let armedDuringWork = -1
  const stop = every(clock, 200, async () => {
    at.push(clock.now())
    armedDuringWork = clock.pending
    await new Promise(resolve => setImmediate(resolve))
  })
  await clock.advance(1000)
  assert.equal(at, [200, 400, 600, 800, 1000])
  assert.is(armedDuringWork, 1)
  stop()
  assert.is(clock.pending, 0)
  await clock.advance(1000)
  assert.is(at.length, 5)
})

test('the system clock fires a timer and cancels one', async () => {
  let fired = false
  let cancelledFired = false
  const cancelled = systemClock.setTimeout(() => { cancelledFired = true }, 1)
  systemClock.clearTimeout(cancelled)
  systemClock.clearTimeout(undefined)
  await new Promise<void>(resolve => { systemClock.setTimeout(() => { fired = true; resolve() }, 2) })
  assert.ok(fired)
  assert.not.ok(cancelledFired)
  assert.ok(Math.abs(systemClock.now() - Date.now()) < 1000)
})

test.run()
