/**
 * src/protocol is pure logic: importing any of its modules reads no environment variable
 * and loads no native addon (src/crypto does both, for the entry points that want a
 * native secp256k1 backend). Checked in a fresh process, with a control showing that the
 * same watch catches src/crypto doing it.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { unavailableReason } from '../../src/crypto/index.js'

interface Seen { env: string[], dlopen: string[] }

const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/import-probe.mjs', 'src/protocol'], { encoding: 'utf8' })
const probe = r.status === 0 ? JSON.parse(r.stdout) as { modules: string[], imported: Seen, control: Seen } : undefined

test('the probe imported every module under src/protocol', () => {
  assert.ok(probe !== undefined, `probe failed (${String(r.status)}): ${r.stderr}`)
  for (const m of ['crypto.ts', 'envelope.ts', 'fold.ts', 'json.ts', 'messages.ts', 'messages/readers.ts', 'spec.ts', 'state.ts', 'wire-types.ts']) {
    assert.ok(probe.modules.includes(m), m)
  }
})

test('importing src/protocol reads no environment variable', () => {
  assert.equal(probe?.imported.env, [])
})

test('importing src/protocol loads no native module', () => {
  assert.equal(probe?.imported.dlopen, [])
})

test('control: the same watch sees src/crypto read COLONYNET_CRYPTO and load a native backend', () => {
  assert.ok(probe?.control.env.some(e => e.startsWith('COLONYNET_CRYPTO ')), JSON.stringify(probe?.control.env))
  const loadable = ['system', 'native'].filter(n => unavailableReason(n as 'system' | 'native') === null)
  // on a machine with neither native backend there is nothing to load: only the env half shows
  if (loadable.length > 0) assert.ok((probe?.control.dlopen.length ?? 0) >= loadable.length, JSON.stringify(probe?.control.dlopen))
})

test.run()
