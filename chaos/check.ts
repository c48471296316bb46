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

export function check (acknowledged: readonly string[], sites: readonly SiteView[], executions: readonly Execution[]): Verdict {
  const lost = acknowledged.filter(pid => sites.some(s => !s.processes.has(pid)))
  const siteName = new Map(sites.map(s => [s.nodeid, s.name]))
  const doubleResults: string[] = []
  const illegal: Array<{ pid: string, why: string }> = []
  const first = sites[0]
  let unfinished = 0
  for (const p of first?.processes.values() ?? []) {
    const results = p.history.filter(h => h.state === ProcessState.SUCCESS || h.state === ProcessState.FAILED).length
    // a standing success carries the site name its executor wrote: it must be the winning claim's site
    const winner = siteName.get(p.site)
    if (results > 1 || (p.state === ProcessState.SUCCESS && (p.out as unknown[])[0] !== winner)) doubleResults.push(p.processid)
    const why = illegalStep(p.history)
    if (why !== undefined) illegal.push({ pid: p.processid, why })
    if (p.state === ProcessState.WAITING || p.state === ProcessState.RUNNING) unfinished++
  }
  const runs = new Map<string, number>()
  for (const e of executions) runs.set(e.pid, (runs.get(e.pid) ?? 0) + 1)
  let duplicateExecutions = 0
  for (const n of runs.values()) duplicateExecutions += n - 1
  return {
    acknowledged: acknowledged.length,
    lost,
    doubleResults,
    illegal,
    hashesEqual: new Set(sites.map(s => s.hash)).size === 1,
    duplicateExecutions,
    unfinished
  }
}
