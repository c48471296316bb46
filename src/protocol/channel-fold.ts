/**
 * The fold of a process's channels (upstream pkg/channel): each `channelappendmsg` is the
 * client's signed envelope in the ledger, so an append made at one site reaches every
 * other, and every site that holds the same records keeps the same entries in the same
 * order: ledger order, (HLC, record id).
 *
 * A channel record changes nothing in its process, so it folds beside it: the process's
 * fold notes, at each record and colony event, who may use its channels from there on
 * (its `rights`: open or ended, and the assigned executor), and a channel record is judged
 * against the rights at its own place in the order. An append arriving in order is one
 * step; one arriving late re-judges that process's channel records alone, never the
 * process or the colony timeline.
 *
 * Rules (upstream's router and handlers, where a fold needs them to be exact):
 * - the channel must be declared in the spec's `channels`, and the process neither ended
 *   nor removed (upstream drops a process's channels when it closes): otherwise "Channel
 *   not found";
 * - the writer must be a member of the colony and the process's submitter or its assigned
 *   executor at that point;
 * - one entry per (channel, sender, sequence): a re-sent append is the same entry, a
 *   different one with a used sequence is refused (upstream would keep both);
 * - at most MAX_CHANNEL_ENTRIES entries per channel (upstream's limit) and
 *   MAX_CHANNEL_BYTES of payload per process (memory holds them while it runs).
 */
import type { FoldEntry } from './entry.js'
import { type ChannelAppendMsg, payloadSize } from './messages/channels.js'
import { conflict, forbidden, invalid, notFound, type Refusal } from './refusal.js'
import { isFinal, type ProcessInfo } from './state.js'
import type { Timeline } from './timeline.js'

/** Entries one channel may hold (upstream's CHANNEL_MAX_LOG_ENTRIES). */
export const MAX_CHANNEL_ENTRIES = 10_000
/** Payload bytes all channels of one process may hold together. */
export const MAX_CHANNEL_BYTES = 16 * 1024 * 1024

/** An accepted channel entry. */
export interface ChannelEntry {
  /** the record's id */
  readonly id: string
  /** its place in ledger order */
  readonly key: string
  readonly processid: string
  readonly name: string
  readonly senderid: string
  readonly sequence: number
  readonly inreplyto: number
  /** canonical base64, null when the append carried none */
  readonly payload: string | null
  /** "data" unless the append named another type ("end", "error", …) */
  readonly type: string
  /** HLC ms of the record: the same timestamp at every site */
  readonly at: number
}

/** Who may use a process's channels from `key` on (until the next change). */
export interface Rights {
  readonly key: string
  /** neither ended nor removed */
  readonly open: boolean
  /** the assigned executor ('' while none) */
  readonly executor: string
}

/** One process's channels: its channel records, its rights over time, the accepted entries. */
export interface ProcChannels {
  readonly processid: string
  initiator: string
  colony: string
  names: ReadonlySet<string>
  /** its channel records, accepted or refused, in ledger order */
  readonly records: FoldEntry[]
  /** empty until the process is known; the first starts at its submission */
  readonly rights: Rights[]
  /** accepted entries per channel, in ledger order */
  readonly logs: Map<string, ChannelEntry[]>
  /** accepted entries by channel, sender and sequence */
  readonly bySeq: Map<string, ChannelEntry>
  bytes: number
  readonly refusals: Map<string, Refusal>
}

export function newProcChannels (processid: string): ProcChannels {
  return { processid, initiator: '', colony: '', names: new Set(), records: [], rights: [], logs: new Map(), bySeq: new Map(), bytes: 0, refusals: new Map() }
}

/** The process a channel record names, when `e` is one. */
export function channelRefOf (e: FoldEntry): string | undefined {
  return e.rec.b.k === 'env' && e.msg?.msgtype === 'channelappendmsg' ? e.msg.processid : undefined
}

/** Whether a process declares channels (only those are watched). */
export function hasChannels (p: ProcessInfo): boolean {
  return p.spec.channels.length > 0
}

/**
 * Notes the process as it is after its record or colony event at `key`; returns whether
 * its rights changed there. Called in ledger order, from the process's creation on.
 */
export function observe (pc: ProcChannels, p: ProcessInfo, key: string): boolean {
  initRights(pc, p)
  const open = !p.removed && !isFinal(p.state)
  const last = pc.rights[pc.rights.length - 1] as Rights
  if (last.open === open && last.executor === p.assignedexecutorid) return false
  const next = { key, open, executor: p.assignedexecutorid }
  if (key <= last.key) pc.rights[pc.rights.length - 1] = next
  else pc.rights.push(next)
  return true
}

