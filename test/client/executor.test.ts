import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { within } from '../helpers/deadline.js'
import { Executor, ProcessFailedError, type ExecutorEvent, type ProcessHandler } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { createUnixExecutor } from '../../src/client/unix-executor.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import type { Process } from '../../src/protocol/wire-types.js'
import { makeProcess, startFakeNode, type Call, type FakeNode } from './fake-node.js'

const EXEC_KEY = generatePrivateKey()
const EXEC_ID = idFromPrivateKey(EXEC_KEY)

/**
 * A node with a queue of processes: assign hands out the next one (or holds the long-poll
 * until one is queued, answering 404 at the timeout); closes, logs and gets are recorded.
 */
async function queueNode (): Promise<{ node: FakeNode, push: (p: Process) => void, states: Map<string, number> }> {
  const node = await startFakeNode()
  const queue: Process[] = []
  const waiting: Array<(p: Process) => void> = []
  const states = new Map<string, number>()
  const push = (p: Process): void => {
    const w = waiting.shift()
    if (w !== undefined) w(p)
    else queue.push(p)
  }
  node.on('assignprocessmsg', async ({ msg }) => {
    const running = (p: Process): Process => {
      states.set(p.processid, 1)
      return { ...p, state: 1, isassigned: true, assignedexecutorid: EXEC_ID }
    }
    const next = queue.shift()
    if (next !== undefined) return { value: running(next) }
    return await new Promise(resolve => {
      const t = setTimeout(() => {
        waiting.splice(waiting.indexOf(w), 1)
        resolve({ status: 404, error: 'No process found' })
      }, (msg.timeout as number) * 1000)
      const w = (p: Process): void => { clearTimeout(t); resolve({ value: running(p) }) }
      waiting.push(w)
    })
  })
  node.on('closesuccessfulmsg', ({ msg }) => { states.set(msg.processid as string, 2); return { value: {} } })
  node.on('closefailedmsg', ({ msg }) => { states.set(msg.processid as string, 3); return { value: {} } })
  node.on('addlogmsg', () => ({ value: {} }))
  node.on('setoutputmsg', () => ({ value: {} }))
  node.on('getprocessmsg', ({ msg }) => {
    const id = msg.processid as string
    return { value: makeProcess({ processid: id, state: states.get(id) ?? 0, assignedexecutorid: EXEC_ID }) }
  })
  return { node, push, states }
}

/** Executor events as awaitable facts: `next(type)` resolves at the first such event, past or future. */
function eventLog (): { onEvent: (e: ExecutorEvent) => void, events: ExecutorEvent[], next: (type: ExecutorEvent['type']) => Promise<ExecutorEvent> } {
  const events: ExecutorEvent[] = []
  const waiters: Array<{ type: string, resolve: (e: ExecutorEvent) => void }> = []
  return {
    events,
    onEvent: e => {
      events.push(e)
      for (const w of waiters.filter(w => w.type === e.type)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e) }
    },
    next: async type => {
      const seen = events.find(e => e.type === type)
      if (seen !== undefined) return seen
      return await new Promise(resolve => waiters.push({ type, resolve }))
    }
  }
}

function executor (node: FakeNode, handler: ProcessHandler, extra: Partial<ConstructorParameters<typeof Executor>[0]> = {}): Executor {
  const client = new ColoniesClient({ url: node.url, prvkey: EXEC_KEY, timeoutMs: 2000 })
  return new Executor({ client, colonyname: 'dev', handler, assignTimeoutSec: 1, ...extra })
}

test('runs the handler for an assigned process and closes it with the output', async () => {
  const { node, push } = await queueNode()
  const ex = executor(node, async p => ({ out: [p.spec.funcname, 42] })).start()
  try {
    const p = makeProcess({ spec: { funcname: 'hello' } })
    push(p)
    const close = await node.next('closesuccessfulmsg')
    assert.equal(close.msg, { msgtype: 'closesuccessfulmsg', processid: p.processid, out: ['hello', 42] })
    assert.is(close.signer, EXEC_ID)
    const assign = await node.next('assignprocessmsg')
    assert.equal(assign.msg, { msgtype: 'assignprocessmsg', colonyname: 'dev', timeout: 1, availablecpu: '', availablemem: '' })
  } finally {
    await ex.stop({ graceMs: 1000 })
    await node.close()
  }
})

