/**
 * Assignment leases on a real node: a process whose executor went away (killed with
 * SIGKILL, a real child process) goes back to the queue once its lease lapses and is
 * completed by another executor, once; an executor that keeps asking about its process
 * keeps it however long it runs; a restarted node counts its leases from the restart.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Executor } from '../../src/client/executor.js'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { ProcessState } from '../../src/protocol/state.js'
import { assignMsg, eventually, type Identity, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'

const LEASE_MS = 1500
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SCRIPT = fileURLToPath(new URL('../helpers/lease-executor.ts', import.meta.url))

let tc: TestColony
const children: ChildProcess[] = []
const executors: Executor[] = []

test.before.each(async () => {
  tc = await startColony({ executors: 2, leaseMs: LEASE_MS })
})

test.after.each(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const x of executors.splice(0)) await x.stop({ graceMs: 0 })
  await tc.stop()
})

async function getProcess (pid: string): Promise<any> {
  const r = await call(tc.node.url, { msgtype: 'getprocessmsg', processid: pid }, tc.user.prv)
  assert.is(r.status, 200, JSON.stringify(r.value))
  return r.value
}

/** A real executor process holding `x`'s key; resolves once it has started a process (its id). */
async function childExecutor (x: Identity, watchMs: number): Promise<{ child: ChildProcess, started: Promise<string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, tc.node.url, x.prv, tc.colony, String(watchMs), '600000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const started = new Promise<string>((resolve, reject) => {
    let buf = ''
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString()
      const m = /started ([0-9a-f]{64})/.exec(buf)
      if (m !== null) resolve(m[1] as string)
    })
    child.on('exit', code => { reject(new Error(`the child executor exited (${String(code)}) before it started a process`)) })
  })
  return { child, started }
}

function inProcessExecutor (x: Identity, out: string, runMs = 0, watchIntervalMs = 5000): Executor {
  const e = new Executor({
    client: new ColoniesClient({ url: tc.node.url, prvkey: x.prv }),
    colonyname: tc.colony,
    assignTimeoutSec: 1,
    watchIntervalMs,
    handler: async () => {
      if (runMs > 0) await new Promise(resolve => setTimeout(resolve, runMs))
      return { out: [out] }
    }
  }).start()
  executors.push(e)
  return e
}

async function killed (child: ChildProcess): Promise<void> {
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

async function ended (pid: string, deadlineMs = 30_000): Promise<any> {
  return await eventually(async () => {
    const p = await getProcess(pid)
    return p.state === ProcessState.SUCCESS || p.state === ProcessState.FAILED ? p : undefined
  }, `process ${pid.slice(0, 8)} to end`, deadlineMs)
}

test('an executor killed with SIGKILL mid-process: the process goes back after the lease and completes elsewhere, once', async () => {
  const [x0, x1] = tc.executors as [Identity, Identity]
  const { child, started } = await childExecutor(x0, 200)
  const p = await submit(tc)
  assert.is(await started, p.processid)
  const running = await getProcess(p.processid)
  assert.is(running.state, ProcessState.RUNNING)
  assert.is(running.assignedexecutorid, x0.id)
  await killed(child)
  const killedAt = Date.now()
  inProcessExecutor(x1, 'rescued')
  const done = await ended(p.processid)
  assert.is(done.state, ProcessState.SUCCESS)
  assert.equal(done.out, ['rescued'])
  assert.is(done.assignedexecutorid, x1.id)
  assert.is(tc.node.leases.written, 1, 'one lease expiry written')
  const health = await (await fetch(`${tc.node.url}/health`)).json() as { leases: unknown }
  assert.equal(health.leases, { seconds: LEASE_MS / 1000, holding: 0, expired: 1 }, '/health tells the operator')
  assert.ok(Date.now() - killedAt >= LEASE_MS / 2, 'not before the lease could lapse')
  const f = await tc.node.ledger.reads.process(p.processid)
  assert.is(f?.attempt, 2, 'the second attempt closed it')
  assert.equal(f?.history.map(h => h.state), [ProcessState.WAITING, ProcessState.RUNNING, ProcessState.WAITING, ProcessState.RUNNING, ProcessState.SUCCESS])
})

test('an executor restarted with the same identity does not keep what it held: it comes back as a new attempt', async () => {
  const [x0] = tc.executors as [Identity]
  const { child, started } = await childExecutor(x0, 200)
  const p = await submit(tc)
  assert.is(await started, p.processid)
  await killed(child)
  // the same key at once: its long-polls show it alive, but it never asks about the old process
  inProcessExecutor(x0, 'again')
  const done = await ended(p.processid)
  assert.is(done.state, ProcessState.SUCCESS)
  assert.equal(done.out, ['again'])
  assert.is((await tc.node.ledger.reads.process(p.processid))?.attempt, 2)
  assert.is(tc.node.leases.written, 1)
})

test('an executor that keeps asking about its process keeps it, however long it runs', async () => {
  const [x0] = tc.executors as [Identity]
  inProcessExecutor(x0, 'long', 3 * LEASE_MS, 200)
  const p = await submit(tc)
  const done = await ended(p.processid)
  assert.is(done.state, ProcessState.SUCCESS)
  assert.equal(done.out, ['long'])
  assert.is((await tc.node.ledger.reads.process(p.processid))?.attempt, 1)
  assert.is(tc.node.leases.written, 0)
})

test('a node restarted while its executor is gone counts the lease from the restart, then returns the process', async () => {
  const [x0] = tc.executors as [Identity]
  const p = await submit(tc)
  // a raw assign: the executor takes the process and is never heard of again
  const r = await call(tc.node.url, assignMsg(tc.colony, 5), x0.prv)
  assert.is(r.status, 200, JSON.stringify(r.value))
  assert.is(r.value.processid, p.processid)
  await tc.restart()
  const restartedAt = Date.now()
  assert.is(tc.node.leases.holding(), 1, 'the restarted node holds the lease again')
  const back = await eventually(async () => {
    const q = await getProcess(p.processid)
    return q.state === ProcessState.WAITING ? q : undefined
  }, 'the process to go back to the queue', 20_000)
  assert.ok(Date.now() - restartedAt >= LEASE_MS / 2, 'the lease counted from the restart')
  assert.is(back.assignedexecutorid, '')
  assert.is((await tc.node.ledger.reads.process(p.processid))?.attempt, 2)
})

test.run()
