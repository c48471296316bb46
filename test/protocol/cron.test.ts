/**
 * Cron schedules: robfig/cron v3 semantics on a UTC calendar, anchored constant delays,
 * deterministic jitter, and the catch-up rule (one firing for a slept-through gap).
 * The property tests check nextAfter / latestDue against a slow, independent oracle built
 * from the generated field sets, not from the parser under test.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import {
  firesAt, intervalSchedule, latestDue, nextAfter, parseCronExpression, scheduleOfCron,
  type CronSchedule, type FieldSchedule
} from '../../src/protocol/cron.js'

const at = (iso: string): number => {
  const t = Date.parse(iso.endsWith('Z') ? iso : iso + 'Z')
  if (Number.isNaN(t)) throw new Error(`bad date ${iso}`)
  return t
}
const iso = (ms: number | undefined): string | undefined => ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z')
const next = (expr: string, after: string): string | undefined => iso(nextAfter(parseCronExpression(expr), at(after)))
const fields = (expr: string): FieldSchedule => {
  const s = parseCronExpression(expr)
  if (s.kind !== 'fields') throw new Error(`${expr} is not a field schedule`)
  return s
}

function defined<T> (x: T | undefined, what = 'a value'): T {
  assert.ok(x !== undefined, `expected ${what}`)
  return x as T
}

function refused (expr: string, fragment: string): void {
  try {
    parseCronExpression(expr)
  } catch (err) {
    const e = err as { name?: string, field?: string, message: string }
    assert.is(e.name, 'ValidationError', expr)
    assert.is(e.field, 'cron.cronexpression', expr)
    assert.ok(e.message.includes(fragment), `${JSON.stringify(expr)}: "${e.message}" lacks "${fragment}"`)
    return
  }
  assert.unreachable(`expected ${JSON.stringify(expr)} to be refused`)
}

// ---------------------------------------------------------------------------------------------
// Next firing times

test('robfig\'s own Next table (its non-time-zone cases) holds in UTC', () => {
  const table: Array<[string, string, string | undefined]> = [
    ['2012-07-09T14:45:00', '0 0/15 * * * *', '2012-07-09T15:00:00Z'],
    ['2012-07-09T14:59:00', '0 0/15 * * * *', '2012-07-09T15:00:00Z'],
    ['2012-07-09T14:59:59', '0 0/15 * * * *', '2012-07-09T15:00:00Z'],
    ['2012-07-09T15:45:00', '0 20-35/15 * * * *', '2012-07-09T16:20:00Z'],
    ['2012-07-09T23:46:00', '0 */15 * * * *', '2012-07-10T00:00:00Z'],
    ['2012-07-09T23:45:00', '0 20-35/15 * * * *', '2012-07-10T00:20:00Z'],
    ['2012-07-09T23:35:51', '15/35 20-35/15 * * * *', '2012-07-10T00:20:15Z'],
    ['2012-07-09T23:35:51', '15/35 20-35/15 1/2 * * *', '2012-07-10T01:20:15Z'],
    ['2012-07-09T23:35:51', '15/35 20-35/15 10-12 * * *', '2012-07-10T10:20:15Z'],
    ['2012-07-09T23:35:51', '15/35 20-35/15 1/2 */2 * *', '2012-07-11T01:20:15Z'],
    ['2012-07-09T23:35:51', '15/35 20-35/15 * 9-20 * *', '2012-07-10T00:20:15Z'],
    ['2012-07-09T23:35:51', '15/35 20-35/15 * 9-20 Jul *', '2012-07-10T00:20:15Z'],
    ['2012-07-09T23:35:00', '0 0 0 9 Apr-Oct ?', '2012-08-09T00:00:00Z'],
    ['2012-07-09T23:35:00', '0 0 0 */5 Apr,Aug,Oct Mon', '2012-08-01T00:00:00Z'],
    ['2012-07-09T23:35:00', '0 0 0 */5 Oct Mon', '2012-10-01T00:00:00Z'],
    ['2012-07-09T23:35:00', '0 0 0 * Feb Mon', '2013-02-04T00:00:00Z'],
    ['2012-07-09T23:35:00', '0 0 0 * Feb Mon/2', '2013-02-01T00:00:00Z'],
    ['2012-12-31T23:59:45', '0 * * * * *', '2013-01-01T00:00:00Z'],
    ['2012-07-09T23:35:00', '0 0 0 29 Feb ?', '2016-02-29T00:00:00Z'],
    ['2012-07-09T23:35:00', '0 0 0 30 Feb ?', undefined],
    ['2012-07-09T23:35:00', '0 0 0 31 Apr ?', undefined]
  ]
  for (const [after, expr, want] of table) assert.is(next(expr, after), want, `${expr} after ${after}`)
})

