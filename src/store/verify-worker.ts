/**
 * A worker thread that recovers signers of ColonyOS signatures for the verifier pool:
 * the same code as on the main thread (protocol/crypto.ts), on another core, with the
 * backend the pool names (workerData.backend).
 * In: { id, items: [text, signature][] }. Out: { id, out: (signer id | null)[] }.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadBackend } from '../crypto/index.js'
import { type CryptoBackendName, recoverId, setCryptoBackend } from '../protocol/crypto.js'

// a backend that cannot load here fails the worker, and the pool with it (the ledger then verifies on its own thread)
setCryptoBackend(loadBackend((workerData as { backend: CryptoBackendName }).backend))

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
