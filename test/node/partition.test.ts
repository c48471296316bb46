/**
 * A partition with executors on both sides competing for the same processes, then heal:
 * every process ends with exactly one accepted result, and both sites agree. Duplicate
 * executions (both sides ran it) are counted: at-least-once, as the design says.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { converged, ok, startFederation, type Federation } from '../helpers/federation.js'

let fed: Federation

// the partition grace off: each side runs all it sees, at-least-once (partition-duplicates.test.ts has it on)
test.before(async () => { fed = await startFederation(2, { partitionGraceMs: 0 }) })
test.after(async () => { await fed.stop() })

test('partitioned sites both run work; after healing, one result stands per process and both agree', async () => {
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  const xa = await addExecutor(a.node.url, fed.colony, fed.owner, 'xa')
  const xb = await addExecutor(a.node.url, fed.colony, fed.owner, 'xb')
  await eventually(() => b.node.ledger.fold.executor(fed.colony, xb.id)?.state === 1 ? true : undefined, 'B to know its executor')

  const spec = { msgtype: 'submitfuncspecmsg', spec: { funcname: 'noop', conditions: { colonyname: fed.colony, executortype: 'cli' } } }
  const submitted: string[] = []
  // ten that both sides see, then the link is cut both ways, then five more on each side
  for (let i = 0; i < 10; i++) submitted.push((await ok(a.node.url, spec, fed.user.prv)).processid)
  await eventually(async () => (await b.node.ledger.reads.processes(submitted)).length === submitted.length ? true : undefined, 'B to see the shared ten')
  const pa = a.node.federation?.peerId as string
  const pb = b.node.federation?.peerId as string
  await a.node.federation?.host.block([pb])
  await b.node.federation?.host.block([pa])
  for (const site of [a, b]) {
    for (let i = 0; i < 5; i++) submitted.push((await ok(site.node.url, spec, fed.user.prv)).processid)
  }
  // each side runs everything it can see: the shared ten and its own five
  const ran = { A: new Set<string>(), B: new Set<string>() }
  const start = (site: typeof a, key: string, label: 'A' | 'B'): Executor => new Executor({
    client: new ColoniesClient({ url: site.node.url, prvkey: key }),
    colonyname: fed.colony,
    handler: async () => ({ out: [label] }),
    watchIntervalMs: 0,
    onEvent: e => { if (e.type === 'closed' && e.successful) ran[label].add(e.process.processid) }
  }).start()
  const ea = start(a, xa.prv, 'A')
  const eb = start(b, xb.prv, 'B')
  await eventually(() => ran.A.size === 15 && ran.B.size === 15 ? true : undefined, 'both sides to finish what they see', 20_000)
  await ea.stop({ graceMs: 1000 })
  await eb.stop({ graceMs: 1000 })
  const duplicates = [...ran.A].filter(pid => ran.B.has(pid)).length
  assert.is(duplicates, 10, 'the shared ten ran on both sides (at-least-once under partition)')

  // heal
  a.node.federation?.host.unblock([pb])
  b.node.federation?.host.unblock([pa])
  await converged(fed.sites, 30_000)
  for (const pid of submitted) {
    const onA = (await a.node.ledger.reads.process(pid))
    const onB = (await b.node.ledger.reads.process(pid))
    assert.is(onA?.state, 2, `process ${pid} not successful`)
    assert.equal(onA?.out, onB?.out)
    assert.is((onA?.out ?? []).length, 1, 'one result')
    // the result that stands is the one of the executor whose claim won
    assert.equal(onA?.out, [onA?.assignedexecutorid === xa.id ? 'A' : 'B'])
  }
})

test('competing claims made during a partition: the lower (clock, id) wins, the loser\'s close is refused', async () => {
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  const xa = await addExecutor(a.node.url, fed.colony, fed.owner, 'ya')
  const xb = await addExecutor(a.node.url, fed.colony, fed.owner, 'yb')
  const p = await ok(a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'contested', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  await eventually(async () => (await b.node.ledger.reads.process(p.processid)) !== undefined && b.node.ledger.fold.executor(fed.colony, xb.id)?.state === 1 ? true : undefined, 'B to see the process')
  const pa = a.node.federation?.peerId as string
  const pb = b.node.federation?.peerId as string
  await a.node.federation?.host.block([pb])
  await b.node.federation?.host.block([pa])
  const ca = new ColoniesClient({ url: a.node.url, prvkey: xa.prv })
  const cb = new ColoniesClient({ url: b.node.url, prvkey: xb.prv })
  // both sides see the process waiting and nobody else idle: both claim it
  const [ga, gb] = await Promise.all([ca.assign(fed.colony, 10), cb.assign(fed.colony, 10)])
  assert.is(ga.processid, p.processid)
  assert.is(gb.processid, p.processid)
  await ca.closeSuccessful(p.processid, ['from A'])
  await cb.closeSuccessful(p.processid, ['from B'])
  a.node.federation?.host.unblock([pb])
  b.node.federation?.host.unblock([pa])
  await converged(fed.sites, 30_000)
  const final = (await a.node.ledger.reads.process(p.processid))
  assert.is(final?.state, 2)
  assert.is(final?.out.length, 1)
  const winner = final?.assignedexecutorid
  assert.ok(winner === xa.id || winner === xb.id)
  assert.equal(final?.out, [winner === xa.id ? 'from A' : 'from B'])
})

test.run()
