/**
 * A real node on 127.0.0.1 (ephemeral port, temporary data directory) with a colony,
 * its owner, a user and approved executors, set up through the RPC as a user would.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { ColonyNode, type NodeOptions } from '../../src/node/index.js'
import { call } from './raw-rpc.js'
import type { ManualClock } from './manual-clock.js'

export interface Identity { readonly prv: string, readonly id: string, readonly name: string }

const identity = (name: string): Identity => {
  const prv = generatePrivateKey()
  return { prv, id: idFromPrivateKey(prv), name }
}

export interface TestColony {
  node: ColonyNode
  readonly dir: string
  readonly colony: string
  readonly operator: Identity
  readonly owner: Identity
  readonly user: Identity
  readonly executors: Identity[]
  /** stops the node and starts it again on the same data directory and port (after `downMs`, of its clock) */
  restart: (downMs?: number) => Promise<void>
  stop: () => Promise<void>
}

async function ok (url: string, msg: Record<string, unknown>, prv: string): Promise<any> {
  const r = await call(url, msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)} failed: ${JSON.stringify(r.value)}`)
  return r.value
}

export async function addExecutor (url: string, colony: string, owner: Identity, name: string, type = 'cli', approve = true): Promise<Identity> {
  const x = identity(name)
  await ok(url, { msgtype: 'addexecutormsg', executor: { executorid: x.id, executortype: type, executorname: name, colonyname: colony } }, owner.prv)
  if (approve) await ok(url, { msgtype: 'approveexecutormsg', colonyname: colony, executorname: name }, owner.prv)
  return x
}

/** `clock`: the node's time and timers (the system's if omitted); the test moves it. */
export async function startColony (opts: { executors?: number, type?: string, dir?: string, clock?: ManualClock, retention?: NodeOptions['retention'], leaseMs?: number } = {}): Promise<TestColony> {
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'colonynet-node-'))
  const operator = identity('operator')
  const owner = identity('owner')
  const user = identity('user')
  const colony = 'test'
  const clock = opts.clock
  const more = { ...(clock === undefined ? {} : { clock }), ...(opts.retention === undefined ? {} : { retention: opts.retention }), ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }) }
  let node = await ColonyNode.start({ dataDir: dir, port: 0, operatorPrvkey: operator.prv, ...more })
  await ok(node.url, { msgtype: 'addcolonymsg', colony: { colonyid: owner.id, name: colony } }, operator.prv)
  await ok(node.url, { msgtype: 'addusermsg', user: { colonyname: colony, userid: user.id, name: 'user', email: '', phone: '' } }, owner.prv)
  const executors: Identity[] = []
  for (let i = 0; i < (opts.executors ?? 1); i++) executors.push(await addExecutor(node.url, colony, owner, `x${i}`, opts.type ?? 'cli'))
  const tc: TestColony = {
    node,
    dir,
    colony,
    operator,
    owner,
    user,
    executors,
    restart: async (downMs = 0) => {
      const port = node.port
      await node.stop()
      if (clock !== undefined) await clock.advance(downMs)
      else if (downMs > 0) await new Promise(resolve => setTimeout(resolve, downMs))
      node = await ColonyNode.start({ dataDir: dir, port, operatorPrvkey: operator.prv, ...more })
      tc.node = node
    },
    stop: async () => {
      await tc.node.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
  return tc
}

/** Submits a spec (conditions filled for the test colony) as the colony's user; returns the process. */
export async function submit (tc: TestColony, spec: Record<string, unknown> = {}): Promise<any> {
  const { conditions, ...rest } = spec
  return await ok(tc.node.url, {
    msgtype: 'submitfuncspecmsg',
    spec: { funcname: 'echo', ...rest, conditions: { colonyname: tc.colony, executortype: 'cli', ...(conditions as object ?? {}) } }
  }, tc.user.prv)
}

export const assignMsg = (colony: string, timeout: number): Record<string, unknown> =>
  ({ msgtype: 'assignprocessmsg', colonyname: colony, timeout, availablecpu: '', availablemem: '' })

/** Resolves when `check` returns a value other than undefined; polls the state at 10 ms with a deadline. */
export async function eventually<T> (check: () => T | undefined | Promise<T | undefined>, what: string | (() => string), deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
