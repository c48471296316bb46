/**
 * Cron schedules as pure functions of their inputs, so every site computes the same firing
 * times for a cron without talking to the others.
 *
 * Syntax is robfig/cron v3 as ColonyOS parses it (`Second | Minute | Hour | Dom | Month | Dow |
 * Descriptor`): six fields `sec min hour dom month dow`, each a comma list of `*`, `?`, `n`,
 * `a-b`, with an optional `/step` (`a/step` means `a-max/step`); month names JAN-DEC and
 * weekday names SUN-SAT, case-insensitive; dow is 0-6 (robfig refuses 7); the descriptors
 * @yearly @annually @monthly @weekly @daily @midnight @hourly and `@every <Go duration>`.
 * The day matches as robfig decides it: if dom or dow was written with a star (`*`, `?`, or
 * a star with step 1), both must match; otherwise either may.
 *
 * Where we differ from robfig, on purpose:
 * - Time is UTC, always. Robfig reads fields in the server's local zone; a federation of
 *   sites has no common local zone. A `TZ=`/`CRON_TZ=` prefix is accepted only for UTC.
 * - `@every d` and ColonyOS intervals tick at anchor + k·d (k ≥ 1, anchor = the cron's
 *   creation time, truncated to the second) instead of "previous run + d": the previous run
 *   is observed at a different instant on each site, the anchor is not.
 * - A random interval (ColonyOS `random`) fires at anchor + k·interval + jitter(k), the
 *   jitter in [0, interval) seconds from SHA3 of (seed, k). Upstream draws `now + rand(interval)`
 *   from math/rand (and never reaches that branch, since `interval > 0` is tested first).
 * - Garbage robfig reads silently is refused: `*-5` (robfig ignores `-5`), a field with no
 *   values (`,`: robfig never fires), and `@every` with a zero or negative duration (robfig
 *   fires every second). Robfig's other leniencies are kept: `+5`, `05`, empty list items
 *   (`1,,2`), `?` in any field; and so is its strictness: descriptors are case-sensitive and
 *   must not carry surrounding spaces.
 * Kept from robfig: sub-second precision is dropped (`@every 1.5s` ticks every second, `500ms`
 * rounds up to 1s); a field search that finds nothing within five calendar years gives up
 * (robfig returns the zero time, we return undefined), so `0 0 0 30 2 *` never fires and
 * `0 0 0 29 2 *` skips the 8-year gap around 2100.
 */
import { ValidationError } from './errors.js'
import { sha3Hex } from './crypto.js'

/** A six-field schedule; each list holds the allowed values of its field, ascending. */
export interface FieldSchedule {
  readonly kind: 'fields'
  readonly second: readonly number[]
  readonly minute: readonly number[]
  readonly hour: readonly number[]
  /** day of month, 1-31 */
  readonly dom: readonly number[]
  /** 1-12 */
  readonly month: readonly number[]
  /** 0 = Sunday … 6 = Saturday */
  readonly dow: readonly number[]
  /** dom / dow was written with a star: then both day fields must match, else either may */
  readonly domStar: boolean
  readonly dowStar: boolean
}

/** `@every` or a ColonyOS interval: ticks at anchor + k·seconds (+ jitter when random). */
export interface ConstantDelaySchedule {
  readonly kind: 'every'
  readonly seconds: number
  readonly random: boolean
}

export type CronSchedule = FieldSchedule | ConstantDelaySchedule

/** How many calendar years a field search looks ahead (or back) before giving up, as robfig. */
export const SEARCH_YEARS = 5

const FIELD = 'cron.cronexpression'

interface Bounds {
  readonly name: string
  readonly min: number
  readonly max: number
  readonly names?: ReadonlyMap<string, number>
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']

const SECONDS: Bounds = { name: 'second', min: 0, max: 59 }
const MINUTES: Bounds = { name: 'minute', min: 0, max: 59 }
const HOURS: Bounds = { name: 'hour', min: 0, max: 23 }
const DOM: Bounds = { name: 'day-of-month', min: 1, max: 31 }
const MONTHS: Bounds = { name: 'month', min: 1, max: 12, names: new Map(MONTH_NAMES.map((n, i) => [n, i + 1])) }
const DOW: Bounds = { name: 'day-of-week', min: 0, max: 6, names: new Map(DOW_NAMES.map((n, i) => [n, i])) }
const PLACES = [SECONDS, MINUTES, HOURS, DOM, MONTHS, DOW] as const

/** Go's strings.Fields splits on unicode.IsSpace. */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/
const UTC_ZONES = new Set(['', 'UTC', 'Etc/UTC']) // Go's LoadLocation reads "" as UTC

/** User text inside a message: quoted, escaped, and cut short. */
function q (s: string): string {
  return JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s)
}

