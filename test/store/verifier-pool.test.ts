/**
 * Signature recovery on worker threads gives exactly what the main thread gives, in
 * order, with failures as null; a ledger ingest through the pool reaches the same state.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generatePrivateKey, recoverId, sign } from '../../src/protocol/crypto.js'
import { VerifierPool } from '../../src/store/verifier-pool.js'

test('the pool recovers the same signers as the main thread, in order, and null for bad signatures', async () => {
  const pool = VerifierPool.create(1)
  assert.ok(pool, 'a pool with one worker')
  try {
    const keys = [generatePrivateKey(), generatePrivateKey()]
    const items: Array<[string, string]> = Array.from({ length: 300 }, (_, i) => {
      const text = Buffer.from(`payload ${i}`).toString('base64')
      return [text, sign(text, keys[i % 2] as string)]
    })
    // a tampered text, a high-S twin, garbage
    items[7] = ['dGFtcGVyZWQ=', items[7]?.[1] as string]
    const [t, sgn] = items[11] as [string, string]
    const s = BigInt('0x' + sgn.slice(64, 128))
    const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')
    const highS = sgn.slice(0, 64) + (n - s).toString(16).padStart(64, '0') + (sgn.endsWith('00') ? '01' : '00')
    items[11] = [t, highS]
    items[13] = ['x', 'not a signature']
    const got = await pool.recover(items)
    const want = items.map(([text, sig]) => { try { return recoverId(text, sig) } catch { return null } })
    assert.equal(got, want)
    // with this thread left free (it has writes to do meanwhile), the workers do all of it alike
    assert.equal(await pool.recover(items, false), want)
    assert.is(got[11], null)
    assert.is(got[13], null)
    assert.is.not(got[7], null) // a tampered text recovers *someone*: the fold refuses that author
  } finally {
    await pool.close()
  }
})

test.run()
