/**
 * The chaos suite's checker: after a scenario has healed, it holds the cluster to its
 * promises using the clients' log of acknowledged operations, the executors' log of what
 * they ran, and every site's ledger folded from its own data directory:
 * - every acknowledged submit exists on every site (lost must be 0);
 * - no process has two accepted results (must be 0), and the result that stands came
 *   from the executor whose claim won;
 * - each process's state history is a legal path of the lifecycle;
 * - every site's canonical state hash is equal;
 * - duplicate executions (a process run more than once, anywhere) are counted.
 * With retention (checkRetention), a purged process counts by what each site archived.
 */
import { ProcessState, type HistoryStep, type ProcessInfo } from '../src/protocol/state.js'

/** A process as a site holds it: in memory (live) or in the store (settled, its logs apart). */
export type HeldProcess = Omit<ProcessInfo, 'logs'>

/** Lifecycle edges: what each state may become next. */
const NEXT: Readonly<Record<number, readonly number[]>> = {
  [ProcessState.WAITING]: [ProcessState.RUNNING, ProcessState.FAILED, ProcessState.CANCELLED],
  [ProcessState.RUNNING]: [ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.WAITING, ProcessState.CANCELLED],
  [ProcessState.SUCCESS]: [],
  [ProcessState.FAILED]: [],
  [ProcessState.CANCELLED]: []
}

/** Why a history is not a legal path of the lifecycle, or undefined when it is. */
export function illegalStep (steps: readonly HistoryStep[]): string | undefined {
  if (steps[0]?.state !== ProcessState.WAITING) return 'does not start WAITING'
  for (let i = 1; i < steps.length; i++) {
    const from = (steps[i - 1] as HistoryStep).state
    const to = (steps[i] as HistoryStep).state
    if (!(NEXT[from] ?? []).includes(to)) return `step ${i}: ${from} → ${to}`
    if (to === ProcessState.WAITING && (steps[i] as HistoryStep).attempt <= (steps[i - 1] as HistoryStep).attempt) return `step ${i}: requeued without a new attempt`
  }
  return undefined
}

export interface SiteView {
  readonly name: string
  readonly nodeid: string
  readonly hash: string
  readonly processes: ReadonlyMap<string, HeldProcess>
}

export interface Execution { readonly pid: string, readonly site: string }

export interface Verdict {
  readonly acknowledged: number
  /** acknowledged submits missing on some site */
  readonly lost: string[]
  /** processes with more than one accepted result, or whose standing result is not the winner's */
  readonly doubleResults: string[]
  readonly illegal: Array<{ pid: string, why: string }>
  readonly hashesEqual: boolean
  /** executions beyond the first, over all processes */
  readonly duplicateExecutions: number
  /** acknowledged processes not finished on the first site */
  readonly unfinished: number
}

/** Double results, illegal paths and unfinished processes among one site's processes. */
function judge (processes: Iterable<HeldProcess>, siteName: ReadonlyMap<string, string>): { doubleResults: string[], illegal: Array<{ pid: string, why: string }>, unfinished: number } {
  const doubleResults: string[] = []
  const illegal: Array<{ pid: string, why: string }> = []
  let unfinished = 0
  for (const p of processes) {
    const results = p.history.filter(h => h.state === ProcessState.SUCCESS || h.state === ProcessState.FAILED).length
    // a standing success carries the site name its executor wrote: it must be the winning claim's site
    const winner = siteName.get(p.site)
    if (results > 1 || (p.state === ProcessState.SUCCESS && (p.out as unknown[])[0] !== winner)) doubleResults.push(p.processid)
    const why = illegalStep(p.history)
    if (why !== undefined) illegal.push({ pid: p.processid, why })
    if (p.state === ProcessState.WAITING || p.state === ProcessState.RUNNING) unfinished++
  }
  return { doubleResults, illegal, unfinished }
}

function duplicates (executions: readonly Execution[]): number {
  const runs = new Map<string, number>()
  for (const e of executions) runs.set(e.pid, (runs.get(e.pid) ?? 0) + 1)
  let n = 0
  for (const k of runs.values()) n += k - 1
  return n
}

export function check (acknowledged: readonly string[], sites: readonly SiteView[], executions: readonly Execution[]): Verdict {
  const lost = acknowledged.filter(pid => sites.some(s => !s.processes.has(pid)))
  const siteName = new Map(sites.map(s => [s.nodeid, s.name]))
  const { doubleResults, illegal, unfinished } = judge(sites[0]?.processes.values() ?? [], siteName)
  return {
    acknowledged: acknowledged.length,
    lost,
    doubleResults,
    illegal,
    hashesEqual: new Set(sites.map(s => s.hash)).size === 1,
    duplicateExecutions: duplicates(executions),
    unfinished
  }
}