function refuse (problem: string): ValidationError {
  return new ValidationError(FIELD, problem)
}

function range (min: number, max: number, step = 1): number[] {
  const out: number[] = []
  for (let i = min; i <= max; i += step) out.push(i)
  return out
}

/**
 * Parses a cron expression; throws ValidationError (field `cron.cronexpression`) naming the
 * bad field and value.
 */
export function parseCronExpression (expr: string): CronSchedule {
  if (typeof expr !== 'string') throw refuse('must be a string')
  if (expr === '') throw refuse('is empty')
  let spec = expr
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ')
    const zone = spec.slice(spec.indexOf('=') + 1, space === -1 ? undefined : space)
    if (!UTC_ZONES.has(zone)) throw refuse(`time zone ${q(zone)} is not supported: schedules are always UTC`)
    spec = space === -1 ? '' : spec.slice(space).trim()
  }
  if (spec.startsWith('@')) return parseDescriptor(spec)
  const fields = spec.split(GO_SPACE).filter(f => f !== '')
  if (fields.length !== 6) {
    throw refuse(`expected 6 fields (second minute hour day-of-month month day-of-week), found ${fields.length}`)
  }
  const parsed = PLACES.map((b, i) => parseField(fields[i] ?? '', b))
  const [second, minute, hour, dom, month, dow] = parsed as [Parsed, Parsed, Parsed, Parsed, Parsed, Parsed]
  return {
    kind: 'fields',
    second: second.values,
    minute: minute.values,
    hour: hour.values,
    dom: dom.values,
    month: month.values,
    dow: dow.values,
    domStar: dom.star,
    dowStar: dow.star
  }
}

interface Parsed { values: number[], star: boolean }

function parseField (text: string, b: Bounds): Parsed {
  const where = `${b.name} field ${q(text)}`
  const set = new Set<number>()
  let star = false
  const items = text.split(',').filter(p => p !== '')
  if (items.length === 0) throw refuse(`${where}: has no values`)
  for (const item of items) {
    const slash = item.split('/')
    if (slash.length > 2) throw refuse(`${where}: too many slashes in ${q(item)}`)
    const dash = (slash[0] ?? '').split('-')
    let start: number
    let end: number
    let itemStar = false
    if (dash[0] === '*' || dash[0] === '?') {
      if (dash.length > 1) throw refuse(`${where}: ${q(item)} mixes a star with a range`)
      start = b.min
      end = b.max
      itemStar = true
    } else {
      if (dash.length > 2) throw refuse(`${where}: too many hyphens in ${q(item)}`)
      start = value(dash[0] ?? '', b, where)
      end = dash.length === 2 ? value(dash[1] ?? '', b, where) : start
    }
    let step = 1
    if (slash.length === 2) {
      const s = slash[1] ?? ''
      if (!/^\+?\d+$/.test(s) || Number(s) === 0) throw refuse(`${where}: step ${q(s)} must be a positive whole number`)
      step = Number(s)
      if (dash.length === 1) end = b.max // robfig: "a/n" means "a-max/n"
      if (step > 1) itemStar = false
    }
    for (const v of [start, end]) {
      if (v < b.min || v > b.max) throw refuse(`${where}: ${v} is out of range ${b.min}-${b.max}`)
    }
    if (start > end) throw refuse(`${where}: range ${start}-${end} runs backwards`)
    for (const v of range(start, end, step)) set.add(v)
    star ||= itemStar
  }
  return { values: [...set].sort((x, y) => x - y), star }
}

