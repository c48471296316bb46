/**
 * A site restarted while cut off knows nothing yet of what the others hold: `node ls` there
 * says "unknown", not that every other site lacks every record (it used to count all it
 * holds, the others' own records included); once the cut heals it shows them in sync.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually } from '../helpers/colony-node.js'
import { cutOff, type Federation, healCut, type Site, startFederation } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let fed: Federation

test.before(async () => {
  fed = await startFederation(3, { syncIntervalMs: 3000 })
})

test.after(async () => {
  await fed?.stop()
})

interface Row { nodeid: string, self: boolean, connected: boolean, behind: Record<string, number>, behindknown?: boolean }

async function rowsAt (at: Site): Promise<Row[]> {
  const r = await call(at.node.url, { msgtype: 'getsitesmsg', colonyname: fed.colony }, fed.user.prv)
  assert.is(r.status, 200, JSON.stringify(r.value))
  return r.value as Row[]
}

async function submit (at: Site): Promise<void> {
  const r = await call(at.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'f', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  assert.is(r.status, 200, JSON.stringify(r.value))
}

test('a site restarted while cut off shows the others\' holdings as unknown, then in sync once healed', async () => {
  const [a, , c] = fed.sites as [Site, Site, Site]
  for (let i = 0; i < 3; i++) await submit(a)
  await eventually(async () => (await rowsAt(c)).every(r => r.behindknown === true && Object.keys(r.behind).length === 0) ? true : undefined,
    'C to see every site in sync', 20_000)

  await cutOff(fed, 2)()
  for (let i = 0; i < 3; i++) await submit(a)
  await submit(c)
  await fed.restart(c)
  await cutOff(fed, 2)()
  const cut = await rowsAt(c)
  for (const r of cut.filter(r => !r.self)) {
    assert.is(r.connected, false)
    assert.is(r.behindknown, false, 'nothing heard from it since the restart')
    assert.equal(r.behind, {}, 'no records counted as lacking on a guess')
  }
  // A still knows what C last told it: C lacks A's three submissions since the cut
  const cAtA = (await rowsAt(a)).find(r => r.nodeid === c.node.nodeId)
  assert.is(cAtA?.behindknown, true)
  assert.equal(Object.keys(cAtA?.behind ?? {}), [a.node.nodeId])

  healCut(fed, 2)
  await eventually(async () => {
    const rows = (await rowsAt(c)).filter(r => !r.self)
    return rows.every(r => r.connected && r.behindknown === true && Object.keys(r.behind).length === 0) ? true : undefined
  }, 'C, healed, to see the others connected and in sync', 30_000)
})

test.run()