/** What a site's archive (`--archive DIR`) holds, read back after the run. */
export interface ArchiveView {
  /** per archived unit (a process, or a workflow), the ids of the records archived for it */
  readonly units: ReadonlyMap<string, ReadonlySet<string>>
  /** the processes of the archived units */
  readonly processes: ReadonlySet<string>
  /** lines in its files */
  readonly records: number
  /** what verifyArchive found wrong, each naming its file and line */
  readonly problems: readonly string[]
}

export interface RetentionSiteView extends SiteView {
  readonly archive: ArchiveView
  /**
   * The site's whole history: the records it retains and those its archive holds, folded
   * afresh with nothing pruned. The fold decides what was accepted (a stale close is
   * refused), so a purged process's outcome is judged by the protocol's own rules.
   */
  readonly history: ReadonlyMap<string, HeldProcess>
  /** the canonical state hash of that whole history */
  readonly historyHash: string
  /** archived units the running site still answered getprocessmsg for (must be none) */
  readonly answered: readonly string[]
}

export interface RetentionVerdict extends Verdict {
  /** per site: processes it purged (those of the units in its archive), and records archived */
  readonly purged: number[]
  readonly archivedRecords: number[]
  /** a process archived (purged) somewhere and still held, or still answered for, at a site: "pid at site" */
  readonly reappeared: string[]
  /** units not archived alike at every site: missing at one, or with other records */
  readonly archivesDisagree: string[]
  readonly archiveProblems: string[]
  /** every site's retained and archived records fold to the same whole history */
  readonly historiesEqual: boolean
}

/**
 * The retention scenario's checker. An acknowledged submit is lost at a site unless the
 * site holds it, or archived it settled (the purge takes only successful processes, and
 * its archive holds the records that process folded from). Double results and paths are
 * judged on each site's whole history (retained and archived records folded together),
 * so a purged process is held to them as a live one is. No process purged anywhere may be
 * held, or answered for, at any site; every site must have archived the same records for
 * each unit it purged, and its retained and archived records together must fold to the
 * same whole history as every other site's.
 */
export function checkRetention (acknowledged: readonly string[], sites: readonly RetentionSiteView[], executions: readonly Execution[]): RetentionVerdict {
  const settledIn = (s: RetentionSiteView, pid: string): boolean => s.archive.processes.has(pid) && s.history.get(pid)?.state === ProcessState.SUCCESS
  const lost = acknowledged.filter(pid => sites.some(s => !s.processes.has(pid) && !settledIn(s, pid)))
  const siteName = new Map(sites.map(s => [s.nodeid, s.name]))
  const doubleResults = new Set<string>()
  const illegal = new Map<string, string>()
  let unfinished = 0
  sites.forEach((s, i) => {
    const v = judge(s.history.values(), siteName)
    for (const pid of v.doubleResults) doubleResults.add(pid)
    for (const x of v.illegal) if (!illegal.has(x.pid)) illegal.set(x.pid, `${s.name}: ${x.why}`)
    if (i === 0) unfinished = v.unfinished
  })
  const purgedAnywhere = new Set(sites.flatMap(s => [...s.archive.processes]))
  const reappeared: string[] = []
  for (const s of sites) {
    for (const pid of purgedAnywhere) if (s.processes.has(pid)) reappeared.push(`${pid} at ${s.name}`)
    for (const pid of s.answered) reappeared.push(`${pid} at ${s.name} (answered)`)
  }
  const units = new Set(sites.flatMap(s => [...s.archive.units.keys()]))
  const archivesDisagree: string[] = []
  for (const u of units) {
    const sets = sites.map(s => s.archive.units.get(u))
    const first = sets[0]
    if (sets.some(x => x === undefined || first === undefined || x.size !== first.size || [...x].some(id => !first.has(id)))) archivesDisagree.push(u)
  }
  return {
    acknowledged: acknowledged.length,
    lost,
    doubleResults: [...doubleResults],
    illegal: [...illegal].map(([pid, why]) => ({ pid, why })),
    hashesEqual: new Set(sites.map(s => s.hash)).size === 1,
    duplicateExecutions: duplicates(executions),
    unfinished,
    purged: sites.map(s => s.archive.processes.size),
    archivedRecords: sites.map(s => s.archive.records),
    reappeared,
    archivesDisagree,
    archiveProblems: sites.flatMap(s => s.archive.problems.map(p => `${s.name}: ${p}`)),
    historiesEqual: new Set(sites.map(s => s.historyHash)).size === 1
  }
}
