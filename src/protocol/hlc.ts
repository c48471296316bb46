/**
 * Hybrid logical clock (Kulkarni et al.): wall-clock milliseconds plus a logical counter.
 * Every record carries one; the ledger's order is (hlc, record id). A clock never goes
 * backwards and never jumps to a remote time further ahead than `maxSkewMs`, so one site
 * with a wrong clock cannot drag the others into its future.
 */
export interface Hlc {
  /** wall time, milliseconds since the epoch */
  readonly w: number
  /** logical counter within the same millisecond */
  readonly l: number
}

export const HLC_ZERO: Hlc = { w: 0, l: 0 }

export function compareHlc (a: Hlc, b: Hlc): number {
  return a.w !== b.w ? a.w - b.w : a.l - b.l
}

export function isHlc (v: unknown): v is Hlc {
  if (v === null || typeof v !== 'object') return false
  const { w, l } = v as Record<string, unknown>
  return Number.isSafeInteger(w) && (w as number) >= 0 && Number.isSafeInteger(l) && (l as number) >= 0
}

/** A sortable text form: equal order for text comparison and for (w, l). */
export function hlcKey (t: Hlc): string {
  return t.w.toString().padStart(15, '0') + '.' + t.l.toString().padStart(8, '0')
}

export class HybridClock {
  private last: Hlc
  private readonly now: () => number
  private readonly maxSkewMs: number

  constructor (opts: { now?: () => number, last?: Hlc, maxSkewMs?: number } = {}) {
    this.now = opts.now ?? Date.now
    this.last = opts.last ?? HLC_ZERO
    this.maxSkewMs = opts.maxSkewMs ?? 60_000
  }

  /** The timestamp for a new local event: strictly after everything seen so far. */
  tick (): Hlc {
    const wall = this.now()
    this.last = wall > this.last.w ? { w: wall, l: 0 } : { w: this.last.w, l: this.last.l + 1 }
    return this.last
  }

  /**
   * Take in a remote timestamp so later local events order after it. Returns false (and
   * ignores it) when it lies more than maxSkewMs ahead of the local wall clock.
   */
  observe (remote: Hlc): boolean {
    if (remote.w > this.now() + this.maxSkewMs) return false
    if (compareHlc(remote, this.last) > 0) this.last = remote
    return true
  }

  peek (): Hlc {
    return this.last
  }
}
