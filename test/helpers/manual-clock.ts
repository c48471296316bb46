/**
 * A Clock that moves only when a test says so: `advance(ms)` runs the timers due by then,
 * in order, each at its own due time, and awaits the work each one returns (and the promise
 * continuations it sets off: a few turns of the event loop). A service on
 * this clock does in milliseconds of a test what it does in minutes of a running node.
 */
import type { Clock, Timer } from '../../src/node/clock.js'

interface Armed {
  readonly at: number
  /** arming order: timers due at the same time run in it, as the system's do */
  readonly seq: number
  readonly fn: () => void | Promise<unknown>
}

/** Lets promise continuations (and the turns of the event loop they wait for) run. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>(resolve => setImmediate(resolve))
}

/** More timer runs than this in one advance means a timer re-arms itself with no delay. */
const MAX_RUNS = 1_000_000

export class ManualClock implements Clock {
  private t: number
  private seq = 0
  private readonly armed = new Set<Armed>()

  constructor (startMs = Date.now()) {
    this.t = startMs
  }

  readonly now = (): number => this.t

  readonly setTimeout = (fn: () => void | Promise<unknown>, ms: number): Timer => {
    const a: Armed = { at: this.t + Math.max(0, ms), seq: this.seq++, fn }
    this.armed.add(a)
    return a as unknown as Timer
  }

  readonly clearTimeout = (t: Timer | undefined): void => {
    if (t !== undefined) this.armed.delete(t as unknown as Armed)
  }

  /** Timers armed and not yet run. */
  get pending (): number {
    return this.armed.size
  }

  /** When the next timer is due (undefined: none armed). */
  nextAt (): number | undefined {
    return this.first(Infinity)?.at
  }

  /**
   * Moves the time `ms` forward. Every timer due by then runs at its due time, earliest
   * first, its returned work awaited before the next; timers armed meanwhile run too if
   * they are due by the end.
   */
  async advance (ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance by ${ms} ms: time only moves forward`)
    const end = this.t + ms
    await settle()
    for (let runs = 0; ; runs++) {
      if (runs > MAX_RUNS) throw new Error(`more than ${MAX_RUNS} timer runs within ${ms} ms: a timer re-arms itself with no delay`)
      const due = this.first(end)
      if (due === undefined) break
      this.armed.delete(due)
      this.t = due.at
      await due.fn()
      await settle()
    }
    this.t = end
  }

  private first (by: number): Armed | undefined {
    let best: Armed | undefined
    for (const a of this.armed) {
      if (a.at > by) continue
      if (best === undefined || a.at < best.at || (a.at === best.at && a.seq < best.seq)) best = a
    }
    return best
  }
}

/**
 * Moves `clock` forward `stepMs` at a time until `check` returns a value; fails once
 * `limitMs` of the clock's time have passed without one (the event-with-a-deadline of a
 * test on a manual clock). For what the clock's timers bring about: an event that also
 * waits on real I/O (a socket) is awaited after the advance, with a deadline of its own.
 */
export async function advanceUntil<T> (clock: ManualClock, check: () => T | undefined, what: string, opts: { stepMs?: number, limitMs?: number } = {}): Promise<T> {
  const step = opts.stepMs ?? 100
  const limit = opts.limitMs ?? 10_000
  for (let waited = 0; ; waited += step) {
    const v = check()
    if (v !== undefined) return v
    if (waited >= limit) throw new Error(`no ${what} within ${limit} ms of the clock`)
    await clock.advance(step)
  }
}
