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
  /**
   * Runs `fn` once after `ms`; a timer that must not keep the process alive is `unref`.
   * The work `fn` returns is not awaited here (a manual clock awaits it, so a test knows
   * when a firing is done).
   */
  setTimeout: (fn: () => void | Promise<unknown>, ms: number, opts?: { readonly unref?: boolean }) => Timer
  clearTimeout: (t: Timer | undefined) => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms, opts) => {
    const t = setTimeout(() => { void fn() }, ms)
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

/**
 * Runs `fn` every `ms` on `clock` until the returned function is called. As setInterval:
 * the next run is armed before this one's work, which does not delay it.
 */
export function every (clock: Clock, ms: number, fn: () => void | Promise<unknown>, opts?: { readonly unref?: boolean }): () => void {
  let timer: Timer | undefined
  const run = (): void | Promise<unknown> => {
    timer = clock.setTimeout(run, ms, opts)
    return fn()
  }
  timer = clock.setTimeout(run, ms, opts)
  return () => { clock.clearTimeout(timer) }
}
