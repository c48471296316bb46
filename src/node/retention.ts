/**
 * Retention (ColonyOS's COLONIES_RETENTION / COLONIES_RETENTION_POLICY) and the space of
 * removed processes, as replicated decisions (DESIGN decision 12). Every period this site
 * writes, for each colony it is a site of, a prune record naming the colony's stable
 * frontier (every current site has shown a clock past it) and, with retention on, the
 * horizon before which settled processes go. Every site applies every prune record the
 * same way (src/store/pruner.ts), whoever wrote it: a site with retention off still
 * prunes what another site's policy says, and still writes prune records while others do
 * (an idle site's own records are what moves the frontier) or while it has removed
 * processes whose space a prune frees.
 */
import type { Ledger } from '../store/ledger.js'
import { compareHlc, type Hlc } from '../protocol/hlc.js'
import { type Clock, every, type Service, systemClock } from './clock.js'

/** How often a site writes prune records with retention off (when it writes them at all). */
export const PRUNE_PERIOD_MS = 10_000

/**
 * A site with retention on writes a prune record at least every this many periods, even
 * when its frontier has not moved: the other sites write theirs in answer, and their
 * records are what moves the frontier. Without it the two wait on each other (the
 * frontier waits for their records, their records wait for a prune record).
 */
const HEARTBEAT_PERIODS = 3

/** A site with retention off answers prune records seen within this many periods. */
const ANSWER_PERIODS = 10

export interface RetentionOptions {
  readonly ledger: Ledger
  readonly nodeId: string
  /** successful processes older than this many seconds are purged; undefined or 0: retention off */
  readonly policySeconds?: number
  /** how often to write prune records (default: a tenth of the policy, 1 to 10 s) */
  readonly periodMs?: number
  readonly clock?: Clock
  readonly log?: (line: string) => void
  /**
   * The version vector each other site last showed (a federated node; undefined: this
   * site does not know it yet). A frontier never passes what a site holds: a batch it
   * lacks may not be deleted anywhere, or it could never fetch it.
   */
  readonly vectorOf?: (site: string) => ReadonlyMap<string, number> | undefined
}

/** The period prune records are written at for a policy of `policySeconds` (0: off). */
export function prunePeriodMs (policySeconds: number): number {
  return policySeconds > 0 ? Math.min(PRUNE_PERIOD_MS, Math.max(1000, Math.floor(policySeconds * 1000 / 10))) : PRUNE_PERIOD_MS
}

export class Retention implements Service {
  private readonly opts: RetentionOptions
  private readonly clock: Clock
  readonly policySeconds: number
  readonly periodMs: number
  private cancel: (() => void) | undefined
  /** per colony, the frontier of the last prune record written here */
  private readonly written = new Map<string, { below: Hlc, at: number }>()
  private busy = false
  /** prune records written since start */
  records = 0

  constructor (opts: RetentionOptions) {
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    this.policySeconds = opts.policySeconds ?? 0
    this.periodMs = opts.periodMs ?? prunePeriodMs(this.policySeconds)
  }

  start (): void {
    this.cancel ??= every(this.clock, this.periodMs, async () => await this.tick(), { unref: true })
  }

  stop (): void {
    this.cancel?.()
    this.cancel = undefined
  }

  /** One look at every colony of this site: writes a prune record where one is due. */
  async tick (): Promise<number> {
    if (this.busy) return 0
    this.busy = true
    try {
      const { ledger, nodeId } = this.opts
      const bodies = []
      for (const c of ledger.fold.colonies()) {
        if (!c.sites.includes(nodeId)) continue
        if (!await this.wanted(c.name)) continue
        const stable = ledger.stableFrontier(c.name)
        const below = stable === undefined ? undefined : await this.heldByAll(c.sites, stable)
        if (below === undefined) continue
        const last = this.written.get(c.name)
        const now = this.clock.now()
        if (last !== undefined) {
          const order = compareHlc(below, last.below)
          // a frontier that went back (a site shown lagging) waits; one that stayed waits for the heartbeat
          if (order < 0) continue
          if (order === 0 && (this.policySeconds === 0 || now - last.at < HEARTBEAT_PERIODS * this.periodMs)) continue
        }
        const horizon = this.policySeconds > 0 ? Math.max(0, below.w - Math.round(this.policySeconds * 1000)) : 0
        bodies.push({ k: 'prune' as const, colonyname: c.name, below, horizon, vv: [...ledger.versionVector()] })
        this.written.set(c.name, { below, at: now })
      }
      if (bodies.length > 0) {
        await ledger.appendLocal(bodies.map(body => ({ body })))
        this.records += bodies.length
      }
      return bodies.length
    } catch (err) {
      // a closing ledger, or a write that failed: the next period tries again
      this.opts.log?.(`retention: no prune record written: ${(err as Error).message}`)
      return 0
    } finally {
      this.busy = false
    }
  }

  /**
   * `stable` lowered to what every other site holds: for each origin a site lags on (its
   * vector behind ours), the clock of the last record it holds of that origin. Undefined
   * while a site's vector is unknown.
   */
  private async heldByAll (sites: readonly string[], stable: Hlc): Promise<Hlc | undefined> {
    const { ledger, nodeId, vectorOf } = this.opts
    let below = stable
    const ours = ledger.versionVector()
    for (const site of sites) {
      if (site === nodeId) continue
      const theirs = vectorOf?.(site)
      if (theirs === undefined) {
        if (vectorOf === undefined) continue
        return undefined
      }
      for (const [origin, seq] of ours) {
        const held = theirs.get(origin) ?? 0
        if (held >= seq) continue
        const clock = await ledger.heldClock(origin, held)
        if (compareHlc(clock, below) < 0) below = clock
      }
    }
    return below.w === 0 ? undefined : below
  }

  /** Whether this site writes prune records for the colony now. */
  private async wanted (colony: string): Promise<boolean> {
    if (this.policySeconds > 0) return true
    const { ledger, nodeId } = this.opts
    // another site prunes: our records are what lets the frontier pass us
    if (ledger.pruneSeen(colony, nodeId, this.clock.now() - ANSWER_PERIODS * this.periodMs)) return true
    // removed processes wait for a prune to free their space
    return await ledger.reads.hasRemoved(colony)
  }
}
