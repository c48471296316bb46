/**
 * Blueprints across three federated sites (real nodes over TCP on 127.0.0.1): a change
 * made at one site reconciles once. The change and its `reconcile` fact travel together,
 * every site folds the same single reconcile process, one reconciler runs it, and every
 * site sees the blueprint, its status and its history alike.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { reconcileProcessId } from '../../src/protocol/records.js'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { converged, ok, startFederation, type Federation, type Site } from '../helpers/federation.js'

let fed: Federation

test.before(async () => { fed = await startFederation(3) })
test.after(async () => { await fed.stop() })

const site = (i: number): Site => fed.sites[i] as Site

test('a blueprint added at B and updated at A reconciles once per change: one process, run by one reconciler, the same at all three sites', async () => {
  // a reconciler at each site, all of the handler's executor type: any of them may get a process
  const runs = new Map<string, string[]>()
  const executors: Executor[] = []
  for (let i = 0; i < 3; i++) {
    const x = await addExecutor(site(0).node.url, fed.colony, fed.owner, `reconciler-${i}`, 'lamp-reconciler')
    await eventually(() => site(i).node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, `site ${i} to know reconciler-${i}`)
    const client = new ColoniesClient({ url: site(i).node.url, prvkey: x.prv })
    executors.push(new Executor({
      client,
      colonyname: fed.colony,
      watchIntervalMs: 0,
      assignTimeoutSec: 2,
      handler: async p => {
        runs.set(p.processid, [...(runs.get(p.processid) ?? []), `reconciler-${i}`])
        const name = String(p.spec.kwargs.blueprintName)
        const bp = await client.getBlueprint(fed.colony, name)
        await client.updateBlueprintStatus(fed.colony, name, { ...bp.spec, reconciledBy: `reconciler-${i}` })
        return { out: [`reconciled ${name} generation ${bp.metadata.generation ?? 0}`] }
      }
    }).start())
  }
  try {
    await ok(site(0).node.url, {
      msgtype: 'addblueprintdefinitionmsg',
      blueprintdefinition: { kind: 'BlueprintDefinition', metadata: { name: 'lamp-def', colonyname: fed.colony }, spec: { names: { kind: 'Lamp' }, handler: { executorType: 'lamp-reconciler', functionName: 'reconcile' } } }
    }, fed.owner.prv)
    await eventually(() => fed.sites.every(s => s.node.ledger.fold.blueprintBook(fed.colony)?.definition('lamp-def') !== undefined) ? true : undefined, 'every site to know the definition')
    const added = await ok(site(1).node.url, { msgtype: 'addblueprintmsg', blueprint: { kind: 'Lamp', metadata: { name: 'hall', colonyname: fed.colony }, spec: { power: false } } }, fed.user.prv)
    const first = reconcileProcessId(added.blueprintid)
    await eventually(() => site(0).node.ledger.fold.blueprintBook(fed.colony)?.blueprint('hall') !== undefined ? true : undefined, 'site A to know the blueprint')
    const updated = await ok(site(0).node.url, { msgtype: 'updateblueprintmsg', blueprint: { kind: 'Lamp', metadata: { name: 'hall', colonyname: fed.colony }, spec: { power: true } }, forcegeneration: false }, fed.user.prv)
    assert.is(updated.metadata.generation, 2)
    const second = updated.metadata.lastReconciliationProcess as string
    assert.is.not(second, first)
    // both processes succeed, and every site sees the reconciler's report of generation 2
    await eventually(async () => {
      for (const s of fed.sites) {
        for (const pid of [first, second]) if ((await s.node.ledger.reads.process(pid))?.state !== 2) return undefined
        if (s.node.ledger.fold.blueprintBook(fed.colony)?.blueprint('hall')?.status.power !== true) return undefined
      }
      return true
    }, 'both reconcile processes to succeed and the status to reach every site', 30_000)
    await converged(fed.sites)
    for (const s of fed.sites) {
      const fold = s.node.ledger.fold
      const reconciles = [...fold.processes(fed.colony)].filter(p => p.spec.conditions.executortype === 'lamp-reconciler')
      const settled = await s.node.ledger.reads.processes([first, second])
      assert.equal(new Set([...reconciles.map(p => p.processid), ...settled.map(p => p.processid)]), new Set([first, second]), `${s.name}: one process per change`)
      const bp = fold.blueprintBook(fed.colony)?.blueprint('hall')
      assert.is(bp?.generation, 2)
      assert.equal(bp?.history.map(h => h.changetype), ['create', 'update'])
    }
    for (const pid of [first, second]) assert.is(runs.get(pid)?.length, 1, `${pid.slice(0, 8)} ran once (${String(runs.get(pid))})`)
    assert.is(runs.size, 2, 'no other process ran')
    const out = (await site(2).node.ledger.reads.process(second))?.out
    assert.match(String(out?.[0]), /^reconciled hall generation 2$/)
  } finally {
    for (const e of executors) await e.stop({ graceMs: 1000 })
  }
})

test.run()
