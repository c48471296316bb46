/**
 * Default data directories: `colonies dev` keeps its node under ~/.colonynet/dev,
 * `colonies node start` under ~/.colonynet/node. A leading ~ in --data is expanded.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export const DEV_DATA_DIR = join('~', '.colonynet', 'dev')
export const NODE_DATA_DIR = join('~', '.colonynet', 'node')

export function expandDataDir (dir: string, home = homedir()): string {
  if (dir === '~') return home
  if (dir.startsWith('~/')) return join(home, dir.slice(2))
  return resolve(dir)
}
