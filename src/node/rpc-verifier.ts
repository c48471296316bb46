/**
 * Signature recovery for RPC requests on worker threads (issue 28: "recover signatures on
 * worker threads when a core is free"). Every request's signature is recovered once, as on
 * the main thread; the signatures of the requests that arrive in one turn of the event loop
 * go to a worker in one message, so the cost of the hand-off is shared by them and the
 * node's thread is left to parse, fold and write meanwhile.
 *
 * It pays only where a core would otherwise idle. On this project's 2-core machine it does
 * not: with the node, its client and two executor processes sharing the cores, one
 * recovery thread took the fast path from 1,476 to 840 jobs/s and its p50 from 2.0 to
 * 4.2 ms (bench:compare --only one-fast, BENCH_VERIFY_THREADS=1 against 0, 2026-12-07).
 * So it is off unless asked for (`colonies node start --verify-threads N`).
 * A signature the worker cannot recover is recovered again here, so that a refusal carries
 * the very error the main thread gives.
 */
import { availableParallelism } from 'node:os'
import { verifyEnvelope, type RpcEnvelope } from '../protocol/envelope.js'
import { VerifierPool } from '../store/verifier-pool.js'

interface Waiting {
  readonly env: RpcEnvelope
  readonly resolve: (signer: string) => void
  readonly reject: (err: unknown) => void
}

/** At most one thread per core beyond the node's own. */
export function maxVerifyThreads (cores = availableParallelism()): number {
  return Math.max(0, cores - 1)
}

export class RpcVerifier {
  readonly #pool: VerifierPool
  #queue: Waiting[] = []
  #scheduled = false
  #batches = 0

  private constructor (pool: VerifierPool) {
    this.#pool = pool
  }

  /** A verifier with `threads` workers; undefined for 0 (recover on the calling thread). */
  static create (threads: number): RpcVerifier | undefined {
    const pool = threads > 0 ? VerifierPool.create(threads) : undefined
    return pool === undefined ? undefined : new RpcVerifier(pool)
  }

  get threads (): number {
    return this.#pool.size
  }

  /** messages sent to the workers so far (each carries every signature of one turn) */
  get batches (): number {
    return this.#batches
  }

  /** The signer of `env` (its payload and signature already validated as strings). */
  async signer (env: RpcEnvelope): Promise<string> {
    return await new Promise<string>((resolve, reject) => {
      this.#queue.push({ env, resolve, reject })
      if (this.#scheduled) return
      this.#scheduled = true
      // after the I/O callbacks of this turn: every request read in it goes in one message
      setImmediate(() => this.#flush())
    })
  }

  #flush (): void {
    this.#scheduled = false
    const batch = this.#queue
    this.#queue = []
    this.#batches++
    this.#pool.recover(batch.map(w => [w.env.payload, w.env.signature]), false).then(out => {
      batch.forEach((w, i) => {
        const id = out[i]
        if (typeof id === 'string') w.resolve(id)
        else this.#again(w)
      })
    }, () => {
      // a broken worker: this thread recovers, as it does without a pool
      for (const w of batch) this.#again(w)
    })
  }

  #again (w: Waiting): void {
    try {
      w.resolve(verifyEnvelope(w.env))
    } catch (err) {
      w.reject(err)
    }
  }

  async close (): Promise<void> {
    await this.#pool.close()
  }
}