test('robfig\'s activation table: a time fires iff Next from one second before returns it', () => {
  const table: Array<[string, string, boolean]> = [
    ['2012-07-09T15:00', '0/15 * * * *', true],
    ['2012-07-09T15:45', '0/15 * * * *', true],
    ['2012-07-09T15:40', '0/15 * * * *', false],
    ['2012-07-09T15:05', '5/15 * * * *', true],
    ['2012-07-09T15:20', '5/15 * * * *', true],
    ['2012-07-09T15:50', '5/15 * * * *', true],
    ['2012-07-15T15:00', '0/15 * * Jul *', true],
    ['2012-07-15T15:00', '0/15 * * Jun *', false],
    ['2012-07-15T08:30', '30 08 ? Jul Sun', true],
    ['2012-07-15T08:30', '30 08 15 Jul ?', true],
    ['2012-07-16T08:30', '30 08 ? Jul Sun', false],
    ['2012-07-16T08:30', '30 08 15 Jul ?', false],
    ['2012-07-09T15:00', '@hourly', true],
    ['2012-07-09T15:04', '@hourly', false],
    ['2012-07-09T15:00', '@daily', false],
    ['2012-07-09T00:00', '@daily', true],
    ['2012-07-09T00:00', '@weekly', false],
    ['2012-07-08T00:00', '@weekly', true],
    ['2012-07-08T01:00', '@weekly', false],
    ['2012-07-08T00:00', '@monthly', false],
    ['2012-07-01T00:00', '@monthly', true],
    // both day fields restricted: either may match
    ['2012-07-15T00:00', '* * 1,15 * Sun', true],
    ['2012-06-15T00:00', '* * 1,15 * Sun', true],
    ['2012-08-01T00:00', '* * 1,15 * Sun', true],
    ['2012-07-15T00:00', '* * */10 * Sun', true],
    // one of them a star: both must match
    ['2012-07-15T00:00', '* * * * Mon', false],
    ['2012-07-09T00:00', '* * 1,15 * *', false],
    ['2012-07-15T00:00', '* * 1,15 * *', true],
    ['2012-07-15T00:00', '* * */2 * Sun', true]
  ]
  for (const [when, spec, fires] of table) {
    const expr = spec.startsWith('@') ? spec : '0 ' + spec // robfig's table is 5-field
    const s = parseCronExpression(expr)
    const t = at(when + ':00')
    assert.is(nextAfter(s, t - 1000) === t, fires, `${spec} at ${when}`)
    assert.is(firesAt(s, t), fires, `firesAt ${spec} at ${when}`)
  }
})

