/**
 * A worker thread that recovers signers of ColonyOS signatures for the verifier pool:
 * the same code as on the main thread (protocol/crypto.ts), on another core.
 * In: { id, items: [text, signature][] }. Out: { id, out: (signer id | null)[] }.
 */
import { parentPort } from 'node:worker_threads'
import { recoverId } from '../protocol/crypto.js'

parentPort?.on('message', (m: { id: number, items: Array<[string, string]> }) => {
  const out = m.items.map(([text, sig]) => {
    try {
      return recoverId(text, sig)
    } catch {
      return null
    }
  })
  parentPort?.postMessage({ id: m.id, out })
})
