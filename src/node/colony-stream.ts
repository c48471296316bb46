/**
 * colonynet's colony-wide change stream on /pubsub (`subscribecolonymsg`), for live views:
 * ColonyOS subscriptions wait for one state of one executor type, a dashboard wants every
 * change. Each frame is a reply envelope (payloadtype subscribecolonymsg) whose payload is
 * `{processes: [{processid, state}], colonylevel, reset}`: the processes of the colony that
 * changed since the last frame (state -1: removed), whether executors, users or sites
 * changed, and `reset` when more changed than one frame carries (reload everything).
 *
 * Bounded: changes are coalesced per process and sent at most every FLUSH_MS; a frame
 * carries at most MAX_FRAME_PROCESSES; a socket that does not drain gets a reset instead
 * of a growing queue; a socket holds at most MAX_PER_SOCKET streams and a node MAX_STREAMS.
 */
import { MAX_TIMER_MS } from './deadlines.js'
import type { WebSocket } from 'ws'
import { ColonyError, ForbiddenError, NotFoundError, ValidationError } from '../protocol/errors.js'
import { okReply } from '../protocol/envelope.js'
import type { Ledger, LedgerChange } from '../store/ledger.js'
import type { Request } from './rpc-service.js'
import { type Clock, type Service, systemClock, type Timer } from './clock.js'

export const FLUSH_MS = 100
export const MAX_FRAME_PROCESSES = 500
export const MAX_PER_SOCKET = 4
export const MAX_STREAMS = 1000
/** bytes queued on a socket beyond which it gets a reset rather than more frames */
const MAX_BUFFERED = 1024 * 1024

export interface ColonyChangeFrame {
  processes: Array<{ processid: string, state: number }>
  colonylevel: boolean
  reset: boolean
}

class TooManyStreamsError extends ColonyError {
  override readonly status = 503
  constructor (message: string) {
    super(message)
    this.name = 'TooManyStreamsError'
  }
}

interface Stream {
  readonly ws: WebSocket
  readonly colony: string
  readonly pending: Map<string, number>
  colonylevel: boolean
  reset: boolean
  flush?: Timer
  timeout?: Timer
}

export class ColonyStream implements Service {
  private readonly streams = new Set<Stream>()
  private readonly perSocket = new WeakMap<WebSocket, number>()
  private readonly ledger: Ledger
  private readonly clock: Clock

  constructor (ledger: Ledger, clock: Clock = systemClock) {
    this.ledger = ledger
    this.clock = clock
  }

  /** Registers a stream from a verified request; throws a typed error when refused. */
  subscribe (ws: WebSocket, req: Request): void {
    const m = req.msg
    if (m.msgtype !== 'subscribecolonymsg') throw new ValidationError('msgtype', 'expected subscribecolonymsg')
    const fold = this.ledger.fold
    const c = fold.colony(m.colonyname)
    if (c === undefined) throw new NotFoundError(`Colony with name ${JSON.stringify(m.colonyname)} does not exist`)
    if (!fold.isMember(m.colonyname, req.signer) && c.colonyid !== req.signer) {
      throw new ForbiddenError(`Access denied, not a member of colony ${JSON.stringify(m.colonyname)}`)
    }
    const mine = this.perSocket.get(ws) ?? 0
    if (mine >= MAX_PER_SOCKET) throw new ValidationError('msgtype', `at most ${MAX_PER_SOCKET} colony streams per socket`)
    if (this.streams.size >= MAX_STREAMS) throw new TooManyStreamsError('this node serves too many colony streams right now: try again later')
    const s: Stream = { ws, colony: m.colonyname, pending: new Map(), colonylevel: false, reset: false }
    if (m.timeout > 0 && m.timeout * 1000 <= MAX_TIMER_MS) s.timeout = this.clock.setTimeout(() => { ws.close(1000, 'subscription timed out') }, m.timeout * 1000)
    this.streams.add(s)
    this.perSocket.set(ws, mine + 1)
    ws.once('close', () => this.remove(s))
    // an empty first frame says the stream is live: changes after it will be sent
    this.send(s, { processes: [], colonylevel: false, reset: false })
  }

  private remove (s: Stream): void {
    if (!this.streams.delete(s)) return
    this.clock.clearTimeout(s.flush)
    this.clock.clearTimeout(s.timeout)
    this.perSocket.set(s.ws, Math.max(0, (this.perSocket.get(s.ws) ?? 1) - 1))
  }

  /** Open streams (for statistics and tests). */
  count (): number {
    return this.streams.size
  }

  onChange (change: LedgerChange): void {
    if (this.streams.size === 0) return
    const fold = this.ledger.fold
    const byColony = new Map<string, Array<[string, number]>>()
    for (const pid of change.processes) {
      // removed processes are still known to the fold, with their colony
      const p = fold.processRaw(pid)
      if (p === undefined) continue
      let list = byColony.get(p.colonyname)
      if (list === undefined) byColony.set(p.colonyname, list = [])
      list.push([pid, p.removed ? -1 : p.state])
    }
    for (const s of this.streams) {
      const list = byColony.get(s.colony)
      if (list === undefined && !change.colonyLevel) continue
      if (change.colonyLevel) s.colonylevel = true
      for (const [pid, state] of list ?? []) {
        if (s.reset) break
        s.pending.set(pid, state)
        if (s.pending.size > MAX_FRAME_PROCESSES) {
          s.reset = true
          s.pending.clear()
        }
      }
      s.flush ??= this.clock.setTimeout(() => { this.flush(s) }, FLUSH_MS)
    }
  }

  private flush (s: Stream): void {
    s.flush = undefined
    if (!this.streams.has(s)) return
    if (s.ws.bufferedAmount > MAX_BUFFERED) {
      // the client is not reading: replace what is queued for it with one reset later
      s.reset = true
      s.pending.clear()
      s.flush = this.clock.setTimeout(() => { this.flush(s) }, FLUSH_MS * 5)
      return
    }
    const frame: ColonyChangeFrame = {
      processes: [...s.pending].map(([processid, state]) => ({ processid, state })),
      colonylevel: s.colonylevel,
      reset: s.reset
    }
    s.pending.clear()
    s.colonylevel = false
    s.reset = false
    this.send(s, frame)
  }

  private send (s: Stream, frame: ColonyChangeFrame): void {
    if (s.ws.readyState !== s.ws.OPEN) return
    s.ws.send(JSON.stringify(okReply('subscribecolonymsg', frame)))
  }

  /** Nothing to start: streams come with requests. */
  start (): void {}

  /** Ends every stream (their sockets are terminated). */
  stop (): void {
    for (const s of [...this.streams]) {
      this.remove(s)
      s.ws.terminate()
    }
  }
}
