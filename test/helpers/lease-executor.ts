/**
 * A real executor process for the lease tests: the executor SDK against one node, whose
 * handler says on stdout which process it got ("started <processid>") and then runs for
 * as long as the test lets it (until it is killed, or `runMs`).
 * Usage: lease-executor.ts URL PRVKEY COLONY WATCH_MS RUN_MS
 */
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'

const [url, prvkey, colonyname, watchMs, runMs] = process.argv.slice(2) as [string, string, string, string, string]
new Executor({
  client: new ColoniesClient({ url, prvkey, timeoutMs: 5000 }),
  colonyname,
  watchIntervalMs: Number(watchMs),
  assignTimeoutSec: 1,
  handler: async (p, ctx) => {
    process.stdout.write(`started ${p.processid}\n`)
    await new Promise<void>(resolve => {
      const t = setTimeout(resolve, Number(runMs))
      ctx.signal.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
    })
    return { out: ['child'] }
  }
}).start()
