#!/usr/bin/env node
/**
 * Rebuilds classic-level (the `level` store's binding) from its bundled LevelDB 1.20 with
 * the compaction fix LevelDB took in 1.21 (google/leveldb#320): when a snapshot keeps
 * several versions of one key, a compaction may split them across two files of one level,
 * and compacting the first alone lets an older version come back, even a deleted key's
 * value. classic-level's iterators take a snapshot each, and colonynet rewrites and deletes
 * keys as it prunes, so without the fix a pruned site's store can disagree with the others.
 * The patch (scripts/leveldb-boundary-inputs.mjs) adds, to a compaction's inputs, each file
 * of the level that starts with the user key the inputs end with.
 *
 * Runs on `npm ci` / `npm install` (the `prepare` script) and as `npm run build:leveldb`.
 * Needs python3, make and a C++ compiler (node-gyp's needs, with Node's headers); without
 * them it says so, builds nothing, and the prebuilt binding stays (the node warns at start).
 * It never fails the install. The build is made in build/classic-level/ (a patched copy),
 * loaded in a child process that writes, reads and deletes through it, and only then copied
 * to classic-level's build/Release/, which node-gyp-build loads before the prebuilds.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { patchVersionSet, PATCH_ID } from './leveldb-boundary-inputs.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const started = performance.now()

function skip (why) {
  console.log(`colonynet: LevelDB was not rebuilt with the compaction fix (${why}); the store uses classic-level's prebuilt LevelDB 1.20.`)
  console.log('  Install python3, make and a C++ compiler (Debian: apt install python3 make g++), then run npm run build:leveldb')
  process.exit(0)
}

let pkgDir
try {
  pkgDir = dirname(require.resolve('classic-level/package.json'))
} catch {
  skip('classic-level is not installed')
}
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
const versionSet = join('deps', 'leveldb', 'leveldb-1.20', 'db', 'version_set.cc')
if (!existsSync(join(pkgDir, versionSet))) skip(`classic-level ${pkg.version} does not bundle the LevelDB 1.20 this patch is for`)

const installed = join(pkgDir, 'build', 'Release', 'classic_level.node')
const marker = join(pkgDir, 'build', 'Release', 'colonynet-leveldb.json')
// node: the ABI it was built under (context); napi: what it needs (it serves any Node with as much)
const want = { patch: PATCH_ID, classicLevel: pkg.version, node: process.versions.modules, napi: process.versions.napi }
if (process.env.COLONYNET_LEVELDB_FORCE !== '1' && existsSync(installed) && existsSync(marker)) {
  const have = JSON.parse(readFileSync(marker, 'utf8'))
  if (have.patch === want.patch && have.classicLevel === want.classicLevel && Number(have.napi ?? Infinity) <= Number(want.napi)) {
    console.log(`colonynet: classic-level already runs LevelDB with the compaction fix (${PATCH_ID})`)
    process.exit(0)
  }
}

// node-gyp: npm's own (npm names it to its scripts), else the one beside this Node's npm
const nodeGyp = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]
  .find(p => p !== undefined && p !== '' && existsSync(p))
if (nodeGyp === undefined) skip('node-gyp not found (it comes with npm)')
// Node's headers: npm's nodedir setting, else this Node's own install (no download)
const nodedir = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')]
  .find(d => d !== undefined && d !== '' && existsSync(join(d, 'include', 'node', 'node_api.h')))

const work = join(root, 'build', 'classic-level')
await rm(work, { recursive: true, force: true })
await mkdir(dirname(work), { recursive: true })
await cp(pkgDir, work, { recursive: true, filter: src => !src.startsWith(join(pkgDir, 'prebuilds')) && !src.startsWith(join(pkgDir, 'build')) })
const source = join(work, versionSet)
const patched = patchVersionSet(readFileSync(source, 'utf8'))
if (patched === undefined) skip('version_set.cc is not the LevelDB 1.20 source the patch expects')
await writeFile(source, patched)

const args = [nodeGyp, 'rebuild', '-j', 'max', ...(nodedir === undefined ? [] : [`--nodedir=${nodedir}`])]
const built = spawnSync(process.execPath, args, { cwd: work, encoding: 'utf8', env: { ...process.env, JOBS: 'max' } })
if (built.error !== undefined || built.status !== 0) {
  const lines = `${built.stdout ?? ''}\n${built.stderr ?? ''}`.split('\n')
  const said = lines.find(l => /error/i.test(l) && !/^gyp (info|ERR! (cwd|node|command|System|not ok))/.test(l)) ?? built.error?.message ?? `node-gyp exited with ${built.status}`
  await rm(work, { recursive: true, force: true })
  skip(said.trim().slice(0, 300))
}
const binary = join(work, 'build', 'Release', 'classic_level.node')

// Load it where a crash cannot take the install down: a write, a read, a delete, a compaction
const check = `
const { ClassicLevel } = require(${JSON.stringify(work)})
const { mkdtempSync, rmSync } = require('node:fs')
const dir = mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'colonynet-leveldb-'))
;(async () => {
  const db = new ClassicLevel(dir, { valueEncoding: 'utf8' })
  await db.put('a', '1'); await db.put('b', '2'); await db.del('a')
  await db.compactRange('\\u0000', '\\uffff')
  if (await db.get('a') !== undefined || await db.get('b') !== '2') throw new Error('wrong answers')
  await db.close()
  rmSync(dir, { recursive: true, force: true })
})().catch(err => { console.error(err); process.exit(1) })
`
const loaded = spawnSync(process.execPath, ['-e', check], { cwd: root, encoding: 'utf8' })
if (loaded.status !== 0) {
  await rm(work, { recursive: true, force: true })
  skip(`the build does not load or gives wrong answers: ${(loaded.stderr ?? '').trim().split('\n')[0] ?? String(loaded.signal)}`)
}
await mkdir(dirname(installed), { recursive: true })
await cp(binary, installed)
const sha256 = createHash('sha256').update(readFileSync(installed)).digest('hex')
await writeFile(marker, JSON.stringify({ ...want, sha256 }, null, 2) + '\n')
await rm(work, { recursive: true, force: true })
console.log(`colonynet: rebuilt classic-level ${pkg.version} with LevelDB's compaction fix (${PATCH_ID}) in ${Math.round((performance.now() - started) / 1000)} s`)