test('hand-computed next times', () => {
  const table: Array<[string, string, string | undefined]> = [
    // Friday 2024-03-15 10:00 → Monday 09:30
    ['0 30 9 * * MON-FRI', '2024-03-15T10:00:00', '2024-03-18T09:30:00Z'],
    ['0 30 9 * * mon-fri', '2024-03-18T09:29:59.999', '2024-03-18T09:30:00Z'],
    ['*/15 * * * * *', '2024-03-15T12:00:07', '2024-03-15T12:00:15Z'],
    ['*/15 * * * * *', '2024-03-15T12:00:45', '2024-03-15T12:01:00Z'],
    ['*/15 * * * * *', '2024-03-15T12:00:44.5', '2024-03-15T12:00:45Z'],
    ['0 0 0 1 1 *', '2024-06-01T00:00:00', '2025-01-01T00:00:00Z'],
    ['0 0 0 1 1 *', '2024-12-31T23:59:59.999', '2025-01-01T00:00:00Z'],
    ['@daily', '2024-02-28T13:00:00', '2024-02-29T00:00:00Z'],
    ['@midnight', '2023-02-28T13:00:00', '2023-03-01T00:00:00Z'],
    ['@yearly', '2024-01-01T00:00:00', '2025-01-01T00:00:00Z'],
    ['@annually', '2023-12-31T23:59:59', '2024-01-01T00:00:00Z'],
    ['@monthly', '2024-01-31T00:00:00', '2024-02-01T00:00:00Z'],
    ['@weekly', '2024-03-15T00:00:00', '2024-03-17T00:00:00Z'], // Sunday
    ['@hourly', '2024-03-15T23:00:00', '2024-03-16T00:00:00Z'],
    // dom 13 OR Friday: Jan 2024 has Fri 5, 12, Sat 13, Fri 19
    ['0 0 0 13 * FRI', '2024-01-01T00:00:00', '2024-01-05T00:00:00Z'],
    ['0 0 0 13 * FRI', '2024-01-12T00:00:00', '2024-01-13T00:00:00Z'],
    ['0 0 0 13 * FRI', '2024-01-13T00:00:00', '2024-01-19T00:00:00Z'],
    // a star on dom (even */1) makes it AND: Mondays only
    ['0 0 0 */1 * MON', '2024-01-01T00:00:00', '2024-01-08T00:00:00Z'],
    ['0 0 0 ? * MON', '2024-01-01T00:00:00', '2024-01-08T00:00:00Z'],
    // a step > 1 drops the star: every odd day OR Monday
    ['0 0 0 */2 * MON', '2024-01-01T00:00:00', '2024-01-03T00:00:00Z'],
    ['0 0 0 */2 * MON', '2024-01-07T00:00:00', '2024-01-08T00:00:00Z'],
    // Feb 29 waits for the next leap year, and gives up across the 8-year gap around 2100
    ['0 0 0 29 2 *', '2024-02-29T00:00:00', '2028-02-29T00:00:00Z'],
    ['0 0 0 29 2 *', '2021-03-01T00:00:00', '2024-02-29T00:00:00Z'],
    ['0 0 0 29 2 *', '2095-03-01T00:00:00', '2096-02-29T00:00:00Z'],
    ['0 0 0 29 2 *', '2097-01-01T00:00:00', undefined],
    ['0 0 0 29 2 *', '2099-03-01T00:00:00', '2104-02-29T00:00:00Z'], // 2099 + 5: still searched
    ['0 0 0 29 2 *', '2098-12-31T23:59:59', '2104-02-29T00:00:00Z'], // the search starts at the next second, in 2099
    ['0 0 0 29 2 *', '2098-12-31T23:59:58', undefined], // 2104 is past 2098 + 5
    // the 31st skips the 30-day months
    ['0 0 0 31 * *', '2024-03-31T00:00:00', '2024-05-31T00:00:00Z'],
    ['0 0 0 31 * *', '2024-05-31T00:00:00', '2024-07-31T00:00:00Z'],
    ['0 0 0 31 * *', '2024-08-31T00:00:00', '2024-10-31T00:00:00Z'],
    ['0 0 0 31 * *', '2024-10-31T00:00:00', '2024-12-31T00:00:00Z'],
    ['0 0 0 30 2 *', '2024-01-01T00:00:00', undefined],
    // names, ranges, lists, a/n, and a TZ=UTC prefix
    ['0 0 12 1 jan,Jul *', '2024-02-01T00:00:00', '2024-07-01T12:00:00Z'],
    ['0 0 12 1 MAR-may/2 *', '2024-03-01T12:00:00', '2024-05-01T12:00:00Z'],
    ['10/20 * * * * *', '2024-03-15T12:00:31', '2024-03-15T12:00:50Z'],
    ['0 5,10-12,,40 * * * *', '2024-03-15T12:12:00', '2024-03-15T12:40:00Z'],
    ['+5 05 * * * *', '2024-03-15T12:00:00', '2024-03-15T12:05:05Z'],
    ['TZ=UTC 0 0 6 * * *', '2024-03-15T07:00:00', '2024-03-16T06:00:00Z'],
    ['CRON_TZ=Etc/UTC  @daily', '2024-03-15T07:00:00', '2024-03-16T00:00:00Z'],
    ['  0\t0  6 * *   * ', '2024-03-15T07:00:00', '2024-03-16T06:00:00Z'],
    // before 1970 and far ahead work the same
    ['0 0 0 1 1 *', '1969-06-01T00:00:00', '1970-01-01T00:00:00Z'],
    ['0 0 0 29 2 MON', '2399-01-01T00:00:00', '2399-02-01T00:00:00Z'], // OR: the first Monday of February
    ['0 0 0 29 2 ?', '2399-01-01T00:00:00', '2400-02-29T00:00:00Z'] // 2400 is a leap year
  ]
  for (const [expr, after, want] of table) assert.is(next(expr, after), want, `${expr} after ${after}`)
})

test('nextAfter is strictly after, and whole seconds', () => {
  const s = parseCronExpression('* * * * * *')
  assert.is(nextAfter(s, at('2024-03-15T12:00:00')), at('2024-03-15T12:00:01'))
  assert.is(nextAfter(s, at('2024-03-15T12:00:00.001')), at('2024-03-15T12:00:01'))
  assert.is(nextAfter(s, at('2024-03-15T12:00:00') - 1), at('2024-03-15T12:00:00'))
  assert.throws(() => nextAfter(s, Number.NaN), /finite/)
})

