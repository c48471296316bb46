#!/usr/bin/env node
/**
 * Builds native/secp256k1.c, colonynet's Node-API binding of the system's libsecp256k1, into
 * build/secp256k1.node. Runs on `npm ci` / `npm install` (the `prepare` script) and as
 * `npm run build:secp256k1`. Needs a C compiler and libsecp256k1's headers (Debian:
 * `apt install gcc libsecp256k1-dev`); without them it says so and leaves nothing behind,
 * and src/protocol/crypto.ts uses the `secp256k1` npm addon instead. It never fails the
 * install. A fresh build is loaded in a child process and must sign and recover exactly as
 * the npm addon does before it replaces the old one.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'build', 'secp256k1.node')
const tmp = join(root, 'build', `secp256k1.${process.pid}.node`)
const started = performance.now()

function skip (why) {
  console.log(`colonynet: the system libsecp256k1 binding was not built (${why}); signatures use the secp256k1 npm addon.`)
  console.log('  For ~30 % cheaper signature checks: install a C compiler and libsecp256k1-dev (Debian: apt install gcc libsecp256k1-dev), then run npm run build:secp256k1')
  process.exit(0)
}

if (process.platform === 'win32') skip('not supported on Windows')

// Node-API headers: Node's own (official builds ship them), else the node-api-headers package
const require = createRequire(import.meta.url)
const includes = [join(dirname(process.execPath), '..', 'include', 'node')]
try { includes.push(require('node-api-headers').include_dir) } catch {}
const include = includes.find(dir => existsSync(join(dir, 'node_api.h')))
if (include === undefined) skip('no Node-API headers found')

const cc = process.env.CC ?? 'cc'
await mkdir(dirname(out), { recursive: true })
const args = ['-O2', '-fPIC', '-shared', '-Wall', '-Wextra', '-I', include, join(root, 'native', 'secp256k1.c'), '-o', tmp, '-lsecp256k1']
if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup')
const compiled = spawnSync(cc, args, { encoding: 'utf8' })
if (compiled.error !== undefined || compiled.status !== 0) {
  await rm(tmp, { force: true })
  const said = (compiled.stderr ?? '').split('\n').find(l => /error/i.test(l)) ?? compiled.error?.message ?? `${cc} exited with ${compiled.status}`
  skip(said.trim())
}

// Load it where a crash cannot take the install down, and compare with the npm addon.
const check = `
const sys = require(${JSON.stringify(tmp)})
const ref = require('secp256k1/bindings')
const key = Buffer.alloc(32, 7), msg = Buffer.alloc(32, 9), sig = Buffer.alloc(64), pub = Buffer.alloc(65)
const recid = sys.sign(msg, key, sig)
const want = ref.ecdsaSign(msg, key)
if (recid !== want.recid || !sig.equals(Buffer.from(want.signature))) throw new Error('signature differs from the npm addon')
if (!sys.recover(sig, recid, msg, pub) || !pub.equals(Buffer.from(ref.publicKeyCreate(key, false)))) throw new Error('recovered key differs')
if (sys.recover(Buffer.alloc(64), 0, msg, pub)) throw new Error('recovered a key from a zero signature')
`
const loaded = spawnSync(process.execPath, ['-e', check], { cwd: root, encoding: 'utf8' })
if (loaded.status !== 0) {
  await rm(tmp, { force: true })
  skip(`the build does not load or disagrees: ${(loaded.stderr ?? '').trim().split('\n').slice(-1)[0] ?? loaded.signal}`)
}
await rename(tmp, out)
console.log(`colonynet: built build/secp256k1.node (the system libsecp256k1) in ${Math.round(performance.now() - started)} ms`)
