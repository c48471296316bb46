/**
 * Duplicate executions under a partition, on real nodes: both sides claim and run the same
 * attempt; after the heal every site's fold records the second execution (which site,
 * executor, attempt), the history reply and /health show it, also when the losing side's
 * executor closes only after the heal. With the partition grace on, each side first runs
 * only the processes ranked to it, and takes the others only once the grace has passed.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { processDetail } from '../../src/cli/views/process.js'
import { partitionOwner } from '../../src/protocol/claims.js'
import { duplicateRuns } from '../../src/protocol/duplicates.js'
import type { ProcessInfo } from '../../src/protocol/state.js'
import { PRESENCE_TTL_MS } from '../../src/node/federation/presence.js'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { converged, ok, startFederation, type Federation, type Site } from '../helpers/federation.js'

const spec = (colony: string, name = 'noop'): Record<string, unknown> => ({ msgtype: 'submitfuncspecmsg', spec: { funcname: name, conditions: { colonyname: colony, executortype: 'cli' } } })

async function block (a: Site, b: Site): Promise<void> {
  await a.node.federation?.host.block([b.node.federation?.peerId as string])
  await b.node.federation?.host.block([a.node.federation?.peerId as string])
}

function unblock (a: Site, b: Site): void {
  a.node.federation?.host.unblock([b.node.federation?.peerId as string])
  b.node.federation?.host.unblock([a.node.federation?.peerId as string])
}

async function health (s: Site): Promise<{ duplicates: { executions: number, processes: number, listed: string[] } }> {
  return await (await fetch(`${s.node.url}/health`)).json() as { duplicates: { executions: number, processes: number, listed: string[] } }
}

/** Both sides claim `pid` while cut off (grace off); returns the two executors' clients. */
async function bothClaim (fed: Federation, tag: string): Promise<{ pid: string, ca: ColoniesClient, cb: ColoniesClient, ids: [string, string] }> {
  const [a, b] = fed.sites as [Site, Site]
  const xa = await addExecutor(a.node.url, fed.colony, fed.owner, `${tag}a`)
  const xb = await addExecutor(a.node.url, fed.colony, fed.owner, `${tag}b`)
  const p = await ok(a.node.url, spec(fed.colony, tag), fed.user.prv)
  await eventually(async () => (await b.node.ledger.reads.process(p.processid)) !== undefined && b.node.ledger.fold.executor(fed.colony, xb.id)?.state === 1 ? true : undefined, 'B to see the process')
  await block(a, b)
  const ca = new ColoniesClient({ url: a.node.url, prvkey: xa.prv })
  const cb = new ColoniesClient({ url: b.node.url, prvkey: xb.prv })
  const [ga, gb] = await Promise.all([ca.assign(fed.colony, 10), cb.assign(fed.colony, 10)])
  assert.is(ga.processid, p.processid)
  assert.is(gb.processid, p.processid)
  return { pid: p.processid, ca, cb, ids: [xa.id, xb.id] }
}

test('a process both sides ran is recorded alike at every site, and shown by the history, /health and process get', async () => {
  const fed = await startFederation(2, { partitionGraceMs: 0 })
  try {
    const [a, b] = fed.sites as [Site, Site]
    const { pid, ca, cb, ids } = await bothClaim(fed, 'd')
    await ca.closeSuccessful(pid, ['from A'])
    await cb.closeSuccessful(pid, ['from B'])
    unblock(a, b)
    await converged(fed.sites, 30_000)
    const pa = await a.node.ledger.reads.process(pid) as ProcessInfo
    const pb = await b.node.ledger.reads.process(pid) as ProcessInfo
    assert.is(pa.out.length, 1, 'one result stands')
    const dups = duplicateRuns(pa)
    assert.equal(dups, duplicateRuns(pb), 'every site records the same')
    assert.is(dups.length, 1)
    const loser = pa.assignedexecutorid === ids[0] ? ids[1] : ids[0]
    assert.is(dups[0]?.executorid, loser)
    assert.is(dups[0]?.site, loser === ids[0] ? a.node.nodeId : b.node.nodeId)
    assert.is(dups[0]?.attempt, 1)

    const h = await new ColoniesClient({ url: b.node.url, prvkey: fed.user.prv }).getProcessHistory(pid)
    assert.is(h.duplicates?.length, 1)
    assert.is(h.duplicates?.[0]?.executorid, loser)
    assert.is(h.duplicates?.[0]?.site, dups[0]?.site)
    for (const s of fed.sites) {
      const d = await eventually(async () => { const x = (await health(s)).duplicates; return x.executions === 1 ? x : undefined }, `${s.name}'s /health to count it`)
      assert.equal(d.listed, [pid])
    }
    const p = await new ColoniesClient({ url: a.node.url, prvkey: fed.user.prv }).getProcess(pid)
    const text = processDetail({ ...p, duplicates: h.duplicates ?? [] })
    assert.match(text, /Executions\s+2: ran more than once/)
    assert.match(text, /Ran more than once/)
    assert.match(text, new RegExp(loser.slice(0, 12)))
    assert.not.match(processDetail(p), /more than once/)
  } finally {
    await fed.stop()
  }
})

