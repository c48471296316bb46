/**
 * Retries are visible (issue 26, item 3): `function exec --wait` prints each attempt's end
 * with its reason, executor and site while a real executor process runs the command, and
 * an executor whose close comes after the node ended its attempt says what happened.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor, ProcessFailedError, type ExecutorEvent } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { addExecutor, eventually, startColony, type TestColony } from '../helpers/colony-node.js'
import { cli, CliProcess, colonyEnv, type Env } from '../helpers/cli.js'

let tc: TestColony
let env: Env

test.before(async () => {
  tc = await startColony({ executors: 1 })
  env = colonyEnv(tc, { COLONIES_COLONY_PRVKEY: tc.owner.prv })
})

test.after(async () => {
  await tc.stop()
})

test('--wait prints each attempt\'s end with why, which executor and which site', async () => {
  const x = new CliProcess(['executor', 'start', '--type', 'cli'], { ...env, COLONIES_EXECUTOR_PRVKEY: tc.executors[0]?.prv ?? '' })
  try {
    await x.waitFor(/Waiting for processes/)
    const r = await cli(['function', 'exec', '--func', 'sleep 100', '--targettype', 'cli', '--maxexectime', '1', '--maxretries', '2', '--wait', '--timeout', '60'], env, 90_000)
    assert.is(r.code, 1, r.stdout + r.stderr)
    const lines = r.stderr.split('\n').filter(l => l.startsWith('attempt '))
    assert.is(lines.length, 3, r.stderr)
    assert.match(lines[0] ?? '', /^attempt 1 ended: maximum execution time exceeded \(executor x0 at site \S+\); attempt 2 \(retry 1 of 2\) follows$/)
    assert.match(lines[1] ?? '', /^attempt 2 ended: maximum execution time exceeded \(executor x0 at site \S+\); attempt 3 \(retry 2 of 2\) follows$/)
    // the last one ends by the node's deadline or by the executor's own kill, whichever is first
    assert.match(lines[2] ?? '', /^attempt 3 ended: (maximum execution time exceeded \(executor x0 at site \S+\); no retries left \(maxretries 2\), the process failed|failed: killed after the maximum execution time of 1 s.* \(executor x0 at site \S+\))$/)
    assert.not.match(x.output, /not running/, 'the executor says what happened')

    // --follow prints the same lines beside the log; with the default maxretries (0) there is one attempt
    const f = await cli(['function', 'exec', '--func', 'sh', '--args', '-c,echo started; sleep 100', '--targettype', 'cli', '--maxexectime', '1', '--follow', '--timeout', '60'], env, 90_000)
    assert.is(f.code, 1, f.stdout + f.stderr)
    assert.match(f.stdout, /^started$/m)
    assert.match(f.stderr, /^attempt 1 ended: (maximum execution time exceeded \(executor x0 at site \S+\); no retries \(maxretries 0\), the process failed|failed: killed after the maximum execution time of 1 s.*)$/m)
    assert.not.match(f.stderr, /^attempt 2/m)
  } finally {
    assert.is(await x.stop('SIGTERM'), 0, x.output)
  }
})

test('--wait --json keeps stdout one JSON document; the attempt ends go to stderr', async () => {
  const lonely = await cli(['function', 'exec', '--func', 'x', '--targettype', 'nobody', '--maxwaittime', '1', '--wait', '--json'], env, 30_000)
  assert.is(lonely.code, 1, lonely.stderr)
  assert.is(JSON.parse(lonely.stdout).state, 3)
  assert.match(lonely.stderr, /attempt 1 ended: maximum waiting time exceeded: no executor took it/)
})

/** An executor whose handler holds on until the node has ended its attempt, then fails it. */
async function lateClose (spec: Record<string, unknown>, ended: (p: { state: number, retries: number }) => boolean): Promise<string> {
  const me = await addExecutor(tc.node.url, tc.colony, tc.owner, `late${Math.random().toString(36).slice(2, 8)}`, 'late')
  const client = new ColoniesClient({ url: tc.node.url, prvkey: me.prv })
  const user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  const errors: string[] = []
  const ex = new Executor({
    client,
    colonyname: tc.colony,
    watchIntervalMs: 0, // no watch: the close itself must meet the node's refusal
    onEvent: (e: ExecutorEvent) => { if (e.type === 'error' && e.during === 'close') errors.push(e.error.message) },
    handler: async p => {
      await eventually(async () => ended(await user.getProcess(p.processid)) ? true : undefined, 'the node to end the attempt', 15_000)
      throw new ProcessFailedError(['too late'])
    }
  }).start()
  try {
    await user.submitFunctionSpec({ funcname: 'hold', maxexectime: 1, ...spec, conditions: { colonyname: tc.colony, executortype: 'late' } })
    return await eventually(() => errors[0], 'the refused close', 20_000)
  } finally {
    await ex.stop({ graceMs: 0 })
  }
}

test('an executor closing after the node failed its attempt says the time ran out and no retries were left', async () => {
  const msg = await lateClose({ maxretries: 0 }, p => p.state === 3)
  assert.is(msg, 'the node had already ended this attempt: maximum execution time exceeded; no retries (maxretries 0), the process failed')
})

test('an executor closing after the node requeued its attempt says the next attempt waits', async () => {
  const msg = await lateClose({ maxretries: 1 }, p => p.state === 0 && p.retries === 1)
  assert.is(msg, 'the node had already ended this attempt: maximum execution time exceeded; attempt 2 waits for an executor')
})

test.run()
