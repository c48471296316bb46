/**
 * colonynet's read messages for the dashboard (issue 7): a paged process listing with its
 * total, a process's history with the site and executor of each attempt, throughput per
 * interval, and where each executor was last seen working. Pure functions of the fold (and
 * the time, passed in), so the RPC service only checks rights and calls them.
 */
import type { LedgerFold } from '../protocol/fold.js'
import type { MessageOf } from '../protocol/messages.js'
import { MAX_COUNT } from '../protocol/messages.js'
import type { Process } from '../protocol/wire-types.js'
import { type ProcessInfo, ProcessState } from '../protocol/state.js'
import { processToWire } from '../protocol/wire.js'

export interface ProcessPage {
  /** processes matching the filters, in every page */
  readonly total: number
  readonly offset: number
  /** ColonyOS processes, each with the site whose claim won its current attempt ('' when none) */
  readonly processes: Array<Process & { site: string }>
}

/** Waiting: the order they will run in. Running: oldest first. Finished: newest first. Any state: newest submitted first. */
function order (state: number): (a: ProcessInfo, b: ProcessInfo) => number {
  if (state === ProcessState.WAITING) return (a, b) => a.prioritytime - b.prioritytime || (a.submitkey < b.submitkey ? -1 : 1)
  if (state === ProcessState.RUNNING) return (a, b) => a.starttime - b.starttime || (a.submitkey < b.submitkey ? -1 : 1)
  if (state >= 0) return (a, b) => b.endtime - a.endtime || (a.submitkey < b.submitkey ? 1 : -1)
  return (a, b) => b.submissiontime - a.submissiontime || (a.submitkey < b.submitkey ? 1 : -1)
}

export function processPage (fold: LedgerFold, msg: MessageOf<'getprocesspagemsg'>): ProcessPage {
  const matching: ProcessInfo[] = []
  for (const p of fold.processes(msg.colonyname)) {
    if (msg.state >= 0 && p.state !== msg.state) continue
    if (msg.executortype !== '' && p.spec.conditions.executortype !== msg.executortype) continue
    if (msg.label !== '' && p.spec.label !== msg.label) continue
    if (msg.initiator !== '' && p.initiatorname !== msg.initiator) continue
    matching.push(p)
  }
  matching.sort(order(msg.state))
  const count = msg.count > 0 ? msg.count : MAX_COUNT
  const page = matching.slice(msg.offset, msg.offset + count)
  return { total: matching.length, offset: msg.offset, processes: page.map(p => ({ ...processToWire(p), site: p.site })) }
}

export interface HistoryStepReply {
  /** ms since the epoch (the clock of the record that made the change) */
  readonly at: number
  readonly state: number
  readonly attempt: number
  readonly executorid: string
  readonly executorname: string
  /** the node id of the site: the claiming site while running, the submitting site for the submit */
  readonly site: string
  readonly sitename: string
  /** the ledger record that made the change ('' for a colony event such as an executor's removal) */
  readonly record: string
}

export interface ProcessHistory {
  readonly processid: string
  readonly submitsite: string
  readonly steps: HistoryStepReply[]
}

export function processHistory (fold: LedgerFold, p: ProcessInfo): ProcessHistory {
  const colony = fold.colony(p.colonyname)
  const submitsite = fold.submitOrigin(p.processid) ?? ''
  const names = new Map(fold.executors(p.colonyname).map(x => [x.executorid, x.executorname]))
  const steps = p.history.map((s, i) => {
    const site = i === 0 && s.site === '' ? submitsite : s.site
    return {
      at: s.at,
      state: s.state,
      attempt: s.attempt,
      executorid: s.executorid,
      executorname: names.get(s.executorid) ?? '',
      site,
      sitename: colony?.sitenames[site] ?? '',
      record: s.record
    }
  })
  return { processid: p.processid, submitsite, steps }
}

export interface ThroughputBucket {
  /** start of the interval, ms since the epoch */
  readonly t: number
  readonly submitted: number
  readonly succeeded: number
  readonly failed: number
  readonly cancelled: number
}

export interface Throughput {
  readonly now: number
  /** seconds per bucket */
  readonly bucket: number
  /** oldest first; the last one is the interval that holds `now` */
  readonly buckets: ThroughputBucket[]
}

export function throughput (fold: LedgerFold, msg: MessageOf<'getthroughputmsg'>, now: number): Throughput {
  const width = msg.bucket * 1000
  const n = Math.ceil(msg.seconds / msg.bucket)
  // buckets aligned to the width, so successive calls agree on their edges
  const end = Math.floor(now / width) * width + width
  const start = end - n * width
  const rows = Array.from({ length: n }, (_, i) => ({ t: start + i * width, submitted: 0, succeeded: 0, failed: 0, cancelled: 0 }))
  const at = (ms: number): typeof rows[number] | undefined => ms >= start && ms < end ? rows[Math.floor((ms - start) / width)] : undefined
  for (const p of fold.processes(msg.colonyname)) {
    const s = at(p.submissiontime)
    if (s !== undefined) s.submitted++
    if (p.endtime === 0) continue
    const e = at(p.endtime)
    if (e === undefined) continue
    if (p.state === ProcessState.SUCCESS) e.succeeded++
    else if (p.state === ProcessState.FAILED) e.failed++
    else if (p.state === ProcessState.CANCELLED) e.cancelled++
  }
  return { now, bucket: msg.bucket, buckets: rows }
}

export interface ExecutorSite {
  readonly executorid: string
  /** node id of the site it last worked at, or asked this node for work ('' = never seen) */
  readonly site: string
  readonly sitename: string
  /** ms since the epoch ('' site: 0) */
  readonly lastseen: number
}

/**
 * An executor attaches to one site (it long-polls there); the ledger shows where: the site
 * of the claims that handed it work. This node also knows when its own executors last asked.
 */
export function executorSites (fold: LedgerFold, colonyname: string, heardHere: ReadonlyMap<string, number>, nodeId: string): ExecutorSite[] {
  const latest = new Map<string, { site: string, at: number }>()
  for (const p of fold.processes(colonyname)) {
    for (const s of p.history) {
      if (s.executorid === '' || s.site === '') continue
      const known = latest.get(s.executorid)
      if (known === undefined || s.at > known.at) latest.set(s.executorid, { site: s.site, at: s.at })
    }
  }
  const colony = fold.colony(colonyname)
  return fold.executors(colonyname).map(x => {
    let seen = latest.get(x.executorid) ?? { site: '', at: 0 }
    const here = heardHere.get(x.executorid)
    if (here !== undefined && here >= seen.at) seen = { site: nodeId, at: here }
    return { executorid: x.executorid, site: seen.site, sitename: colony?.sitenames[seen.site] ?? '', lastseen: seen.at }
  })
}
