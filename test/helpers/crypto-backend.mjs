/**
 * Preloaded by test/run.ts into the process every suite runs in: tests sign and verify
 * with the backend a node would pick (COLONYNET_CRYPTO, else the fastest that loads),
 * whichever suite happens to run first. Plain JS, as worker threads preload it too (before
 * they can load TypeScript); they are given their backend by whoever starts them.
 */
import { isMainThread } from 'node:worker_threads'

if (isMainThread) {
  const { installCryptoBackend } = await import('../../src/crypto/index.ts')
  installCryptoBackend()
}
