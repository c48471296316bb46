/**
 * This site's view of each live channel, for readers that count: upstream's `afterseq` is
 * a position in the channel's log (a poller reads, adds what it got to its position, and
 * reads again). The ledger orders a channel's entries by (HLC, record id), the same at every
 * site, but an entry appended at another site may arrive after later ones were read here
 * (concurrent appends, a partition healing): slotted into the ledger order it would shift
 * the positions a poller already passed, which would then skip it.
 *
 * So each site keeps, per channel, its entries in the order it learned them (append-only):
 * positions never move, and a poller that stays with one site gets every entry once. A
 * read of the whole channel (from 0, without a smaller limit) answers in ledger order,
 * which every site agrees on; the two orders differ only for entries appended concurrently
 * at different sites. A log takes what the fold accepts as the node hears of it (and what it
 * missed when it is read), and is built from the fold when first used, so after a restart a
 * site's order is the ledger's.
 */
import type { ChannelEntry } from '../protocol/channel-fold.js'
import type { LedgerFold } from '../protocol/fold.js'

interface Log {
  readonly entries: ChannelEntry[]
  readonly ids: Set<string>
}

export class ChannelLogs {
  private readonly fold: () => LedgerFold
  /** process → channel name → log */
  private readonly logs = new Map<string, Map<string, Log>>()

  constructor (fold: () => LedgerFold) {
    this.fold = fold
  }

  /**
   * Entries the fold just accepted, in the order it did: appended to the logs built so far
   * (a log not built yet takes them from the fold when it is). Costs what they are, not
   * what the channels hold.
   */
  take (entries: readonly ChannelEntry[]): void {
    for (const c of entries) {
      const log = this.logs.get(c.processid)?.get(c.name)
      if (log !== undefined && !log.ids.has(c.id)) {
        log.entries.push(c)
        log.ids.add(c.id)
      }
    }
  }

  /** The channel's log; brought up to date with the fold unless `sync` is false (built on first use). */
  logOf (processid: string, name: string, sync = true): readonly ChannelEntry[] {
    let byName = this.logs.get(processid)
    if (byName === undefined) this.logs.set(processid, byName = new Map())
    let log = byName.get(name)
    if (log === undefined) {
      byName.set(name, log = { entries: [], ids: new Set() })
      sync = true
    }
    // what the fold accepted that no change brought here yet (a log built now: all of it)
    if (sync) {
      for (const c of this.fold().channelEntries(processid, name)) {
        if (log.ids.has(c.id)) continue
        log.entries.push(c)
        log.ids.add(c.id)
      }
    }
    return log.entries
  }

  /**
   * upstream's ReadAfter: the entries after position `afterseq`, at most `limit` (≤ 0: all).
   * The whole channel comes in ledger order; a part of it in this site's order (see above).
   */
  read (processid: string, name: string, afterseq: number, limit: number): ChannelEntry[] {
    const log = this.logOf(processid, name)
    const from = Math.max(0, afterseq)
    if (from === 0 && (limit <= 0 || limit >= log.length)) return inLedgerOrder(log)
    return log.slice(from, limit > 0 ? from + limit : undefined)
  }

  /** Forgets the logs of a process (it ended, or left this site's memory). */
  drop (processid: string): void {
    this.logs.delete(processid)
  }

  /** Processes with a log here (for tests and statistics). */
  get size (): number {
    return this.logs.size
  }
}

export function inLedgerOrder (entries: readonly ChannelEntry[]): ChannelEntry[] {
  return entries.slice().sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
}
