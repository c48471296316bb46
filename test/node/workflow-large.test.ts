/**
 * A 1,000-node fan-out/fan-in workflow completes on one node with SDK executors: the
 * root's output reaches all 998 middle nodes, and the sink gets all their outputs in
 * its dependency order (issue 5). Its speed is measured in `npm run bench`, not here.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony

test.before(async () => { tc = await startColony({ executors: 4 }) })
test.after(async () => { await tc.stop() })

test('a 1,000-node fan-out/fan-in workflow completes, every input in place', async () => {
  const n = 1000
  const node = (nodename: string, deps: string[]): unknown => ({ nodename, funcname: 'step', conditions: { executortype: 'cli', dependencies: deps } })
  const middle = Array.from({ length: n - 2 }, (_, i) => `m${i}`)
  const user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  let sinkIn: unknown[] | undefined
  let resolveSink: () => void = () => {}
  const sinkDone = new Promise<void>(resolve => { resolveSink = resolve })
  const wrongInputs: string[] = []
  const executors = tc.executors.map(x => new Executor({
    client: new ColoniesClient({ url: tc.node.url, prvkey: x.prv }),
    colonyname: tc.colony,
    watchIntervalMs: 0,
    handler: async p => {
      const name = p.spec.nodename
      if (name === 'root') return { out: ['seed'] }
      if (name === 'sink') {
        sinkIn = p.in
        resolveSink()
        return { out: [] }
      }
      if (JSON.stringify(p.in) !== '["seed"]') wrongInputs.push(name)
      return { out: [name] }
    }
  }).start())
  const g = await user.submitWorkflowSpec({ colonyname: tc.colony, functionspecs: [node('root', []), ...middle.map(m => node(m, ['root'])), node('sink', middle)] } as never)
  const deadline = setTimeout(() => resolveSink(), 120_000)
  await sinkDone
  clearTimeout(deadline)
  for (const x of executors) await x.stop({ graceMs: 2000 })
  assert.equal(wrongInputs, [], 'every middle node got the root\'s output')
  assert.equal(sinkIn, middle, 'the sink got every middle output, in its dependency order')
  const final = await user.getProcessGraph(g.processgraphid)
  assert.is(final.state, 2)
  assert.is(final.processids.length, n)
})

test.run()
