/**
 * `npm run chaos`: the reliability suite on real network hosts (issue 8). Builds a small
 * network of Linux namespaces (a hub with a bridge, one namespace per site, one for the
 * driver), runs every scenario from the driver's namespace (driver.ts), and tears it all
 * down, also on Ctrl-C or failure. Where namespaces are not permitted it says so and
 * exits 0 (nothing was tested); scenarios that need `tc netem` or libfaketime are skipped
 * with a reason where those are missing.
 * Options: --only NAME[,NAME] (cut-off, split-2|1, latency, loss-5%, kill-9, executor-kill-9, backlog-cut (both of its runs) or
 * backlog-cut/grace-0, clock+30s, retention, nat-cone, nat-symmetric, nat-relay-killed; `nat` names the three), --quick;
 * --soak runs soak.ts instead (`npm run soak`: --minutes N, --fault-every S).
 * CHAOS_KEEP=1 keeps each scenario's directory (its sites' ledgers and the executors'
 * exec-*.jsonl logs of what ran where and when) and prints where it is.
 */
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNat, createTopology, destroyTopology, DRIVER, probe } from './net.js'
import { DEFAULT_PORT } from '../src/protocol/wire-types.js'

const here = dirname(fileURLToPath(import.meta.url))

if (process.platform !== 'linux' || process.getuid?.() !== 0) {
  console.log('chaos: skipped: the suite builds Linux network namespaces and must run as root (CI runs it as root)')
  process.exit(0)
}
const caps = await probe()
for (const n of caps.notes) console.log(`chaos: ${n}`)
if (!caps.netns) {
  console.log('chaos: skipped: network namespaces are not permitted here')
  process.exit(0)
}

let cleaned = false
const cleanup = async (): Promise<void> => {
  if (cleaned) return
  cleaned = true
  await destroyTopology()
}
let driver: ReturnType<typeof spawn> | undefined
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // the driver kills its sites, executors and clients, then the network goes
    driver?.kill(sig)
    const exited = driver === undefined || driver.exitCode !== null ? Promise.resolve() : new Promise(resolve => driver?.once('exit', resolve))
    void exited.then(async () => await cleanup()).then(() => process.exit(130))
  })
}

let code = 1
try {
  // sites 0-2 for the usual scenarios; the NAT scenarios add site 3 (public) and two
  // sites behind their own NAT routers (net.ts createNat)
  await createTopology(4)
  if (caps.nat) await createNat(DEFAULT_PORT)
  console.log(`chaos: network ready: hub bridge, sites 10.77.0.10-13, driver 10.77.0.2${caps.nat ? ', NATed sites 10.88.1.10 and 10.88.2.10 behind routers 10.77.0.21-22' : ''}`)
  const soak = process.argv.includes('--soak')
  const script = soak ? [join(here, 'soak.ts')] : [join(here, 'driver.ts'), JSON.stringify(caps)]
  driver = spawn('ip', ['netns', 'exec', DRIVER, process.execPath, '--import', 'tsx', ...script, ...process.argv.slice(2).filter(a => a !== '--soak')], {
    stdio: 'inherit'
  })
  const child = driver
  code = await new Promise<number>(resolve => child.once('exit', c => resolve(c ?? 1)))
} catch (err) {
  console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`)
} finally {
  await cleanup()
}
process.exit(code)