test('descriptors parse to robfig\'s fields', () => {
  assert.equal(fields('@yearly'), { kind: 'fields', second: [0], minute: [0], hour: [0], dom: [1], month: [1], dow: [0, 1, 2, 3, 4, 5, 6], domStar: false, dowStar: true })
  assert.equal(fields('@annually'), fields('@yearly'))
  assert.equal(fields('@midnight'), fields('@daily'))
  assert.equal(fields('@daily'), fields('0 0 0 * * *'))
  assert.equal(fields('@hourly'), fields('0 0 * * * *'))
  assert.equal(fields('@weekly'), fields('0 0 0 * * 0'))
  assert.equal(fields('@monthly'), fields('0 0 0 1 * *'))
  assert.equal(fields('0 0 0 * * sun').dow, [0])
  assert.equal(fields('0 0 0 * * 1-5').dow, [1, 2, 3, 4, 5])
  assert.equal(fields('0 0 0 * * *').dowStar, true)
  assert.equal(fields('0 0 0 * * */1').dowStar, true)
  assert.equal(fields('0 0 0 * * */2').dowStar, false)
  assert.equal(fields('0 0 0 * * 1,*').dowStar, true)
})

test('@every takes a Go duration; under a second rounds up, fractions of a second are dropped', () => {
  const table: Array<[string, number]> = [
    ['1h30m', 5400], ['2s', 2], ['90s', 90], ['1.5h', 5400], ['500ms', 1], ['1ns', 1], ['1.5s', 1],
    ['1999ms', 1], ['2000ms', 2], ['1m0.5s', 60], ['+10s', 10], ['.5m', 30], ['3.s', 3],
    ['1000000us', 1], ['1000000\u00b5s', 1], ['1000000\u03bcs', 1], ['2h45m30s', 9930],
    ['0.0000000001h', 1], ['2562047h', 2562047 * 3600]
  ]
  for (const [d, want] of table) {
    const s = parseCronExpression('@every ' + d)
    assert.equal(s, { kind: 'every', seconds: want, random: false }, d)
  }
})

// ---------------------------------------------------------------------------------------------
// Refusals

test('invalid expressions are refused, naming the field and the value', () => {
  const table: Array<[string, string]> = [
    ['', 'is empty'],
    ['* * * * *', 'expected 6 fields (second minute hour day-of-month month day-of-week), found 5'],
    ['* * * * * * *', 'found 7'],
    ['0 0 25 * * *', 'hour field "25": 25 is out of range 0-23'],
    ['60 * * * * *', 'second field "60": 60 is out of range 0-59'],
    ['* 60 * * * *', 'minute field "60": 60 is out of range 0-59'],
    ['0 0 0 0 * *', 'day-of-month field "0": 0 is out of range 1-31'],
    ['0 0 0 32 * *', 'day-of-month field "32": 32 is out of range 1-31'],
    ['0 0 0 * 13 *', 'month field "13": 13 is out of range 1-12'],
    ['0 0 0 * 0 *', 'month field "0": 0 is out of range 1-12'],
    ['0 0 0 * * 7', 'day-of-week field "7": 7 is out of range 0-6'], // robfig: Sunday is 0 only
    ['0 0 0 * * 5-7', 'day-of-week field "5-7": 7 is out of range 0-6'],
    ['0 0 1-99999999999999999999 * * *', '99999999999999999999 is out of range 0-23'],
    ['0 0 5-3 * * *', 'hour field "5-3": range 5-3 runs backwards'],
    ['0 0 30/5 * * *', 'hour field "30/5": 30 is out of range 0-23'],
    ['0 0 */0 * * *', 'hour field "*/0": step "0" must be a positive whole number'],
    ['0 0 */-2 * * *', 'step "-2" must be a positive whole number'],
    ['0 0 */x * * *', 'step "x"'],
    ['0 0 1//2 * * *', 'too many slashes in "1//2"'],
    ['0 0 1-2-3 * * *', 'too many hyphens in "1-2-3"'],
    ['0 0 -1 * * *', 'hour field "-1": "" is not a number'],
    ['0 0 x * * *', 'hour field "x": "x" is not a number'],
    ['0 0 mon * * *', '"mon" is not a number'],
    ['0 0 0 * * XYZ', 'day-of-week field "XYZ": "XYZ" is not a number or a name (sun, mon, tue, wed, thu, fri, sat)'],
    ['0 0 0 * JANUARY *', 'or a name (jan, feb'],
    ['0 0 0 * constructor *', '"constructor" is not a number'],
    ['0 0 0 * * 1.5', '"1.5" is not a number'],
    ['0 0 0 * * , ', 'day-of-week field ",": has no values'],
    ['0 0 *-5 * * *', 'hour field "*-5": "*-5" mixes a star with a range'],
    ['@unrecognized', 'unknown descriptor "@unrecognized"'],
    ['@Daily', 'unknown descriptor "@Daily"'],
    ['@daily ', 'unknown descriptor "@daily "'],
    ['@every', 'unknown descriptor'],
    ['@every Xm', '@every: invalid duration "Xm"'],
    ['@every 5', '@every: missing unit in duration "5"'],
    ['@every 5d', '@every: unknown unit "d" in duration "5d"'],
    ['@every 1h 30m', 'unknown unit "h " in duration "1h 30m"'], // as Go reads it
    ['@every 0', '@every needs a positive duration'],
    ['@every -5m', '@every needs a positive duration'],
    ['@every 2562048h', 'invalid duration'],
    ['TZ=Europe/Stockholm 0 0 6 * * *', 'time zone "Europe/Stockholm" is not supported: schedules are always UTC'],
    ['CRON_TZ=Local @daily', 'time zone "Local"']
  ]
  for (const [expr, fragment] of table) refused(expr, fragment)
})

