/**
 * Waiting on a workflow from the command line (`workflow submit --wait`). The node's
 * subscriptions are per process, and a workflow ends when its last node closes, one fails
 * or it is cancelled, so we poll the graph itself: often at first, for quick workflows,
 * then once a second.
 */
import type { ColoniesClient } from '../client/index.js'
import { ProcessState } from '../protocol/state.js'
import type { ProcessGraph } from '../protocol/wire-types.js'

const FINAL = new Set<number>([ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED])
const FAST_POLL_MS = 250
const SLOW_POLL_MS = 1000
/** how long to poll fast before slowing down */
const FAST_FOR_MS = 30_000

export function isFinalGraph (g: ProcessGraph): boolean {
  return FINAL.has(g.state)
}

export interface WaitWorkflowOptions {
  /** seconds; 0 = no limit */
  timeoutSec?: number
  /** called with the graph each time its state changes (and once at the start) */
  onState?: (g: ProcessGraph) => void
  signal?: AbortSignal
}

async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve() }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Resolves with the graph once it is SUCCESS, FAILED or CANCELLED; throws WaitTimeoutError past the timeout. */
export async function waitUntilWorkflowEnded (client: ColoniesClient, processgraphid: string, opts: WaitWorkflowOptions = {}): Promise<ProcessGraph> {
  const { WaitTimeoutError } = await import('../client/index.js')
  const started = Date.now()
  const timeoutSec = opts.timeoutSec ?? 0
  const deadline = timeoutSec > 0 ? started + timeoutSec * 1000 : Infinity
  let last: number | undefined
  for (;;) {
    opts.signal?.throwIfAborted()
    const g = await client.getProcessGraph(processgraphid, { signal: opts.signal })
    if (g.state !== last) {
      last = g.state
      opts.onState?.(g)
    }
    if (isFinalGraph(g)) return g
    const now = Date.now()
    if (now >= deadline) throw new WaitTimeoutError(`workflow ${processgraphid} did not end within ${timeoutSec} s`)
    await pause(Math.min(now - started < FAST_FOR_MS ? FAST_POLL_MS : SLOW_POLL_MS, deadline - now), opts.signal)
  }
}
