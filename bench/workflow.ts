/**
 * A 1,000-node fan-out/fan-in workflow on one node (issue 5): one root, 998 parallel
 * nodes, one sink that waits for all of them, run by 8 no-op SDK executors. Reported:
 * time from submit to the workflow's SUCCESS, and the per-node scheduling overhead beyond
 * execution (the handlers do nothing, so the whole wall time ÷ nodes is overhead; target
 * under 2 ms per node). Baseline in the same run, same node and
 * executors: as many standalone no-op processes, so the ratio shows what the workflow
 * machinery (dependencies, inputs, graph state) adds.
 */
import { pathToFileURL } from 'node:url'
import { Executor } from '../src/client/executor.js'
import type { ColoniesClient } from '../src/client/rpc-client.js'
import { generatePrivateKey } from '../src/protocol/crypto.js'
import { type BenchColony, setUpColony, startNodeProcess, throughput } from './node.js'

/** Runs `nodes`-node fan-out/fan-in workflows with the colony's executors; returns ms from submit to SUCCESS. */
export async function fanOutFanIn (c: BenchColony, nodes: number): Promise<number> {
  const spec = (nodename: string, deps: string[]): unknown => ({ nodename, funcname: 'noop', conditions: { executortype: 'noop', dependencies: deps } })
  const middle = Array.from({ length: nodes - 2 }, (_, i) => `m${i}`)
  const functionspecs = [spec('root', []), ...middle.map(m => spec(m, ['root'])), spec('sink', middle)]
  let resolveSink: () => void = () => {}
  const sinkDone = new Promise<void>(resolve => { resolveSink = resolve })
  const executors = c.executors.map((client: ColoniesClient) => new Executor({
    client,
    colonyname: c.colony,
    watchIntervalMs: 0,
    handler: async p => ({ out: p.spec.nodename === 'root' ? ['seed'] : [] }),
    onEvent: e => { if (e.type === 'closed' && e.process.spec.nodename === 'sink') resolveSink() }
  }).start())
  const start = performance.now()
  const g = await c.user.submitWorkflowSpec({ colonyname: c.colony, functionspecs } as never)
  await sinkDone
  const ms = performance.now() - start
  const final = await c.user.getProcessGraph(g.processgraphid)
  if (final.state !== 2) throw new Error(`the workflow ended in state ${final.state}, not SUCCESS`)
  await Promise.all(executors.map(async x => await x.stop({ graceMs: 1000 })))
  return ms
}

export async function benchWorkflow (opts: { quick?: boolean } = {}, log = console.log): Promise<Record<string, number>> {
  const nodes = opts.quick === true ? 200 : 1000
  const operator = generatePrivateKey()
  const node = await startNodeProcess(operator)
  try {
    const c = await setUpColony(node.url, operator, 8)
    await throughput(c, 200) // warm-up: JIT, keep-alive connections
    log(`  baseline: ${nodes} standalone no-op processes, 8 executors …`)
    const standalone = await throughput(c, nodes)
    log(`  a ${nodes}-node fan-out/fan-in workflow, 8 executors …`)
    const ms = await fanOutFanIn(c, nodes)
    const perNode = ms / nodes
    return {
      'workflow nodes': nodes,
      'submit → SUCCESS ms': Math.round(ms),
      'workflow nodes/s': Math.round(nodes / (ms / 1000)),
      'standalone processes/s (baseline)': Math.round(standalone),
      'wall ms per node': Number(perNode.toFixed(3)),
      'workflow/standalone time ratio': Number(((ms / 1000) / (nodes / standalone)).toFixed(2))
    }
  } finally {
    await node.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchWorkflow({ quick: process.argv.includes('--quick') }))
}
