/**
 * Time and the life cycle of a node's services. Every service that reads the time or
 * arms a timer takes a `Clock` (the system's by default), so a test can drive it with a
 * manual clock instead of sleeping; every service has the same `start()` / `stop()`.
 */

/** A timer armed by a Clock; cancel it with the same clock's `clearTimeout`. */
export interface Timer {
  readonly __timer: unique symbol
}

export interface Clock {
  /** milliseconds since the epoch */
  now: () => number
  /** Runs `fn` once after `ms`; a timer that must not keep the process alive is `unref`. */
  setTimeout: (fn: () => void, ms: number, opts?: { readonly unref?: boolean }) => Timer
  clearTimeout: (t: Timer | undefined) => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms, opts) => {
    const t = setTimeout(fn, ms)
    if (opts?.unref === true) t.unref()
    return t as unknown as Timer
  },
  clearTimeout: t => {
    if (t !== undefined) clearTimeout(t as unknown as NodeJS.Timeout)
  }
}

/** A part of a running node with a life cycle: `start` once, `stop` once (idempotent). */
export interface Service {
  start: () => void | Promise<void>
  stop: () => void | Promise<void>
}