/** A number (Go's strconv.Atoi: an optional `+`, decimal digits) or, where the field has them, a name. */
function value (s: string, b: Bounds, where: string): number {
  const named = b.names?.get(s.toLowerCase())
  if (named !== undefined) return named
  if (!/^\+?\d+$/.test(s)) {
    const hint = b.names === undefined ? '' : ` or a name (${[...b.names.keys()].join(', ')})`
    throw refuse(`${where}: ${q(s)} is not a number${hint}`)
  }
  const n = Number(s)
  if (n > b.max) throw refuse(`${where}: ${s.replace(/^\+?0*(?=\d)/, '').slice(0, 40)} is out of range ${b.min}-${b.max}`)
  return n
}

function parseDescriptor (spec: string): CronSchedule {
  const midnight = { kind: 'fields' as const, second: [0], minute: [0], hour: [0] }
  const anyDay = { dom: range(1, 31), domStar: true, dow: range(0, 6), dowStar: true }
  switch (spec) {
    case '@yearly':
    case '@annually':
      return { ...midnight, ...anyDay, dom: [1], domStar: false, month: [1] }
    case '@monthly':
      return { ...midnight, ...anyDay, dom: [1], domStar: false, month: range(1, 12) }
    case '@weekly':
      return { ...midnight, ...anyDay, dow: [0], dowStar: false, month: range(1, 12) }
    case '@daily':
    case '@midnight':
      return { ...midnight, ...anyDay, month: range(1, 12) }
    case '@hourly':
      return { ...midnight, ...anyDay, hour: range(0, 23), month: range(1, 12) }
  }
  const every = '@every '
  if (spec.startsWith(every)) {
    const ns = parseGoDuration(spec.slice(every.length))
    if (ns <= 0n) throw refuse(`@every needs a positive duration, got ${q(spec.slice(every.length))}`)
    // robfig's Every: under a second becomes a second, the rest is truncated to whole seconds
    const seconds = ns < 1_000_000_000n ? 1 : Number(ns / 1_000_000_000n)
    return { kind: 'every', seconds, random: false }
  }
  throw refuse(`unknown descriptor ${q(spec)} (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)`)
}

const DURATION_UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n], ['us', 1000n], ['\u00b5s', 1000n], ['\u03bcs', 1000n],
  ['ms', 1_000_000n], ['s', 1_000_000_000n], ['m', 60_000_000_000n], ['h', 3_600_000_000_000n]
])
const TWO63 = 1n << 63n

/** Go's time.ParseDuration, to the nanosecond (fractions go through float64 as in Go). */
function parseGoDuration (orig: string): bigint {
  const bad = (why = 'invalid duration'): ValidationError => refuse(`@every: ${why} ${q(orig)} (use e.g. 90s, 1h30m, 500ms)`)
  let s = orig
  let neg = false
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') throw bad()
  let d = 0n
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)
    const intDigits = m?.[1] ?? ''
    const fracDigits = m?.[2]
    if (intDigits === '' && (fracDigits ?? '') === '') throw bad()
    s = s.slice(m?.[0].length ?? 0)
    let v = intDigits === '' ? 0n : BigInt(intDigits)
    if (v > TWO63) throw bad()
    const unitMatch = /^[^.0-9]*/.exec(s)?.[0] ?? ''
    if (unitMatch === '') throw bad('missing unit in duration')
    s = s.slice(unitMatch.length)
    const unit = DURATION_UNITS.get(unitMatch)
    if (unit === undefined) throw bad(`unknown unit ${q(unitMatch)} in duration`)
    if (v > TWO63 / unit) throw bad()
    v *= unit
    if (fracDigits !== undefined && fracDigits !== '') {
      // leadingFraction: stop gaining precision once the digits would pass 2^63
      let f = 0n
      let scale = 1
      for (const c of fracDigits) {
        if (f > (TWO63 - 1n) / 10n) break
        const y = f * 10n + BigInt(c)
        if (y > TWO63) break
        f = y
        scale *= 10
      }
      if (f > 0n) v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)))
      if (v > TWO63) throw bad()
    }
    d += v
    if (d > TWO63) throw bad()
  }
  if (neg) return -d
  if (d > TWO63 - 1n) throw bad()
  return d
}

/** A ColonyOS interval (`interval` seconds > 0, optionally `random`) as a schedule. */
export function intervalSchedule (seconds: number, random = false): ConstantDelaySchedule {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new ValidationError('cron.interval', 'must be a whole number of seconds > 0')
  return { kind: 'every', seconds, random }
}