test('the message reads as one line with the field path', () => {
  try {
    parseCronExpression('0 0 25 * * *')
    assert.unreachable()
  } catch (err) {
    assert.is((err as Error).message, 'cron.cronexpression: hour field "25": 25 is out of range 0-23')
  }
})

// ---------------------------------------------------------------------------------------------
// Constant delays and intervals

test('@every ticks at anchor + k·d, not at "previous run + d"', () => {
  const s = parseCronExpression('@every 1h30m')
  const anchor = at('2024-03-15T10:00:00.250') // truncated to the second
  const base = at('2024-03-15T10:00:00')
  assert.is(nextAfter(s, anchor, anchor), base + 5400_000)
  assert.is(nextAfter(s, base - 86400_000, anchor), base + 5400_000) // k ≥ 1
  assert.is(nextAfter(s, base + 5400_000, anchor), base + 10800_000) // strictly after
  assert.is(nextAfter(s, base + 5399_999, anchor), base + 5400_000)
  // any site, whatever instant it looks from, lands on the same ticks
  for (const off of [1, 777_000, 5400_000, 9_999_999, 123_456_789]) {
    const t = defined(nextAfter(s, base + off, anchor))
    assert.is((t - base) % 5400_000, 0)
    assert.ok(t > base + off && t - (base + off) <= 5400_000)
  }
  // without an anchor the epoch anchors it: @every 1h ticks on the hour
  assert.is(nextAfter(parseCronExpression('@every 1h'), at('2024-03-15T10:20:00')), at('2024-03-15T11:00:00'))
})

test('intervals: ticks every n seconds from the anchor; a positive interval wins over the expression', () => {
  const s = intervalSchedule(30)
  const anchor = at('2024-03-15T10:00:00')
  assert.is(nextAfter(s, anchor, anchor), anchor + 30_000)
  assert.is(nextAfter(s, anchor + 45_000, anchor), anchor + 60_000)
  assert.ok(firesAt(s, anchor + 60_000, anchor))
  assert.not.ok(firesAt(s, anchor, anchor)) // k ≥ 1
  assert.not.ok(firesAt(s, anchor + 61_000, anchor))
  assert.equal(scheduleOfCron({ cronexpression: '', interval: 30, random: false }), s)
  assert.equal(scheduleOfCron({ cronexpression: 'nonsense', interval: 30, random: true }), intervalSchedule(30, true))
  assert.equal(scheduleOfCron({ cronexpression: '@hourly', interval: -1, random: false }), fields('@hourly'))
  for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => intervalSchedule(bad), (e: { name: string, field: string }) => e.name === 'ValidationError' && e.field === 'cron.interval')
  }
})

test('random intervals: the jitter is a function of (seed, k), in [0, interval)', () => {
  const s = intervalSchedule(60, true)
  const anchor = at('2024-03-15T10:00:00')
  const run = (seed: string): number[] => {
    const out: number[] = []
    let t = anchor
    for (let i = 0; i < 200; i++) {
      t = defined(nextAfter(s, t, anchor, seed))
      out.push(t)
    }
    return out
  }
  const a = run('cron-a')
  assert.equal(run('cron-a'), a)
  const b = run('cron-b')
  assert.ok(a.some((t, i) => t !== b[i]))
  const jitters = new Set<number>()
  a.forEach((t, i) => {
    const k = i + 1 // one tick per window, in order
    const j = (t - anchor) / 1000 - k * 60
    assert.ok(Number.isInteger(j) && j >= 0 && j < 60, `jitter ${j}`)
    jitters.add(j)
    assert.ok(firesAt(s, t, anchor, 'cron-a'))
    assert.not.ok(firesAt(s, t, anchor, 'cron-b') && firesAt(s, t + 1000, anchor, 'cron-a'))
  })
  assert.ok(jitters.size > 30, 'the jitter spreads over the window') // 200 draws from 60 values
  // from any instant, nextAfter finds the same tick the chain did
  for (const off of [0, 1, 59_999, 60_000, 61_000, 3_599_000, 7_000_000]) {
    const want = a.find(t => t > anchor + off)
    assert.is(nextAfter(s, anchor + off, anchor, 'cron-a'), want, `off ${off}`)
  }
})