/**
 * The process as it was created: open, no executor. Its later changes matter only to a
 * process that declares channels (observed from its creation on); for one that declares
 * none, a channel record's verdict depends on when the process was submitted alone.
 */
export function initRights (pc: ProcChannels, p: ProcessInfo): void {
  if (pc.rights.length > 0) return
  pc.initiator = p.initiatorid
  pc.colony = p.colonyname
  pc.names = new Set(p.spec.channels)
  pc.rights.push({ key: p.submitkey, open: true, executor: '' })
}

/** The rights in force for a record at `key` (undefined: the process did not exist then). */
export function rightsAt (pc: ProcChannels, key: string): Rights | undefined {
  const r = pc.rights
  let lo = 0
  let hi = r.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((r[mid] as Rights).key < key) lo = mid + 1
    else hi = mid
  }
  return lo === 0 ? undefined : r[lo - 1]
}

export type ChannelOp = 'write to' | 'read from' | 'subscribe to'

/**
 * Whether `who` may use channel `name` under `rights`: the same rule for the fold (writes)
 * and the node (reads and subscriptions), with upstream's words.
 */
export function channelAccess (pc: Pick<ProcChannels, 'names' | 'initiator'>, rights: Rights, name: string, who: string, op: ChannelOp): Refusal | undefined {
  if (!pc.names.has(name)) return notFound(`Channel not found: the process declares no channel ${JSON.stringify(name)}`)
  if (!rights.open) return notFound(`Channel not found: the process of channel ${JSON.stringify(name)} has ended`)
  if (who !== pc.initiator && who !== rights.executor) {
    return forbidden(`not authorized to ${op} channel ${JSON.stringify(name)}: only the process's submitter and its assigned executor may`)
  }
  return undefined
}

const seqKey = (name: string, sender: string, sequence: number): string => `${name}\u0000${sender}\u0000${sequence}`

type AppendRecord = FoldEntry & { msg: ChannelAppendMsg }

/** What a channel record may be refused for whatever the other entries: its form, its origin, its author's rights at its key. */
function judgeRights (pc: ProcChannels, e: FoldEntry, tl: Timeline): Refusal | undefined {
  if (e.invalid !== undefined) return invalid(e.invalid)
  const m = e.msg
  if (e.rec.b.k !== 'env' || m?.msgtype !== 'channelappendmsg') return invalid('not a channel record')
  const rights = rightsAt(pc, e.key)
  if (rights === undefined) return notFound(pc.rights.length === 0 ? 'the process does not exist' : 'ordered before the process was submitted')
  if (!tl.isSiteOfAt(pc.colony, e.rec.o, e.key)) return forbidden('the origin node is not a site of the colony')
  if (!tl.isMemberAt(pc.colony, e.author, e.key)) return forbidden(`not a member of colony ${JSON.stringify(pc.colony)}`)
  return channelAccess(pc, rights, m.name, e.author, 'write to')
}

function duplicate (prev: ChannelEntry, m: ChannelAppendMsg): Refusal {
  return conflict(sameAppend(prev, m)
    ? `already appended: sequence ${m.sequence} of this sender is in channel ${JSON.stringify(m.name)}`
    : `sequence ${m.sequence} was already used by this sender in channel ${JSON.stringify(m.name)}: use a new one`)
}

function entryOf (pc: ProcChannels, e: AppendRecord): ChannelEntry {
  const m = e.msg
  return {
    id: e.id,
    key: e.key,
    processid: pc.processid,
    name: m.name,
    senderid: e.author,
    sequence: m.sequence,
    inreplyto: m.inreplyto,
    payload: m.payload,
    type: entryType(m.payloadtype),
    at: e.rec.t.w
  }
}

/** Judges a channel record after those before it in `pc`; returns the entry it makes or why not. Changes nothing. */
export function judgeChannel (pc: ProcChannels, e: FoldEntry, tl: Timeline): ChannelEntry | Refusal {
  const denied = judgeRights(pc, e, tl)
  if (denied !== undefined) return denied
  const m = (e as AppendRecord).msg
  const prev = entryAt(pc, m.name, e.author, m.sequence)
  if (prev !== undefined) return duplicate(prev, m)
  if ((pc.logs.get(m.name)?.length ?? 0) >= MAX_CHANNEL_ENTRIES) return conflict(`channel ${JSON.stringify(m.name)} is full (${MAX_CHANNEL_ENTRIES} entries)`)
  if (pc.bytes + payloadSize(m.payload) > MAX_CHANNEL_BYTES) return conflict(`the process's channels hold ${MAX_CHANNEL_BYTES} bytes of payload, the most they may`)
  return entryOf(pc, e as AppendRecord)
}

