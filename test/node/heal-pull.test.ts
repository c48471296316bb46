/**
 * A site back from a partition learns, in the heal's pull, a process that ran meanwhile on
 * the other side. The pull is the serving site's log origin after origin, so the process's
 * submit can come frames ahead of the claim that ran it; the sites on the other side have
 * not advertised to this one for longer than it waits for (the partition), so a claim it
 * makes in between is not held for their acknowledgement. Its executor must still not be
 * handed the process: the claim's delivery waits for the pull to end, which brings the
 * older claim, which wins.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { idFromPrivateKey } from '../../src/protocol/crypto.js'
import { signEnvelope } from '../../src/protocol/envelope.js'
import { ProcessState } from '../../src/protocol/state.js'
import { addExecutor, assignMsg, eventually } from '../helpers/colony-node.js'
import { converged, ok, runAcross, startFederation, type Federation, type Site } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let fed: Federation

test.before(async () => { fed = await startFederation(3) })
test.after(async () => { await fed.stop() })

test('a claim made while the heal\'s pull streams in waits for it, and loses to the claim the pull brings', async () => {
  // the submitting site's batches must stream before the claiming site's: origins go in id order
  const [s1, s2] = [fed.sites[0], fed.sites[1]].sort((x, y) => (x as Site).node.nodeId < (y as Site).node.nodeId ? -1 : 1) as [Site, Site]
  const c = fed.sites[2] as Site
  const x2 = await addExecutor(s1.node.url, fed.colony, fed.owner, 'x2')
  const xc = await addExecutor(s1.node.url, fed.colony, fed.owner, 'xc')
  await eventually(() => c.node.ledger.fold.executor(fed.colony, xc.id)?.state === 1 && s2.node.ledger.fold.executor(fed.colony, x2.id)?.state === 1 ? true : undefined, 'the executors to be known')

  const peer = (s: Site): string => s.node.federation?.peerId as string
  await c.node.federation?.host.block([peer(s1), peer(s2)])
  await s1.node.federation?.host.block([peer(c)])
  await s2.node.federation?.host.block([peer(c)])

  // meanwhile: submitted at s1, run by s2's executor; then s1 writes more than one sync frame
  // of other work (no executor of its type), so that the claim comes frames after the submit
  const pid = await runAcross(fed, s1, s2, x2, ['ran at s2'])
  const user = idFromPrivateKey(fed.user.prv)
  const msg = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'filler', conditions: { colonyname: fed.colony, executortype: 'nobody' } } }
  for (let i = 0; i < 12; i++) {
    await s1.node.ledger.appendLocal(Array.from({ length: 500 }, () => ({ body: { k: 'env' as const, env: signEnvelope(msg, fed.user.prv) }, author: user })))
  }
  await converged([s1, s2], 30_000)
  // c hears nothing from the others for longer than it waits for a silent site's acknowledgement
  await eventually(() => {
    const others = c.node.federation?.sites(fed.colony).filter(s => !s.self) ?? []
    return others.length === 2 && others.every(s => Date.now() - s.lastseen > 6500) ? true : undefined
  }, 'c to count the others silent', 20_000)
  assert.is((await c.node.ledger.reads.process(pid)), undefined, 'c has not seen the process yet')

  // c's executor waits for work; the link heals
  const held0 = c.node.federation?.stats().claims.heldForPull ?? 0
  const poll = call(c.node.url, assignMsg(fed.colony, 30), xc.prv)
  await eventually(() => c.node.waitingExecutors() === 1 ? true : undefined, 'c\'s executor to park')
  c.node.federation?.host.unblock([peer(s1), peer(s2)])
  s1.node.federation?.host.unblock([peer(c)])
  s2.node.federation?.host.unblock([peer(c)])
  await converged(fed.sites, 30_000)

  // what c's executor gets next is new work, not the process s2's executor already ran
  const next = await ok(c.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'after', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  const got = await poll
  assert.is(got.status, 200, JSON.stringify(got.value))
  assert.is(got.value.processid, next.processid, 'c\'s executor was handed the process s2 had run')
  const p = (await c.node.ledger.reads.process(pid))
  assert.is(p?.state, ProcessState.SUCCESS)
  assert.is(p?.assignedexecutorid, x2.id)
  assert.equal(p?.out, ['ran at s2'])
  // the window was there: c claimed the process while the pull streamed in, and waited
  assert.ok((c.node.federation?.stats().claims.heldForPull ?? 0) > held0, 'no claim of c waited for the pull')
})

test.run()