test('a throwing handler closes the process as failed with the message', async () => {
  const { node, push } = await queueNode()
  const ex = executor(node, async p => {
    if (p.spec.funcname === 'many') throw new ProcessFailedError(['exit code 2', 'no such file'])
    throw new Error('division by zero')
  }).start()
  try {
    const a = makeProcess()
    const b = makeProcess({ spec: { funcname: 'many' } })
    push(a)
    push(b)
    assert.equal((await node.next('closefailedmsg', c => c.msg.processid === a.processid)).msg.errors, ['division by zero'])
    assert.equal((await node.next('closefailedmsg', c => c.msg.processid === b.processid)).msg.errors, ['exit code 2', 'no such file'])
  } finally {
    await ex.stop()
    await node.close()
  }
})

test('output that is not JSON fails the process instead of being mangled', async () => {
  const { node, push } = await queueNode()
  const ex = executor(node, async () => ({ out: [() => 1] })).start()
  try {
    const p = makeProcess()
    push(p)
    const close = await node.next('closefailedmsg')
    assert.match((close.msg.errors as string[])[0] ?? '', 'not JSON')
  } finally {
    await ex.stop()
    await node.close()
  }
})

test('log lines are batched: a chatty handler costs few addlog calls, in order, newline-terminated', async () => {
  const { node, push } = await queueNode()
  const ex = executor(node, async (_p, ctx) => {
    for (let i = 0; i < 200; i++) ctx.log(`line ${i}`)
    await ctx.setOutput(['partial'])
    ctx.log('last line\n')
  }).start()
  try {
    const p = makeProcess()
    push(p)
    await node.next('closesuccessfulmsg')
    const logs = node.calls.filter(c => c.msgtype === 'addlogmsg')
    assert.ok(logs.length >= 1 && logs.length <= 3, `${logs.length} addlog calls`)
    const text = logs.map(c => c.msg.message as string).join('')
    const expected = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('') + 'last line\n'
    assert.is(text, expected)
    // setOutput flushed the logs before it: all 200 lines precede it
    const order = node.calls.map(c => c.msgtype).filter(t => t === 'addlogmsg' || t === 'setoutputmsg')
    assert.is(order[order.length - 1], 'addlogmsg')
    assert.ok(order.indexOf('setoutputmsg') > 0)
  } finally {
    await ex.stop()
    await node.close()
  }
})

test('stop lets a running handler finish within the grace time', async () => {
  const { node, push } = await queueNode()
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  const log = eventLog()
  const ex = executor(node, async () => { await gate; return { out: ['finished'] } }, { onEvent: log.onEvent }).start()
  try {
    push(makeProcess())
    await log.next('assigned')
    const stopping = ex.stop({ graceMs: 5000 })
    release()
    await stopping
    assert.equal((await node.next('closesuccessfulmsg')).msg.out, ['finished'])
    assert.is(node.count('closefailedmsg'), 0)
  } finally {
    await node.close()
  }
})

test('stop aborts a handler that outlives the grace time and closes it as failed', async () => {
  const { node, push } = await queueNode()
  let sawAbort = false
  const log = eventLog()
  const ex = executor(node, async (_p, ctx) => {
    await new Promise<void>(resolve => ctx.signal.addEventListener('abort', () => { sawAbort = true; resolve() }))
  }, { onEvent: log.onEvent }).start()
  try {
    const p = makeProcess()
    push(p)
    await log.next('assigned')
    // the handler would wait for good: stop ends it by the abort
    await within(10_000, 'stop to abort the handler', ex.stop({ graceMs: 100 }))
    assert.ok(sawAbort)
    const close = node.calls.find(c => c.msgtype === 'closefailedmsg')
    assert.equal(close?.msg, { msgtype: 'closefailedmsg', processid: p.processid, errors: ['executor stopped'] })
    assert.is(ex.active, 0)
  } finally {
    await node.close()
  }
})