test('the losing side\'s close after the heal is refused but put on record: the fold counts the run', async () => {
  const fed = await startFederation(2, { partitionGraceMs: 0 })
  try {
    const [a, b] = fed.sites as [Site, Site]
    const { pid, ca, cb, ids } = await bothClaim(fed, 'l')
    unblock(a, b)
    await converged(fed.sites, 30_000)
    const winnerIsA = (await a.node.ledger.reads.process(pid))?.assignedexecutorid === ids[0]
    const [winner, loser] = winnerIsA ? [ca, cb] : [cb, ca]
    assert.equal(duplicateRuns(await a.node.ledger.reads.process(pid) as ProcessInfo), [], 'not known to have run yet')
    await winner.closeSuccessful(pid, ['won'])
    try {
      await loser.closeSuccessful(pid, ['lost'])
      assert.unreachable('the losing close must be refused')
    } catch (err) {
      assert.is((err as { status?: number }).status, 403)
    }
    await converged(fed.sites, 30_000)
    for (const s of fed.sites) {
      const p = await s.node.ledger.reads.process(pid) as ProcessInfo
      assert.equal(p.out, ['won'])
      assert.is(duplicateRuns(p).length, 1, `${s.name} records the late run`)
    }
    // once: a second try writes nothing more
    const loserSite = winnerIsA ? b : a
    const before = loserSite.node.ledger.records
    await loser.closeSuccessful(pid, ['again']).catch(() => {})
    assert.is(loserSite.node.ledger.records, before)
  } finally {
    await fed.stop()
  }
})

test('with the grace on, each side runs only what is ranked to it, and the rest only after the grace', async () => {
  const GRACE = 4000
  const fed = await startFederation(2, { partitionGraceMs: GRACE })
  const stops: Executor[] = []
  try {
    const [a, b] = fed.sites as [Site, Site]
    const xa = await addExecutor(a.node.url, fed.colony, fed.owner, 'ga')
    const xb = await addExecutor(a.node.url, fed.colony, fed.owner, 'gb')
    await ok(a.node.url, { msgtype: 'pauseassignmentsmsg', colonyname: fed.colony }, fed.owner.prv)
    await eventually(() => b.node.ledger.fold.colony(fed.colony)?.paused === true && b.node.ledger.fold.executor(fed.colony, xb.id)?.state === 1 ? true : undefined, 'B to hold the pause')
    const ran = { A: new Map<string, number>(), B: new Map<string, number>() }
    const start = (site: Site, key: string, label: 'A' | 'B'): Executor => new Executor({
      client: new ColoniesClient({ url: site.node.url, prvkey: key }),
      colonyname: fed.colony,
      handler: async p => { ran[label].set(p.processid, Date.now()); return { out: [label] } },
      watchIntervalMs: 0
    }).start()
    stops.push(start(a, xa.prv, 'A'), start(b, xb.prv, 'B'))
    const presenceA = a.node.federation?.parts.presence
    const presenceB = b.node.federation?.parts.presence
    await eventually(() => presenceA?.claimingSites(fed.colony, 'cli').includes(b.node.nodeId) === true && presenceB?.claimingSites(fed.colony, 'cli').includes(a.node.nodeId) === true ? true : undefined, 'each site to hear the other\'s executor')
    // a backlog with some ranked to each site
    const sites = [a.node.nodeId, b.node.nodeId]
    const owned = { A: [] as string[], B: [] as string[] }
    while (owned.A.length < 3 || owned.B.length < 3) {
      const p = await ok(a.node.url, spec(fed.colony), fed.user.prv)
      owned[partitionOwner(p.processid, a.node.nodeId, false, sites) === a.node.nodeId ? 'A' : 'B'].push(p.processid)
    }
    const all = [...owned.A, ...owned.B]
    await eventually(async () => (await b.node.ledger.reads.processes(all)).length === all.length ? true : undefined, 'B to hold the backlog')
    // both have heard each other since: none of the backlog is news to either side
    const after = Date.now()
    await eventually(() => (presenceA?.heardAt(fed.colony, b.node.nodeId) ?? 0) > after && (presenceB?.heardAt(fed.colony, a.node.nodeId) ?? 0) > after ? true : undefined, 'fresh adverts both ways')
    await block(a, b)
    await eventually(() => (presenceA?.silentSites(fed.colony, GRACE).size ?? 0) > 0 && (presenceB?.silentSites(fed.colony, GRACE).size ?? 0) > 0 ? true : undefined, 'each side to find the other silent', PRESENCE_TTL_MS + 5000)
    const graceEndsAtA = (presenceA?.heardAt(fed.colony, b.node.nodeId) ?? 0) + PRESENCE_TTL_MS + GRACE
    await ok(a.node.url, { msgtype: 'resumeassignmentsmsg', colonyname: fed.colony }, fed.owner.prv)
    await ok(b.node.url, { msgtype: 'resumeassignmentsmsg', colonyname: fed.colony }, fed.owner.prv)
    await eventually(() => owned.A.every(pid => ran.A.has(pid)) && owned.B.every(pid => ran.B.has(pid)) ? true : undefined, 'each side to run its share')
    assert.ok(Date.now() < graceEndsAtA, 'the shares ran within the grace')
    assert.equal([...ran.A.keys()].sort(), [...owned.A].sort(), 'A ran only what is ranked to it')
    assert.equal([...ran.B.keys()].sort(), [...owned.B].sort(), 'B ran only what is ranked to it')
    // after the grace nothing stays stuck: A, which cannot know B ran them, takes B's share
    await eventually(() => owned.B.every(pid => ran.A.has(pid)) ? true : undefined, 'A to take B\'s share after the grace', GRACE + 10_000)
    for (const pid of owned.B) assert.ok((ran.A.get(pid) ?? 0) >= graceEndsAtA - 100, 'not before the grace ended')
    unblock(a, b)
    await converged(fed.sites, 30_000)
    const recorded = (await a.node.ledger.reads.processes(owned.B)).filter(p => duplicateRuns(p).length === 1).length
    assert.is(recorded, owned.B.length, 'the runs past the grace are duplicates, and recorded')
  } finally {
    for (const x of stops) await x.stop({ graceMs: 1000 })
    await fed.stop()
  }
})

test.run()
