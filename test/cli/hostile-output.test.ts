/**
 * Text any colony member wrote (a spec's arguments, a log, an output, a workflow node's
 * function) cannot drive another member's terminal: the human views show its control
 * characters escaped (ESC as \x1b, NUL as \x00), and `--json` keeps the text exact.
 * The real CLI as child processes against a real node.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ColoniesClient } from '../../src/client/index.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony
let env: Env
let pid = ''
let graphid = ''

/** sets the terminal title, turns the text red, and a NUL, a C1 CSI and a bidi override */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[31mred\u0000nul\u009b2Jcsi\u202eevil'
// the C0 and C1 controls (ESC, BEL, NUL, CSI) and the bidi override, raw
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/

test.before(async () => {
  tc = await startColony({ executors: 1 })
  env = colonyEnv(tc)
  const user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  const executor = new ColoniesClient({ url: tc.node.url, prvkey: tc.executors[0]!.prv })
  const p = await user.submitFunctionSpec({ funcname: `echo${HOSTILE}`, args: [HOSTILE], conditions: { colonyname: tc.colony, executortype: 'cli' } } as never)
  pid = p.processid
  await executor.assign(tc.colony, 1)
  await executor.addLog(pid, `line one ${HOSTILE}\nline two\n`)
  await executor.closeSuccessful(pid, [HOSTILE])
  const g = await user.submitWorkflowSpec({ colonyname: tc.colony, functionspecs: [{ nodename: `n${HOSTILE}`, funcname: `f${HOSTILE}`, conditions: { executortype: 'idle' } }] } as never)
  graphid = g.processgraphid
})

test.after(async () => {
  await tc.stop()
})

async function human (args: string[]): Promise<string> {
  const r = await cli(args, env)
  assert.is(r.code, 0, `colonies ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

test('process pss, process get and log get show control characters escaped', async () => {
  for (const args of [['process', 'pss'], ['process', 'get', '--processid', pid], ['process', 'get', '--processid', pid, '--out'], ['log', 'get', '--processid', pid]]) {
    const out = await human(args)
    assert.not.match(out, RAW, `colonies ${args.join(' ')} printed a raw control character: ${JSON.stringify(out)}`)
    assert.match(out, '\\x1b]0;pwned\\x07', `colonies ${args.join(' ')}: ${out}`)
    // tables cut long cells; the detail views show all of it
    if (args[1] === 'get') assert.match(out, '\\x1b[31mred\\x00nul\\x9b2Jcsi\\u202eevil', `colonies ${args.join(' ')}: ${out}`)
  }
  // a log keeps its lines
  const log = await human(['log', 'get', '--processid', pid])
  assert.match(log, /line one .*\nline two\n/)
})

test('workflow get and workflow psw show control characters escaped', async () => {
  for (const args of [['workflow', 'get', '--workflowid', graphid], ['workflow', 'get', '--workflowid', graphid, '--verbose'], ['workflow', 'psw']]) {
    const out = await human(args)
    assert.not.match(out, RAW, `colonies ${args.join(' ')} printed a raw control character: ${JSON.stringify(out)}`)
  }
})

test('--json keeps the text exact', async () => {
  const p = JSON.parse(await human(['process', 'get', '--processid', pid, '--json'])) as { spec: { args: unknown[] }, out: unknown[] }
  assert.equal(p.spec.args, [HOSTILE])
  assert.equal(p.out, [HOSTILE])
  const logs = JSON.parse(await human(['log', 'get', '--processid', pid, '--json'])) as Array<{ message: string }>
  assert.is(logs.map(l => l.message).join(''), `line one ${HOSTILE}\nline two\n`)
})

test.run()
