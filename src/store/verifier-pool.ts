/**
 * Signature recovery on worker threads (DESIGN decision 9: recovery dominates the cost of
 * a record). A site that syncs a large ledger verifies every envelope again (zero trust);
 * spreading that over the cores is the difference between one core's ~19,000 recoveries/s
 * and the machine's. The workers run the same protocol/crypto.ts (loaded through tsx), with
 * the backend this thread uses.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { cryptoBackend } from '../protocol/crypto.js'

interface Pending { resolve: (out: Array<string | null>) => void, reject: (err: Error) => void }

export class VerifierPool {
  private readonly workers: Worker[] = []
  private readonly pending = new Map<number, Pending>()
  private next = 0
  private seq = 0
  private broken: Error | undefined

  private constructor (size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./verify-worker.mjs', import.meta.url), { workerData: { backend: cryptoBackend().name } })
      w.unref()
      w.on('message', (m: { id: number, out: Array<string | null> }) => {
        const p = this.pending.get(m.id)
        this.pending.delete(m.id)
        p?.resolve(m.out)
      })
      w.on('error', err => this.fail(err))
      this.workers.push(w)
    }
  }

  /** A pool with one worker per core beyond the first; undefined on a single core. */
  static create (size = availableParallelism() - 1): VerifierPool | undefined {
    return size < 1 ? undefined : new VerifierPool(size)
  }

  get size (): number {
    return this.workers.length
  }

  private fail (err: Error): void {
    this.broken ??= err
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  /**
   * Signer ids of `[text, signature]` pairs, in order; null where a signature does not
   * verify. With `mainShare` the calling thread recovers a share itself (it would only wait
   * otherwise); without, it is left free for other work meanwhile.
   */
  async recover (items: Array<[string, string]>, mainShare = true): Promise<Array<string | null>> {
    if (this.broken !== undefined) throw this.broken
    // one chunk per worker, and maybe one for this thread
    const parts = this.workers.length + (mainShare ? 1 : 0)
    const size = Math.ceil(items.length / parts)
    const jobs: Array<Promise<Array<string | null>>> = []
    for (let i = mainShare ? size : 0; i < items.length; i += size) {
      const chunk = items.slice(i, i + size)
      const id = this.seq++
      const w = this.workers[this.next++ % this.workers.length] as Worker
      jobs.push(new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject })
        w.postMessage({ id, items: chunk })
      }))
    }
    const { recoverId } = await import('../protocol/crypto.js')
    const mine = !mainShare ? [] : items.slice(0, size).map(([text, sig]) => {
      try { return recoverId(text, sig) } catch { return null }
    })
    const rest = await Promise.all(jobs)
    return [...mine, ...rest.flat()]
  }

  async close (): Promise<void> {
    await Promise.all(this.workers.map(async w => await w.terminate()))
    this.workers.length = 0
  }
}
