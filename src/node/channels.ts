/**
 * Process channels at a node: who may read and write them (upstream's rule), reads by
 * position (channel-logs.ts), the append rate a process is allowed here, and
 * `subscribechannelmsg` on the WebSocket /pubsub.
 *
 * A subscription first gets what the channel holds after `afterseq` (in one reply, if
 * any), then each entry in its own reply as the fold accepts it, whichever site it was
 * appended at: an append travels as its record, so a subscriber at one site hears the
 * other site's appends as soon as their batch arrives. When the subscription's timeout
 * passes, or the process ends, the node sends an empty list (upstream's "no more") and
 * the subscription ends; the socket stays open for others, as upstream's does.
 */
import type { WebSocket } from 'ws'
import { channelAccess, type ChannelOp, entryAt, sameAppend } from '../protocol/channel-fold.js'
import { ForbiddenError, NotFoundError, TooManyRequestsError, ValidationError } from '../protocol/errors.js'
import { okReply } from '../protocol/envelope.js'
import type { ChannelAppendMsg } from '../protocol/messages.js'
import { refusalError } from '../protocol/refusal.js'
import { isFinal } from '../protocol/state.js'
import { channelEntryToWire, type MsgEntry, slowSubscriberEntry } from '../protocol/wire-channels.js'
import type { ProcessView } from '../protocol/wire.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import { ChannelLogs, inLedgerOrder } from './channel-logs.js'
import { type Clock, type Service, systemClock, type Timer } from './clock.js'
import { MAX_TIMER_MS } from './deadlines.js'
import { TokenBuckets } from './rate-limit.js'
import type { Request } from './rpc-service.js'

/** Channel subscriptions one WebSocket may hold. */
export const MAX_CHANNEL_SUBSCRIPTIONS_PER_SOCKET = 64
/** Upstream's rate: a process's channels take 100 appends a second here, in bursts of up to 500. */
export const CHANNEL_APPENDS_PER_SECOND = 100
export const CHANNEL_APPEND_BURST = 500
/** A subscriber that leaves this much unread is dropped, as upstream drops one whose buffer fills. */
export const MAX_SUBSCRIBER_BACKLOG_BYTES = 16 * 1024 * 1024
/** A subscription's timeout when it names none (upstream's). */
const DEFAULT_TIMEOUT_S = 30

interface ChannelSub {
  readonly ws: WebSocket
  readonly processid: string
  readonly name: string
  /** how much of the channel's log this subscriber was sent */
  sent: number
  timer?: Timer
}

export interface ChannelServiceComponents {
  readonly ledger: Ledger
  readonly clock?: Clock
}

export class ChannelService implements Service {
  readonly logs: ChannelLogs
  private readonly ledger: Ledger
  private readonly clock: Clock
  private readonly rates: TokenBuckets
  /** subscriptions by process */
  private readonly subs = new Map<string, Set<ChannelSub>>()

  constructor (c: ChannelServiceComponents) {
    this.ledger = c.ledger
    this.clock = c.clock ?? systemClock
    this.logs = new ChannelLogs(() => this.ledger.fold)
    this.rates = new TokenBuckets({ burst: CHANNEL_APPEND_BURST, perSecond: CHANNEL_APPENDS_PER_SECOND, clock: this.clock })
  }

  /** Throws upstream's refusal (404 "Channel not found…", 403 "…not authorized…") unless `who` may use the channel now. */
  requireAccess (p: ProcessView, name: string, who: string, op: ChannelOp): void {
    const rights = { key: '', open: !p.removed && !isFinal(p.state), executor: p.assignedexecutorid }
    const denied = channelAccess({ names: new Set(p.spec.channels), initiator: p.initiatorid }, rights, name, who, op)
    if (denied !== undefined) throw refusalError(denied)
  }

  /** Whether `sender` already appended this very message (a client resending after a lost reply). */
  isResend (m: ChannelAppendMsg, sender: string): boolean {
    const pc = this.ledger.fold.channels(m.processid)
    const prev = pc === undefined ? undefined : entryAt(pc, m.name, sender, m.sequence)
    return prev !== undefined && sameAppend(prev, m)
  }

  /** Counts an append against its process's rate here; throws past it. */
  admit (processid: string): void {
    if (!this.rates.take(processid)) {
      throw new TooManyRequestsError(`rate limit exceeded: a process's channels take ${CHANNEL_APPENDS_PER_SECOND} appends a second (bursts of ${CHANNEL_APPEND_BURST}); slow down and retry`)
    }
  }

  /** upstream's channelreadmsg: entries after position `afterseq`, at most `limit` (see ChannelLogs.read). */
  read (processid: string, name: string, afterseq: number, limit: number): MsgEntry[] {
    return this.logs.read(processid, name, afterseq, limit).map(channelEntryToWire)
  }

