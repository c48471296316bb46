/**
 * `colonies node ls` / getsitesmsg: how far behind each site is, in records per origin (a
 * batch can hold many), as the answering site last heard it from that site: its heartbeat
 * advert (every 2 s) or a sync. The repair timer is set to 10 minutes here, so that between
 * the joins' pulls only adverts can tell: a connected site catches up by gossip and says so;
 * a site that is down lacks exactly the records written since; back up, it pulls and says so.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { signEnvelope } from '../../src/protocol/envelope.js'
import { addExecutor, assignMsg, eventually } from '../helpers/colony-node.js'
import { type Federation, type Site, startFederation } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let fed: Federation

test.before(async () => {
  fed = await startFederation(2, { syncIntervalMs: 600_000 })
})

test.after(async () => {
  await fed?.stop()
})

async function behindAt (at: Site, site: string): Promise<Record<string, number>> {
  const r = await call(at.node.url, { msgtype: 'getsitesmsg', colonyname: fed.colony }, fed.user.prv)
  assert.is(r.status, 200)
  const s = (r.value as Array<{ nodeid: string, behind: Record<string, number> }>).find(x => x.nodeid === site)
  assert.ok(s, 'the site is listed')
  return s.behind
}

const inSync = async (a: Site, b: Site, what: string): Promise<void> => {
  await eventually(async () => Object.keys(await behindAt(a, b.node.nodeId)).length === 0 ? true : undefined, what, 15_000)
}

/** Five submissions at `site`: three in one batch, then two in one batch each. */
async function writeFive (site: Site): Promise<void> {
  const submit = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'f', conditions: { colonyname: fed.colony, executortype: 'cli' } } }
  const env = (): { body: { k: 'env', env: ReturnType<typeof signEnvelope> }, author: string } => ({ body: { k: 'env', env: signEnvelope(submit, fed.user.prv) }, author: fed.user.id })
  const seq0 = site.node.ledger.seqOf(site.node.nodeId)
  await site.node.ledger.appendLocal([env(), env(), env()])
  await site.node.ledger.appendLocal([env()])
  await site.node.ledger.appendLocal([env()])
  assert.is(site.node.ledger.seqOf(site.node.nodeId) - seq0, 3, 'three batches')
}

test('a connected site that received new records by gossip says so in its next advert', async () => {
  const [a, b] = fed.sites as [Site, Site]
  await inSync(a, b, 'A to see B in sync')
  const pulls = b.node.federation?.stats().sync.pulls
  await writeFive(a)
  await eventually(() => b.node.ledger.seqOf(a.node.nodeId) === a.node.ledger.seqOf(a.node.nodeId) ? true : undefined, 'B to hold A\'s new batches')
  await inSync(a, b, 'A to hear from B that it holds them')
  assert.is(b.node.federation?.stats().sync.pulls, pulls, 'by gossip and adverts alone, no pull')
})

async function executorsAt (at: Site, site: string): Promise<Record<string, number> | undefined> {
  const r = await call(at.node.url, { msgtype: 'getsitesmsg', colonyname: fed.colony }, fed.user.prv)
  assert.is(r.status, 200)
  return (r.value as Array<{ nodeid: string, executors?: Record<string, number> }>).find(x => x.nodeid === site)?.executors
}

test('each site lists the executors attached to every site, per type, and drops them once they stop asking', async () => {
  const [a, b] = fed.sites as [Site, Site]
  const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'listed-at-b')
  await eventually(() => b.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'B to know the executor')
  assert.equal(await executorsAt(a, b.node.nodeId), {}, 'none at B before it asks')
  // asking B for work (the submissions of the test before are there to run)
  const poll = call(b.node.url, assignMsg(fed.colony, 3), x.prv)
  assert.equal(await eventually(async () => {
    const e = await executorsAt(a, b.node.nodeId)
    return e?.cli === 1 ? e : undefined
  }, 'A to hear of the executor parked at B'), { cli: 1 })
  assert.equal(await executorsAt(b, b.node.nodeId), { cli: 1 }, 'B lists its own')
  assert.equal(await executorsAt(a, a.node.nodeId), {}, 'and A has none')
  await poll
  // gone quiet: it is no longer counted once it has not asked for ATTACHED_MS (5 s)
  await eventually(async () => Object.keys(await executorsAt(a, b.node.nodeId) ?? { x: 1 }).length === 0 ? true : undefined,
    'A to see no executor at B', 15_000)
  assert.equal(await executorsAt(b, b.node.nodeId), {})
})

test('a site that was down is behind by the records written meanwhile, per origin, and in sync after it pulled', async () => {
  const [a, b] = fed.sites as [Site, Site]
  await inSync(a, b, 'A to see B in sync')
  await b.node.stop()
  await writeFive(a)
  assert.equal(await behindAt(a, b.node.nodeId), { [a.node.nodeId]: 5 })

  await fed.restart(b)
  await eventually(() => b.node.ledger.seqOf(a.node.nodeId) === a.node.ledger.seqOf(a.node.nodeId) ? true : undefined, 'B to pull what it missed', 15_000)
  await inSync(a, b, 'A to see B in sync again')
})

test.run()
