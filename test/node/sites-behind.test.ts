/**
 * `colonies node ls` / getsitesmsg: how far behind each site is, in records per origin (a
 * batch can hold many), as the answering site last learnt it by sync: a site that was down
 * while another wrote lacks exactly those records, and is in sync again once it has pulled.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { signEnvelope } from '../../src/protocol/envelope.js'
import { eventually } from '../helpers/colony-node.js'
import { type Federation, type Site, startFederation } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let fed: Federation

test.before(async () => {
  // the repair timer (1 s mean) is what tells A, between writes, that B holds what A holds
  fed = await startFederation(2, { syncIntervalMs: 1000 })
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

test('a site that was down is behind by the records written meanwhile, per origin, and in sync after it pulled', async () => {
  const [a, b] = fed.sites as [Site, Site]
  const bId = b.node.nodeId
  await eventually(async () => Object.keys(await behindAt(a, bId)).length === 0 ? true : undefined, 'A to see B in sync', 15_000)

  await b.node.stop()
  const seq0 = a.node.ledger.seqOf(a.node.nodeId)
  // three submissions in one batch, then two more in one batch each
  const submit = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'f', conditions: { colonyname: fed.colony, executortype: 'cli' } } }
  const env = (): { body: { k: 'env', env: ReturnType<typeof signEnvelope> }, author: string } => ({ body: { k: 'env', env: signEnvelope(submit, fed.user.prv) }, author: fed.user.id })
  await a.node.ledger.appendLocal([env(), env(), env()])
  await a.node.ledger.appendLocal([env()])
  await a.node.ledger.appendLocal([env()])
  assert.is(a.node.ledger.seqOf(a.node.nodeId) - seq0, 3, 'three batches')
  assert.equal(await behindAt(a, bId), { [a.node.nodeId]: 5 })

  await fed.restart(b)
  await eventually(() => b.node.ledger.seqOf(a.node.nodeId) === a.node.ledger.seqOf(a.node.nodeId) ? true : undefined, 'B to pull what it missed', 15_000)
  await eventually(async () => Object.keys(await behindAt(a, bId)).length === 0 ? true : undefined, 'A to see B in sync again', 15_000)
})

test.run()
