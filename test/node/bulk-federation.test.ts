/**
 * A bulk submit across two real sites on 127.0.0.1: the one signed envelope crosses as one
 * record, both sites fold the same processes (same ids) to the same state hash, and each
 * process runs wherever an executor takes it, on its own.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProcessState } from '../../src/protocol/state.js'
import { addExecutor, assignMsg, eventually } from '../helpers/colony-node.js'
import { converged, ok, type Site, startFederation } from '../helpers/federation.js'

test('a bulk submitted at one site is the same processes at the other, each run where it is taken', async () => {
  const fed = await startFederation(2)
  try {
    const [a, b] = fed.sites as [Site, Site]
    const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'x')
    const y = await addExecutor(a.node.url, fed.colony, fed.owner, 'y')
    await converged(fed.sites)
    const specs = Array.from({ length: 4 }, (_, i) => ({ funcname: 'echo', args: [String(i)], conditions: { colonyname: fed.colony, executortype: 'cli' } }))
    const ps: any[] = await ok(a.node.url, { msgtype: 'submitfuncspecsmsg', specs }, fed.user.prv)
    const ids = ps.map(p => p.processid as string)
    await eventually(() => ids.every(id => b.node.ledger.fold.process(id) !== undefined) ? true : undefined, 'the other site to hold the bulk\'s processes')
    await converged(fed.sites)
    // one executor at each site: each takes its own process of the bulk
    const atA = await ok(a.node.url, assignMsg(fed.colony, 10), x.prv)
    const atB = await ok(b.node.url, assignMsg(fed.colony, 10), y.prv)
    assert.is.not(atA.processid, atB.processid)
    assert.ok(ids.includes(atA.processid) && ids.includes(atB.processid))
    await ok(a.node.url, { msgtype: 'closesuccessfulmsg', processid: atA.processid, out: ['a'] }, x.prv)
    await ok(b.node.url, { msgtype: 'closefailedmsg', processid: atB.processid, errors: ['b'] }, y.prv)
    await ok(b.node.url, { msgtype: 'cancelprocessmsg', processid: ids.find(id => id !== atA.processid && id !== atB.processid) }, fed.user.prv)
    const hash = await converged(fed.sites)
    assert.is(a.node.ledger.fold.stateHash(), hash)
    for (const s of fed.sites) {
      const states = ids.map(id => s.node.ledger.fold.process(id)?.state ?? -1)
      assert.is(states.filter(st => st === ProcessState.WAITING).length, 1, `${s.name}: one still waits`)
      assert.is(s.node.ledger.fold.process(atA.processid)?.state ?? (await s.node.ledger.reads.process(atA.processid))?.state, ProcessState.SUCCESS)
      assert.is((await s.node.ledger.reads.process(atB.processid))?.state, ProcessState.FAILED)
    }
  } finally {
    await fed.stop()
  }
})

test.run()
