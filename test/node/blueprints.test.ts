/**
 * Blueprints through a real node's RPC: the messages exactly as colonies-ts's integration
 * test "Blueprint Operations" and pycolonies's test/blueprint_test.py send them, and the
 * reply shapes they read; rights refused as ColonyOS refuses them; the reconcile process
 * a reconciler assigns, runs and closes; and what a restart and retention keep.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { reconcileProcessId } from '../../src/protocol/records.js'
import { assignMsg, eventually, startColony, type Identity, type TestColony } from '../helpers/colony-node.js'
import { assertError, call } from '../helpers/raw-rpc.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'

let tc: TestColony
let reconciler: Identity

async function ok (msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(tc.node.url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${r.status} ${JSON.stringify(r.value)}`)
  return r.value
}

test.before(async () => {
  tc = await startColony({ executors: 1, type: 'home-reconciler' })
  reconciler = tc.executors[0] as Identity
})
test.after(async () => { await tc.stop() })

const GO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/

/** The definition colonies-ts and pycolonies add in their tests: a kind, a name, nothing else. */
const sdkDefinition = (name: string, kind: string): Record<string, unknown> => ({
  kind, metadata: { name, colonyname: tc.colony }, spec: { names: { kind } }
})

/** A blueprint as their tests write it, with the `handler` field upstream drops. */
const sdkBlueprint = (name: string, kind: string, spec: Record<string, unknown>): Record<string, unknown> => ({
  kind, metadata: { name, colonyname: tc.colony }, handler: { executortype: 'home-reconciler' }, spec
})

test('colonies-ts "Blueprint Operations" and pycolonies blueprint_test.py: the same calls, the same reply shapes', async () => {
  const kind = 'HomeDevice-t1'
  // definitions: the colony owner's key
  const added = await ok({ msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: sdkDefinition('home-device-def-t1', kind) }, tc.owner.prv)
  assert.is(added.kind, kind)
  assert.match(added.blueprintdefinitionid, /^[0-9a-f]{64}$/)
  assert.equal(Object.keys(added), ['blueprintdefinitionid', 'kind', 'metadata', 'spec'])
  assert.equal(added.spec, { group: '', version: '', names: { kind, listKind: '', singular: '', plural: '' }, scope: '', handler: { executorType: '', functionName: '' } })
  const def = await ok({ msgtype: 'getblueprintdefinitionmsg', colonyname: tc.colony, name: 'home-device-def-t1' }, tc.owner.prv)
  assert.equal(def, added)
  const defs = await ok({ msgtype: 'getblueprintdefinitionsmsg', colonyname: tc.colony }, tc.owner.prv)
  assert.ok(Array.isArray(defs) && defs.some((d: any) => d.metadata?.name === 'home-device-def-t1'))
  // members read definitions too
  assert.is((await ok({ msgtype: 'getblueprintdefinitionsmsg', colonyname: tc.colony }, reconciler.prv)).length, defs.length)

  // blueprints: the executor's key
  const bp = await ok({ msgtype: 'addblueprintmsg', blueprint: sdkBlueprint('test-light-t1', kind, { deviceType: 'light', power: true, brightness: 80 }) }, reconciler.prv)
  assert.equal(Object.keys(bp), ['blueprintid', 'kind', 'metadata', 'spec'], 'no status yet (omitempty), no handler')
  assert.equal(Object.keys(bp.metadata), ['name', 'colonyname', 'generation', 'createdAt', 'updatedAt', 'lastReconciliationTime'])
  assert.is(bp.metadata.generation, 1)
  assert.match(bp.metadata.createdAt, GO_TIME)
  assert.is(bp.metadata.lastReconciliationTime, '0001-01-01T00:00:00Z', 'the definition names no handler: nothing to reconcile')
  assert.equal(Object.keys(bp.spec), ['brightness', 'deviceType', 'power'], 'map keys in order, as Go writes maps')
  const got = await ok({ msgtype: 'getblueprintmsg', namespace: tc.colony, name: 'test-light-t1' }, reconciler.prv)
  assert.is(got.kind, kind)
  assert.is(got.spec.power, true)
  assert.is(got.spec.brightness, 80)
  const all = await ok({ msgtype: 'getblueprintsmsg', namespace: tc.colony }, reconciler.prv)
  assert.ok(all.some((b: any) => b.metadata?.name === 'test-light-t1'))
  const byKind = await ok({ msgtype: 'getblueprintsmsg', namespace: tc.colony, kind }, reconciler.prv)
  assert.ok(byKind.length >= 1 && byKind.every((b: any) => b.kind === kind))
  assert.equal(await ok({ msgtype: 'getblueprintsmsg', namespace: tc.colony, kind: 'NoSuchKind' }, reconciler.prv), [])

  // update the desired state
  const updated = await ok({ msgtype: 'updateblueprintmsg', blueprint: { ...got, spec: { power: false, brightness: 100 } }, forcegeneration: false }, reconciler.prv)
  assert.is(updated.metadata.generation, 2)
  assert.is(updated.blueprintid, bp.blueprintid)
  // the reconciler reports the current state
  const status = { power: true, brightness: 80, lastSeen: new Date().toISOString() }
  assert.equal(await ok({ msgtype: 'updateblueprintstatusmsg', colonyname: tc.colony, blueprintname: 'test-light-t1', status }, reconciler.prv), {})
  const withStatus = await ok({ msgtype: 'getblueprintmsg', namespace: tc.colony, name: 'test-light-t1' }, reconciler.prv)
  assert.is(withStatus.status.power, true)
  assert.is(withStatus.status.brightness, 80)
  assert.is(withStatus.metadata.generation, 2, 'a status report is not a new generation')
  // history, newest first
  const history = await ok({ msgtype: 'getblueprinthistorymsg', blueprintid: bp.blueprintid }, reconciler.prv)
  assert.equal(history.map((h: any) => [h.generation, h.changetype, h.changedby, h.namespace]),
    [[2, 'update', reconciler.id, tc.colony], [1, 'create', reconciler.id, tc.colony]])
  assert.equal(Object.keys(history[1]), ['historyid', 'blueprintid', 'kind', 'namespace', 'name', 'generation', 'spec', 'timestamp', 'changedby', 'changetype'])
  assert.is((await ok({ msgtype: 'getblueprinthistorymsg', blueprintid: bp.blueprintid, limit: 1 }, reconciler.prv)).length, 1)

  // remove: gone, and then the definition may go
  const early = await call(tc.node.url, { msgtype: 'removeblueprintdefinitionmsg', namespace: tc.colony, name: 'home-device-def-t1' }, tc.owner.prv)
  assertError(early, 400, /cannot remove BlueprintDefinition 'home-device-def-t1': 1 blueprint\(s\) of kind 'HomeDevice-t1' still exist/)
  await ok({ msgtype: 'removeblueprintmsg', namespace: tc.colony, name: 'test-light-t1' }, reconciler.prv)
  assertError(await call(tc.node.url, { msgtype: 'getblueprintmsg', namespace: tc.colony, name: 'test-light-t1' }, reconciler.prv), 404, /Blueprint not found/)
  assertError(await call(tc.node.url, { msgtype: 'getblueprinthistorymsg', blueprintid: bp.blueprintid }, reconciler.prv), 404, /Blueprint not found/)
  await ok({ msgtype: 'removeblueprintdefinitionmsg', namespace: tc.colony, name: 'home-device-def-t1' }, tc.owner.prv)
  assertError(await call(tc.node.url, { msgtype: 'getblueprintdefinitionmsg', colonyname: tc.colony, name: 'home-device-def-t1' }, tc.owner.prv), 404, /Blueprint definition not found/)
})

