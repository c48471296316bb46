/**
 * Signature throughput per backend, measured in one process so the native/noble ratio is
 * comparable (decision 9: recovery dominates the cost of a record).
 * Run alone: node --import tsx bench/crypto.ts
 */
import { pathToFileURL } from 'node:url'
import { loadBackend, type CryptoBackend } from '../src/protocol/crypto.js'

const KEY = 'ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05'

/** Operations per second of `op` over about `ms` milliseconds (after a short warm-up). */
function rate (op: (i: number) => void, ms: number): number {
  for (let i = 0; i < 50; i++) op(i)
  const start = performance.now()
  let n = 0
  let elapsed = 0
  // check the clock every 64 ops so timing overhead stays negligible
  while (elapsed < ms) {
    for (let j = 0; j < 64; j++) op(n++)
    elapsed = performance.now() - start
  }
  return Math.round(n / (elapsed / 1000))
}

export async function benchCrypto (ms = 1200): Promise<Record<string, number>> {
  const noble = loadBackend('noble')
  let native: CryptoBackend | undefined
  try { native = loadBackend('native') } catch (err) { console.log(`native backend unavailable: ${(err as Error).message}`) }

  // distinct texts, so nothing can be served from a cache; payload-sized like an RPC body
  const texts = Array.from({ length: 256 }, (_, i) => Buffer.from(JSON.stringify({ msgtype: 'addlogmsg', processid: i.toString(16).padStart(64, '0'), message: 'x'.repeat(100) })).toString('base64'))
  const sigs = texts.map(t => noble.sign(t, KEY))
  const at = (i: number): number => i & 255

  const out: Record<string, number> = {}
  if (native !== undefined) {
    const nb = native
    out['recover/s native'] = rate(i => nb.recoverPublicKey(texts[at(i)]!, sigs[at(i)]!), ms)
  }
  out['recover/s noble'] = rate(i => noble.recoverPublicKey(texts[at(i)]!, sigs[at(i)]!), ms)
  if (native !== undefined) {
    const nb = native
    out['sign/s native'] = rate(i => nb.sign(texts[at(i)]!, KEY), ms)
  }
  out['sign/s noble'] = rate(i => noble.sign(texts[at(i)]!, KEY), Math.min(ms, 800))
  if (out['recover/s native'] !== undefined) {
    out['recover ratio native/noble'] = Math.round(out['recover/s native'] / out['recover/s noble']! * 10) / 10
  }
  if (out['sign/s native'] !== undefined) {
    out['sign ratio native/noble'] = Math.round(out['sign/s native'] / out['sign/s noble']! * 10) / 10
  }

  console.log('crypto (one core, ops/s)')
  for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(28)} ${v.toLocaleString('en-US').padStart(10)}`)
  return out
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchCrypto()
}
