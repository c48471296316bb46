/**
 * Signature throughput per backend, measured in one process so the ratios are comparable
 * (decision 9: recovery dominates the cost of a record): system (the system libsecp256k1
 * through native/secp256k1.c) and native (the secp256k1 npm addon) against each other,
 * native against noble.
 * Run alone: node --import tsx bench/crypto.ts
 */
import { pathToFileURL } from 'node:url'
import { loadBackend } from '../src/crypto/index.js'
import type { CryptoBackend } from '../src/protocol/crypto.js'

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

/** Distinct texts, so nothing can be served from a cache; payload-sized like an RPC body. */
function signedTexts (noble: CryptoBackend): { texts: string[], sigs: string[], at: (i: number) => number } {
  const texts = Array.from({ length: 256 }, (_, i) => Buffer.from(JSON.stringify({ msgtype: 'addlogmsg', processid: i.toString(16).padStart(64, '0'), message: 'x'.repeat(100) })).toString('base64'))
  return { texts, sigs: texts.map(t => noble.sign(t, KEY)), at: i => i & 255 }
}

/**
 * The machine's speed at running JavaScript, as recoveries per second with the pure
 * JavaScript backend (noble) on one core: what the federation bench divides its rate by,
 * since the machines it runs on differ by up to ~3× in that (and by 15–30 % by the hour).
 */
export function nobleRecoveriesPerSecond (ms = 1500): number {
  const noble = loadBackend('noble')
  const { texts, sigs, at } = signedTexts(noble)
  return rate(i => noble.recoverPublicKey(texts[at(i)]!, sigs[at(i)]!), ms)
}

export async function benchCrypto (ms = 1200): Promise<Record<string, number>> {
  const noble = loadBackend('noble')
  const natives: CryptoBackend[] = []
  for (const name of ['system', 'native'] as const) {
    try { natives.push(loadBackend(name)) } catch (err) { console.log(`${name} backend unavailable: ${(err as Error).message}`) }
  }
  const { texts, sigs, at } = signedTexts(noble)

  const out: Record<string, number> = {}
  // the native backends alternate, twice each, so a slower stretch of the machine hits both
  for (let round = 0; round < 2; round++) {
    for (const b of natives) {
      const r = rate(i => b.recoverPublicKey(texts[at(i)]!, sigs[at(i)]!), ms / 2)
      const s = rate(i => b.sign(texts[at(i)]!, KEY), ms / 2)
      out[`recover/s ${b.name}`] = Math.max(out[`recover/s ${b.name}`] ?? 0, r)
      out[`sign/s ${b.name}`] = Math.max(out[`sign/s ${b.name}`] ?? 0, s)
    }
  }
  out['recover/s noble'] = rate(i => noble.recoverPublicKey(texts[at(i)]!, sigs[at(i)]!), ms)
  out['sign/s noble'] = rate(i => noble.sign(texts[at(i)]!, KEY), Math.min(ms, 800))
  const ratio = (a: string, b: string): void => {
    const x = out[a]
    const y = out[b]
    if (x !== undefined && y !== undefined) out[`${a.replace('/s', '')} ÷ ${b.split(' ')[1] ?? b}`] = Math.round(x / y * 100) / 100
  }
  ratio('recover/s native', 'recover/s noble')
  ratio('sign/s native', 'sign/s noble')
  ratio('recover/s system', 'recover/s native')
  ratio('sign/s system', 'sign/s native')

  console.log('crypto (one core, ops/s)')
  for (const [k, v] of Object.entries(out)) console.log(`  ${k.padEnd(28)} ${v.toLocaleString('en-US').padStart(10)}`)
  return out
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchCrypto()
}