test('rights: definitions by the colony owner only; blueprints by members and the owner; strangers read nothing', async () => {
  const stranger = generatePrivateKey()
  const kind = 'Rights'
  assertError(await call(tc.node.url, { msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: sdkDefinition('rights-def', kind) }, tc.user.prv),
    403, /^Access denied, not colony owner/)
  await ok({ msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: sdkDefinition('rights-def', kind) }, tc.owner.prv)
  assertError(await call(tc.node.url, { msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: sdkDefinition('rights-def', 'Other') }, tc.owner.prv),
    400, /already exists/)
  assertError(await call(tc.node.url, { msgtype: 'addblueprintmsg', blueprint: sdkBlueprint('r', kind, {}) }, stranger), 403, /^Access denied, not a member/)
  assertError(await call(tc.node.url, { msgtype: 'getblueprintsmsg', namespace: tc.colony }, stranger), 403, /^Access denied, not a member/)
  assertError(await call(tc.node.url, { msgtype: 'getblueprintdefinitionsmsg', colonyname: tc.colony }, stranger), 403, /^Access denied/)
  await ok({ msgtype: 'addblueprintmsg', blueprint: sdkBlueprint('r', kind, { a: 1 }) }, tc.owner.prv)
  assertError(await call(tc.node.url, { msgtype: 'addblueprintmsg', blueprint: sdkBlueprint('r', kind, {}) }, tc.user.prv), 400, /^blueprint with name 'r' already exists in colony 'test'$/)
  // status and reconcile need a member: the owner is refused, as upstream refuses it
  assertError(await call(tc.node.url, { msgtype: 'updateblueprintstatusmsg', colonyname: tc.colony, blueprintname: 'r', status: {} }, tc.owner.prv), 403, /^Access denied/)
  assertError(await call(tc.node.url, { msgtype: 'reconcileblueprintmsg', namespace: tc.colony, name: 'r', force: false }, tc.owner.prv), 403, /^Access denied/)
  assertError(await call(tc.node.url, { msgtype: 'reconcileblueprintmsg', namespace: tc.colony, name: 'r', force: false }, tc.user.prv), 400, /^Blueprint has no handler with executor type defined$/)
  // bad input names the field
  assertError(await call(tc.node.url, { msgtype: 'addblueprintmsg', blueprint: { metadata: { name: 'x', colonyname: tc.colony } } }, tc.user.prv), 400, /blueprint\.kind/)
  assertError(await call(tc.node.url, { msgtype: 'addblueprintmsg', blueprint: { kind, metadata: { colonyname: tc.colony } } }, tc.user.prv), 400, /blueprint\.metadata\.name/)
  assertError(await call(tc.node.url, { msgtype: 'addblueprintmsg', blueprint: { kind, metadata: { name: 'x', colonyname: tc.colony }, spec: [1] } }, tc.user.prv), 400, /blueprint\.spec/)
  assertError(await call(tc.node.url, { msgtype: 'getblueprinthistorymsg', blueprintid: 'nope' }, tc.user.prv), 400, /blueprintid/)
  assertError(await call(tc.node.url, { msgtype: 'addblueprintmsg', blueprint: { kind, metadata: { name: 'x', colonyname: 'nowhere' } } }, tc.user.prv), 404, /nowhere/)
  await ok({ msgtype: 'removeblueprintmsg', namespace: tc.colony, name: 'r' }, tc.user.prv)
})

