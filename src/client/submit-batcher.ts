/**
 * An opt-in coalescer of submits: `submit(spec)` calls made in the same turn of the event
 * loop, or while a bulk of the same colony is in flight, go to the node as one
 * `submitfuncspecsmsg` (one signature, one request, one ledger record), and each caller
 * gets its own process back. ColoniesClient.submitFunctionSpec is left as it is.
 *
 * When the node refuses a bulk (a 4xx: nothing was written), each of its specs is sent
 * again on its own, so that one bad spec fails only its caller, with its own error; a node
 * that does not know the message (a ColonyOS server) gets single submits from then on.
 * Any other failure (no answer, a timeout, a 5xx) is every caller's error: the bulk may
 * have been written, and sending it again could submit it twice.
 */
import { MAX_BULK_SPECS } from '../protocol/messages.js'
import type { FunctionSpec } from '../protocol/spec.js'
import type { Process } from '../protocol/wire-types.js'
import type { FunctionSpecInput } from './rpc-processes.js'

/** What the batcher needs of a client (ColoniesClient has both). */
export interface BulkSubmitter {
  submitFunctionSpec: (spec: FunctionSpecInput | FunctionSpec) => Promise<Process>
  submitFunctionSpecs: (specs: ReadonlyArray<FunctionSpecInput | FunctionSpec>) => Promise<Process[]>
}

export interface SubmitBatcherOptions {
  /** most specs per bulk (default 128, at most MAX_BULK_SPECS) */
  maxBatch?: number
  /** bulks of one colony in flight at once (default 1: the next gathers while one is out) */
  maxInFlight?: number
}

interface Waiter {
  readonly spec: FunctionSpecInput | FunctionSpec
  readonly resolve: (p: Process) => void
  readonly reject: (err: unknown) => void
}

interface Lane {
  queue: Waiter[]
  inFlight: number
  scheduled: boolean
}

/** Refusals after which nothing was written: the specs may be sent again one by one. */
const REFUSED = new Set([400, 403, 404, 409, 413])

export class SubmitBatcher {
  private readonly maxBatch: number
  private readonly maxInFlight: number
  /** one lane per colony: a bulk carries specs of one colony only */
  private readonly lanes = new Map<string, Lane>()
  private bulkUnsupported = false
  /** bulk requests sent, and specs sent in them (single submits not counted) */
  bulks = 0
  bulkSpecs = 0

  constructor (private readonly client: BulkSubmitter, opts: SubmitBatcherOptions = {}) {
    this.maxBatch = Math.max(1, Math.min(opts.maxBatch ?? 128, MAX_BULK_SPECS))
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 1)
  }

  /** Submits the spec with others queued beside it; resolves with its own process. */
  async submit (spec: FunctionSpecInput | FunctionSpec): Promise<Process> {
    const colony = spec.conditions.colonyname ?? ''
    let lane = this.lanes.get(colony)
    if (lane === undefined) this.lanes.set(colony, lane = { queue: [], inFlight: 0, scheduled: false })
    const l = lane
    return await new Promise<Process>((resolve, reject) => {
      l.queue.push({ spec, resolve, reject })
      this.schedule(l)
    })
  }

  /** Sends at the end of this turn, unless the lane is busy: its next bulk leaves when one returns. */
  private schedule (lane: Lane): void {
    if (lane.scheduled || lane.inFlight >= this.maxInFlight) return
    lane.scheduled = true
    setImmediate(() => {
      lane.scheduled = false
      this.drain(lane)
    })
  }

  private drain (lane: Lane): void {
    while (lane.queue.length > 0 && lane.inFlight < this.maxInFlight) {
      const group = lane.queue.splice(0, this.maxBatch)
      lane.inFlight++
      void this.send(group).finally(() => {
        lane.inFlight--
        if (lane.queue.length > 0) this.schedule(lane)
      })
    }
  }

  private async send (group: readonly Waiter[]): Promise<void> {
    if (group.length === 1 || this.bulkUnsupported) {
      await Promise.all(group.map(async w => await this.single(w)))
      return
    }
    let ps: Process[]
    try {
      this.bulks++
      this.bulkSpecs += group.length
      ps = await this.client.submitFunctionSpecs(group.map(w => w.spec))
    } catch (err) {
      const status = (err as { status?: unknown }).status
      if (typeof status !== 'number' || !REFUSED.has(status)) {
        for (const w of group) w.reject(err)
        return
      }
      if (status === 400 && /unknown message type/.test(String((err as Error).message))) this.bulkUnsupported = true
      await Promise.all(group.map(async w => await this.single(w)))
      return
    }
    group.forEach((w, i) => {
      const p = ps[i]
      if (p === undefined) w.reject(new Error(`the node answered the bulk with ${ps.length} processes for ${group.length} specs`))
      else w.resolve(p)
    })
  }

  private async single (w: Waiter): Promise<void> {
    try {
      w.resolve(await this.client.submitFunctionSpec(w.spec))
    } catch (err) {
      w.reject(err)
    }
  }
}
