/**
 * Retention across sites (DESIGN decision 12): pruning is a replicated decision. One site
 * with a policy makes every site purge the same processes (the others write prune records
 * too, so the frontier can pass them); a site cut off holds the frontier back, so nothing
 * it could still change is purged while it is away; healed, it converges to the same state
 * hash and no purged process comes back anywhere.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { addExecutor, assignMsg, eventually } from '../helpers/colony-node.js'
import { converged, ok, type Site, startFederation, type Federation, cutOff, healCut } from '../helpers/federation.js'

let fed: Federation
test.before(async () => {
  // retention at the first site only: 2 s, looked at every 500 ms; the others write prune records every 500 ms when needed
  fed = await startFederation(3, { retention: i => i === 0 ? { policySeconds: 2, periodMs: 500 } : { periodMs: 500 } })
})
test.after(async () => { await fed.stop() })

const site = (i: number): Site => fed.sites[i] as Site

const cut = (i: number): (() => Promise<void>) => cutOff(fed, i)
const heal = (i: number): void => { healCut(fed, i) }

/** Runs `n` processes: submitted at `at`, run by `x` long-polling at `by`. */
async function run (at: Site, by: Site, x: { prv: string }, n: number, type: string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const p = await ok(at.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'noop', args: [String(i)], conditions: { colonyname: fed.colony, executortype: type } } }, fed.user.prv)
    const got = await ok(by.node.url, assignMsg(fed.colony, 10), x.prv)
    assert.is(got.processid, p.processid)
    await ok(by.node.url, { msgtype: 'closesuccessfulmsg', processid: got.processid, out: [] }, x.prv)
    ids.push(p.processid)
  }
  return ids
}

async function heldAt (s: Site, ids: readonly string[]): Promise<number> {
  return (await s.node.ledger.reads.processes(ids)).length
}

test('a policy at one site purges the same processes at every site, and the state hashes agree', async () => {
  // one executor per site: an executor that moves between sites may be handed its running work again
  const x1 = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'x-at-1', 'at-1')
  const x2 = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'x-at-2', 'at-2')
  await eventually(() => fed.sites.every(s => s.node.ledger.fold.executor(fed.colony, x2.id)?.state === 1) ? true : undefined, 'every site to know the executors')
  const ids = [...await run(site(0), site(1), x1, 4, 'at-1'), ...await run(site(2), site(2), x2, 4, 'at-2')]
  for (const s of fed.sites) {
    await eventually(async () => await heldAt(s, ids) === 0 ? true : undefined, `${s.name} to purge the processes`, 30_000)
  }
  for (const s of fed.sites) assert.ok(s.node.ledger.pruneStats().processes >= ids.length, `${s.name} pruned them itself`)
  // nothing else is held of them: the state hash is the same everywhere
  await converged(fed.sites, 30_000)
})

test('a site cut off holds the frontier back; healed, it converges and no purged process comes back', async () => {
  const x = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'x-cut-0', 'cut-0')
  const x1 = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'x-cut-1', 'cut-1')
  const x2 = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'x-cut-2', 'cut-2')
  await eventually(() => fed.sites.every(s => s.node.ledger.fold.executor(fed.colony, x2.id)?.state === 1) ? true : undefined, 'every site to know the executors')
  const before = await run(site(0), site(0), x, 3, 'cut-0')
  await eventually(async () => (await Promise.all(fed.sites.map(async s => await heldAt(s, before)))).every(n => n === 0) ? true : undefined, 'the first processes to be purged everywhere', 30_000)
  const prunedAt2 = site(2).node.ledger.pruneStats().processes
  await cut(2)()
  let during: string[] = []
  try {
    // both sides work; the policy's horizon passes while the cut lasts
    during = await run(site(0), site(1), x1, 3, 'cut-1')
    const lonely = await run(site(2), site(2), x2, 2, 'cut-2')
    during.push(...lonely)
    await new Promise(resolve => setTimeout(resolve, 4000))
    // the frontier cannot pass the site that is away: what it could still change stays
    assert.is(await heldAt(site(0), during.slice(0, 3)), 3, 'site 0 keeps its processes while site 2 is away')
    assert.is(await heldAt(site(2), lonely), 2, 'site 2 keeps its own')
    assert.is(site(2).node.ledger.pruneStats().processes, prunedAt2, 'site 2, alone, purges nothing')
  } finally {
    heal(2)
  }
  for (const s of fed.sites) {
    await eventually(async () => await heldAt(s, [...before, ...during]) === 0 ? true : undefined, `${s.name} to purge what was run during the cut`, 40_000)
  }
  await converged(fed.sites, 30_000)
  // and no purged process reappears: not in memory, not in the store
  for (const s of fed.sites) assert.is(await heldAt(s, [...before, ...during]), 0)
})

test.run()
