/**
 * Cron and generator firings, with no leader (issue 5). Every site looks at the crons and
 * generators of its colonies a few times a second; when a firing is due it writes it as a
 * node fact. The fact's identity makes duplicates harmless: a cron firing is (cron,
 * scheduled time) and a generator firing names the packs it consumes, so sites that write
 * the same firing start the same workflow, once (see graph-fold.ts and gen-fold.ts).
 *
 * To keep duplicate writes (and, for generators, conflicting pack sets) rare, the sites
 * take turns: rendezvous hashing of the firing over the colony's sites gives each a rank;
 * the first fires when the firing is due, the k-th only `k × staggerMs` later if nobody has.
 * A site cut off from the others therefore still fires, late by its rank at most.
 */
import { claimableAt, rankOf } from '../protocol/claims.js'
import { dueCronRun } from '../protocol/cron-schedule.js'
import type { CronRun } from '../protocol/fold.js'
import { unconsumed } from '../protocol/gen-fold.js'
import { graphIdOfGenFire, MAX_PACKS_PER_FIRING } from '../protocol/records.js'
import type { CronInfo, GeneratorInfo } from '../protocol/state.js'
import type { Ledger } from '../store/ledger.js'
import { type Clock, every, type Service, systemClock } from './clock.js'

export const SCHEDULE_PERIOD_MS = 200
export const DEFAULT_STAGGER_MS = 1000

export interface SchedulesOptions {
  readonly ledger: Ledger
  readonly nodeId: string
  /** how often the site looks for due firings */
  readonly periodMs?: number
  /** how much later each next-ranked site fires when nobody has */
  readonly staggerMs?: number
  /** the time and the timer (the system's by default) */
  readonly clock?: Clock
  readonly log?: (line: string) => void
}

/**
 * When this site may write a firing due at `dueAt`: the sites of the colony take it in
 * rendezvous order on the firing's key (as claims do), `staggerMs` apart.
 */
function turnAt (key: string, dueAt: number, sites: readonly string[], self: string, staggerMs: number): number {
  const rank = rankOf(key, self, sites)
  return claimableAt(dueAt, rank < 0 ? sites.length : rank, staggerMs)
}

/** The most previous-run output a cron passes on (it travels in one ledger record). */
export const MAX_CRON_INPUT_BYTES = 1024 * 1024

/**
 * The leaf outputs of a workflow, concatenated in node order: the next cron run's roots'
 * `in`. Outputs larger than MAX_CRON_INPUT_BYTES in all are not passed on (the next run
 * starts with no input) rather than make a firing too large to replicate.
 */
/** What a cron's next run gets as its roots' `in`: the previous run's leaf outputs, unless too large. */
export function leafOutputs (run: CronRun | undefined): unknown[] {
  if (run === undefined) return []
  return JSON.stringify(run.leafOutputs).length > MAX_CRON_INPUT_BYTES ? [] : [...run.leafOutputs]
}

export class Schedules implements Service {
  private readonly ledger: Ledger
  private readonly nodeId: string
  private readonly periodMs: number
  private readonly staggerMs: number
  private readonly clock: Clock
  private readonly log: (line: string) => void
  private cancel: (() => void) | undefined
  private busy = false
  /** firings this site wrote (workflow ids), so a firing still being folded is not written twice */
  private readonly written = new Set<string>()

  constructor (opts: SchedulesOptions) {
    this.ledger = opts.ledger
    this.nodeId = opts.nodeId
    this.periodMs = opts.periodMs ?? SCHEDULE_PERIOD_MS
    this.staggerMs = opts.staggerMs ?? DEFAULT_STAGGER_MS
    this.clock = opts.clock ?? systemClock
    this.log = opts.log ?? (() => {})
  }

  start (): void {
    if (this.cancel !== undefined) return
    this.cancel = every(this.clock, this.periodMs, async () => await this.tick(), { unref: true })
  }

  stop (): void {
    this.cancel?.()
    this.cancel = undefined
  }

  /** One look at every cron and generator of this site's colonies; writes what is due. */
  async tick (): Promise<number> {
    if (this.busy) return 0
    this.busy = true
    try {
      const fold = this.ledger.fold
      const bodies = []
      const now = this.clock.now()
      for (const colony of fold.colonies()) {
        if (!colony.sites.includes(this.nodeId)) continue
        for (const cron of fold.crons(colony.name)) {
          const b = this.cronFiring(cron, colony.sites, now)
          if (b !== undefined) bodies.push({ body: b })
        }
        for (const g of fold.generators(colony.name)) {
          for (const b of this.generatorFirings(g, colony.sites, now)) bodies.push({ body: b })
        }
      }
      if (bodies.length > 0) await this.ledger.appendLocal(bodies)
      return bodies.length
    } catch (err) {
      this.log(`schedules: ${err instanceof Error ? err.message : String(err)}`)
      return 0
    } finally {
      this.busy = false
    }
  }

  private cronFiring (cron: CronInfo, sites: readonly string[], now: number): { k: 'fire', colonyname: string, cronid: string, at: number, in: unknown[] } | undefined {
    const fold = this.ledger.fold
    const prev = fold.cronRun(cron.cronid)
    const lastAt = fold.cronLastAt(cron.cronid)
    const at = dueCronRun(cron, lastAt, now)
    if (at === undefined) return undefined
    const key = `${cron.cronid}/${at}`
    if (this.written.has(key)) return undefined
    if (now < turnAt(key, at, sites, this.nodeId, this.staggerMs)) return undefined
    // wait for the previous run: skip while it is still going (a later look fires the latest due time)
    if (cron.waitforprevprocessgraph && prev !== undefined && !prev.final) return undefined
    this.remember(key)
    return { k: 'fire', colonyname: cron.colonyname, cronid: cron.cronid, at, in: leafOutputs(prev) }
  }

  private generatorFirings (g: GeneratorInfo, sites: readonly string[], now: number): Array<{ k: 'genfire', colonyname: string, generatorid: string, packs: string[], args: string[] }> {
    const q = this.ledger.fold.generatorQueue(g.generatorid)
    if (q === undefined) return []
    const packs = unconsumed(q)
    if (packs.length === 0) return []
    const groups: Array<{ packs: typeof packs, dueAt: number }> = []
    const size = Math.min(g.trigger, MAX_PACKS_PER_FIRING)
    let i = 0
    for (; i + size <= packs.length; i += size) {
      const group = packs.slice(i, i + size)
      groups.push({ packs: group, dueAt: Math.max(...group.map(p => p.at)) })
    }
    const rest = packs.slice(i)
    if (rest.length > 0 && g.timeout > 0) {
      const dueAt = Math.min(...rest.map(p => p.at)) + g.timeout * 1000
      if (now >= dueAt) groups.push({ packs: rest, dueAt })
    }
    const out = []
    for (const group of groups) {
      const body = {
        k: 'genfire' as const,
        colonyname: g.colonyname,
        generatorid: g.generatorid,
        packs: group.packs.map(p => p.id),
        args: group.packs.map(p => p.arg)
      }
      const key = graphIdOfGenFire(body)
      if (this.written.has(key)) continue
      if (now < turnAt(key, group.dueAt, sites, this.nodeId, this.staggerMs)) continue
      this.remember(key)
      out.push(body)
    }
    return out
  }

  private remember (key: string): void {
    if (this.written.size > 100_000) this.written.clear()
    this.written.add(key)
  }
}
