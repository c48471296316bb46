/**
 * Where the CLI's settings come from: ColonyOS's environment variables, overridden by
 * flags where upstream has a flag. Pure functions of (env, flags) so every error that
 * names a variable can be tested without a node.
 */
import { DEFAULT_PORT } from '../protocol/wire-types.js'
import { InvalidSettingError, MissingSettingError, UsageError } from './errors.js'

export type Env = Readonly<Record<string, string | undefined>>

export const DEFAULT_HOST = 'localhost'

export const HOST_VAR = 'COLONIES_SERVER_HOST'
export const PORT_VAR = 'COLONIES_SERVER_PORT'
export const TLS_VAR = 'COLONIES_SERVER_TLS'
/** newer upstream releases read COLONIES_TLS; accepted when COLONIES_SERVER_TLS is unset */
export const TLS_VAR_ALT = 'COLONIES_TLS'
export const COLONY_NAME_VAR = 'COLONIES_COLONY_NAME'

export interface Connection {
  host: string
  port: number
  tls: boolean
  url: string
}

function setting (env: Env, name: string): string | undefined {
  const v = env[name]?.trim()
  return v === undefined || v === '' ? undefined : v
}

export function parsePort (text: string, variable: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidSettingError(variable, `must be a port number from 1 to 65535, not "${text}"`)
  }
  return port
}

export function parseBool (text: string, variable: string): boolean {
  switch (text.toLowerCase()) {
    case 'true': case '1': case 'yes': return true
    case 'false': case '0': case 'no': return false
  }
  throw new InvalidSettingError(variable, `must be true or false, not "${text}"`)
}

/** The node to talk to: --host/--port, else COLONIES_SERVER_HOST/PORT/TLS, else localhost:50080 over http. */
export function resolveConnection (env: Env, flags: { host?: string, port?: number } = {}): Connection {
  const host = flags.host ?? setting(env, HOST_VAR) ?? DEFAULT_HOST
  const envPort = setting(env, PORT_VAR)
  const port = flags.port ?? (envPort === undefined ? DEFAULT_PORT : parsePort(envPort, PORT_VAR))
  const tlsText = setting(env, TLS_VAR)
  const tlsAlt = setting(env, TLS_VAR_ALT)
  const tls = tlsText !== undefined ? parseBool(tlsText, TLS_VAR) : tlsAlt !== undefined ? parseBool(tlsAlt, TLS_VAR_ALT) : false
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return { host, port, tls, url: `${tls ? 'https' : 'http'}://${urlHost}:${port}` }
}

/** The three kinds of key a command may sign with, as ColonyOS names them. */
export interface KeyKind {
  variable: string
  /** upstream's flag for it */
  flag: string
  /** whose key it must be, for the "access denied" hint */
  role: string
}

export const MEMBER_KEY: KeyKind = {
  variable: 'COLONIES_PRVKEY',
  flag: 'prvkey',
  role: 'the key of an approved executor or a user of the colony'
}
/** same key setting as MEMBER_KEY, for what only the process's assigned executor may do */
export const ASSIGNED_EXECUTOR_KEY: KeyKind = {
  ...MEMBER_KEY,
  role: 'the key of the executor the process is assigned to (e.g. COLONIES_EXECUTOR_PRVKEY)'
}
export const OWNER_KEY: KeyKind = {
  variable: 'COLONIES_COLONY_PRVKEY',
  flag: 'colonyprvkey',
  role: "the colony owner's key"
}
export const OPERATOR_KEY: KeyKind = {
  variable: 'COLONIES_SERVER_PRVKEY',
  flag: 'serverprvkey',
  role: "the node operator's key (printed by `colonies node start` and `colonies dev`)"
}

const PRIVATE_KEY = /^[0-9a-fA-F]{64}$/

