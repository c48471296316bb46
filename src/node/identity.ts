/**
 * A node's keys, kept in its data directory: the node key (its identity as an origin of
 * ledger records) and, when the operator gave none, a generated operator key (ColonyOS's
 * server owner). COLONIES_SERVER_ID / COLONIES_SERVER_PRVKEY work as on a ColonyOS server.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generatePrivateKey, idFromPrivateKey, isPrivateKey } from '../protocol/crypto.js'
import { ValidationError } from '../protocol/errors.js'

const HEX64 = /^[0-9a-f]{64}$/

/**
 * Where the operator key came from: COLONIES_SERVER_PRVKEY (`env`), only its id from
 * COLONIES_SERVER_ID (`id`), or `<data>/operator.key`, made on this start (`generated`) or
 * an earlier one (`stored`). Said at start, so no one takes a loaded key for a new one.
 */
export type OperatorKeySource = 'env' | 'id' | 'generated' | 'stored'

export interface NodeIdentity {
  readonly nodeKey: string
  readonly nodeId: string
  readonly operatorId: string
  /** present when the operator key is known here (given, or generated into the data dir) */
  readonly operatorPrvkey?: string
  readonly operatorKeySource: OperatorKeySource
  /** `<data>/operator.key` when the key is kept there */
  readonly operatorKeyFile?: string
  /**
   * The operator of `<data>/operator.key` when the environment named another: this data
   * directory's node was that operator's (see checkOperator).
   */
  readonly storedOperatorId?: string
}

/**
 * A node started with an operator other than the one its data directory's node had: a
 * shell that still exports another node's COLONIES_SERVER_PRVKEY would otherwise hand this
 * site to that operator without a word. Replacing it takes `--replace-operator`.
 */
export class OperatorChangeError extends Error {
  constructor (readonly was: string, readonly now: string, readonly source: OperatorKeySource) {
    const from = source === 'env' ? 'COLONIES_SERVER_PRVKEY' : source === 'id' ? 'COLONIES_SERVER_ID' : 'operator.key'
    super(`this node's operator is ${was.slice(0, 16)}…, but ${from} names operator ${now.slice(0, 16)}…: ` +
      (source === 'env' || source === 'id'
        ? `unset ${from} (is it another node's?) to keep this node's operator, or pass --replace-operator to hand the site to the new one`
        : `export COLONIES_SERVER_PRVKEY with operator ${was.slice(0, 16)}…'s key, or pass --replace-operator to hand the site to the new one`))
    this.name = 'OperatorChangeError'
  }
}

/**
 * Throws OperatorChangeError when the node's operator would change: `previous` is the
 * operator its site record names (undefined for a new node).
 */
export function checkOperator (identity: NodeIdentity, previous: string | undefined, replace: boolean): void {
  const was = previous ?? identity.storedOperatorId
  if (replace || was === undefined || was === identity.operatorId) return
  throw new OperatorChangeError(was, identity.operatorId, identity.operatorKeySource)
}

async function readKey (file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim()
    if (!isPrivateKey(text)) throw new ValidationError(file, 'does not hold a 64-hex private key')
    return text
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function keyFile (file: string): Promise<{ key: string, generated: boolean }> {
  const existing = await readKey(file)
  if (existing !== undefined) return { key: existing, generated: false }
  const key = generatePrivateKey()
  await writeFile(file, key + '\n', { mode: 0o600, flag: 'wx' })
  return { key, generated: true }
}

/** The node key of an existing data directory (no operator key is made or read). */
export async function loadNodeKey (dataDir: string): Promise<string> {
  const key = await readKey(join(dataDir, 'node.key'))
  if (key === undefined) throw new ValidationError(join(dataDir, 'node.key'), 'is missing')
  return key
}

export async function loadIdentity (dataDir: string, opts: { operatorId?: string, operatorPrvkey?: string }): Promise<NodeIdentity> {
  await mkdir(dataDir, { recursive: true })
  const { key: nodeKey } = await keyFile(join(dataDir, 'node.key'))
  const nodeId = idFromPrivateKey(nodeKey)
  const operatorFile = join(dataDir, 'operator.key')
  const stored = await readKey(operatorFile)
  const storedOperatorId = stored === undefined ? undefined : idFromPrivateKey(stored)
  if (opts.operatorPrvkey !== undefined && opts.operatorPrvkey !== '') {
    if (!isPrivateKey(opts.operatorPrvkey)) throw new ValidationError('COLONIES_SERVER_PRVKEY', 'must be a 64-hex private key')
    const operatorId = idFromPrivateKey(opts.operatorPrvkey)
    if (opts.operatorId !== undefined && opts.operatorId !== '' && opts.operatorId !== operatorId) {
      throw new ValidationError('COLONIES_SERVER_ID', 'does not match COLONIES_SERVER_PRVKEY')
    }
    return { nodeKey, nodeId, operatorId, operatorPrvkey: opts.operatorPrvkey, operatorKeySource: 'env', ...(storedOperatorId === undefined ? {} : { storedOperatorId }) }
  }
  if (opts.operatorId !== undefined && opts.operatorId !== '') {
    if (!HEX64.test(opts.operatorId)) throw new ValidationError('COLONIES_SERVER_ID', 'must be a 64-hex id')
    return { nodeKey, nodeId, operatorId: opts.operatorId, operatorKeySource: 'id', ...(storedOperatorId === undefined ? {} : { storedOperatorId }) }
  }
  const { key: operatorPrvkey, generated } = await keyFile(operatorFile)
  return { nodeKey, nodeId, operatorId: idFromPrivateKey(operatorPrvkey), operatorPrvkey, operatorKeySource: generated ? 'generated' : 'stored', operatorKeyFile: operatorFile }
}
