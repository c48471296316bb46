/**
 * Joining a colony that has pruned (DESIGN decision 12): a fresh site does not replay
 * history; the site it pulls from sends a signed summary of what its prunes left out
 * (batches deleted, dead records of the batches kept, the last generation's digest), then
 * the batches it kept. The new site folds the retained records only, reaches the same
 * state hash as the others, and checks the summary's digest against another site's.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { addExecutor, assignMsg, eventually } from '../helpers/colony-node.js'
import { converged, ok, type Site, startFederation, type Federation } from '../helpers/federation.js'
import { checkSummary, parsePruneSummary, type PruneSummary } from '../../src/store/prune-summary.js'
import { canonicalJson } from '../../src/protocol/canonical.js'
import { generatePrivateKey, idFromPrivateKey, sign } from '../../src/protocol/crypto.js'

let fed: Federation
test.before(async () => {
  fed = await startFederation(2, { retention: i => i === 0 ? { policySeconds: 1, periodMs: 500 } : { periodMs: 500 } })
})
test.after(async () => { await fed.stop() })

const site = (i: number): Site => fed.sites[i] as Site

test('a fresh site joins from a summary: only retained records travel, the hashes agree, another site vouches for it', async () => {
  const x = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'x-join', 'join')
  await eventually(() => site(1).node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'site 1 to know the executor')
  const ids: string[] = []
  for (let i = 0; i < 20; i++) {
    const p = await ok(site(0).node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'noop', args: [String(i)], conditions: { colonyname: fed.colony, executortype: 'join' } } }, fed.user.prv)
    const got = await ok(site(0).node.url, assignMsg(fed.colony, 10), x.prv)
    await ok(site(0).node.url, { msgtype: 'closesuccessfulmsg', processid: got.processid, out: [] }, x.prv)
    ids.push(p.processid)
  }
  const live = await ok(site(0).node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'stays', conditions: { colonyname: fed.colony, executortype: 'nobody' } } }, fed.user.prv)
  // pruned at both sites, and batches deleted (the new site could not pull them)
  for (const s of fed.sites) await eventually(async () => (await s.node.ledger.reads.processes(ids)).length === 0 ? true : undefined, `${s.name} to purge`, 30_000)
  await eventually(() => site(0).node.ledger.prunedBeyond(new Map()) ? true : undefined, 'batches to be deleted at site 0', 20_000)
  const held = site(0).node.ledger.records
  const joiner = await fed.addSite('site-new')
  await converged(fed.sites, 30_000)
  assert.is(joiner.node.ledger.records, held > 0 ? joiner.node.ledger.records : -1)
  assert.ok(joiner.node.ledger.records <= site(0).node.ledger.records, 'the new site holds no more than the retained records')
  assert.is((await joiner.node.ledger.reads.processes(ids)).length, 0, 'no purged process at the new site')
  assert.is((await joiner.node.ledger.reads.process(live.processid))?.state, 0, 'the live process is there')
  const status = await eventually(() => {
    const st = joiner.node.federation?.summaryStatus()
    return st?.state === 'verified' ? st : undefined
  }, () => `another site to vouch for the summary (${JSON.stringify(joiner.node.federation?.summaryStatus())}; site 1 generations: ${JSON.stringify(site(1).node.ledger.generations().map(g => [g.id.slice(0, 8), g.digest.slice(0, 8)]))}; connected: ${JSON.stringify(joiner.node.federation?.host.connectedPeers().length)})`, 20_000)
  assert.is(status.from, site(0).node.nodeId)
  assert.ok(status.agreed.includes(site(1).node.nodeId))
})

test('a summary whose digest is not what its contents give, or not signed by its node, is refused', async () => {
  const sum = await site(0).node.ledger.pruneSummary()
  assert.ok(sum !== undefined)
  assert.is(checkSummary(sum), undefined)
  assert.equal(parsePruneSummary(JSON.parse(JSON.stringify(sum))), sum)
  // a site that would hide a live record: marks it dead, and signs its own forged summary
  const liar = generatePrivateKey()
  const forged = { ...sum, dead: [...sum.dead, ['x\x00000000000001', ['000001796600000000.00000000.' + 'a'.repeat(64)]]] as PruneSummary['dead'], node: idFromPrivateKey(liar) }
  const { sig: _s, ...body } = forged
  const resigned: PruneSummary = { ...forged, sig: sign(canonicalJson(body), liar) }
  assert.match(checkSummary(resigned) ?? '', /digest/)
  const notItsOwn: PruneSummary = { ...sum, node: idFromPrivateKey(liar) }
  assert.match(checkSummary(notItsOwn) ?? '', /not signed by the node/)
})

test.run()
