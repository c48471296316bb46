/**
 * Signers of client envelopes in large ingests (a sync frame; not a gossiped batch),
 * recovered on worker threads when there are enough of them to be worth it. A broken
 * pool only costs speed: recovery goes back to the ingesting thread.
 */
import type { LedgerRecord } from '../protocol/records.js'
import { VerifierPool } from './verifier-pool.js'

/** Envelopes in one ingest from which recovery goes to the worker pool. */
const POOL_THRESHOLD = 64

export class EnvelopeSigners {
  private pool: VerifierPool | undefined
  private failed = false

  /** `threads`: worker threads (0: none, every envelope is recovered where it is ingested). */
  constructor (private readonly threads: number) {}

  /**
   * The signers of the envelopes among `records` (null where recovery failed; absent where
   * the pool was not used); this thread takes a share unless it is `busy` with writes.
   */
  async recover (records: readonly LedgerRecord[], busy: boolean): Promise<Map<LedgerRecord, string | null>> {
    const out = new Map<LedgerRecord, string | null>()
    const envs = records.filter(r => r.b.k === 'env')
    if (envs.length < POOL_THRESHOLD || this.threads === 0 || this.failed) return out
    this.pool ??= VerifierPool.create(this.threads)
    if (this.pool === undefined) return out
    try {
      const ids = await this.pool.recover(envs.map(r => {
        const env = (r.b as { env: { payload: string, signature: string } }).env
        return [env.payload, env.signature]
      }), !busy)
      envs.forEach((r, i) => out.set(r, ids[i] ?? null))
    } catch {
      this.failed = true
      void this.pool.close().catch(() => {})
      this.pool = undefined
    }
    return out
  }

  async close (): Promise<void> {
    await this.pool?.close()
  }
}
