/**
 * ColonyOS's WebSocket subscriptions on /pubsub: `subscribeprocessmsg` (one process
 * reaching a state) and `subscribeprocessesmsg` (any process of an executor type reaching
 * a state). Each match is sent as a reply envelope (payloadtype subscribeprocessmsg, the
 * process as payload); the socket closes when the subscription's timeout passes.
 */
import { MAX_TIMER_MS } from './deadlines.js'
import type { WebSocket } from 'ws'
import { ForbiddenError, NotFoundError, ValidationError } from '../protocol/errors.js'
import { okReply } from '../protocol/envelope.js'
import { isFinal } from '../protocol/state.js'
import { processToWire, type ProcessView } from '../protocol/wire.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import type { Request } from './rpc-service.js'
import { type Clock, type Service, systemClock, type Timer } from './clock.js'

interface Subscription {
  readonly ws: WebSocket
  readonly colony: string
  readonly processid: string
  readonly executortype: string
  readonly state: number
  timer?: Timer
}

/** Subscriptions one WebSocket may hold (each is a listener on the node). */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 64

export class PubSub implements Service {
  private readonly subs = new Set<Subscription>()
  /**
   * The state each live process was last seen in: a notification is sent on a change into
   * the state. Settled processes leave it (memory follows live work): a settled process is
   * reported again only if a re-fold changes it.
   */
  private readonly lastState = new Map<string, number>()
  private readonly ledger: Ledger
  private readonly clock: Clock

  constructor (ledger: Ledger, clock: Clock = systemClock) {
    this.ledger = ledger
    this.clock = clock
    for (const p of ledger.fold.processes()) if (!isFinal(p.state)) this.lastState.set(p.processid, p.state)
  }

  /** Registers a subscription from a verified request; rejects with a typed error when refused. */
  async subscribe (ws: WebSocket, req: Request): Promise<void> {
    const fold = this.ledger.fold
    const m = req.msg
    if (m.msgtype !== 'subscribeprocessmsg' && m.msgtype !== 'subscribeprocessesmsg') {
      throw new ValidationError('msgtype', 'only subscribeprocessmsg and subscribeprocessesmsg are served on /pubsub')
    }
    let process: ProcessView | undefined
    let colony = m.colonyname
    let executortype = m.executortype
    if (m.msgtype === 'subscribeprocessmsg') {
      process = await this.ledger.reads.process(m.processid)
      if (process === undefined) throw new NotFoundError(`Process with id ${m.processid} does not exist`)
      colony = process.colonyname
      if (executortype === '') executortype = process.spec.conditions.executortype
    }
    if (fold.colony(colony) === undefined) throw new NotFoundError(`Colony with name ${JSON.stringify(colony)} does not exist`)
    if (!fold.isMember(colony, req.signer) && fold.colony(colony)?.colonyid !== req.signer) {
      throw new ForbiddenError(`Access denied, not a member of colony ${JSON.stringify(colony)}`)
    }
    const sub: Subscription = { ws, colony, processid: process?.processid ?? '', executortype, state: m.state }
    const mine = [...this.subs].filter(s => s.ws === ws).length
    if (mine >= MAX_SUBSCRIPTIONS_PER_SOCKET) throw new ValidationError('msgtype', `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per WebSocket: open another one`)
    // a timeout beyond setTimeout's range (24.8 days) is as good as none
    if (m.timeout > 0 && m.timeout * 1000 <= MAX_TIMER_MS) sub.timer = this.clock.setTimeout(() => { ws.close(1000, 'subscription timed out') }, m.timeout * 1000)
    this.subs.add(sub)
    ws.once('close', () => this.remove(sub))
    // Already there: say so at once (as ColonyOS does), or the subscriber would wait forever.
    if (process !== undefined && process.state === m.state) this.send(sub, process)
  }

  private remove (sub: Subscription): void {
    this.clock.clearTimeout(sub.timer)
    this.subs.delete(sub)
  }

  private send (sub: Subscription, p: ProcessView): void {
    if (sub.ws.readyState !== sub.ws.OPEN) return
    sub.ws.send(JSON.stringify(okReply('subscribeprocessmsg', processToWire(p))))
  }

  /** Open subscriptions (for statistics and tests). */
  count (): number {
    return this.subs.size
  }

  onChange (change: LedgerChange): void {
    const fold = this.ledger.fold
    for (const pid of change.processes) {
      const p = fold.process(pid)
      if (p === undefined) {
        this.lastState.delete(pid)
        continue
      }
      if (this.lastState.get(pid) === p.state) continue
      if (isFinal(p.state)) this.lastState.delete(pid)
      else this.lastState.set(pid, p.state)
      for (const sub of this.subs) {
        if (sub.state !== p.state || sub.colony !== p.colonyname) continue
        if (sub.processid !== '' ? sub.processid === pid : sub.executortype === p.spec.conditions.executortype) this.send(sub, p)
      }
    }
  }

  /** Nothing to start: subscriptions come with requests. */
  start (): void {}

  /** Ends every subscription (their sockets are terminated). */
  stop (): void {
    for (const sub of this.subs) {
      this.remove(sub)
      sub.ws.terminate()
    }
  }
}
