/**
 * The chaos suite's retention checker (chaos/check.ts, checkRetention): a purged process
 * counts by what each site archived, its outcome is judged by folding its archived records
 * (so a stale close archived beside the accepted one is not a second result), and a
 * process purged anywhere must not be held or answered for anywhere.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type ArchiveView, checkRetention, type HeldProcess, type RetentionSiteView } from '../../chaos/check.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { newKey, World, type WorldEntry } from '../helpers/world.js'

/** Three processes: `done` settled and purged, `stale` settled with a refused close from a losing executor, `live` settled and kept. */
function colony (): { w: World, setup: WorldEntry[], units: Map<string, WorldEntry[]>, done: string, stale: string, live: string } {
  const w = new World('chaos')
  const setup = [...w.setup(), w.addExecutor('e2'), w.approve('e2')]
  const units = new Map<string, WorldEntry[]>()
  const processOf = (extra: (pid: string) => WorldEntry[]): string => {
    const submit = w.submit({}, w.user('u1'))
    units.set(submit.id, [submit, w.claim(submit.id, 'e1'), w.close(submit.id, 'e1', ['site-0'], { att: 1 }), ...extra(submit.id)])
    return submit.id
  }
  const done = processOf(() => [])
  // e2 never won the attempt: its close is refused by the fold, though archived as stored
  const stale = processOf(pid => [w.close(pid, 'e2', ['site-1'], { att: 1 })])
  const live = processOf(() => [])
  return { w, setup, units, done, stale, live }
}

function processes (entries: readonly WorldEntry[]): Map<string, HeldProcess> {
  return new Map([...foldRecords(entries).processes('chaos')].map(p => [p.processid, p]))
}

function archive (units: ReadonlyMap<string, readonly WorldEntry[]>, purged: readonly string[]): ArchiveView {
  const kept = purged.map(u => [u, new Set((units.get(u) ?? []).map(e => e.id))] as const)
  return { units: new Map(kept), processes: new Set(purged), records: kept.reduce((n, [, ids]) => n + ids.size, 0), problems: [] }
}

/** A site that purged `purged` and holds `held` (of the colony's units), with the whole history folded. */
function site (c: ReturnType<typeof colony>, i: number, purged: readonly string[], held: readonly string[], answered: string[] = []): RetentionSiteView {
  const live = [...c.setup, ...held.flatMap(u => c.units.get(u) ?? [])]
  const all = [...live, ...purged.flatMap(u => c.units.get(u) ?? [])]
  // the world's node is site-0: its claims win, and its executors write 'site-0'
  return { name: `site-${i}`, nodeid: i === 0 ? c.w.node.id : newKey().id, hash: 'h', processes: processes(live), history: processes(all), historyHash: foldRecords(all).stateHash(), archive: archive(c.units, purged), answered }
}

test('a purged process archived settled at every site is not lost, and a stale close archived beside it is no second result', () => {
  const c = colony()
  const sites = [0, 1, 2].map(i => site(c, i, [c.done, c.stale], [c.live]))
  const v = checkRetention([c.done, c.stale, c.live], sites, [])
  assert.equal(v.lost, [])
  assert.equal(v.doubleResults, [])
  assert.equal(v.illegal, [])
  assert.equal(v.reappeared, [])
  assert.equal(v.archivesDisagree, [])
  assert.equal(v.purged, [2, 2, 2])
  assert.equal(v.archivedRecords, [7, 7, 7])
  assert.ok(v.hashesEqual)
  assert.ok(v.historiesEqual)
  // the archive does hold two closes for `stale`: only the fold can tell which one stood
  assert.is((c.units.get(c.stale) ?? []).filter(e => e.msg?.msgtype === 'closesuccessfulmsg').length, 2)
})

test('a process neither held nor archived settled at some site is lost, and the archives disagree on it', () => {
  const c = colony()
  // site 2 neither holds nor archived `done`
  const sites = [site(c, 0, [c.done], [c.live]), site(c, 1, [c.done], [c.live]), site(c, 2, [], [c.live])]
  const v = checkRetention([c.done, c.live], sites, [])
  assert.equal(v.lost, [c.done])
  assert.equal(v.archivesDisagree, [c.done])
  assert.equal(v.purged, [1, 1, 0])
  assert.not.ok(v.historiesEqual)
})

test('an archived process whose records do not fold to a success is lost', () => {
  const c = colony()
  const submit = c.w.submit({}, c.w.user('u1'))
  // claimed, never closed: a purge would never have taken it
  c.units.set(submit.id, [submit, c.w.claim(submit.id, 'e1')])
  const sites = [0, 1, 2].map(i => site(c, i, [submit.id], []))
  assert.equal(checkRetention([submit.id], sites, []).lost, [submit.id])
})

test('a purged process still held, or answered for, at a site has reappeared', () => {
  const c = colony()
  const sites = [site(c, 0, [c.done], []), site(c, 1, [c.done], [c.done]), site(c, 2, [c.done], [], [c.done])]
  const v = checkRetention([c.done], sites, [])
  assert.equal(v.lost, [])
  assert.equal(v.reappeared, [`${c.done} at site-1`, `${c.done} at site-2 (answered)`])
})

test('a standing result in the archived history that is not the winning claim\'s site is a double result', () => {
  const c = colony()
  const submit = c.w.submit({}, c.w.user('u1'))
  // e1's claim won at site-0, but the result names site-1: two executions' results were mixed
  c.units.set(submit.id, [submit, c.w.claim(submit.id, 'e1'), c.w.close(submit.id, 'e1', ['site-1'], { att: 1 })])
  const sites = [0, 1, 2].map(i => site(c, i, [submit.id], []))
  const v = checkRetention([submit.id], sites, [])
  assert.equal(v.lost, [])
  assert.equal(v.doubleResults, [submit.id])
})

test('archives with other records for the same unit disagree', () => {
  const c = colony()
  const sites = [0, 1, 2].map(i => site(c, i, [c.stale], []))
  const short = new Map(sites[2]?.archive.units)
  short.set(c.stale, new Set([...(short.get(c.stale) ?? [])].slice(1)))
  sites[2] = { ...sites[2] as RetentionSiteView, archive: { ...(sites[2] as RetentionSiteView).archive, units: short } }
  assert.equal(checkRetention([c.stale], sites, []).archivesDisagree, [c.stale])
})

test.run()
