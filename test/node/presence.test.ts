/**
 * A site that joins a colony's topic hears at once which sites are live, and they hear of
 * it: each advertises when it subscribes to a colony it was admitted to, and when another
 * site subscribes to one of its colonies. Claims then wait for the newcomer's
 * acknowledgement from the start (and it for theirs). Real sites on 127.0.0.1, every
 * heartbeat stopped, so only those two triggers can carry an advert.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually } from '../helpers/colony-node.js'
import { converged, type Federation, ok, type Site, startFederation } from '../helpers/federation.js'

const presence = (s: Site, colony: string): Map<string, unknown> =>
  (s.node.federation as any).presence.get(colony) ?? new Map()

const stopHeartbeat = (s: Site): void => { clearInterval((s.node.federation as any).heartbeat) }

let fed: Federation

test.after(async () => {
  await fed.stop()
})

test('a newly admitted site and the colony\'s sites hear of each other without waiting for a heartbeat', async () => {
  fed = await startFederation(2, { syncIntervalMs: 600_000 })
  const [a, b] = fed.sites as [Site, Site]
  await converged(fed.sites)
  stopHeartbeat(a)
  stopHeartbeat(b)
  const c = await fed.addSite('site-2', { admit: false })
  stopHeartbeat(c)
  assert.is(presence(c, fed.colony).size, 0, 'not admitted yet: C is in no colony')
  await ok(a.node.url, { msgtype: 'addsitemsg', colonyname: fed.colony, nodeid: c.node.nodeId, name: 'site-2' }, fed.owner.prv)
  await eventually(() => presence(c, fed.colony).has(a.node.nodeId) && presence(c, fed.colony).has(b.node.nodeId) ? true : undefined,
    () => `C to hear A and B (it heard ${[...presence(c, fed.colony).keys()].map(k => k.slice(0, 8)).join(', ')})`, 5000)
  await eventually(() => presence(a, fed.colony).has(c.node.nodeId) && presence(b, fed.colony).has(c.node.nodeId) ? true : undefined,
    'A and B to hear C', 5000)
})

test.run()