// ---------------------------------------------------------------------------------------------
// Catching up after an outage

test('latestDue: a year offline with a per-second schedule returns one time, computed', () => {
  // every look at the schedule counted: a walk second by second would look 31 million times
  let looks = 0
  const s = new Proxy(parseCronExpression('* * * * * *'), { get: (target, key, receiver) => { looks++; return Reflect.get(target, key, receiver) } })
  const after = at('2023-03-15T10:00:00')
  const now = at('2024-03-15T10:00:00.750')
  assert.is(latestDue(s, after, now), at('2024-03-15T10:00:00'))
  assert.ok(looks > 0 && looks < 100, `computed, not counted second by second: ${looks} looks at the schedule`)
  // the same from a schedule that fires once a year, found by walking back months, not seconds
  looks = 0
  const yearly = new Proxy(parseCronExpression('0 0 0 1 1 *'), { get: (target, key, receiver) => { looks++; return Reflect.get(target, key, receiver) } })
  assert.is(latestDue(yearly, after, now), at('2024-01-01T00:00:00'))
  assert.ok(looks > 0 && looks < 1000, `${looks} looks at the schedule`)
})

test('latestDue: the most recent firing in (after, now], else undefined', () => {
  const weekly = parseCronExpression('0 30 9 * * MON')
  assert.is(iso(latestDue(weekly, at('2023-01-01T00:00:00'), at('2024-03-15T10:00:00'))), '2024-03-11T09:30:00Z')
  assert.is(latestDue(weekly, at('2024-03-11T09:30:00'), at('2024-03-15T10:00:00')), undefined) // already fired
  assert.is(iso(latestDue(weekly, at('2024-03-11T09:29:59'), at('2024-03-15T10:00:00'))), '2024-03-11T09:30:00Z')
  assert.is(iso(latestDue(weekly, at('2024-03-10T00:00:00'), at('2024-03-11T09:30:00'))), '2024-03-11T09:30:00Z') // now is inclusive
  assert.is(latestDue(weekly, at('2024-03-10T00:00:00'), at('2024-03-11T09:29:59.999')), undefined)
  assert.is(latestDue(weekly, at('2024-03-15T00:00:00'), at('2024-03-14T00:00:00')), undefined)
  assert.is(iso(latestDue(parseCronExpression('0 0 0 29 2 *'), at('2020-01-01T00:00:00'), at('2025-06-01T00:00:00'))), '2024-02-29T00:00:00Z')
  assert.is(iso(latestDue(parseCronExpression('0 0 0 31 * *'), at('2024-01-01T00:00:00'), at('2024-07-30T00:00:00'))), '2024-05-31T00:00:00Z')
  assert.is(latestDue(parseCronExpression('0 0 0 30 2 *'), at('2000-01-01T00:00:00'), at('2024-07-30T00:00:00')), undefined)
  // the walk back looks five calendar years back, as the walk forward looks five ahead
  const feb29 = parseCronExpression('0 0 0 29 2 *')
  assert.is(iso(latestDue(feb29, at('2090-01-01T00:00:00'), at('2101-12-31T23:59:59'))), '2096-02-29T00:00:00Z')
  assert.is(latestDue(feb29, at('2090-01-01T00:00:00'), at('2102-01-01T00:00:00')), undefined)
  // constant delay: k straight from the arithmetic
  const every = parseCronExpression('@every 7s')
  const anchor = at('2024-01-01T00:00:00')
  assert.is(latestDue(every, anchor, at('2025-01-01T00:00:00'), anchor), anchor + Math.floor(366 * 86400 / 7) * 7000)
  assert.is(latestDue(every, anchor, anchor + 6999, anchor), undefined)
  assert.is(latestDue(every, anchor, anchor + 7000, anchor), anchor + 7000)
  assert.is(latestDue(every, anchor + 7000, anchor + 13_999, anchor), undefined)
})

test('latestDue on a random interval agrees with walking nextAfter', () => {
  const s = intervalSchedule(45, true)
  const anchor = at('2024-03-15T10:00:00')
  const ticks: number[] = []
  for (let t = anchor; ticks.length < 100;) ticks.push(t = defined(nextAfter(s, t, anchor, 'seed')))
  for (let now = anchor; now < (ticks.at(-1) ?? 0); now += 7_000) {
    for (const after of [anchor - 1, now - 60_000, now - 200_000]) {
      const want = ticks.filter(t => t > after && t <= now).at(-1)
      assert.is(latestDue(s, after, now, anchor, 'seed'), want, `after ${after} now ${now}`)
    }
  }
})

// ---------------------------------------------------------------------------------------------
// Properties, against an independent oracle