/**
 * A channel record that arrived after later ones (already in `pc.records`): judged at its
 * place without judging the others again when it cannot change their verdicts (it takes
 * no sequence a later entry holds, and the channel is far from its limits). Returns the
 * entry it makes (or none), or undefined when every record must be judged again.
 */
export function placeChannel (pc: ProcChannels, e: FoldEntry, tl: Timeline): ChannelEntry[] | undefined {
  const denied = judgeRights(pc, e, tl)
  if (denied !== undefined) {
    pc.refusals.set(e.id, denied)
    return []
  }
  const m = (e as AppendRecord).msg
  const log = pc.logs.get(m.name) ?? []
  const size = payloadSize(m.payload)
  if (log.length + 1 >= MAX_CHANNEL_ENTRIES || pc.bytes + size > MAX_CHANNEL_BYTES) return undefined
  const prev = entryAt(pc, m.name, e.author, m.sequence)
  if (prev !== undefined && prev.key < e.key) {
    pc.refusals.set(e.id, duplicate(prev, m))
    return []
  }
  // it would take the place of a later entry of the same sequence
  if (prev !== undefined) return undefined
  const c = entryOf(pc, e as AppendRecord)
  let lo = 0
  let hi = log.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((log[mid] as ChannelEntry).key < c.key) lo = mid + 1
    else hi = mid
  }
  if (log.length === 0) pc.logs.set(m.name, log)
  log.splice(lo, 0, c)
  pc.bySeq.set(seqKey(c.name, c.senderid, c.sequence), c)
  pc.bytes += size
  return [c]
}

/** The type an entry gets: upstream's router writes "data" when the append names none. */
export function entryType (payloadtype: string): string {
  return payloadtype === '' ? 'data' : payloadtype
}

/** The entry `sender` holds at `sequence` in channel `name`, if any. */
export function entryAt (pc: ProcChannels, name: string, sender: string, sequence: number): ChannelEntry | undefined {
  return pc.bySeq.get(seqKey(name, sender, sequence))
}

/** Whether an append would make the very entry `c` (a re-sent append). */
export function sameAppend (c: ChannelEntry, m: { payload: string | null, inreplyto: number, payloadtype: string }): boolean {
  return c.payload === m.payload && c.inreplyto === m.inreplyto && c.type === entryType(m.payloadtype)
}

export function isEntry (x: ChannelEntry | Refusal): x is ChannelEntry {
  return 'senderid' in x
}

function keep (pc: ProcChannels, c: ChannelEntry): void {
  let log = pc.logs.get(c.name)
  if (log === undefined) pc.logs.set(c.name, log = [])
  log.push(c)
  pc.bySeq.set(seqKey(c.name, c.senderid, c.sequence), c)
  pc.bytes += payloadSize(c.payload)
}

/** Judges and applies a channel record that comes after every other of `pc`; returns the entry or why not. */
export function applyChannel (pc: ProcChannels, e: FoldEntry, tl: Timeline): ChannelEntry | Refusal {
  const r = judgeChannel(pc, e, tl)
  if (isEntry(r)) keep(pc, r)
  else pc.refusals.set(e.id, r)
  return r
}

/**
 * Judges every channel record of `pc` again, in order (a record arrived out of order, or
 * the rights changed behind some). Returns the entries accepted now that were not before.
 */
export function rejudge (pc: ProcChannels, tl: Timeline, before = acceptedIds(pc)): ChannelEntry[] {
  pc.logs.clear()
  pc.bySeq.clear()
  pc.refusals.clear()
  pc.bytes = 0
  const fresh: ChannelEntry[] = []
  for (const e of pc.records) {
    const r = applyChannel(pc, e, tl)
    if (isEntry(r) && !before.has(r.id)) fresh.push(r)
  }
  return fresh
}

/** The ids of the entries `pc` holds (none for none). */
export function acceptedIds (pc: ProcChannels | undefined): Set<string> {
  const ids = new Set<string>()
  for (const log of pc?.logs.values() ?? []) for (const c of log) ids.add(c.id)
  return ids
}

/** Whether any channel record of `pc` lies after `key` (its verdict may depend on what changed there). */
export function recordsAfter (pc: ProcChannels, key: string): boolean {
  const last = pc.records[pc.records.length - 1]
  return last !== undefined && last.key > key
}

/** What the state hash keeps of a process's channels: its accepted entries' ids per channel. */
export function channelDigest (pc: ProcChannels): Array<[string, string[]]> {
  return [...pc.logs].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([name, log]) => [name, log.map(c => c.id)])
}