/** The schedule of a ColonyOS cron record: a positive interval wins over the expression, as upstream. */
export function scheduleOfCron (cron: { cronexpression: string, interval: number, random: boolean }): CronSchedule {
  return cron.interval > 0 ? intervalSchedule(cron.interval, cron.random) : parseCronExpression(cron.cronexpression)
}

/**
 * The first firing time strictly after `afterMs`, in Unix ms (a whole second, UTC), or
 * undefined when a field schedule has none within SEARCH_YEARS calendar years.
 * `anchorMs` (the cron's creation time) and `seed` (e.g. the cron id, for random jitter)
 * matter only to constant-delay schedules; field schedules ignore them.
 */
export function nextAfter (schedule: CronSchedule, afterMs: number, anchorMs = 0, seed = ''): number | undefined {
  const after = wholeSeconds(afterMs, 'afterMs')
  if (schedule.kind === 'fields') {
    const t = searchForward(schedule, after + 1)
    return t === undefined ? undefined : t * 1000
  }
  const { base, step } = ticking(schedule, anchorMs)
  // ticks are whole seconds, so "> afterMs" is "> after"
  const k = Math.max(1, Math.floor((after - base) / step))
  if (!schedule.random) {
    const kk = base + k * step > after ? k : k + 1
    return (base + kk * step) * 1000
  }
  // tick k lies in [base + k·step, base + (k+1)·step): tick k+1 is past `after` for sure
  const t = tick(schedule, base, k, seed)
  return (t > after ? t : tick(schedule, base, k + 1, seed)) * 1000
}

/**
 * The latest firing time t with afterMs < t ≤ nowMs, or undefined: a site that slept through
 * several firings fires once, for the most recent. Field schedules walk back from `nowMs`
 * (at most SEARCH_YEARS calendar years); constant-delay ones compute k directly.
 */
export function latestDue (schedule: CronSchedule, afterMs: number, nowMs: number, anchorMs = 0, seed = ''): number | undefined {
  const after = wholeSeconds(afterMs, 'afterMs')
  const now = wholeSeconds(nowMs, 'nowMs')
  if (now <= after) return undefined
  let t: number | undefined
  if (schedule.kind === 'fields') {
    t = searchBackward(schedule, now)
  } else {
    const { base, step } = ticking(schedule, anchorMs)
    const k = Math.floor((now - base) / step)
    if (k >= 1) {
      t = tick(schedule, base, k, seed)
      if (t > now) t = k >= 2 ? tick(schedule, base, k - 1, seed) : undefined
    }
  }
  return t !== undefined && t > after ? t * 1000 : undefined
}

/** Whether the schedule fires at `atMs` exactly (a whole second; for constant delay, a tick k ≥ 1). */
export function firesAt (schedule: CronSchedule, atMs: number, anchorMs = 0, seed = ''): boolean {
  if (!Number.isFinite(atMs) || atMs % 1000 !== 0) return false
  const at = atMs / 1000
  if (schedule.kind === 'fields') {
    const c = civil(at)
    return schedule.month.includes(c.mo) && dayMatches(schedule, c) && schedule.hour.includes(c.h) &&
      schedule.minute.includes(c.mi) && schedule.second.includes(c.s)
  }
  const { base, step } = ticking(schedule, anchorMs)
  const k = Math.floor((at - base) / step) // the only tick that can fall in [base + k·step, base + (k+1)·step)
  return k >= 1 && tick(schedule, base, k, seed) === at
}

