/**
 * `colonies blueprint …` and `colonies blueprint definition …` as a user types them: the
 * real CLI as child processes against a real node, tables for people and --json for
 * programs, errors on one line saying what to do.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ColoniesClient } from '../../src/client/index.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony
let env: Env

async function file (name: string, content: unknown): Promise<string> {
  const f = join(tc.dir, name)
  await writeFile(f, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return f
}

function oneLine (stderr: string): void {
  assert.is(stderr.trim().split('\n').length, 1, `one error line, got: ${stderr}`)
  assert.not.match(stderr, /\n\s+at /, 'no stack trace')
}

async function ok (args: string[], extra: Env = {}): Promise<string> {
  const r = await cli(args, { ...env, ...extra })
  assert.is(r.code, 0, `colonies ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

test.before(async () => {
  tc = await startColony({ executors: 1, type: 'home-reconciler' })
  env = colonyEnv(tc, { COLONIES_COLONY_PRVKEY: tc.owner.prv })
})
test.after(async () => { await tc.stop() })

test('definition add/ls/get/remove: the owner\'s key, the colony from the environment', async () => {
  // as colonies-ts's example ships it: no colonyname, a handler with an executor type only
  const def = await file('device-def.json', {
    kind: 'Device',
    metadata: { name: 'device-def' },
    spec: {
      names: { kind: 'Device', plural: 'devices' },
      schema: { type: 'object', properties: { power: { type: 'boolean', description: 'on or off' } }, required: ['power'] },
      handler: { executorType: 'home-reconciler', functionName: 'reconcile' }
    }
  })
  assert.match(await ok(['blueprint', 'definition', 'add', '--spec', def]), /^Added blueprint definition device-def \(kind Device\) [0-9a-f]{64}\n$/)
  const table = await ok(['blueprint', 'definition', 'ls'])
  assert.match(table, /^NAME\s+KIND\s+EXECUTOR TYPE\s+FUNCTION NAME\ndevice-def\s+Device\s+home-reconciler\s+reconcile\n$/)
  const list = JSON.parse(await ok(['blueprint', 'definition', 'ls', '--json']))
  assert.equal(list.map((d: any) => d.metadata.colonyname), [tc.colony])
  const detail = await ok(['blueprint', 'definition', 'get', '--name', 'device-def'])
  assert.match(detail, /Kind\s+Device/)
  assert.match(detail, /Executor type\s+home-reconciler/)
  assert.match(detail, /Required fields\s+power/)
  assert.match(detail, /power\s+boolean\s+on or off/)
  // a member is not the owner
  const denied = await cli(['blueprint', 'definition', 'add', '--spec', def], { ...env, COLONIES_COLONY_PRVKEY: tc.user.prv })
  assert.is.not(denied.code, 0)
  oneLine(denied.stderr)
  assert.match(denied.stderr, /Access denied/)
  assert.match(denied.stderr, /COLONIES_COLONY_PRVKEY/, 'names the key setting to check')
  // a bad file is refused before anything is sent, naming the field
  const bad = await cli(['blueprint', 'definition', 'add', '--spec', await file('bad-def.json', { metadata: { name: 'x' }, spec: { names: {} } })], env)
  assert.is.not(bad.code, 0)
  oneLine(bad.stderr)
  assert.match(bad.stderr, /bad-def\.json: invalid spec\.names\.kind: is required/)
  const garbled = await cli(['blueprint', 'add', '--spec', await file('garbled.json', '{"kind": "Device",')], env)
  assert.match(garbled.stderr, /garbled\.json: not valid JSON/)
  assert.is((await cli(['blueprint', 'definition', 'ls'], { ...env, COLONIES_COLONY_NAME: 'nowhere' })).code !== 0, true)
})

test('add, ls, get, set, reconcile, history, remove: as upstream\'s CLI, with the reconcile processes', async () => {
  const light = await file('light.json', {
    kind: 'Device',
    metadata: { name: 'bedroom-light', colonyname: tc.colony },
    handler: { executortype: 'home-reconciler' },
    spec: { deviceType: 'light', room: 'Bedroom', power: false, brightness: 50 }
  })
  const added = await ok(['blueprint', 'add', '--spec', light])
  const m = /^Added blueprint bedroom-light \(kind Device\) ([0-9a-f]{64}), reconcile process ([0-9a-f]{64})\n$/.exec(added)
  assert.ok(m !== null, added)
  assert.match(await ok(['blueprint', 'ls']), /^NAME\s+KIND\s+LOCATION\s+GEN\s+STATUS\s+UPDATED\nbedroom-light\s+Device\s+-\s+1\s+none reported\s+\d{4}-/)
  assert.equal(JSON.parse(await ok(['blueprint', 'ls', '--kind', 'Other', '--json'])), [])
  assert.match(await ok(['blueprint', 'ls', '--kind', 'Other']), /^No blueprints found in colony test\n$/)
  // the reconciler reports a status
  const reconciler = new ColoniesClient({ url: tc.node.url, prvkey: tc.executors[0]!.prv })
  await reconciler.updateBlueprintStatus(tc.colony, 'bedroom-light', { power: false, brightness: 50 })
  const detail = await ok(['blueprint', 'get', '--name', 'bedroom-light'])
  assert.match(detail, new RegExp(`Last reconciliation\\s+${m?.[2] as string} \\(Waiting\\)`))
  assert.match(detail, /Spec \(desired state\)\n(.*\n)*\s+power\s+false/)
  assert.match(detail, /Status \(reported state\)\n\s+brightness\s+50/)
  assert.is(JSON.parse(await ok(['blueprint', 'get', '--name', 'bedroom-light', '--json'])).status.brightness, 50)
  // set: dot notation, JSON values, a new generation reconciled
  assert.match(await ok(['blueprint', 'set', '--name', 'bedroom-light', '--key', 'spec.power', '--value', 'true']),
    /^Set spec.power of blueprint bedroom-light, generation 2, reconcile process [0-9a-f]{64}\n$/)
  await ok(['blueprint', 'set', '--name', 'bedroom-light', '--key', 'room', '--value', 'Master Bedroom'])
  const now = JSON.parse(await ok(['blueprint', 'get', '--name', 'bedroom-light', '--json']))
  assert.equal(now.spec, { brightness: 50, deviceType: 'light', power: true, room: 'Master Bedroom' })
  // the same value again: no new generation, so set asks for a reconcile itself
  assert.match(await ok(['blueprint', 'set', '--name', 'bedroom-light', '--key', 'spec.power', '--value', 'true']), /generation 3, reconcile process [0-9a-f]{64}/)
  const missing = await cli(['blueprint', 'set', '--name', 'bedroom-light', '--key', 'spec.nope', '--value', '1'], env)
  assert.is.not(missing.code, 0)
  oneLine(missing.stderr)
  assert.match(missing.stderr, /Invalid key: 'spec.nope' \(field 'nope' does not exist in the blueprint spec\)/)
  // reconcile on request
  const r = await ok(['blueprint', 'reconcile', '--name', 'bedroom-light', '-f'])
  assert.match(r, /^Reconciliation process submitted: [0-9a-f]{64}\nUse 'colonies log get -p [0-9a-f]{64}' to view progress\n$/)
  assert.equal(JSON.parse(await ok(['blueprint', 'reconcile', '--name', 'bedroom-light', '--json'])).spec.kwargs, { blueprintName: 'bedroom-light', kind: 'Device' })
  // history: newest first, with who made each change
  const h = await ok(['blueprint', 'history', '--name', 'bedroom-light'])
  assert.match(h, /^GENERATION\s+TIME\s+CHANGE\s+CHANGED BY\n\s+3\s+\S+ \S+\s+update\s+user: user\n\s+2\s+.*update.*\n\s+1\s+.*create\s+user: user\n$/)
  assert.is(JSON.parse(await ok(['blueprint', 'history', '--name', 'bedroom-light', '-l', '1', '--json'])).length, 1)
  assert.match(await ok(['blueprint', 'history', '--name', 'bedroom-light', '-g', '1']), /Generation\s+1\n(.*\n)*Spec\n(.*\n)*\s+power\s+false/)
  const noGen = await cli(['blueprint', 'history', '--name', 'bedroom-light', '-g', '9'], env)
  assert.match(noGen.stderr, /Generation 9 not found/)
  // remove; then the definition may go
  assert.match(await ok(['blueprint', 'remove', '--name', 'bedroom-light', '--yes']), /^Removed blueprint bedroom-light from colony test\n$/)
  const gone = await cli(['blueprint', 'get', '--name', 'bedroom-light'], env)
  assert.is.not(gone.code, 0)
  oneLine(gone.stderr)
  assert.match(gone.stderr, /Blueprint not found/)
  assert.match(await ok(['blueprint', 'definition', 'remove', '--name', 'device-def', '--yes']), /^Removed blueprint definition device-def from colony test\n$/)
  assert.match(await ok(['blueprint', 'definition', 'ls']), /^No blueprint definitions found in colony test\n$/)
})

test.run()