  /** Registers a subscription from a verified request; rejects with a typed error when refused. */
  async subscribe (ws: WebSocket, req: Request): Promise<void> {
    const m = req.msg
    if (m.msgtype !== 'subscribechannelmsg') throw new ValidationError('msgtype', 'not a channel subscription')
    const p = await this.ledger.reads.process(m.processid)
    if (p === undefined) throw new NotFoundError(`Process with id ${m.processid} does not exist`)
    const fold = this.ledger.fold
    if (!fold.isMember(p.colonyname, req.signer) && fold.colony(p.colonyname)?.colonyid !== req.signer) {
      throw new ForbiddenError(`Access denied, not a member of colony ${JSON.stringify(p.colonyname)}`)
    }
    this.requireAccess(p, m.name, req.signer, 'subscribe to')
    let mine = 0
    for (const set of this.subs.values()) for (const s of set) if (s.ws === ws) mine++
    if (mine >= MAX_CHANNEL_SUBSCRIPTIONS_PER_SOCKET) {
      throw new ValidationError('msgtype', `at most ${MAX_CHANNEL_SUBSCRIPTIONS_PER_SOCKET} channel subscriptions per WebSocket: open another one`)
    }
    const log = this.logs.logOf(p.processid, m.name)
    const sub: ChannelSub = { ws, processid: p.processid, name: m.name, sent: log.length }
    let set = this.subs.get(sub.processid)
    if (set === undefined) this.subs.set(sub.processid, set = new Set())
    set.add(sub)
    ws.once('close', () => this.remove(sub))
    const first = m.afterseq <= 0 ? inLedgerOrder(log) : log.slice(m.afterseq)
    if (first.length > 0) this.send(sub, first.map(channelEntryToWire))
    const timeoutMs = (m.timeout === 0 ? DEFAULT_TIMEOUT_S : Math.max(0, m.timeout)) * 1000
    // a timeout beyond setTimeout's range (24.8 days) is as good as none
    if (timeoutMs <= MAX_TIMER_MS) sub.timer = this.clock.setTimeout(() => this.end(sub), timeoutMs)
  }

  /** Open channel subscriptions (statistics and tests). */
  count (): number {
    let n = 0
    for (const set of this.subs.values()) n += set.size
    return n
  }

  onChange (change: LedgerChange): void {
    // new entries: each subscriber of a channel that gained some is sent what it lacks
    const fresh = change.channels ?? []
    this.logs.take(fresh)
    const touched = new Set<string>()
    for (const c of fresh) {
      const k = `${c.processid}\u0000${c.name}`
      if (touched.has(k) || this.subs.get(c.processid) === undefined) continue
      touched.add(k)
      const log = this.logs.logOf(c.processid, c.name, false)
      for (const sub of this.subs.get(c.processid) ?? []) {
        if (sub.name !== c.name) continue
        // one reply per entry, as upstream pushes them
        for (; sub.sent < log.length && this.subs.get(sub.processid)?.has(sub) === true; sub.sent++) this.send(sub, [channelEntryToWire(log[sub.sent] as typeof log[number])])
      }
    }
    // a process that ended closes its channels
    const fold = this.ledger.fold
    for (const pid of change.processes) {
      const p = fold.process(pid)
      if (p !== undefined && !isFinal(p.state)) continue
      for (const sub of this.subs.get(pid) ?? []) this.end(sub)
      this.logs.drop(pid)
      this.rates.forget(pid)
    }
  }

  /** Nothing to start: subscriptions come with requests. */
  start (): void {}

  /** Ends every subscription (the HTTP server closes the sockets). */
  stop (): void {
    for (const set of this.subs.values()) for (const sub of set) this.remove(sub)
  }

  /** upstream's end of a subscription: an empty list, the socket left open. */
  private end (sub: ChannelSub): void {
    if (this.subs.get(sub.processid)?.has(sub) !== true) return
    this.send(sub, [])
    this.remove(sub)
  }

  private remove (sub: ChannelSub): void {
    this.clock.clearTimeout(sub.timer)
    const set = this.subs.get(sub.processid)
    set?.delete(sub)
    if (set?.size === 0) this.subs.delete(sub.processid)
  }

  private send (sub: ChannelSub, entries: MsgEntry[]): void {
    if (sub.ws.readyState !== sub.ws.OPEN) {
      this.remove(sub)
      return
    }
    if (sub.ws.bufferedAmount > MAX_SUBSCRIBER_BACKLOG_BYTES) {
      sub.ws.send(JSON.stringify(okReply('subscribechannelmsg', [slowSubscriberEntry()])))
      this.remove(sub)
      return
    }
    sub.ws.send(JSON.stringify(okReply('subscribechannelmsg', entries)))
  }
}
