/**
 * The `backlog-cut` scenario (issue 27): a backlog of waiting processes when a cut begins,
 * with idle executors on both sides, the case where both sides of a partition run the same
 * processes. Assignments are paused while every site submits its share of the backlog and
 * every site comes to hold all of it; then site 2 is cut off and assignments resume on both
 * sides at once (site 2's resume from inside its namespace: cue.ts). It runs twice, with
 * the partition grace off (the code before it) and at its default, and reports every
 * duplicate execution, from the executors' logs and as the fold recorded it.
 */
import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ColoniesClient } from '../src/client/rpc-client.js'
import type { Execution, HeldProcess, SiteView } from './check.js'
import { COLONY, type Cluster, resumeCue, type SiteProc, until } from './cluster.js'
import { cut, heal } from './net.js'

/** processes each site submits to the backlog */
export const BACKLOG_PER_SITE = 10
/** how long each execution takes (ms): the backlog outlasts the first seconds of the cut */
export const BACKLOG_RUN_MS = 1000

async function sameState (c: Cluster): Promise<boolean> {
  const hashes = await Promise.all(c.sites.map(async s => {
    const r = await fetch(`${s.url}/health?state=1`, { signal: AbortSignal.timeout(5000) })
    return ((await r.json()) as { statehash: string }).statehash
  }))
  return new Set(hashes).size === 1
}

/** The fault: pause, backlog at every site, cut site 2 for `cutMs`, resume on both sides, hold, heal. */
export async function backlogCut (c: Cluster, cutMs: number): Promise<void> {
  const [first, , cutoff] = c.sites as [SiteProc, SiteProc, SiteProc]
  await new ColoniesClient({ url: first.url, prvkey: c.owner, timeoutMs: 5000 }).pauseAssignments(COLONY)
  await until(async () => await sameState(c), 'every site to hold the pause', 30_000)
  for (const s of c.sites) {
    const user = new ColoniesClient({ url: s.url, prvkey: c.user, timeoutMs: 5000 })
    for (let i = 0; i < BACKLOG_PER_SITE; i++) {
      const sent = Date.now()
      const p = await user.submitFunctionSpec({ funcname: 'work', args: [`${s.name}-backlog-${i}`], maxexectime: 20, maxretries: -1, conditions: { colonyname: COLONY, executortype: 'chaos' } })
      // the checker holds the cluster to these as to the clients' submits
      await appendFile(join(c.dir, `ops-${s.name}.jsonl`), JSON.stringify({ op: 'submit', site: s.name, seq: i, sent, answered: Date.now(), ok: true, pid: p.processid }) + '\n')
    }
  }
  await until(async () => await sameState(c), 'every site to hold the whole backlog', 30_000)
  const cues = await Promise.all([resumeCue(c, first), resumeCue(c, cutoff)])
  await cut(cutoff.net)
  await Promise.all(cues.map(async q => { await q.go() }))
  await new Promise(resolve => setTimeout(resolve, cutMs))
  await heal(cutoff.net)
}

/**
 * Every process run more than once (from the executors' logs), where, and whether the
 * fold (at `view`'s site) recorded it as run more than once: printed one line each.
 */
export function duplicateLines (executions: readonly Execution[], view: SiteView | undefined, names: ReadonlyMap<string, string>): string[] {
  const where = new Map<string, string[]>()
  for (const e of executions) where.set(e.pid, [...(where.get(e.pid) ?? []), e.site])
  const lines: string[] = []
  let recorded = 0
  let shown = 0
  for (const [pid, sites] of where) {
    if (sites.length < 2) continue
    const p = view?.processes.get(pid) as HeldProcess | undefined
    const dups = (p?.dups ?? []).filter(d => d.ran)
    if (dups.length > 0) recorded++
    shown++
    lines.push(`    ran ${sites.length}×: ${pid.slice(0, 12)}… at ${sites.join(', ')}; the fold records ${dups.length === 0 ? 'no duplicate' : dups.map(d => `attempt ${d.attempt} also at ${names.get(d.site) ?? d.site.slice(0, 8)}`).join(', ')}`)
  }
  if (shown > 0) lines.push(`    the fold recorded ${recorded} of these ${shown} processes as run more than once`)
  return lines
}
