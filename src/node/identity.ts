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

export interface NodeIdentity {
  readonly nodeKey: string
  readonly nodeId: string
  readonly operatorId: string
  /** present when the operator key is known here (given, or generated into the data dir) */
  readonly operatorPrvkey?: string
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

async function keyFile (file: string): Promise<string> {
  const existing = await readKey(file)
  if (existing !== undefined) return existing
  const key = generatePrivateKey()
  await writeFile(file, key + '\n', { mode: 0o600, flag: 'wx' })
  return key
}

export async function loadIdentity (dataDir: string, opts: { operatorId?: string, operatorPrvkey?: string }): Promise<NodeIdentity> {
  await mkdir(dataDir, { recursive: true })
  const nodeKey = await keyFile(join(dataDir, 'node.key'))
  const nodeId = idFromPrivateKey(nodeKey)
  if (opts.operatorPrvkey !== undefined && opts.operatorPrvkey !== '') {
    if (!isPrivateKey(opts.operatorPrvkey)) throw new ValidationError('COLONIES_SERVER_PRVKEY', 'must be a 64-hex private key')
    const operatorId = idFromPrivateKey(opts.operatorPrvkey)
    if (opts.operatorId !== undefined && opts.operatorId !== '' && opts.operatorId !== operatorId) {
      throw new ValidationError('COLONIES_SERVER_ID', 'does not match COLONIES_SERVER_PRVKEY')
    }
    return { nodeKey, nodeId, operatorId, operatorPrvkey: opts.operatorPrvkey }
  }
  if (opts.operatorId !== undefined && opts.operatorId !== '') {
    if (!HEX64.test(opts.operatorId)) throw new ValidationError('COLONIES_SERVER_ID', 'must be a 64-hex id')
    return { nodeKey, nodeId, operatorId: opts.operatorId }
  }
  const operatorPrvkey = await keyFile(join(dataDir, 'operator.key'))
  return { nodeKey, nodeId, operatorId: idFromPrivateKey(operatorPrvkey), operatorPrvkey }
}
