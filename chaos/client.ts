/**
 * A chaos-suite client: a real child process at one site submitting work to that site's
 * node at a steady rate and logging every operation with its answer (one JSON line each:
 * when it was sent, when answered, acknowledged or not, the process id or the error), so
 * the checker can hold the cluster to every acknowledged submit.
 * It uses colonynet's fast path as colonynet's own clients do: submits go in bursts of
 * BURST through a SubmitBatcher, so most become bulk submits (submitfuncspecsmsg, one
 * record for several processes) and the checker holds bulks to the same guarantees.
 * Usage: client.ts URL PRVKEY COLONY SITE LOGFILE RATE_PER_S
 */
import { appendFileSync } from 'node:fs'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { SubmitBatcher } from '../src/client/submit-batcher.js'

/** submits sent together (the same event-loop turn): one bulk while none is in flight */
const BURST = 4

const [url, prvkey, colonyname, site, logFile, rate] = process.argv.slice(2) as [string, string, string, string, string, string]
const client = new ColoniesClient({ url, prvkey, timeoutMs: 5000 })
const batcher = new SubmitBatcher(client)
let stopping = false
process.on('SIGTERM', () => { stopping = true })
process.on('SIGINT', () => { stopping = true })

const interval = 1000 * BURST / Number(rate)
let n = 0
const inflight = new Set<Promise<void>>()
while (!stopping) {
  for (let k = 0; k < BURST; k++) {
    const seq = n++
    const sent = Date.now()
    const op = batcher.submit({
      funcname: 'work',
      args: [`${site}-${seq}`],
      maxexectime: 20,
      maxretries: -1,
      conditions: { colonyname, executortype: 'chaos' }
    }).then(p => {
      appendFileSync(logFile, JSON.stringify({ op: 'submit', site, seq, sent, answered: Date.now(), ok: true, pid: p.processid }) + '\n')
    }, (err: Error) => {
      appendFileSync(logFile, JSON.stringify({ op: 'submit', site, seq, sent, answered: Date.now(), ok: false, error: err.message }) + '\n')
    })
    inflight.add(op)
    void op.finally(() => inflight.delete(op))
  }
  await new Promise(resolve => setTimeout(resolve, interval))
}
await Promise.all(inflight)
process.exit(0)