test('a change submits its reconcile process to the handler\'s executor type; the reconciler assigns, runs and closes it', async () => {
  const kind = 'Lamp'
  await ok({
    msgtype: 'addblueprintdefinitionmsg',
    blueprintdefinition: {
      kind: 'BlueprintDefinition',
      metadata: { name: 'lamp-def', colonyname: tc.colony },
      spec: {
        group: 'home.io', version: 'v1', names: { kind, plural: 'lamps' }, scope: 'Namespaced',
        schema: { type: 'object', properties: { power: { type: 'boolean' } }, required: ['power'] },
        handler: { executorType: 'home-reconciler', functionName: 'reconcile' }
      }
    }
  }, tc.owner.prv)
  assertError(await call(tc.node.url, { msgtype: 'addblueprintmsg', blueprint: sdkBlueprint('lamp', kind, { power: 'on' }) }, tc.user.prv),
    400, /^blueprint validation failed: field 'power' must be a boolean, got string$/)
  const bp = await ok({ msgtype: 'addblueprintmsg', blueprint: sdkBlueprint('lamp', kind, { power: true }) }, tc.user.prv)
  assert.is(bp.metadata.lastReconciliationProcess, reconcileProcessId(bp.blueprintid))
  // the reconciler gets the add's process, as upstream's server submits it
  const p = await ok(assignMsg(tc.colony, 5), reconciler.prv)
  assert.is(p.processid, bp.metadata.lastReconciliationProcess)
  assert.is(p.spec.funcname, 'reconcile')
  assert.is(p.spec.nodename, 'home-reconciler-reconcile')
  assert.equal(p.spec.kwargs, { blueprintName: 'lamp', kind })
  assert.is(p.spec.conditions.executortype, 'home-reconciler')
  assert.is(p.initiatorid, tc.user.id)
  assert.is(p.initiatorname, 'user')
  await ok({ msgtype: 'updateblueprintstatusmsg', colonyname: tc.colony, blueprintname: 'lamp', status: { power: true } }, reconciler.prv)
  await ok({ msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['reconciled'] }, reconciler.prv)
  // an update that does not change the spec asks for nothing
  const same = await ok({ msgtype: 'updateblueprintmsg', blueprint: sdkBlueprint('lamp', kind, { power: true }), forcegeneration: false }, tc.user.prv)
  assert.is(same.metadata.generation, 1)
  assertError(await call(tc.node.url, assignMsg(tc.colony, -1), reconciler.prv), 404, /./)
  // reconcile on request replies with the process
  const r = await ok({ msgtype: 'reconcileblueprintmsg', namespace: tc.colony, name: 'lamp', force: true }, tc.user.prv)
  assert.equal(r.spec.kwargs, { blueprintName: 'lamp', force: true, kind })
  assert.is(r.state, 0)
  const got = await ok({ msgtype: 'getprocessmsg', processid: r.processid }, tc.user.prv)
  assert.is(got.processid, r.processid)
  assert.is((await ok({ msgtype: 'getblueprintmsg', namespace: tc.colony, name: 'lamp' }, tc.user.prv)).metadata.generation, 2)
  const p2 = await ok(assignMsg(tc.colony, 5), reconciler.prv)
  assert.is(p2.processid, r.processid)
  await ok({ msgtype: 'closesuccessfulmsg', processid: p2.processid, out: [] }, reconciler.prv)
  // removal submits a cleanup
  await ok({ msgtype: 'removeblueprintmsg', namespace: tc.colony, name: 'lamp' }, tc.user.prv)
  const c = await ok(assignMsg(tc.colony, 5), reconciler.prv)
  assert.is(c.spec.funcname, 'cleanup')
  assert.equal(c.spec.kwargs, { blueprintName: 'lamp', kind })
  await ok({ msgtype: 'closesuccessfulmsg', processid: c.processid, out: [] }, reconciler.prv)
})