test('a handler that ignores the abort does not hold stop forever', async () => {
  const { node, push } = await queueNode()
  const log = eventLog()
  const ex = executor(node, async () => await new Promise(() => {}), { abortWaitMs: 100, onEvent: log.onEvent }).start()
  try {
    push(makeProcess())
    await log.next('assigned')
    await ex.stop({ graceMs: 50 })
    assert.equal((await node.next('closefailedmsg')).msg.errors, ['executor stopped'])
  } finally {
    await node.close()
  }
})

test('stop ends an idle executor at once, even mid long-poll', async () => {
  const { node } = await queueNode()
  const ex = executor(node, async () => {}, { assignTimeoutSec: 30 }).start()
  try {
    await node.next('assignprocessmsg')
    // well before the long-poll's 30 s
    await within(10_000, 'stop mid long-poll', ex.stop())
  } finally {
    await node.close()
  }
})

test('when the node says the process is gone, the handler is aborted and nothing is closed', async () => {
  const { node, push, states } = await queueNode()
  const log = eventLog()
  let abortReason = ''
  const ex = executor(node, async (p, ctx) => {
    states.set(p.processid, 4) // cancelled on the node while it runs
    await new Promise<void>(resolve => ctx.signal.addEventListener('abort', () => { abortReason = (ctx.signal.reason as Error).message; resolve() }))
  }, { watchIntervalMs: 30, onEvent: log.onEvent }).start()
  try {
    const p = makeProcess()
    push(p)
    const released = await log.next('released')
    assert.is(released.type === 'released' && released.reason, 'process is CANCELLED on the node')
    assert.is(abortReason, 'process is CANCELLED on the node')
    assert.is(node.count('closefailedmsg') + node.count('closesuccessfulmsg'), 0)
  } finally {
    await ex.stop()
    await node.close()
  }
})

test('network errors never stop the loop: it backs off (growing, capped) and retries', async () => {
  const { node } = await queueNode()
  const url = node.url
  await node.close() // nothing listens now
  const errors: Array<ExecutorEvent & { at: number }> = []
  const client = new ColoniesClient({ url, prvkey: EXEC_KEY, timeoutMs: 1000 })
  let resolveFive!: () => void
  const five = new Promise<void>(resolve => { resolveFive = resolve })
  const ex = new Executor({
    client,
    colonyname: 'dev',
    handler: async () => {},
    assignTimeoutSec: 1,
    maxBackoffMs: 400,
    onEvent: e => {
      errors.push({ ...e, at: Date.now() })
      if (errors.length === 5) resolveFive()
    }
  }).start()
  await five
  await ex.stop()
  for (const e of errors) {
    assert.ok(e.type === 'error' && e.during === 'assign' && e.error.name === 'NodeUnreachableError', JSON.stringify(e))
  }
  const times = errors.map(e => e.at)
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number))
  assert.ok((gaps[0] as number) >= 90, `first gap ${gaps[0]} ms`)
  assert.ok((gaps[3] as number) >= 350 && (gaps[3] as number) < 1000, `capped gap ${gaps[3]} ms`)
})

test('concurrency runs several processes at once', async () => {
  const { node, push } = await queueNode()
  let running = 0
  let peak = 0
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  const ex = executor(node, async () => {
    running++
    peak = Math.max(peak, running)
    if (running === 3) release()
    await gate
    running--
  }, { concurrency: 3 }).start()
  try {
    for (let i = 0; i < 3; i++) push(makeProcess())
    await gate
    assert.is(peak, 3)
    await node.next('closesuccessfulmsg')
  } finally {
    await ex.stop()
    await node.close()
  }
})