/** A private key from its flag or its variable; missing or malformed → an error naming both. */
export function resolveKey (env: Env, kind: KeyKind, flagValue?: string): string {
  const fromFlag = flagValue !== undefined && flagValue !== ''
  const key = fromFlag ? flagValue.trim() : setting(env, kind.variable)
  if (key === undefined) throw new MissingSettingError(kind.variable, 'private key', kind.flag)
  if (!PRIVATE_KEY.test(key)) {
    throw new InvalidSettingError(fromFlag ? `--${kind.flag}` : kind.variable, 'must be a private key: 64 hex characters (`colonies security generate` makes one)')
  }
  return key.toLowerCase()
}

export function resolveColonyName (env: Env, flagValue?: string): string {
  const name = flagValue !== undefined && flagValue !== '' ? flagValue : setting(env, COLONY_NAME_VAR)
  if (name === undefined) throw new MissingSettingError(COLONY_NAME_VAR, 'colony name', 'colonyname')
  return name
}

export const RETENTION_VAR = 'COLONIES_RETENTION'
export const RETENTION_POLICY_VAR = 'COLONIES_RETENTION_POLICY'
/** ColonyOS's documentation suggests a week; named in the errors that ask for a policy */
const POLICY_EXAMPLE = '604800 (a week)'

export interface RetentionFlags {
  retention?: boolean
  'retention-policy'?: string
  archive?: string
}

export interface RetentionSetting {
  /** seconds a settled process is kept; 0: retention off */
  policySeconds: number
  /** where purged records are written first (absolute); undefined: not archived */
  archiveDir?: string
}

/** A policy: a whole number of seconds (ColonyOS parses it as an integer). */
function parsePolicy (text: string, name: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  // ms must stay exact: the horizon is computed in ms
  if (!Number.isSafeInteger(n * 1000)) {
    throw new InvalidSettingError(name, `must be a whole number of seconds, e.g. ${POLICY_EXAMPLE}, not "${text}"`)
  }
  return n
}

/**
 * Retention as ColonyOS configures it: COLONIES_RETENTION=true turns it on and
 * COLONIES_RETENTION_POLICY says how many seconds settled processes are kept (the policy
 * alone does nothing, as in ColonyOS). --retention/--no-retention and --retention-policy
 * override them; --retention-policy implies --retention. An unparsable policy is refused
 * even with retention off (ColonyOS stops on it too). Retention on without a policy, or
 * with 0, is refused: ColonyOS would then purge every successful process at once.
 */
export function resolveRetention (env: Env, flags: RetentionFlags, resolvePath: (dir: string) => string = p => p): RetentionSetting {
  const flagPolicy = flags['retention-policy']
  const envPolicy = setting(env, RETENTION_POLICY_VAR)
  const policy = flagPolicy !== undefined
    ? parsePolicy(flagPolicy.trim(), '--retention-policy')
    : envPolicy === undefined ? undefined : parsePolicy(envPolicy, RETENTION_POLICY_VAR)
  const envOn = setting(env, RETENTION_VAR)
  const on = flags.retention ?? (flagPolicy !== undefined ? true : envOn === undefined ? false : parseBool(envOn, RETENTION_VAR))
  const archiveDir = flags.archive === undefined || flags.archive.trim() === '' ? undefined : resolvePath(flags.archive.trim())
  const archive = archiveDir === undefined ? {} : { archiveDir }
  if (!on) return { policySeconds: 0, ...archive }
  const why = flags.retention === true ? '--retention' : flagPolicy !== undefined ? '--retention-policy' : `${RETENTION_VAR}=${envOn ?? ''}`
  if (policy === undefined) {
    throw new UsageError(`${why} needs a retention policy: pass --retention-policy <seconds> or export ${RETENTION_POLICY_VAR}=<seconds>, ` +
      `e.g. ${POLICY_EXAMPLE} (without one, ColonyOS purges every successful process at once)`)
  }
  if (policy === 0) {
    const from = flagPolicy !== undefined ? '--retention-policy' : RETENTION_POLICY_VAR
    throw new InvalidSettingError(from, `is 0: with retention on, give the seconds settled processes are kept, e.g. ${POLICY_EXAMPLE}, or turn retention off (--no-retention)`)
  }
  return { policySeconds: policy, ...archive }
}