interface Bounds { min: number, max: number, names?: readonly string[] }
interface GenField { text: string, values: Set<number>, star: boolean }
interface GenSchedule { expr: string, f: GenField[] }

const BOUNDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ['JAN', 'feb', 'Mar', 'apr', 'MAY', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { min: 0, max: 6, names: ['sun', 'MON', 'tue', 'wed', 'thu', 'fri', 'sat'] }
]

function span (a: number, b: number, step: number): number[] {
  const out: number[] = []
  for (let i = a; i <= b; i += step) out.push(i)
  return out
}

function itemArb (b: Bounds): fc.Arbitrary<GenField> {
  const v = fc.integer({ min: b.min, max: b.max })
  const word = (n: number): fc.Arbitrary<string> => b.names === undefined ? fc.constant(String(n)) : fc.constantFrom(String(n), b.names[n - b.min] ?? String(n))
  const step = fc.integer({ min: 1, max: b.max - b.min + 2 })
  return fc.oneof(
    fc.constantFrom('*', '?').map(t => ({ text: t, values: new Set(span(b.min, b.max, 1)), star: true })),
    fc.tuple(fc.constantFrom('*', '?'), step).map(([t, n]) => ({ text: `${t}/${n}`, values: new Set(span(b.min, b.max, n)), star: n === 1 })),
    v.chain(n => word(n).map(w => ({ text: w, values: new Set([n]), star: false }))),
    fc.tuple(v, v).chain(([x, y]) => {
      const [lo, hi] = x <= y ? [x, y] : [y, x]
      return fc.tuple(word(lo), word(hi)).map(([a, c]) => ({ text: `${a}-${c}`, values: new Set(span(lo, hi, 1)), star: false }))
    }),
    fc.tuple(v, v, step).map(([x, y, n]) => {
      const [lo, hi] = x <= y ? [x, y] : [y, x]
      return { text: `${lo}-${hi}/${n}`, values: new Set(span(lo, hi, n)), star: false }
    }),
    fc.tuple(v, step).map(([x, n]) => ({ text: `${x}/${n}`, values: new Set(span(x, b.max, n)), star: false }))
  )
}

function fieldArb (b: Bounds): fc.Arbitrary<GenField> {
  return fc.array(itemArb(b), { minLength: 1, maxLength: 3 }).map(items => ({
    text: items.map(i => i.text).join(','),
    values: new Set(items.flatMap(i => [...i.values])),
    star: items.some(i => i.star)
  }))
}

const scheduleArb: fc.Arbitrary<GenSchedule> = fc.tuple(...BOUNDS.map(fieldArb))
  .map(f => ({ expr: f.map(x => x.text).join(' '), f }))

/** Dense schedules: fire at least once an hour, so a second-by-second check stays small. */
const denseArb: fc.Arbitrary<GenSchedule> = fc.tuple(fieldArb(BOUNDS[0] as Bounds), fieldArb(BOUNDS[1] as Bounds))
  .map(([sec, min]) => {
    const all = (b: Bounds): GenField => ({ text: '*', values: new Set(span(b.min, b.max, 1)), star: true })
    const f = [sec, min, ...BOUNDS.slice(2).map(all)]
    return { expr: f.map(x => x.text).join(' '), f }
  })

const timeArb = fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2300, 0, 1) })

function dayOk (g: GenSchedule, d: Date): boolean {
  const [, , , dom, month, dow] = g.f as [GenField, GenField, GenField, GenField, GenField, GenField]
  if (!month.values.has(d.getUTCMonth() + 1)) return false
  const a = dom.values.has(d.getUTCDate())
  const b = dow.values.has(d.getUTCDay())
  return dom.star || dow.star ? a && b : a || b
}

function oracleFires (g: GenSchedule, ms: number): boolean {
  const d = new Date(ms)
  const [sec, min, hour] = g.f as [GenField, GenField, GenField]
  return ms % 1000 === 0 && dayOk(g, d) && hour.values.has(d.getUTCHours()) && min.values.has(d.getUTCMinutes()) && sec.values.has(d.getUTCSeconds())
}

const sorted = (f: GenField | undefined, desc = false): number[] => [...(f?.values ?? [])].sort((a, b) => desc ? b - a : a - b)

/** Day by day, then the day's times in order: the first firing > afterMs within robfig's five calendar years. */
function oracleNext (g: GenSchedule, afterMs: number): number | undefined {
  const start = Math.floor(afterMs / 1000) * 1000 + 1000
  const limit = new Date(start).getUTCFullYear() + 5
  const [hs, ms, ss] = [sorted(g.f[2]), sorted(g.f[1]), sorted(g.f[0])]
  for (let day = Math.floor(start / 86400_000) * 86400_000; new Date(day).getUTCFullYear() <= limit; day += 86400_000) {
    if (!dayOk(g, new Date(day))) continue
    for (const h of hs) for (const m of ms) for (const s of ss) {
      const t = day + ((h * 60 + m) * 60 + s) * 1000
      if (t >= start) return t
    }
  }
  return undefined
}

