/**
 * Repair: a site that was down catches up on restart, and a fresh site joining a colony
 * of 20,000 records converges (the sync protocol streams exactly what it lacks).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { signEnvelope } from '../../src/protocol/envelope.js'
import { converged, ok, startFederation, type Federation } from '../helpers/federation.js'

let fed: Federation

test.before(async () => { fed = await startFederation(2) })
test.after(async () => { await fed.stop() })

const submit = (colony: string): Record<string, unknown> =>
  ({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'noop', conditions: { colonyname: colony, executortype: 'cli' } } })

test('a site stopped while work was submitted catches up when it comes back', async () => {
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  await converged(fed.sites)
  await b.node.stop()
  const pids: string[] = []
  for (let i = 0; i < 30; i++) pids.push((await ok(a.node.url, submit(fed.colony), fed.user.prv)).processid)
  await fed.restart(b)
  await converged(fed.sites)
  for (const pid of pids) assert.ok(b.node.ledger.fold.process(pid), `missing ${pid} on the restarted site`)
})

test('a fresh site joining a colony of 20,000 records converges', async () => {
  const [a] = fed.sites as [typeof fed.sites[0]]
  // 20,000 signed submissions written straight into A's ledger (the RPC would only be slower)
  const bodies = Array.from({ length: 20_000 }, () => {
    const env = signEnvelope(submit(fed.colony) as { msgtype: string }, fed.user.prv)
    return { body: { k: 'env' as const, env }, author: fed.user.id }
  })
  for (let i = 0; i < bodies.length; i += 1000) await a.node.ledger.appendLocal(bodies.slice(i, i + 1000))
  assert.ok(a.node.ledger.fold.size > 20_000)
  const started = Date.now()
  const c = await fed.addSite('late')
  const hash = await converged(fed.sites, 60_000)
  console.log(`    a fresh site synced ${c.node.ledger.fold.size} records in ${Date.now() - started} ms`)
  assert.is(c.node.ledger.fold.stateHash(), hash)
})

test.run()
