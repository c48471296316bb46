/**
 * A node and Unix executors as separate processes, driven by the real CLI: an executor
 * killed mid-run has its process retried after maxexectime; a process nobody runs fails
 * after maxwaittime; an unapproved executor is refused; a malformed spec is refused with
 * the field named; a restarted node keeps every process and log.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { cli, CliProcess, type Env } from '../helpers/cli.js'
import { eventually } from '../helpers/colony-node.js'

let dir: string
let node: CliProcess
let env: Env
let user: ColoniesClient
let port = ''

const operator = generatePrivateKey()
const owner = generatePrivateKey()
const userKey = generatePrivateKey()

async function startNode (): Promise<void> {
  node = new CliProcess(['node', 'start', '--data', join(dir, 'node'), '--port', port === '' ? '0' : port], { COLONIES_SERVER_PRVKEY: operator })
  const [, url] = await node.waitFor(/URL\s+(http:\/\/\S+)/) as unknown as [string, string]
  port = new URL(url).port
  await node.waitFor(/Serving/)
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-e2e-'))
  await startNode()
  env = {
    COLONIES_SERVER_HOST: '127.0.0.1',
    COLONIES_SERVER_PORT: port,
    COLONIES_COLONY_NAME: 'e2e',
    COLONIES_COLONY_PRVKEY: owner,
    COLONIES_PRVKEY: userKey,
    COLONIES_SERVER_PRVKEY: operator
  }
  const r = await cli(['colony', 'add', '--name', 'e2e', '--colonyid', idFromPrivateKey(owner)], env)
  assert.is(r.code, 0, r.stderr)
  const u = await cli(['user', 'add', '--name', 'alice', '--userid', idFromPrivateKey(userKey)], env)
  assert.is(u.code, 0, u.stderr)
  user = new ColoniesClient({ url: `http://127.0.0.1:${port}`, prvkey: userKey })
})

test.after(async () => {
  await node.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Registers and approves an executor through the CLI; returns its private key. */
async function approvedExecutor (name: string): Promise<string> {
  const key = generatePrivateKey()
  const add = await cli(['executor', 'add', '--name', name, '--type', 'cli', '--executorid', idFromPrivateKey(key)], env)
  assert.is(add.code, 0, add.stderr)
  const ok = await cli(['executor', 'approve', '--name', name], env)
  assert.is(ok.code, 0, ok.stderr)
  return key
}

test('an executor killed mid-run: the process is retried after maxexectime and completes', async () => {
  const marker = join(dir, 'first-run')
  // first run: leave a marker with our pid and hang; second run: succeed
  // (the marker is written whole, by rename: a half-written one would read as pid 0, and
  // kill(0) signals this test's own process group)
  const script = `const fs=require('fs');if(fs.existsSync(${JSON.stringify(marker)})){console.log('second run')}else{fs.writeFileSync(${JSON.stringify(marker + '.tmp')},String(process.pid));fs.renameSync(${JSON.stringify(marker + '.tmp')},${JSON.stringify(marker)});setTimeout(()=>{},60000)}`
  const spec = join(dir, 'retry.json')
  await writeFile(spec, JSON.stringify({ conditions: { executortype: 'cli' }, funcname: 'node', args: ['-e', script], maxexectime: 2, maxretries: 3 }))
  const key1 = await approvedExecutor('victim')
  const first = new CliProcess(['executor', 'start', '--type', 'cli'], { ...env, COLONIES_EXECUTOR_PRVKEY: key1 })
  await first.waitFor(/Waiting for processes/)
  const sub = await cli(['function', 'submit', '--spec', spec, '--json'], env)
  assert.is(sub.code, 0, sub.stderr)
  const pid = JSON.parse(sub.stdout).processid as string
  await eventually(async () => (await user.getProcess(pid)).state === 1 ? true : undefined, 'the process to run')
  const hung = await eventually(async () => {
    const text = await readFile(marker, 'utf8').catch(() => '')
    return /^[1-9]\d*$/.test(text) ? Number(text) : undefined
  }, 'the first run to write its pid')
  await first.stop('SIGKILL')
  process.kill(hung, 'SIGKILL') // the orphaned command of the killed executor

  const requeued = await eventually(async () => { const p = await user.getProcess(pid); return p.state === 0 ? p : undefined }, 'the requeue after maxexectime', 10_000)
  assert.is(requeued.retries, 1)
  const key2 = await approvedExecutor('rescuer')
  const second = new CliProcess(['executor', 'start', '--type', 'cli'], { ...env, COLONIES_EXECUTOR_PRVKEY: key2 })
  try {
    const done = await eventually(async () => { const p = await user.getProcess(pid); return p.state === 2 ? p : undefined }, 'the retry to succeed', 15_000)
    assert.equal(done.out, ['second run'])
    assert.is(done.retries, 1)
  } finally {
    assert.is(await second.stop('SIGTERM'), 0, second.output)
  }
})

