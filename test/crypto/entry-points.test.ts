/**
 * protocol/crypto.ts signs with noble until an entry point injects a backend: a node, a
 * client and the verifier pool's workers must each end up on the one src/crypto picks
 * (COLONYNET_CRYPTO, else the fastest that loads). Node and client are checked in fresh
 * processes, where nothing else has picked one yet.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { chooseCryptoBackend } from '../../src/crypto/index.js'
import { type CryptoBackend, cryptoBackend, idFromPrivateKey, nobleBackend, setCryptoBackend, sign } from '../../src/protocol/crypto.js'
import { VerifierPool } from '../../src/store/verifier-pool.js'

const KEY = 'ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05'
const best = chooseCryptoBackend().name
// where only noble loads, the default and the pick are the same: nothing to tell apart
const distinct = best === 'noble' ? test.skip : test

/** Runs an ES module body in a fresh process (TypeScript through tsx); returns its last stdout line as JSON. */
function fresh (body: string): Record<string, string> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { encoding: 'utf8', timeout: 60_000 })
  assert.is(r.status, 0, r.stderr)
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>
}

distinct('a client signs with the picked backend; protocol alone keeps noble', () => {
  const got = fresh(`
    const { cryptoBackend } = await import('./src/protocol/crypto.ts')
    const before = cryptoBackend().name
    const { ColoniesClient } = await import('./src/client/index.ts')
    new ColoniesClient({ url: 'http://127.0.0.1:9', prvkey: '${KEY}' })
    console.log(JSON.stringify({ before, after: cryptoBackend().name }))
  `)
  assert.equal(got, { before: 'noble', after: best })
})

distinct('a node runs the picked backend and names it in /health', () => {
  const got = fresh(`
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { ColonyNode } = await import('./src/node/index.ts')
    const dir = await mkdtemp(join(tmpdir(), 'colonynet-crypto-'))
    const node = await ColonyNode.start({ dataDir: dir, port: 0, dashboard: false })
    try {
      const health = await (await fetch(node.url + '/health')).json()
      console.log(JSON.stringify({ health: health.crypto }))
    } finally {
      await node.stop()
      await rm(dir, { recursive: true, force: true })
    }
  `)
  assert.equal(got, { health: best })
})

test('the verifier pool\'s workers load the backend of the thread that made the pool', async () => {
  const before = cryptoBackend()
  // a name no worker can load: the pool must fail with it, which shows the name got there
  setCryptoBackend({ ...nobleBackend, name: 'wasm' } as unknown as CryptoBackend)
  const pool = VerifierPool.create(1)
  setCryptoBackend(before)
  assert.ok(pool)
  try {
    const text = Buffer.from('x').toString('base64')
    // mainShare false: every item goes to the worker
    await pool.recover([[text, sign(text, KEY)]], false).then(
      () => assert.unreachable('a worker without its backend answered'),
      (err: Error) => assert.match(err.message, /unknown crypto backend: wasm/))
  } finally {
    await pool.close()
  }
  // and with this thread's own backend it works
  const good = VerifierPool.create(1)
  assert.ok(good)
  try {
    const text = Buffer.from('y').toString('base64')
    assert.equal(await good.recover([[text, sign(text, KEY)]], false), [idFromPrivateKey(KEY)])
  } finally {
    await good.close()
  }
})

test.run()
