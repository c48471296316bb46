/**
 * Fuzzing the Unix executor's spawn path: a real node and one `createUnixExecutor` serving
 * its colony, fed hostile function specs that cannot run (a missing command with odd
 * unicode and control characters in its name, NUL bytes in an argument or the environment,
 * an argument or environment larger than exec takes) with hostile noise around them
 * (kwargs, more args, odd environment names). Each such process ends FAILED on the node,
 * its first error line names the cause with every control character made visible, and
 * the executor then runs `echo` for the next process as if nothing had happened.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { RpcError } from '../../src/client/errors.js'
import type { Executor, ExecutorEvent } from '../../src/client/executor.js'
import { createUnixExecutor } from '../../src/client/unix-executor.js'
import { ProcessState } from '../../src/protocol/state.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'
import { within } from '../helpers/deadline.js'
import { fcOptions } from './fuzz-config.js'
import { hostileLeaf } from './hostile.js'

let tc: TestColony
let user: ColoniesClient
let executor: Executor
/** processid → the executor's close of it, resolved when it happens */
const closed = new Map<string, (e: ExecutorEvent) => void>()
const seen = new Map<string, ExecutorEvent>()

test.before(async () => {
  tc = await startColony({ executors: 1 })
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  const client = new ColoniesClient({ url: tc.node.url, prvkey: (tc.executors[0] as { prv: string }).prv })
  executor = createUnixExecutor({
    client,
    colonyname: tc.colony,
    assignTimeoutSec: 1,
    onEvent: e => {
      if (e.type !== 'closed' && e.type !== 'released') return
      seen.set(e.process.processid, e)
      closed.get(e.process.processid)?.(e)
    }
  }).start()
})

test.after(async () => {
  await executor.stop({ graceMs: 1000 })
  await tc.stop()
})

async function closeOf (processid: string): Promise<ExecutorEvent> {
  return await within(20_000, `the executor to close ${processid}`, new Promise<ExecutorEvent>(resolve => {
    const done = seen.get(processid)
    if (done !== undefined) resolve(done)
    else closed.set(processid, resolve)
  }))
}

/** Odd text: any UTF-16 (NUL, ESC, C1, lone surrogates, bidi overrides) and graphemes. */
const oddText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('\u001b]0;pwned\u0007', '\u001b[31mred', '\u202eevil', '\u009b2J', '\u0000', 'ñ🐜', '\ud800', '"', "'", '\\')
)
const withNul = fc.tuple(oddText, oddText).map(([a, b]) => `${a}\u0000${b}`)
/** larger than one exec argument may be on Linux (128 KiB) */
const huge = fc.tuple(fc.constantFrom('x', 'ñ', '🐜', '\u001b'), fc.integer({ min: 140_000, max: 300_000 }))
  .map(([c, n]) => c.repeat(Math.ceil(n / c.length)))

/** What makes the spec impossible to run, and the spec. */
const hostileSpec = fc.record({
  fault: fc.oneof(
    oddText.map(t => ({ funcname: `colonynet-missing-${t}` })),
    fc.tuple(fc.array(hostileLeaf, { maxLength: 3 }), withNul).map(([a, bad]) => ({ funcname: 'echo', args: [...a, bad] })),
    huge.map(big => ({ funcname: 'echo', args: [big] })),
    fc.tuple(withNul, oddText, fc.boolean()).map(([bad, t, inKey]) => ({ funcname: 'echo', env: inKey ? { [bad]: t } : { K: bad } })),
    huge.map(big => ({ funcname: 'echo', env: { BIG: big } }))
  ),
  kwargs: fc.dictionary(oddText, hostileLeaf, { maxKeys: 3 }),
  env: fc.dictionary(oddText.filter(k => !k.includes('\u0000')), oddText.filter(v => !v.includes('\u0000')), { maxKeys: 2 })
}).map(({ fault, kwargs, env }) => ({
  funcname: fault.funcname,
  args: (fault as { args?: unknown[] }).args ?? [],
  kwargs,
  env: { ...env, ...((fault as { env?: Record<string, string> }).env ?? {}) },
  maxexectime: 30,
  conditions: { colonyname: tc.colony, executortype: 'cli' }
}))

/** The first error line says why, and shows no raw control character. */
const CAUSE = /^cannot run ".*": (command not found|the command name contains a NUL byte|argument \d+ contains a NUL byte|environment variable ".*" contains a NUL byte|spawn E2BIG)|^funcname: /s
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f]/

test('a spec that cannot run ends FAILED with its cause, and the executor serves the next one', async () => {
  let ran = 0
  await fc.assert(fc.asyncProperty(hostileSpec, async spec => {
    let p
    try {
      p = await user.submitFunctionSpec(spec as never)
    } catch (err) {
      // the node may refuse a spec outright: clearly, and that is not the executor's to run
      assert.instance(err, RpcError)
      assert.ok((err as RpcError).status >= 400 && (err as RpcError).status < 500, String(err))
      return
    }
    ran++
    const e = await closeOf(p.processid)
    assert.is(e.type, 'closed')
    assert.is(e.type === 'closed' && e.successful, false)
    const after = await user.getProcess(p.processid)
    assert.is(after.state, ProcessState.FAILED)
    const why = after.errors[0] ?? ''
    assert.match(why, CAUSE)
    assert.not.match(why, RAW_CONTROL)

    const next = await user.submitFunctionSpec({ funcname: 'echo', args: ['still serving'], maxexectime: 30, conditions: { colonyname: tc.colony, executortype: 'cli' } } as never)
    const ok = await closeOf(next.processid)
    assert.is(ok.type === 'closed' && ok.successful, true, JSON.stringify(ok))
    assert.equal((await user.getProcess(next.processid)).out, ['still serving'])
  }), fcOptions(40))
  assert.ok(ran >= 20, `only ${ran} hostile specs reached the executor`)
})

test.run()
