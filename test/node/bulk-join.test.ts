/**
 * A bulk whose processes were pruned one by one, met by a site that joins from a prune
 * summary: the bulk's batch travels (a process of it lives), its pruned processes are
 * marked dead in it, and the new site folds the live one only, to the same state hash.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { addExecutor, assignMsg, eventually } from '../helpers/colony-node.js'
import { converged, ok, type Site, startFederation } from '../helpers/federation.js'

test('a site joining after part of a bulk was pruned holds only the bulk\'s live process', async () => {
  const fed = await startFederation(2, { retention: i => i === 0 ? { policySeconds: 1, periodMs: 500 } : { periodMs: 500 } })
  try {
    const [a] = fed.sites as [Site, Site]
    const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'x-bulk', 'job')
    await converged(fed.sites)
    const spec = (i: number, type: string): unknown => ({ funcname: 'noop', args: [String(i)], conditions: { colonyname: fed.colony, executortype: type } })
    const ps: any[] = await ok(a.node.url, { msgtype: 'submitfuncspecsmsg', specs: [spec(0, 'job'), spec(1, 'job'), spec(2, 'nobody')] }, fed.user.prv)
    const [done0, done1, live] = ps.map(p => p.processid as string) as [string, string, string]
    for (let i = 0; i < 2; i++) {
      const got = await ok(a.node.url, assignMsg(fed.colony, 10), x.prv)
      await ok(a.node.url, { msgtype: 'closesuccessfulmsg', processid: got.processid, out: [] }, x.prv)
    }
    for (const s of fed.sites) await eventually(async () => (await s.node.ledger.reads.processes([done0, done1])).length === 0 ? true : undefined, `${s.name} to purge the two`, 30_000)
    await eventually(() => a.node.ledger.prunedBeyond(new Map()) ? true : undefined, 'batches to be deleted at site 0', 20_000)
    const joiner = await fed.addSite('site-new')
    const hash = await converged(fed.sites, 30_000)
    assert.is(joiner.node.ledger.fold.stateHash(), hash)
    assert.is((await joiner.node.ledger.reads.process(live))?.state, 0, 'the live process is there')
    assert.is((await joiner.node.ledger.reads.processes([done0, done1])).length, 0, 'its pruned siblings are not')
    assert.is(joiner.node.ledger.fold.process(done0), undefined)
  } finally {
    await fed.stop()
  }
})

test.run()
