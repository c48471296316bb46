#!/usr/bin/env node
/**
 * Builds native/secp256k1.c, colonynet's Node-API binding of the system's libsecp256k1, into
 * build/secp256k1.node. Runs on `npm ci` / `npm install` (the `prepare` script) and as
 * `npm run build:secp256k1`. Needs a C compiler and libsecp256k1's headers (Debian:
 * `apt install gcc libsecp256k1-dev`); without them it says so and builds nothing (an
 * earlier build, if any, stays), and src/crypto uses the `secp256k1` npm addon.
 * It never fails the install. A fresh build is loaded in a child process and must give the
 * known RFC 6979 signature and public key of a fixed key (the npm addon and noble give the
 * same) before it replaces the old one.
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

// Load it where a crash cannot take the install down, and check it against known answers:
// key 07…07 signing the hash 09…09 (what the npm addon and @noble/secp256k1 give too).
const SIG = '7157050929571a762ab6e06207f74db146f165fead17acc7afe23000a091dc377b5faa50c021f3f9613f20531b8fc1a38744203a2f391c15e7b1455c3a296e4e'
const PUB = '04989c0b76cb563971fdc9bef31ec06c3560f3249d6ee9e5d83c57625596e05f6f631f4d05b3ae518776ee08755a7703e64b2ebc32547504de0b55a142d4ecdf80'
const check = `
const sys = require(${JSON.stringify(tmp)})
const key = Buffer.alloc(32, 7), msg = Buffer.alloc(32, 9), sig = Buffer.alloc(64), pub = Buffer.alloc(65)
if (sys.sign(msg, key, sig) !== 0 || sig.toString('hex') !== '${SIG}') throw new Error('wrong signature of the known key')
if (!sys.publicKey(key, pub) || pub.toString('hex') !== '${PUB}') throw new Error('wrong public key of the known key')
pub.fill(0)
if (!sys.recover(sig, 0, msg, pub) || pub.toString('hex') !== '${PUB}') throw new Error('recovered the wrong key')
if (sys.recover(Buffer.alloc(64), 0, msg, pub)) throw new Error('recovered a key from a zero signature')
`
const loaded = spawnSync(process.execPath, ['-e', check], { cwd: root, encoding: 'utf8' })
if (loaded.status !== 0) {
  await rm(tmp, { force: true })
  const lines = (loaded.stderr ?? '').split('\n')
  skip(`the build does not load or gives wrong answers: ${(lines.find(l => /^\w*Error: /.test(l)) ?? lines[0] ?? String(loaded.signal)).trim()}`)
}
await rename(tmp, out)
console.log(`colonynet: built build/secp256k1.node (the system libsecp256k1) in ${Math.round(performance.now() - started)} ms`)
