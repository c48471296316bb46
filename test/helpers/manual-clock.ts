/**
 * A Clock that moves only when a test says so: `advance(ms)` runs the timers that fall due,
 * in order, letting the promise continuations they start run before the next one.
 */
import type { Clock, Timer } from '../../src/node/clock.js'

interface Pending { at: number, seq: number, fn: () => void }

/** Lets promise continuations (and the turns of the event loop they wait for) run. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>(resolve => setImmediate(resolve))
}

export class ManualClock implements Clock {
  private t: number
  private seq = 0
  private readonly timers = new Map<number, Pending>()

  constructor (start = 1_700_000_000_000) {
    this.t = start
  }

  now = (): number => this.t

  setTimeout = (fn: () => void, ms: number): Timer => {
    const id = ++this.seq
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn })
    return id as unknown as Timer
  }

  clearTimeout = (t: Timer | undefined): void => {
    if (t !== undefined) this.timers.delete(t as unknown as number)
  }

  /** Timers armed and not yet run or cleared. */
  get pending (): number {
    return this.timers.size
  }

  /** Moves the time forward by `ms`, running each timer due on the way at its own time. */
  async advance (ms: number): Promise<void> {
    const end = this.t + ms
    await settle()
    for (;;) {
      let next: Pending | undefined
      for (const p of this.timers.values()) {
        if (p.at <= end && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p
      }
      if (next === undefined) break
      this.timers.delete(next.seq)
      this.t = next.at
      next.fn()
      await settle()
    }
    this.t = end
  }
}