/** The mirror image: the last firing ≤ nowMs within five calendar years back. */
function oraclePrev (g: GenSchedule, nowMs: number): number | undefined {
  const end = Math.floor(nowMs / 1000) * 1000
  const limit = new Date(end).getUTCFullYear() - 5
  const [hs, ms, ss] = [sorted(g.f[2], true), sorted(g.f[1], true), sorted(g.f[0], true)]
  for (let day = Math.floor(end / 86400_000) * 86400_000; new Date(day).getUTCFullYear() >= limit; day -= 86400_000) {
    if (!dayOk(g, new Date(day))) continue
    for (const h of hs) for (const m of ms) for (const s of ss) {
      const t = day + ((h * 60 + m) * 60 + s) * 1000
      if (t <= end) return t
    }
  }
  return undefined
}

test('property: the parser reads generated expressions into the generated sets', () => {
  fc.assert(fc.property(scheduleArb, g => {
    const s = fields(g.expr)
    const got = [s.second, s.minute, s.hour, s.dom, s.month, s.dow]
    got.forEach((vals, i) => assert.equal(vals, sorted(g.f[i]), `${g.expr} field ${i}`))
    assert.is(s.domStar, g.f[3]?.star)
    assert.is(s.dowStar, g.f[5]?.star)
  }), { numRuns: 500 })
})

test('property: nextAfter is the first firing strictly after t (robfig\'s five-year horizon)', () => {
  fc.assert(fc.property(scheduleArb, timeArb, (g, t) => {
    const s = parseCronExpression(g.expr)
    const got = nextAfter(s, t)
    assert.is(got, oracleNext(g, t), g.expr)
    if (got !== undefined) {
      assert.ok(got > t)
      assert.is(got % 1000, 0)
      assert.ok(oracleFires(g, got))
      assert.ok(firesAt(s, got))
      assert.not.ok(firesAt(s, got + 1))
    }
  }), { numRuns: 300 })
})

test('property: latestDue is the last firing at or before now', () => {
  fc.assert(fc.property(scheduleArb, timeArb, (g, now) => {
    const s = parseCronExpression(g.expr)
    const want = oraclePrev(g, now)
    const got = latestDue(s, now - 10 * 366 * 86400_000, now)
    assert.is(got, want, g.expr)
    if (got !== undefined) assert.is(latestDue(s, got, now), undefined)
  }), { numRuns: 300 })
})

test('property: on dense schedules nothing fires between t and nextAfter(t), second by second', () => {
  fc.assert(fc.property(denseArb, timeArb, (g, t) => {
    const s = parseCronExpression(g.expr)
    const n = defined(nextAfter(s, t), `${g.expr} to fire`)
    assert.ok(n > t && n % 1000 === 0 && oracleFires(g, n))
    assert.ok(n - t <= 2 * 3600_000, 'a dense schedule fires within two hours')
    for (let x = Math.floor(t / 1000) * 1000 + 1000; x < n; x += 1000) assert.not.ok(oracleFires(g, x), `${g.expr} fires at ${iso(x)} before ${iso(n)}`)
  }), { numRuns: 150 })
})

test('property: latestDue equals the last of a nextAfter walk over the window', () => {
  fc.assert(fc.property(denseArb, timeArb, fc.integer({ min: 0, max: 4 * 3600 }), (g, after, gap) => {
    const s = parseCronExpression(g.expr)
    const now = after + gap * 1000 + (after % 997)
    let last: number | undefined
    for (let x = nextAfter(s, after); x !== undefined && x <= now; x = nextAfter(s, x)) last = x
    assert.is(latestDue(s, after, now), last, g.expr)
  }), { numRuns: 150 })
})

test('property: constant delays land on anchor + k·d from any vantage point', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), fc.boolean(), timeArb, timeArb, fc.string(), (d, random, anchor, t, seed) => {
    const s: CronSchedule = intervalSchedule(d, random)
    const n = defined(nextAfter(s, t, anchor, seed))
    const base = Math.floor(anchor / 1000) * 1000
    assert.ok(n > t && n % 1000 === 0 && n > base)
    assert.ok(firesAt(s, n, anchor, seed))
    const k = Math.floor((n - base) / (d * 1000))
    if (!random) assert.is(n, base + k * d * 1000)
    // the tick before it is not after t
    const prev = latestDue(s, anchor - 1, n - 1, anchor, seed)
    if (prev !== undefined) assert.ok(prev <= t && nextAfter(s, prev, anchor, seed) === n)
  }), { numRuns: 500 })
})

test.run()