function wholeSeconds (ms: number, what: string): number {
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a finite number of milliseconds`)
  return Math.floor(ms / 1000)
}

function ticking (s: ConstantDelaySchedule, anchorMs: number): { base: number, step: number } {
  return { base: wholeSeconds(anchorMs, 'anchorMs'), step: s.seconds }
}

/** Tick k ≥ 1 in whole seconds. */
function tick (s: ConstantDelaySchedule, base: number, k: number, seed: string): number {
  return base + k * s.seconds + (s.random ? jitter(seed, k, s.seconds) : 0)
}

/** Seconds in [0, interval), the same on every site for the same (seed, k). */
function jitter (seed: string, k: number, interval: number): number {
  const h = sha3Hex(`colonynet/cron-jitter\n${seed}\n${k}`)
  return Number(BigInt('0x' + h.slice(0, 16)) % BigInt(interval))
}

// ---------------------------------------------------------------------------------------------
// Field search: robfig's SpecSchedule.Next on a UTC calendar, and its mirror image backwards.

interface Civil { y: number, mo: number, d: number, h: number, mi: number, s: number }

const DAY = 86400

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil (y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civil (t: number): Civil {
  const days = Math.floor(t / DAY)
  const rem = t - days * DAY
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const mo = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (mo <= 2 ? 1 : 0)
  return { y, mo, d, h: Math.floor(rem / 3600), mi: Math.floor(rem / 60) % 60, s: rem % 60 }
}

function epoch (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  return daysFromCivil(y, mo, d) * DAY + h * 3600 + mi * 60 + s
}

function daysInMonth (y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31
}

function dayMatches (s: FieldSchedule, c: Civil): boolean {
  const weekday = ((daysFromCivil(c.y, c.mo, c.d) + 4) % 7 + 7) % 7 // 1970-01-01 was a Thursday
  const domMatch = s.dom.includes(c.d)
  const dowMatch = s.dow.includes(weekday)
  return s.domStar || s.dowStar ? domMatch && dowMatch : domMatch || dowMatch
}

/**
 * The first matching second at or after `start` (seconds), or undefined past the year limit.
 * Each loop advances one field; a carry into a higher field restarts from the month (`wrap`),
 * and once any field moved, the lower ones start from their minimum.
 */
function searchForward (s: FieldSchedule, start: number): number | undefined {
  let t = start
  let c = civil(t)
  const yearLimit = c.y + SEARCH_YEARS
  let added = false
  wrap: for (;;) {
    if (c.y > yearLimit) return undefined
    while (!s.month.includes(c.mo)) {
      added = true
      const [y, mo] = c.mo === 12 ? [c.y + 1, 1] : [c.y, c.mo + 1]
      t = epoch(y, mo, 1)
      c = civil(t)
      if (c.mo === 1) continue wrap
    }
    while (!dayMatches(s, c)) {
      added = true
      t = epoch(c.y, c.mo, c.d) + DAY
      c = civil(t)
      if (c.d === 1) continue wrap
    }
    while (!s.hour.includes(c.h)) {
      if (!added) { added = true; t -= c.mi * 60 + c.s }
      t += 3600
      c = civil(t)
      if (c.h === 0) continue wrap
    }
    while (!s.minute.includes(c.mi)) {
      if (!added) { added = true; t -= c.s }
      t += 60
      c = civil(t)
      if (c.mi === 0) continue wrap
    }
    while (!s.second.includes(c.s)) {
      added = true
      t += 1
      c = civil(t)
      if (c.s === 0) continue wrap
    }
    return t
  }
}

/** The last matching second at or before `start` (seconds): searchForward run backwards. */
function searchBackward (s: FieldSchedule, start: number): number | undefined {
  let t = start
  let c = civil(t)
  const yearLimit = c.y - SEARCH_YEARS
  let added = false
  wrap: for (;;) {
    if (c.y < yearLimit) return undefined
    while (!s.month.includes(c.mo)) {
      added = true
      t = epoch(c.y, c.mo, 1) - 1 // last second of the month before
      c = civil(t)
      if (c.mo === 12) continue wrap
    }
    while (!dayMatches(s, c)) {
      added = true
      t = epoch(c.y, c.mo, c.d) - 1
      c = civil(t)
      if (c.d === daysInMonth(c.y, c.mo)) continue wrap
    }
    while (!s.hour.includes(c.h)) {
      if (!added) { added = true; t += (59 - c.mi) * 60 + (59 - c.s) }
      t -= 3600
      c = civil(t)
      if (c.h === 23) continue wrap
    }
    while (!s.minute.includes(c.mi)) {
      if (!added) { added = true; t += 59 - c.s }
      t -= 60
      c = civil(t)
      if (c.mi === 59) continue wrap
    }
    while (!s.second.includes(c.s)) {
      added = true
      t -= 1
      c = civil(t)
      if (c.s === 59) continue wrap
    }
    return t
  }
}
