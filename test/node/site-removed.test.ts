/**
 * A removed site is told, and says so: removed while connected (the removal gossiped) or
 * while cut off (a site refusing its pull sends it the signed batch that removes it), its
 * own `node ls` (and log) says it was removed from the colony, by whom, rather than list the
 * sites as one of them; it stops speaking for the colony. Real nodes over TCP on 127.0.0.1.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually } from '../helpers/colony-node.js'
import { cli } from '../helpers/cli.js'
import { cutOff, type Federation, healCut, ok, type Site, startFederation } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let fed: Federation
/** gossipsub's message cache: mcacheLength 5 × heartbeat 1 s, and a margin */
const GOSSIP_CACHE_MS = 7000

test.before(async () => {
  fed = await startFederation(3, { syncIntervalMs: 3000 })
})

test.after(async () => {
  await fed?.stop()
})

interface Row { nodeid: string, self: boolean, connected: boolean, removed?: { by: string, at: number } }

async function rowsAt (at: Site): Promise<Row[]> {
  const r = await call(at.node.url, { msgtype: 'getsitesmsg', colonyname: fed.colony }, fed.user.prv)
  assert.is(r.status, 200, JSON.stringify(r.value))
  return r.value as Row[]
}

const removedRow = async (s: Site): Promise<Row | undefined> => (await rowsAt(s)).find(r => r.self && r.removed !== undefined)

test('a site removed while cut off learns it from the site that refuses its pull, and says so', async () => {
  const [a, , c] = fed.sites as [Site, Site, Site]
  await cutOff(fed, 2)()
  const before = Date.now()
  await ok(a.node.url, { msgtype: 'removesitemsg', colonyname: fed.colony, nodeid: c.node.nodeId }, fed.owner.prv)
  const later = await ok(a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'after', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  // cut off, C cannot know yet: it still lists itself as a site
  assert.is(await removedRow(c), undefined)
  assert.ok((await rowsAt(c)).some(r => r.self && r.removed === undefined))
  // A's gossipsub would hand C the removal as a recent message (IHAVE/IWANT from its message
  // cache: 5 heartbeats of 1 s) if the cut healed at once; past that window only a site that
  // refuses C's pull can tell it. A bounded wait on the clock, since that window is the event.
  await new Promise(resolve => setTimeout(resolve, GOSSIP_CACHE_MS))
  healCut(fed, 2)
  const row = await eventually(() => removedRow(c), 'C to say it was removed', 30_000)
  assert.is(row.removed?.by, fed.owner.id)
  assert.ok((row.removed?.at ?? 0) >= before - 1000, 'the time of the removal')
  assert.is(row.connected, false)
  // its fold holds the removal: it is no longer a site of the colony, so it stops speaking for it
  assert.not.ok(c.node.ledger.fold.colony(fed.colony)?.sites.includes(c.node.nodeId))
  assert.equal(c.node.federation?.parts.membership.myColonies(), [])
  // and nothing but the removal came with it: not what the colony did after
  assert.is(c.node.ledger.fold.process(later.processid), undefined)
  const table = await cli(['node', 'ls'], {
    COLONIES_SERVER_HOST: '127.0.0.1',
    COLONIES_SERVER_PORT: String(c.node.port),
    COLONIES_COLONY_NAME: fed.colony,
    COLONIES_PRVKEY: fed.user.prv
  })
  assert.is(table.code, 0, table.stderr)
  assert.match(table.stdout, new RegExp(`^This site was removed from colony ${fed.colony} by ${fed.owner.id.slice(0, 16)}… at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC`))
  assert.match(table.stdout, new RegExp(`^${c.node.nodeId.slice(0, 16)} \\(this\\) +\\S* +removed `, 'm'))
  const status = await cli(['node', 'status'], { COLONIES_SERVER_HOST: '127.0.0.1', COLONIES_SERVER_PORT: String(c.node.port) })
  assert.is(status.code, 0, status.stderr)
  assert.match(status.stdout, new RegExp(`^Removed +from colony ${fed.colony} by ${fed.owner.id.slice(0, 16)}… at \\d{4}-`, 'm'))
})

test('a site removed while connected hears it by gossip and says so', async () => {
  const [a, b] = fed.sites as [Site, Site, Site]
  await ok(a.node.url, { msgtype: 'removesitemsg', colonyname: fed.colony, nodeid: b.node.nodeId }, fed.owner.prv)
  const row = await eventually(() => removedRow(b), 'B to say it was removed', 20_000)
  assert.is(row.removed?.by, fed.owner.id)
  // A lists the sites left, B not among them and no row of A's marked removed
  const atA = await rowsAt(a)
  assert.not.ok(atA.some(r => r.nodeid === b.node.nodeId))
  assert.not.ok(atA.some(r => r.removed !== undefined))
})

test.run()
