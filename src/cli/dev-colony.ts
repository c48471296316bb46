/**
 * The colony `colonies dev` sets up on its node: colony `dev` (added with the node
 * operator's key), a user and an approved `cli` executor, each with its own key. Keys
 * come from the previous run's dev.env when there is one, so a restart finds everything
 * as it was; whatever is missing is created, and a user or executor registered under
 * another key is replaced.
 */
import type { ColoniesClient } from '../client/index.js'
import { UsageError } from './errors.js'

export const DEV_COLONY = 'dev'
export const DEV_USER = 'dev'
export const DEV_EXECUTOR = 'dev-cli'
export const DEV_EXECUTOR_TYPE = 'cli'

export interface DevKeys {
  colony: string
  user: string
  executor: string
}

export interface DevColony {
  keys: DevKeys
  /** what this run created or replaced, for the banner */
  changes: string[]
}

const HEX64 = /^[0-9a-fA-F]{64}$/

/** Keys saved by a previous run (dev.env variables), fresh ones for whatever is missing. */
export function devKeys (saved: Record<string, string>, generate: () => string): DevKeys {
  const pick = (name: string): string => {
    const v = saved[name]
    return v !== undefined && HEX64.test(v) ? v.toLowerCase() : generate()
  }
  return { colony: pick('COLONIES_COLONY_PRVKEY'), user: pick('COLONIES_PRVKEY'), executor: pick('COLONIES_EXECUTOR_PRVKEY') }
}

function status (err: unknown): number | undefined {
  const s = (err as { status?: unknown }).status
  return typeof s === 'number' ? s : undefined
}

/**
 * Makes the node hold the dev colony for `keys`. `operator` signs with the node operator's
 * key; `dataDir` only names the place in error messages.
 */
export async function ensureDevColony (operator: ColoniesClient, keys: DevKeys, dataDir: string): Promise<DevColony> {
  const { Executor } = await import('../client/index.js')
  const owner = operator.withKey(keys.colony)
  const user = operator.withKey(keys.user)
  const executor = operator.withKey(keys.executor)
  const changes: string[] = []

  const colony = (await operator.getColonies()).find(c => c.name === DEV_COLONY)
  if (colony === undefined) {
    await operator.addColony(DEV_COLONY, owner.id)
    changes.push(`added colony ${DEV_COLONY}`)
  } else if (colony.colonyid !== owner.id) {
    throw new UsageError(`colony ${DEV_COLONY} in ${dataDir} belongs to another owner key than ${dataDir}/dev.env holds ` +
      '(was dev.env edited or deleted?): pass another --data, or remove that directory to start over')
  }

  const users = await owner.getUsers(DEV_COLONY)
  const existingUser = users.find(u => u.name === DEV_USER)
  if (existingUser?.userid !== user.id) {
    if (existingUser !== undefined) await owner.removeUser(DEV_COLONY, DEV_USER)
    await owner.addUser({ colonyname: DEV_COLONY, userid: user.id, name: DEV_USER })
    changes.push(`${existingUser === undefined ? 'added' : 'replaced'} user ${DEV_USER}`)
  }

  let existingExecutor
  try {
    existingExecutor = await owner.getExecutor(DEV_COLONY, DEV_EXECUTOR)
  } catch (err) {
    if (status(err) !== 404) throw err
  }
  if (existingExecutor !== undefined && existingExecutor.executorid !== executor.id) {
    await owner.removeExecutor(DEV_COLONY, DEV_EXECUTOR)
    existingExecutor = undefined
    changes.push(`removed executor ${DEV_EXECUTOR} (another key)`)
  }
  await Executor.register(executor, {
    colonyname: DEV_COLONY,
    colonyOwnerKey: keys.colony,
    executortype: DEV_EXECUTOR_TYPE,
    executorname: DEV_EXECUTOR
  })
  if (existingExecutor === undefined) changes.push(`added and approved executor ${DEV_EXECUTOR} (type ${DEV_EXECUTOR_TYPE})`)
  return { keys, changes }
}
