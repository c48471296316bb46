/**
 * The store's LevelDB: classic-level rebuilt with the compaction fix of google/leveldb#320
 * (scripts/build-leveldb.mjs). The patch is checked against the LevelDB source classic-level
 * ships; the running store must be the rebuild wherever a C++ compiler could build it (an
 * install that silently kept the prebuilt LevelDB fails here).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
// @ts-expect-error: a plain .mjs script beside the build, without types
import { patchVersionSet, PATCH_ID } from '../../scripts/leveldb-boundary-inputs.mjs'
import { leveldbBuild } from '../../src/store/leveldb-build.js'

const require = createRequire(import.meta.url)
const source = join(dirname(require.resolve('classic-level/package.json')), 'deps', 'leveldb', 'leveldb-1.20', 'db', 'version_set.cc')
const patch = patchVersionSet as (text: string) => string | undefined

test('the patch adds the boundary files where a compaction settles its inputs at both levels, once', () => {
  const original = readFileSync(source, 'utf8')
  const patched = patch(original)
  assert.type(patched, 'string')
  const text = patched as string
  assert.is(text.split('ColonynetAddBoundaryInputs(icmp_, current_->files_[level], &c->inputs_[0]);').length, 2, 'the inputs at their level')
  assert.is(text.split('ColonynetAddBoundaryInputs(icmp_, current_->files_[level+1], &c->inputs_[1]);').length, 2, 'the files it takes from the level below')
  assert.is(text.split('ColonynetAddBoundaryInputs(icmp_, current_->files_[level], &expanded0);').length, 2, 'the grown inputs')
  assert.is(text.split('ColonynetAddBoundaryInputs(icmp_, current_->files_[level+1], &expanded1);').length, 2, 'and the grown set below')
  // the calls come after the definitions (C++ needs them declared first)
  assert.ok(text.indexOf('static void ColonynetAddBoundaryInputs') < text.indexOf('ColonynetAddBoundaryInputs(icmp_'))
  assert.is(patch(text), text, 'patching twice changes nothing')
  assert.is(patch(original.replace('void VersionSet::SetupOtherInputs', 'void VersionSet::SetUpOtherInputs')), undefined, 'another source is refused')
})

const compiler = ['c++', 'g++', 'clang++'].some(cc => spawnSync(cc, ['--version']).status === 0)

;(compiler ? test : test.skip)('the store runs the rebuilt LevelDB (a C++ compiler is here)', () => {
  const b = leveldbBuild()
  assert.ok(b.fixed, `${b.detail}: the install did not rebuild classic-level; see npm run build:leveldb`)
  assert.match(b.detail, String(PATCH_ID))
})

test.run()
