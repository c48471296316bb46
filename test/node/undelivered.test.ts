/**
 * A claim whose executor never got the process is handed to that executor again on its
 * next assign at the site, instead of standing RUNNING until maxexectime (which these
 * processes do not have). Two real sites on 127.0.0.1: B is stopped just before the
 * claim, so A, still counting B as live for a few seconds, holds its claim up to the
 * settle cap (2 s) waiting for B's acknowledgement; the request goes away meanwhile.
 * (A site killed with SIGKILL in that window: test/e2e/federation.test.ts.)
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ColonyNode } from '../../src/node/index.js'
import { ProcessState } from '../../src/protocol/state.js'
import { addExecutor, assignMsg, eventually, type Identity } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'
import { converged, type Federation, ok, type Site, startFederation } from '../helpers/federation.js'

interface Two { fed: Federation, a: Site, b: Site, x: Identity, y: Identity }

let t: Two

test.before.each(async () => {
  const fed = await startFederation(2, { syncIntervalMs: 600_000 })
  const [a, b] = fed.sites as [Site, Site]
  const x = await addExecutor(a.node.url, fed.colony, fed.owner, 'x', 'owed')
  const y = await addExecutor(a.node.url, fed.colony, fed.owner, 'y', 'owed')
  await converged(fed.sites)
  t = { fed, a, b, x, y }
})

test.after.each(async () => {
  await t.fed.stop()
})

const submit = async (): Promise<string> =>
  (await ok(t.a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'f', maxexectime: -1, conditions: { colonyname: t.fed.colony, executortype: 'owed' } } }, t.fed.user.prv)).processid

const assign = async (who: Identity, timeoutSec: number, signal?: AbortSignal): Promise<{ status: number, value: any }> =>
  await call(t.a.node.url, assignMsg(t.fed.colony, timeoutSec), who.prv, signal)

const claims = (pid: string): number =>
  t.a.node.ledger.fold.process(pid)?.history.filter(h => h.state === ProcessState.RUNNING).length ?? 0

/**
 * B goes away just after A heard its heartbeat: A counts it live for a few seconds more,
 * so its next claim waits for B's acknowledgement until the cap. Returns the claimed
 * process once the claim is written, and the assign that made it.
 */
async function claimThatSettles (signal?: AbortSignal): Promise<{ pid: string, poll: Promise<unknown> }> {
  const heardAt = (): number => t.a.node.federation?.parts.presence.heardAt(t.fed.colony, t.b.node.nodeId) ?? 0
  const heard = heardAt()
  await eventually(() => heardAt() > heard ? true : undefined, "B's next heartbeat at A")
  await t.b.node.stop()
  const pid = await submit()
  const poll = assign(t.x, 10, signal).catch(err => err)
  await eventually(() => t.a.node.ledger.fold.process(pid)?.state === ProcessState.RUNNING ? true : undefined, 'A to write its claim')
  return { pid, poll }
}

test('an executor whose request went away while its claim settled gets that process on its next assign', async () => {
  const ac = new AbortController()
  const { pid, poll } = await claimThatSettles(ac.signal)
  assert.is(t.a.node.ledger.fold.process(pid)?.assignedexecutorid, t.x.id)
  ac.abort()
  await poll
  // another executor of the same type is not given a process that is x's
  assert.is((await assign(t.y, -1)).status, 404)
  const again = await assign(t.x, 10)
  assert.is(again.status, 200, JSON.stringify(again.value))
  assert.is(again.value.processid, pid)
  assert.is(claims(pid), 1, 'the same claim, not a second one')
  assert.is(t.a.node.ledger.fold.process(pid)?.attempt, 1)
  assert.is(t.a.node.undeliveredClaims(), 0)
  // once handed over it is x's to close, and is not handed over twice
  assert.is((await assign(t.x, -1)).status, 404)
  await ok(t.a.node.url, { msgtype: 'closesuccessfulmsg', processid: pid, out: ['done'] }, t.x.prv)
  assert.is(t.a.node.ledger.fold.process(pid)?.state, ProcessState.SUCCESS)
})

test('a site stopped while its claim settled hands it to the executor after the restart', async () => {
  const { pid, poll } = await claimThatSettles()
  const port = t.a.node.port
  await t.a.node.stop()
  await poll
  // no bootstrap: B is down, and the restart need not wait for it
  t.a.node = await ColonyNode.start({ dataDir: t.a.dir, port, operatorPrvkey: t.fed.operator.prv, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], syncIntervalMs: 600_000 } })
  assert.is(t.a.node.undeliveredClaims(), 1)
  assert.is((await assign(t.y, -1)).status, 404)
  const again = await assign(t.x, -1)
  assert.is(again.status, 200, JSON.stringify(again.value))
  assert.is(again.value.processid, pid)
  assert.is(claims(pid), 1)
})

test('a process the executor did get is not handed to it again after a restart', async () => {
  const pid = await submit()
  const got = await assign(t.x, 10)
  assert.is(got.value.processid, pid)
  await t.fed.restart(t.a)
  assert.is(t.a.node.undeliveredClaims(), 0)
  assert.is((await assign(t.x, -1)).status, 404)
  assert.is(t.a.node.ledger.fold.process(pid)?.state, ProcessState.RUNNING)
})

test.run()
