/**
 * Keep-local: an edge site that must work offline is told to hold every blob listed under
 * some labels of a colony (`colonies node start --keep-label COLONY:/label`). It fetches
 * each one it lacks as soon as the catalogue lists it (on every ledger change, and on a
 * timer for the ones a fetch could not get yet), one at a time, and so serves them from its
 * own disk when the other sites are out of reach.
 */
import { type Clock, every, type Service, systemClock, type Timer } from '../clock.js'
import type { BlobCatalog } from './catalog.js'
import type { BlobFetcher } from './fetcher.js'
import type { KeepLabel } from './options.js'
import type { BlobStore } from './store.js'

/** How often blobs that could not be fetched are tried again. */
export const KEEP_RETRY_MS = 10_000

/** How long after a ledger change the catalogue is looked at (changes come in bursts). */
const KEEP_SETTLE_MS = 200

export interface KeeperComponents {
  readonly keep: readonly KeepLabel[]
  readonly catalog: BlobCatalog
  readonly store: Pick<BlobStore, 'sizeOf'>
  readonly fetcher: () => Pick<BlobFetcher, 'fetch'> | undefined
  /** whether this node is a site of the colony (only then may it fetch the colony's blobs) */
  readonly isSiteOf: (colonyname: string) => boolean
  readonly clock?: Clock
  readonly log?: (line: string) => void
  readonly retryMs?: number
}

export interface KeeperStats {
  /** blobs listed under the kept labels, and how many of them this site holds */
  readonly listed: number
  readonly held: number
}

export class Keeper implements Service {
  private readonly c: KeeperComponents
  private readonly clock: Clock
  private cancel: (() => void) | undefined
  private soon: Timer | undefined
  private running: Promise<void> | undefined
  private again = false
  private stopped = false
  private listed = 0
  private held = 0
  /** the last failure logged per blob: a blob that keeps failing the same way is logged once */
  private readonly failures = new Map<string, string>()

  constructor (components: KeeperComponents) {
    this.c = components
    this.clock = components.clock ?? systemClock
  }

  stats (): KeeperStats {
    return { listed: this.listed, held: this.held }
  }

  start (): void {
    if (this.c.keep.length === 0 || this.cancel !== undefined) return
    this.cancel = every(this.clock, this.c.retryMs ?? KEEP_RETRY_MS, () => { this.refresh() }, { unref: true })
    this.refresh()
  }

  stop (): void {
    this.stopped = true
    this.cancel?.()
    this.clock.clearTimeout(this.soon)
  }

  /** The catalogue may have changed (a ledger change): look again shortly. */
  poke (): void {
    if (this.c.keep.length === 0 || this.stopped || this.soon !== undefined) return
    this.soon = this.clock.setTimeout(() => {
      this.soon = undefined
      this.refresh()
    }, KEEP_SETTLE_MS, { unref: true })
  }

  /** Resolves when no look is under way (tests). */
  async idle (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  /** Looks at the catalogue and fetches what is missing; one look at a time (a request during one runs after it). */
  refresh (): void {
    if (this.stopped) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.running = this.look().catch(err => {
      this.c.log?.(`keep-local: ${err instanceof Error ? err.message : String(err)}`)
    }).finally(() => {
      this.running = undefined
      if (this.again) {
        this.again = false
        this.refresh()
      }
    })
  }

  private async look (): Promise<void> {
    const { catalog, store } = this.c
    const wanted = new Map<string, KeepLabel>()
    for (const k of this.c.keep) {
      if (!this.c.isSiteOf(k.colonyname)) continue
      for (const checksum of catalog.checksumsOfLabel(k.colonyname, k.label)) wanted.set(`${k.colonyname}\n${checksum}`, k)
    }
    let held = 0
    for (const [key, k] of wanted) {
      if (this.stopped) return
      const checksum = key.slice(key.indexOf('\n') + 1)
      if (await store.sizeOf(k.colonyname, checksum) !== undefined) {
        held++
        continue
      }
      const fetcher = this.c.fetcher()
      if (fetcher === undefined) continue
      try {
        await fetcher.fetch(k.colonyname, checksum).done
        held++
        this.failures.delete(key)
      } catch (err) {
        // tried again at the next look
        const msg = err instanceof Error ? err.message : String(err)
        if (this.failures.get(key) !== msg) this.c.log?.(`keep-local ${k.colonyname}:${k.label}: ${msg}`)
        this.failures.set(key, msg)
      }
    }
    this.listed = wanted.size
    this.held = held
    for (const key of this.failures.keys()) if (!wanted.has(key)) this.failures.delete(key)
  }
}
