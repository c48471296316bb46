/**
 * A gossiped batch that never arrives is repaired without waiting for the repair timer
 * (here 10 minutes, so only these paths can deliver): by the gap the next batch shows,
 * or, when it was the last of a burst, by the origin's log-head advert (every 2 s).
 * Over real libp2p on 127.0.0.1; the loss is B's validator dropping A's messages.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually } from '../helpers/colony-node.js'
import { converged, type Federation, ok, type Site, startFederation } from '../helpers/federation.js'

let fed: Federation
let a: Site
let b: Site

test.before(async () => {
  fed = await startFederation(2, { syncIntervalMs: 600_000 })
  a = fed.sites[0] as Site
  b = fed.sites[1] as Site
  await converged(fed.sites)
})

test.after(async () => {
  await fed.stop()
})

const submit = async (funcname: string): Promise<string> =>
  (await ok(a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname, conditions: { colonyname: fed.colony, executortype: 'repair' } } }, fed.user.prv)).processid

/** Runs `write` while B drops every gossip message (as if the network lost them). */
async function lost<T> (write: () => Promise<T>): Promise<T> {
  const host = b.node.federation?.host as any
  const validator = host.validator
  host.validator = () => 'ignore'
  try {
    return await write()
  } finally {
    host.validator = validator
  }
}

test('a lost batch followed by another is repaired within seconds, without the repair timer', async () => {
  const pulls = b.node.federation?.syncStats.pulls ?? 0
  const missing = await lost(async () => await submit('lost'))
  // the loss is real: B does not have it, and nothing else will bring it for 10 minutes
  assert.is(b.node.ledger.fold.process(missing), undefined)
  const next = await submit('next')
  await eventually(() => b.node.ledger.fold.process(missing) !== undefined && b.node.ledger.fold.process(next) !== undefined ? true : undefined,
    'B to repair the lost batch', 5000)
  assert.ok((b.node.federation?.syncStats.pulls ?? 0) > pulls, 'repaired by a pull')
  await converged(fed.sites)
})

test('a lost last batch (none follows) is repaired within seconds: the origin advertises its log head', async () => {
  const missing = await lost(async () => await submit('last'))
  assert.is(b.node.ledger.fold.process(missing), undefined)
  // no batch follows: the advert (every 2 s) names a sequence B lacks
  await eventually(() => b.node.ledger.fold.process(missing) !== undefined ? true : undefined, 'B to repair the lost last batch', 5000)
  await converged(fed.sites)
})

test.run()