test('a process no executor takes fails after maxwaittime with the ColonyOS message', async () => {
  const spec = join(dir, 'lonely.json')
  await writeFile(spec, JSON.stringify({ conditions: { executortype: 'nobody' }, funcname: 'x', maxwaittime: 1 }))
  const r = await cli(['function', 'submit', '--spec', spec, '--wait'], env)
  assert.is.not(r.code, 0)
  assert.match(r.stdout + r.stderr, /Maximum waiting time limit exceeded/)
})

test('an executor that is not approved is refused with a clear error', async () => {
  const key = generatePrivateKey()
  const add = await cli(['executor', 'add', '--name', 'pending-one', '--type', 'cli', '--executorid', idFromPrivateKey(key)], env)
  assert.is(add.code, 0, add.stderr)
  const r = await cli(['executor', 'start', '--type', 'cli'], { ...env, COLONIES_EXECUTOR_PRVKEY: key })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, /pending/i)
  assert.match(r.stderr, /executor approve/)
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace')
})

test('a spec with a wrong field type is refused, naming the field', async () => {
  const spec = join(dir, 'bad.json')
  await writeFile(spec, JSON.stringify({ conditions: { executortype: 'cli' }, funcname: 'x', maxexectime: 'soon' }))
  const r = await cli(['function', 'submit', '--spec', spec], env)
  assert.is(r.code, 2)
  assert.match(r.stderr, /maxexectime/)
  assert.is(r.stderr.trim().split('\n').length, 1, 'one line')
})

test('wrong key, unknown colony and an unreachable node each give one line and a distinct exit code', async () => {
  const stranger = await cli(['process', 'psw'], { ...env, COLONIES_PRVKEY: generatePrivateKey() })
  assert.is(stranger.code, 4)
  assert.match(stranger.stderr, /Access denied.*COLONIES_PRVKEY/)
  const unknown = await cli(['process', 'psw'], { ...env, COLONIES_COLONY_NAME: 'nope' })
  assert.is(unknown.code, 5)
  assert.match(unknown.stderr, /nope/)
  const away = await cli(['process', 'psw'], { ...env, COLONIES_SERVER_PORT: '9' })
  assert.is(away.code, 3)
  assert.match(away.stderr, /colonies dev/)
})

test('a node restarted on the same data directory still has every process and log', async () => {
  const key = await approvedExecutor('logger')
  const x = new CliProcess(['executor', 'start', '--type', 'cli'], { ...env, COLONIES_EXECUTOR_PRVKEY: key })
  await x.waitFor(/Waiting for processes/)
  const spec = join(dir, 'talk.json')
  await writeFile(spec, JSON.stringify({ conditions: { executortype: 'cli' }, funcname: 'echo', args: ['kept across restarts'] }))
  const r = await cli(['function', 'submit', '--spec', spec, '--wait', '--json'], env)
  assert.is(r.code, 0, r.stderr)
  assert.is(await x.stop('SIGTERM'), 0, x.output)
  const pid = /"processid":\s*"([0-9a-f]{64})"/.exec(r.stdout)?.[1] as string
  assert.ok(pid)

  assert.is(await node.stop('SIGTERM'), 0, node.output)
  await startNode()
  const got = await cli(['process', 'get', '--processid', pid, '--json'], env)
  assert.is(got.code, 0, got.stderr)
  assert.is(JSON.parse(got.stdout).state, 2)
  const log = await cli(['log', 'get', '--processid', pid], env)
  assert.match(log.stdout, /kept across restarts/)
})

test.run()
