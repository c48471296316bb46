/**
 * Workflows, crons and generators across three federated sites (issue 5): no leader,
 * any site may write a firing, and the ledger still holds exactly one workflow per cron
 * tick and consumes every generator pack exactly once, also across a partition.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { converged, ok, startFederation, type Federation, type Site, cutOff, healCut } from '../helpers/federation.js'

let fed: Federation

test.before(async () => { fed = await startFederation(3) })
test.after(async () => { await fed.stop() })

const site = (i: number): Site => fed.sites[i] as Site

const cut = (i: number): (() => Promise<void>) => cutOff(fed, i)
const heal = (i: number): void => { healCut(fed, i) }

test('a workflow submitted at one site runs its nodes on executors at the three sites, in order', async () => {
  const types = ['at-a', 'at-b', 'at-c']
  const executors: Executor[] = []
  const ranAt = new Map<string, string>()
  for (let i = 0; i < 3; i++) {
    const x = await addExecutor(site(0).node.url, fed.colony, fed.owner, `wx${i}`, types[i])
    await eventually(() => site(i).node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, `site ${i} to know wx${i}`)
    executors.push(new Executor({
      client: new ColoniesClient({ url: site(i).node.url, prvkey: x.prv }),
      colonyname: fed.colony,
      watchIntervalMs: 0,
      handler: async p => {
        ranAt.set(p.spec.nodename, site(i).node.nodeId)
        return { out: [...(p.in as string[]), p.spec.nodename] }
      }
    }).start())
  }
  const node = (nodename: string, executortype: string, deps: string[]): Record<string, unknown> =>
    ({ nodename, funcname: nodename, conditions: { executortype, dependencies: deps } })
  const g = await ok(site(1).node.url, {
    msgtype: 'submitworkflowspecmsg',
    spec: { colonyname: fed.colony, functionspecs: [node('first', 'at-a', []), node('second', 'at-b', ['first']), node('third', 'at-c', ['second'])] }
  }, fed.user.prv)
  const done = await eventually(() => {
    const s = site(2).node.ledger.fold.graph(g.processgraphid)
    return s?.graph.state === 2 ? s : undefined
  }, 'the workflow to succeed everywhere', 30_000)
  for (const e of executors) await e.stop({ graceMs: 1000 })
  const last = done.procs.get(done.graph.processids[2] as string)
  assert.equal(last?.out, ['first', 'second', 'third'], 'each node got its parent\'s output')
  assert.is(ranAt.get('first'), site(0).node.nodeId)
  assert.is(ranAt.get('second'), site(1).node.nodeId)
  assert.is(ranAt.get('third'), site(2).node.nodeId)
  // the ledger agrees on where each node ran
  for (const [i, pid] of done.graph.processids.entries()) assert.is(done.procs.get(pid)?.site, site(i).node.nodeId)
  await converged(fed.sites)
})

test('a cron every 2 s with three sites up makes one workflow per tick; a partition and heal make no tick twice', async () => {
  const spec = JSON.stringify({ colonyname: fed.colony, functionspecs: [{ nodename: 'tick', funcname: 'tick', conditions: { executortype: 'nobody' } }] })
  const cron = await ok(site(0).node.url, {
    msgtype: 'addcronmsg',
    cron: { colonyname: fed.colony, name: 'two-seconds', cronexpression: '', interval: 2, random: false, workflowspec: spec, waitforprevprocessgraph: false }
  }, fed.user.prv)
  await eventually(() => fed.sites.every(s => s.node.ledger.fold.cron(cron.cronid) !== undefined) ? true : undefined, 'every site to know the cron')
  const fold = (i: number): typeof site0Fold => site(i).node.ledger.fold
  const site0Fold = site(0).node.ledger.fold
  const runs = (i: number): Array<{ at: number, by: string, w: number }> => fold(i).cronRunsOf(cron.cronid)
    .map(g => ({ at: g.graph.source.kind === 'cron' ? g.graph.source.at : -1, by: g.creator.rec.o, w: g.creator.rec.t.w }))
    .sort((a, b) => a.at - b.at)
  const ticks = (i: number): number[] => runs(i).map(r => r.at)

  // Four consecutive ticks with everyone connected, awaited as they come. (The schedule over
  // a minute, who fires each tick and when, is pinned on a manual clock in schedules.test.ts.)
  const t0 = Date.now()
  const first = await eventually(() => ticks(0).find(at => at > t0), 'the first tick', 10_000)
  const wanted = [first, first + 2000, first + 4000, first + 6000]
  await eventually(() => fed.sites.every((_, i) => wanted.every(at => ticks(i).includes(at))) ? true : undefined,
    () => `ticks ${wanted.join(', ')} at every site (site 0 holds ${ticks(0).filter(at => at >= first).join(', ')})`, 20_000)
  await converged(fed.sites)
  const connected = runs(0).filter(r => r.at >= first && r.at <= first + 6000)
  assert.equal(connected.map(r => r.at), wanted, 'one workflow per tick, none skipped')
  for (const r of connected) assert.ok(r.w - r.at < 2000, `tick ${r.at} written ${r.w - r.at} ms after it was due, after the next tick`)

  // site 2 cut off: both sides keep firing, until the pair has fired two ticks and one of
  // them was fired on the lone side too
  const lone = site(2).node.nodeId
  const firedApart = (): number[] => {
    const pair = runs(0)
    return runs(2).filter(r => r.at > t0 && r.by === lone && pair.some(p => p.at === r.at && p.by !== lone)).map(r => r.at)
  }
  await cut(2)()
  const p0 = Date.now()
  try {
    await eventually(() => firedApart().length >= 1 && ticks(0).filter(at => at > p0).length >= 2 ? true : undefined,
      () => `a tick fired on both sides while apart (fired after the cut: site 0 ${ticks(0).filter(at => at > p0).length}, site 2 ${ticks(2).filter(at => at > p0).length})`, 20_000)
  } finally {
    heal(2)
  }
  const p1 = Date.now()
  const apart = firedApart()
  await converged(fed.sites, 30_000)
  await ok(site(0).node.url, { msgtype: 'removecronmsg', cronid: cron.cronid, all: false }, fed.user.prv)
  await converged(fed.sites, 30_000)
  const all = ticks(0)
  assert.is(new Set(all).size, all.length, 'no tick has two workflows after the heal')
  assert.equal(ticks(1), all)
  assert.equal(ticks(2), all)
  assert.ok(all.filter(at => at > p0 && at < p1).length >= 2, 'ticks during the partition')
  // the second copy of each tick fired on both sides is refused, not a second workflow
  const refusedFirings = [...fold(0).refusals().keys()].filter(id => fold(0).entry(id)?.rec.b.k === 'fire')
  assert.ok(refusedFirings.length >= apart.length, `${refusedFirings.length} firings refused for ${apart.length} ticks fired on both sides`)
})

test('generators packed concurrently at three sites, also across a partition, consume every pack exactly once', async () => {
  const spec = JSON.stringify({ colonyname: fed.colony, functionspecs: [{ nodename: 'batch', funcname: 'batch', conditions: { executortype: 'nobody' } }] })
  const gen = await ok(site(0).node.url, {
    msgtype: 'addgeneratormsg',
    generator: { colonyname: fed.colony, name: 'concurrent', workflowspec: spec, trigger: 5, timeout: 2 }
  }, fed.user.prv)
  await eventually(() => fed.sites.every(s => s.node.ledger.fold.generator(gen.generatorid) !== undefined) ? true : undefined, 'every site to know the generator')
  const packAt = async (i: number, label: string, n: number): Promise<string[]> => {
    const args: string[] = []
    for (let k = 0; k < n; k++) {
      const arg = `${label}-${k}`
      await ok(site(i).node.url, { msgtype: 'packgeneratormsg', generatorid: gen.generatorid, arg }, fed.user.prv)
      args.push(arg)
    }
    return args
  }
  const packed = (await Promise.all([packAt(0, 's0', 20), packAt(1, 's1', 20), packAt(2, 's2', 20)])).flat()
  // then a partition: site 2 packs alone, the others too, and each side fires its packs
  // (the last ones when the timeout has passed) before the heal
  const consumedAt = (i: number, prefix: string, n: number): boolean => {
    const mine = site(i).node.ledger.fold.generatorQueue(gen.generatorid)?.packs.filter(p => p.arg.startsWith(prefix)) ?? []
    return mine.length === n && mine.every(p => p.consumedBy !== undefined)
  }
  await cut(2)()
  try {
    packed.push(...(await Promise.all([packAt(0, 'p0', 7), packAt(2, 'p2', 6)])).flat())
    await eventually(() => consumedAt(0, 'p0-', 7) && consumedAt(2, 'p2-', 6) ? true : undefined, 'each side to fire its packs while apart', 20_000)
  } finally {
    heal(2)
  }
  await converged(fed.sites, 30_000)
  // every pack is consumed (trigger groups, and the remainder after the timeout)
  const q = await eventually(() => {
    const s = site(0).node.ledger.fold.generatorQueue(gen.generatorid)
    return s !== undefined && s.packs.length === packed.length && s.packs.every(p => p.consumedBy !== undefined) ? s : undefined
  }, 'every pack to be consumed', 30_000)
  await converged(fed.sites, 30_000)
  const workflows = [...site(0).node.ledger.fold.graphs(fed.colony)].filter(g => g.graph.source.kind === 'generator')
  const consumedArgs = workflows.flatMap(g => g.procs.get(g.graph.rootprocessids[0] as string)?.spec.args as string[])
  assert.is(consumedArgs.length, packed.length, 'no pack consumed twice')
  assert.equal([...consumedArgs].sort(), [...packed].sort(), 'every pack consumed')
  assert.is(new Set(q.packs.map(p => p.consumedBy)).size, workflows.length)
  for (const g of workflows) assert.ok((g.procs.get(g.graph.rootprocessids[0] as string)?.spec.args.length ?? 0) <= 5)
})

test.run()