test('a restart keeps definitions, blueprints and history, and runs no finished reconcile process again', async () => {
  const kind = 'Fan'
  await ok({ msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: { metadata: { name: 'fan-def', colonyname: tc.colony }, spec: { names: { kind }, handler: { executorType: 'home-reconciler', functionName: 'reconcile' } } } }, tc.owner.prv)
  const bp = await ok({ msgtype: 'addblueprintmsg', blueprint: sdkBlueprint('fan', kind, { speed: 1 }) }, tc.user.prv)
  const p = await ok(assignMsg(tc.colony, 5), reconciler.prv)
  await ok({ msgtype: 'closesuccessfulmsg', processid: p.processid, out: [] }, reconciler.prv)
  await ok({ msgtype: 'updateblueprintmsg', blueprint: sdkBlueprint('fan', kind, { speed: 2 }), forcegeneration: false }, tc.user.prv)
  await ok({ msgtype: 'updateblueprintstatusmsg', colonyname: tc.colony, blueprintname: 'fan', status: { speed: 1 } }, reconciler.prv)
  await tc.node.ledger.settled()
  const hash = tc.node.ledger.fold.stateHash()
  await tc.restart()
  assert.is(tc.node.ledger.fold.stateHash(), hash, 'the same state after the restart')
  const after = await ok({ msgtype: 'getblueprintmsg', namespace: tc.colony, name: 'fan' }, tc.user.prv)
  assert.equal([after.metadata.generation, after.spec, after.status], [2, { speed: 2 }, { speed: 1 }])
  assert.is((await ok({ msgtype: 'getblueprinthistorymsg', blueprintid: bp.blueprintid }, tc.user.prv)).length, 2)
  assert.is((await ok({ msgtype: 'getprocessmsg', processid: p.processid }, tc.user.prv)).state, 2, 'the finished process stays finished')
  // only the update's process waits
  const next = await ok(assignMsg(tc.colony, 5), reconciler.prv)
  assert.is(next.processid, after.metadata.lastReconciliationProcess)
  assert.equal(next.spec.kwargs, { blueprintName: 'fan', kind })
  await ok({ msgtype: 'closesuccessfulmsg', processid: next.processid, out: [] }, reconciler.prv)
  assertError(await call(tc.node.url, assignMsg(tc.colony, -1), reconciler.prv), 404, /./)
})

test('retention drops finished reconcile processes and keeps the blueprints; pruned stays pruned across a restart', async () => {
  const rc = await startColony({ executors: 1, type: 'home-reconciler', retention: { policySeconds: 1 } })
  try {
    const x = rc.executors[0] as Identity
    const okr = async (msg: Record<string, unknown>, prv: string): Promise<any> => {
      const r = await call(rc.node.url, msg, prv)
      if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
      return r.value
    }
    await okr({ msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: { metadata: { name: 'd', colonyname: rc.colony }, spec: { names: { kind: 'K' }, handler: { executorType: 'home-reconciler', functionName: 'reconcile' } } } }, rc.owner.prv)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      await okr({ msgtype: 'addblueprintmsg', blueprint: { kind: 'K', metadata: { name: `b${i}`, colonyname: rc.colony }, spec: { i } } }, rc.user.prv)
      const p = await okr(assignMsg(rc.colony, 5), x.prv)
      await okr({ msgtype: 'closesuccessfulmsg', processid: p.processid, out: [] }, x.prv)
      ids.push(p.processid)
    }
    await eventually(async () => (await rc.node.ledger.reads.processes(ids)).length === 0 ? true : undefined, 'the finished reconcile processes to be purged', 20_000)
    await rc.restart()
    assert.equal((await okr({ msgtype: 'getblueprintsmsg', namespace: rc.colony }, rc.user.prv)).map((b: any) => b.metadata.name), ['b0', 'b1', 'b2'])
    assert.equal(await rc.node.ledger.reads.processes(ids), [], 'no pruned process came back')
    assertError(await call(rc.node.url, assignMsg(rc.colony, -1), x.prv), 404, /./)
  } finally {
    await rc.stop()
  }
})

test.run()
