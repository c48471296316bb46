/**
 * Keys at `node start`, `dev` and `executor add`, with the real CLI as child processes:
 * no private key of an operator in what a node prints (its output is its log), the start
 * says whether the key was generated or loaded and where it is, a shell's
 * COLONIES_SERVER_PRVKEY does not quietly take over a node that had another operator, and
 * `executor add` prints the variable `executor start` reads.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { cli, CliProcess, parseExports } from '../helpers/cli.js'
import { startColony } from '../helpers/colony-node.js'

let dir: string

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-keys-'))
})

test.after(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Starts `node start` on `data` until it serves; returns everything it printed up to its stop. */
async function startAndStop (data: string, env: Record<string, string> = {}, extra: string[] = []): Promise<string> {
  const p = new CliProcess(['node', 'start', '--data', data, '--port', '0', '--no-dashboard', ...extra], env)
  try {
    await p.waitFor(/Serving/)
  } finally {
    assert.is(await p.stop('SIGINT'), 0, p.output)
  }
  return p.output
}

test('node start says the operator key was generated, then loaded, where it is, and never prints it', async () => {
  const data = join(dir, 'plain')
  const first = await startAndStop(data)
  const key = (await readFile(join(data, 'operator.key'), 'utf8')).trim()
  assert.match(first, new RegExp(`Operator key +generated on this start into ${join(data, 'operator.key')}`))
  assert.match(first, new RegExp(`export COLONIES_SERVER_PRVKEY=\\$\\(cat ${join(data, 'operator.key')}\\)`))
  assert.not.ok(first.includes(key), 'the first start printed the operator key')
  const second = await startAndStop(data)
  assert.match(second, new RegExp(`Operator key +loaded from ${join(data, 'operator.key')}`))
  assert.not.match(second, /generated/)
  assert.not.ok(second.includes(key), 'a restart printed the operator key')
  assert.match(second, new RegExp(`Operator id +${idFromPrivateKey(key)}`))
})

test('another operator key in the shell is refused on a node that had its own; --replace-operator takes it', async () => {
  const data = join(dir, 'taken')
  await startAndStop(data)
  const own = (await readFile(join(data, 'operator.key'), 'utf8')).trim()
  const other = generatePrivateKey()
  const refused = await cli(['node', 'start', '--data', data, '--port', '0', '--no-dashboard'], { COLONIES_SERVER_PRVKEY: other })
  assert.is(refused.code, 2, refused.stdout + refused.stderr)
  assert.match(refused.stderr, /COLONIES_SERVER_PRVKEY names operator .*unset COLONIES_SERVER_PRVKEY .*--replace-operator/)
  assert.not.ok(refused.stdout.includes('Serving'))
  // the same key as the node's own is no change
  assert.match(await startAndStop(data, { COLONIES_SERVER_PRVKEY: own }), /Operator key +from COLONIES_SERVER_PRVKEY in this shell/)
  const replaced = await startAndStop(data, { COLONIES_SERVER_PRVKEY: other }, ['--replace-operator'])
  assert.match(replaced, new RegExp(`Operator id +${idFromPrivateKey(other)}`))
  assert.not.ok(replaced.includes(other), 'the key from the shell was printed')
})

test('a node that ran with a shell\'s key, restarted without it, is refused rather than given a new operator', async () => {
  const data = join(dir, 'env-first')
  const key = generatePrivateKey()
  const first = await startAndStop(data, { COLONIES_SERVER_PRVKEY: key })
  assert.match(first, /Operator key +from COLONIES_SERVER_PRVKEY in this shell/)
  assert.not.ok(first.includes(key))
  const refused = await cli(['node', 'start', '--data', data, '--port', '0', '--no-dashboard'])
  assert.is(refused.code, 2, refused.stdout + refused.stderr)
  assert.match(refused.stderr, /operator\.key names operator .*export COLONIES_SERVER_PRVKEY/)
  assert.not.ok(existsSync(join(data, 'operator.key')), 'the key generated for the refused start is not left to stand for the node')
  await startAndStop(data, { COLONIES_SERVER_PRVKEY: key })
})

test('colonies dev prints the keys a user needs but not the operator\'s; dev.env keeps it', async () => {
  const data = join(dir, 'dev')
  const dev = new CliProcess(['dev', '--data', data, '--port', '0', '--no-executor', '--no-dashboard'])
  try {
    await dev.waitFor(/Press Ctrl-C/)
    const file = parseExports(await readFile(join(data, 'dev.env'), 'utf8'))
    const operator = (await readFile(join(data, 'operator.key'), 'utf8')).trim()
    assert.is(file.COLONIES_SERVER_PRVKEY, operator)
    assert.not.ok(dev.output.includes(operator), 'dev printed the operator key')
    const { COLONIES_SERVER_PRVKEY: _, ...rest } = file
    assert.equal(parseExports(dev.output), rest)
    assert.ok(rest.COLONIES_PRVKEY !== undefined && rest.COLONIES_EXECUTOR_PRVKEY !== undefined)
  } finally {
    assert.is(await dev.stop('SIGINT'), 0, dev.output)
  }
})

test('executor add prints COLONIES_EXECUTOR_PRVKEY, the variable executor start reads first', async () => {
  const tc = await startColony()
  try {
    const env = { COLONIES_SERVER_HOST: '127.0.0.1', COLONIES_SERVER_PORT: String(tc.node.port), COLONIES_COLONY_NAME: tc.colony, COLONIES_COLONY_PRVKEY: tc.owner.prv }
    const r = await cli(['executor', 'add', '--name', 'w1', '--type', 'cli', '--approve'], env)
    assert.is(r.code, 0, r.stderr)
    const key = /^ {2}export COLONIES_EXECUTOR_PRVKEY=([0-9a-f]{64})$/m.exec(r.stdout)?.[1]
    assert.ok(key !== undefined, r.stdout)
    assert.not.match(r.stdout, /COLONIES_PRVKEY=/)
    const got = await cli(['executor', 'get', '--name', 'w1', '--json'], { ...env, COLONIES_PRVKEY: tc.user.prv })
    assert.is(got.code, 0, got.stderr)
    assert.is(JSON.parse(got.stdout).executorid, idFromPrivateKey(key))
  } finally {
    await tc.stop()
  }
})

test.run()
