/**
 * Token buckets by key (upstream's channel rate limiter): each key may act `burst` times at
 * once and `perSecond` times a second after that. A node-local guard on what it admits,
 * not a rule of the ledger: another site keeps its own count.
 */
import type { Clock } from './clock.js'

export class TokenBuckets {
  private readonly burst: number
  private readonly perSecond: number
  private readonly clock: Clock
  private readonly buckets = new Map<string, { tokens: number, at: number }>()

  constructor (opts: { burst: number, perSecond: number, clock: Clock }) {
    this.burst = opts.burst
    this.perSecond = opts.perSecond
    this.clock = opts.clock
  }

  /** Takes a token for `key`; false when none is left. */
  take (key: string): boolean {
    const now = this.clock.now()
    let b = this.buckets.get(key)
    if (b === undefined) this.buckets.set(key, b = { tokens: this.burst, at: now })
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / 1000 * this.perSecond)
    b.at = now
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  forget (key: string): void {
    this.buckets.delete(key)
  }

  get size (): number {
    return this.buckets.size
  }
}
