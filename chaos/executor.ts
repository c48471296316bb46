/**
 * A chaos-suite executor: a real child process running the executor SDK against its own
 * site's node. Each execution is appended to a log (one JSON line: process id, attempt
 * as seen by the executor, site, time) before it closes, so the checker can count
 * duplicate executions: the same process run more than once, anywhere. RUN_MS (default
 * 20) is how long each execution takes; WATCH_MS (default 0: never) how often the SDK asks
 * the node about a running process, which renews its lease there (src/node/leases.ts).
 * Usage: executor.ts URL PRVKEY COLONY SITE LOGFILE [RUN_MS [WATCH_MS]]
 */
import { appendFileSync } from 'node:fs'
import { Executor } from '../src/client/executor.js'
import { ColoniesClient } from '../src/client/rpc-client.js'

const [url, prvkey, colonyname, site, logFile, runMs = '20', watchMs = '0'] = process.argv.slice(2) as [string, string, string, string, string, string?, string?]
const x = new Executor({
  client: new ColoniesClient({ url, prvkey, timeoutMs: 5000 }),
  colonyname,
  watchIntervalMs: Number(watchMs),
  handler: async p => {
    appendFileSync(logFile, JSON.stringify({ pid: p.processid, site, t: Date.now() }) + '\n')
    await new Promise(resolve => setTimeout(resolve, Number(runMs)))
    return { out: [site] }
  }
}).start()
const stop = (): void => { void x.stop({ graceMs: 2000 }).then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
