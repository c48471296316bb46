/**
 * Signature recovery on a worker thread for RPC requests: the same signer as on the node's
 * thread, the same error for a bad signature, the signatures of one turn in one message;
 * and a node that uses it answers as one that does not.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ColonyNode } from '../../src/node/index.js'
import { RpcVerifier } from '../../src/node/rpc-verifier.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { signEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js'
import { assertError, call, raw } from '../helpers/raw-rpc.js'

test('signers recovered on a worker match the node thread\'s, a turn\'s requests in one message', async () => {
  const v = RpcVerifier.create(1)
  assert.ok(v !== undefined)
  try {
    const keys = Array.from({ length: 40 }, () => generatePrivateKey())
    const envs = keys.map((k, i) => signEnvelope({ msgtype: 'getcolonymsg', colonyname: `c${i}` }, k))
    const signers = await Promise.all(envs.map(async e => await v.signer(e)))
    assert.equal(signers, keys.map(idFromPrivateKey))
    assert.is(v.batches, 1, 'forty requests of one turn go to the worker in one message')
    // a signature of another payload: the refusal the node's thread gives, word for word
    const forged = { ...(envs[0] as typeof envs[0]), signature: (envs[1] as typeof envs[1]).signature }
    let main: unknown
    try { main = verifyEnvelope(forged) } catch (err) { main = err }
    const fromWorker = await v.signer(forged).then(id => id, (err: unknown) => err)
    if (main instanceof Error) {
      assert.instance(fromWorker, Error)
      assert.is((fromWorker as Error).message, main.message)
    } else {
      // recovery gives some other id: the worker must give the same one
      assert.is(fromWorker, main)
      assert.is.not(fromWorker, idFromPrivateKey(keys[0] as string))
    }
    const garbled = { ...(envs[0] as typeof envs[0]), signature: 'ff'.repeat(65) }
    const err = await v.signer(garbled).then(() => undefined, (e: unknown) => e)
    assert.instance(err, Error)
    assert.throws(() => verifyEnvelope(garbled), (e: Error) => e.message === (err as Error).message)
  } finally {
    await v?.close()
  }
})

test('a node recovering on a worker thread serves and refuses as before', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-verifier-'))
  const operator = generatePrivateKey()
  const owner = generatePrivateKey()
  const node = await ColonyNode.start({ dataDir: dir, port: 0, operatorPrvkey: operator, verifyThreads: 1 })
  try {
    const added = await call(node.url, { msgtype: 'addcolonymsg', colony: { colonyid: idFromPrivateKey(owner), name: 'v' } }, operator)
    assert.is(added.status, 200)
    assert.is(added.value.name, 'v')
    // the owner is not the operator: refused on the signer the worker recovered
    assertError(await call(node.url, { msgtype: 'addcolonymsg', colony: { colonyid: idFromPrivateKey(owner), name: 'w' } }, owner), 403, /not server owner/)
    const env = signEnvelope({ msgtype: 'getcolonymsg', colonyname: 'v' }, owner)
    const bad = await raw(node.url, JSON.stringify({ ...env, signature: '00'.repeat(65) }))
    assert.is(bad.status, 403)
    const reads = await Promise.all(Array.from({ length: 30 }, async () => await call(node.url, { msgtype: 'getcolonymsg', colonyname: 'v' }, owner)))
    assert.ok(reads.every(r => r.status === 200 && r.value.colonyid === idFromPrivateKey(owner)))
  } finally {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