test('register adds and approves with the owner key, then adds functions with the executor key', async () => {
  const node = await startFakeNode()
  const ownerKey = generatePrivateKey()
  const added: Call[] = []
  node.on('addexecutormsg', call => {
    added.push(call)
    if (added.length > 1) return { status: 400, error: 'Executor with name <worker> already exists in colony <dev>' }
    return { value: { ...(call.msg.executor as object), state: 0 } }
  })
  node.on('getexecutormsg', () => ({ value: { executorid: EXEC_ID, executorname: 'worker', colonyname: 'dev', executortype: 'cli', state: 1 } }))
  node.on('approveexecutormsg', () => ({ value: {} }))
  node.on('getfunctionsmsg', () => ({ value: null }))
  node.on('addfunctionmsg', call => ({ value: call.msg.fun }))
  try {
    const client = new ColoniesClient({ url: node.url, prvkey: EXEC_KEY })
    const rec = await Executor.register(client, {
      colonyname: 'dev', colonyOwnerKey: ownerKey, executortype: 'cli', executorname: 'worker', functions: [{ funcname: 'echo' }]
    })
    assert.is(rec.state, 1)
    const add = added[0] as Call
    assert.is(add.signer, idFromPrivateKey(ownerKey))
    assert.equal(add.msg.executor, {
      executorid: EXEC_ID,
      executortype: 'cli',
      executorname: 'worker',
      colonyname: 'dev',
      locationname: '',
      requirefuncreg: false,
      capabilities: { hardware: [], software: [] }
    })
    assert.is((await node.next('approveexecutormsg')).signer, idFromPrivateKey(ownerKey))
    const fn = await node.next('addfunctionmsg')
    assert.is(fn.signer, EXEC_ID)
    assert.is((fn.msg.fun as Record<string, unknown>).funcname, 'echo')

    // again with the same key: the existing (approved) executor is reused
    await Executor.register(client, { colonyname: 'dev', colonyOwnerKey: ownerKey, executortype: 'cli', executorname: 'worker' })
    assert.is(node.count('approveexecutormsg'), 1)

    // with another key the name clash is explained
    const other = new ColoniesClient({ url: node.url, prvkey: generatePrivateKey() })
    try {
      await Executor.register(other, { colonyname: 'dev', colonyOwnerKey: ownerKey, executortype: 'cli', executorname: 'worker' })
      assert.unreachable('expected a name clash')
    } catch (err) {
      assert.match((err as Error).message, 'already exists in colony "dev" with another key')
    }
  } finally {
    await node.close()
  }
})

test('the unix executor runs `echo sayhello`, logs it, echoes it and closes with it as output', async () => {
  const { node, push } = await queueNode()
  const echoed: string[] = []
  const client = new ColoniesClient({ url: node.url, prvkey: EXEC_KEY })
  const ex = createUnixExecutor({ client, colonyname: 'dev', assignTimeoutSec: 1, onOutput: (line, stream) => echoed.push(`${stream}:${line}`) }).start()
  try {
    const ok = makeProcess({ spec: { funcname: 'echo', args: ['sayhello'] } })
    const bad = makeProcess({ spec: { funcname: 'sh -c', args: ['echo oops >&2; exit 4'] } })
    push(ok)
    push(bad)
    assert.equal((await node.next('closesuccessfulmsg')).msg.out, ['sayhello'])
    assert.equal((await node.next('closefailedmsg')).msg.errors, ['exit code 4', 'oops'])
    assert.ok(echoed.includes('stdout:sayhello'))
    const logs = node.calls.filter(c => c.msgtype === 'addlogmsg')
    assert.ok(logs.some(c => c.msg.processid === ok.processid && c.msg.message === 'sayhello\n'))
    assert.ok(logs.some(c => c.msg.processid === bad.processid && c.msg.message === 'stderr: oops\n'))
  } finally {
    await ex.stop()
    await node.close()
  }
})

test('the unix executor leaves a timed-out process with retries left to the node', async () => {
  const { node, push } = await queueNode()
  const log = eventLog()
  const client = new ColoniesClient({ url: node.url, prvkey: EXEC_KEY })
  const ex = createUnixExecutor({ client, colonyname: 'dev', assignTimeoutSec: 1, onEvent: log.onEvent }).start()
  try {
    const retry = makeProcess({ spec: { funcname: 'sleep 5', maxexectime: 1, maxretries: 2 } })
    push(retry)
    push(makeProcess({ spec: { funcname: 'sleep 5', maxexectime: 1, maxretries: 0 } }))
    const failed = await node.next('closefailedmsg')
    assert.equal(failed.msg.errors, ['killed after the maximum execution time of 1 s'])
    const released = await log.next('released')
    assert.is(released.type === 'released' && released.process.processid, retry.processid)
    assert.is(node.count('closefailedmsg'), 1)
  } finally {
    await ex.stop()
    await node.close()
  }
})

test.run()
