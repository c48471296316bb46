/**
 * A chaos-suite executor: a real child process running the executor SDK against its own
 * site's node. Each execution is appended to a log (one JSON line: process id, attempt
 * as seen by the executor, site, time) before it closes, so the checker can count
 * duplicate executions: the same process run more than once, anywhere.
 * Usage: executor.ts URL PRVKEY COLONY SITE LOGFILE
 */
import { appendFileSync } from 'node:fs'
import { Executor } from '../src/client/executor.js'
import { ColoniesClient } from '../src/client/rpc-client.js'

const [url, prvkey, colonyname, site, logFile] = process.argv.slice(2) as [string, string, string, string, string]
const x = new Executor({
  client: new ColoniesClient({ url, prvkey, timeoutMs: 5000 }),
  colonyname,
  watchIntervalMs: 0,
  handler: async p => {
    appendFileSync(logFile, JSON.stringify({ pid: p.processid, site, t: Date.now() }) + '\n')
    await new Promise(resolve => setTimeout(resolve, 20))
    return { out: [site] }
  }
}).start()
const stop = (): void => { void x.stop({ graceMs: 2000 }).then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
