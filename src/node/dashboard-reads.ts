/**
 * colonynet's read messages for the dashboard (issue 7): a paged process listing with its
 * total, a process's history with the site and executor of each attempt, throughput per
 * interval, and where each executor was last seen working. Functions of the ledger's reads
 * (live processes from memory, settled ones from the store's indices) and of the time,
 * passed in, so the RPC service only checks rights and calls them.
 */
import type { LedgerFold } from '../protocol/fold.js'
import type { MessageOf } from '../protocol/messages.js'
import { MAX_COUNT } from '../protocol/messages.js'
import { duplicateRuns } from '../protocol/duplicates.js'
import type { Process, ProcessHistory } from '../protocol/wire-types.js'
import { ProcessState } from '../protocol/state.js'
import { processToWire, type ProcessView } from '../protocol/wire.js'
import { everything, type LedgerReads } from '../store/reads.js'

export interface ProcessPage {
  /** processes matching the filters, in every page */
  readonly total: number
  readonly offset: number
  /** ColonyOS processes, each with the site whose claim won its current attempt ('' when none) */
  readonly processes: Array<Process & { site: string }>
}

/**
 * A page of processes by state (-1: any) and filters, in listing order (see
 * LedgerReads.page); the total of a filtered listing of settled processes counts at most
 * LIST_SCAN_LIMIT of them (`exact` false beyond).
 */
export async function processPage (reads: LedgerReads, msg: MessageOf<'getprocesspagemsg'>): Promise<ProcessPage & { exact: boolean }> {
  const filtered = msg.executortype !== '' || msg.label !== '' || msg.initiator !== ''
  const keep = (p: ProcessView): boolean =>
    (msg.executortype === '' || p.spec.conditions.executortype === msg.executortype) &&
    (msg.label === '' || p.spec.label === msg.label) &&
    (msg.initiator === '' || p.initiatorname === msg.initiator)
  const count = msg.count > 0 ? msg.count : MAX_COUNT
  const page = await reads.page(msg.colonyname, msg.state, filtered ? keep : everything, msg.offset, count)
  return { total: page.total, exact: page.exact, offset: msg.offset, processes: page.processes.map(p => ({ ...processToWire(p), site: p.site })) }
}

export function processHistory (fold: LedgerFold, p: ProcessView, submitsite: string): ProcessHistory {
  const colony = fold.colony(p.colonyname)
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
      sitename: colony === undefined ? '' : fold.siteName(colony.name, site),
      record: s.record
    }
  })
  const duplicates = duplicateRuns(p).map(d => ({
    attempt: d.attempt,
    executorid: d.executorid,
    executorname: names.get(d.executorid) ?? '',
    site: d.site,
    sitename: colony?.sitenames[d.site] ?? '',
    claim: d.claim
  }))
  return { processid: p.processid, submitsite, steps, duplicates }
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

export async function throughput (reads: LedgerReads, msg: MessageOf<'getthroughputmsg'>, now: number): Promise<Throughput> {
  const width = msg.bucket * 1000
  const n = Math.ceil(msg.seconds / msg.bucket)
  // buckets aligned to the width, so successive calls agree on their edges
  const end = Math.floor(now / width) * width + width
  const start = end - n * width
  const rows = Array.from({ length: n }, (_, i) => ({ t: start + i * width, submitted: 0, succeeded: 0, failed: 0, cancelled: 0 }))
  const at = (ms: number): typeof rows[number] | undefined => ms >= start && ms < end ? rows[Math.floor((ms - start) / width)] : undefined
  for (const t of await reads.times(msg.colonyname, -1, start)) {
    const r = at(t)
    if (r !== undefined) r.submitted++
  }
  const settled = [[ProcessState.SUCCESS, 'succeeded'], [ProcessState.FAILED, 'failed'], [ProcessState.CANCELLED, 'cancelled']] as const
  for (const [state, field] of settled) {
    for (const t of await reads.times(msg.colonyname, state, start)) {
      const r = at(t)
      if (r !== undefined) r[field]++
    }
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
export function executorSites (fold: LedgerFold, reads: LedgerReads, colonyname: string, heardHere: ReadonlyMap<string, number>, nodeId: string): ExecutorSite[] {
  // kept as processes are projected: the site of the claim that last handed each executor work
  const latest = new Map(Object.entries(reads.executorsSeen(colonyname)))
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
    return { executorid: x.executorid, site: seen.site, sitename: colony === undefined ? '' : fold.siteName(colony.name, seen.site), lastseen: seen.at }
  })
}
