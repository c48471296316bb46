/**
 * Errors that name the right cause, as a newcomer meets them: a colony named by the spec
 * file is blamed on the file, not on COLONIES_COLONY_NAME; a data directory that is a file
 * or cannot be written is named; TLS against a plain node says "TLS mismatch?"; an empty
 * funcname is refused when the spec is read; a UTF-8 BOM is accepted; `colonies dev`'s
 * hint spells the CLI the way that works (`npx colonies` when `colonies` is not on PATH).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ColoniesClient } from '../../src/client/index.js'
import { cliName } from '../../src/cli/invocation.js'
import { explainNodeStartError } from '../../src/cli/node-errors.js'
import { ProcessState } from '../../src/protocol/state.js'
import { cli, CliProcess, colonyEnv, type Env, ROOT } from '../helpers/cli.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony
let env: Env
let dir: string
let user: ColoniesClient

test.before(async () => {
  tc = await startColony({ executors: 0 })
  dir = await mkdtemp(join(tmpdir(), 'colonynet-errors-'))
  env = colonyEnv(tc)
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
})
test.after(async () => {
  await tc.stop()
  await rm(dir, { recursive: true, force: true })
})

function oneLine (stderr: string): void {
  assert.is(stderr.trim().split('\n').length, 1, `one error line, got: ${stderr}`)
}

async function specFile (name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, text)
  return file
}

const waiting = async (): Promise<number> => (await user.getProcesses(tc.colony, ProcessState.WAITING)).length

test('a colony named by the spec file is blamed on the file, not on COLONIES_COLONY_NAME', async () => {
  const file = await specFile('other.json', '{"conditions": {"executortype": "cli", "colonyname": "other"}, "funcname": "echo"}')
  const r = await cli(['function', 'submit', '--spec', file], env)
  assert.is(r.code, 5, r.stderr)
  oneLine(r.stderr)
  assert.ok(r.stderr.includes(`conditions.colonyname in ${file} is "other"`), r.stderr)
  assert.not.match(r.stderr, /COLONIES_COLONY_NAME/)
  const flag = await cli(['process', 'ps', '--colonyname', 'nowhere'], env)
  assert.match(flag.stderr, /--colonyname is "nowhere"/)
})

test('an empty funcname is refused when the spec is read, naming the field; nothing is submitted', async () => {
  const before = await waiting()
  const file = await specFile('empty.json', '{"conditions": {"executortype": "cli"}, "funcname": ""}')
  const r = await cli(['function', 'submit', '--spec', file], env)
  assert.is(r.code, 2, r.stderr)
  oneLine(r.stderr)
  assert.ok(r.stderr.includes(`${file}: invalid spec.funcname: is empty`), r.stderr)
  const wf = await specFile('empty-wf.json', '[{"nodename": "a", "conditions": {"executortype": "cli"}, "funcname": "echo"}, {"nodename": "b", "conditions": {"executortype": "cli"}}]')
  const w = await cli(['workflow', 'submit', '--spec', wf], env)
  assert.is(w.code, 2, w.stderr)
  assert.ok(w.stderr.includes('invalid functionspecs[1].funcname: is empty') && w.stderr.includes('(node "b")'), w.stderr)
  assert.is(await waiting(), before)
})

test('a spec file saved with a UTF-8 byte order mark is accepted', async () => {
  const before = await waiting()
  const file = await specFile('bom.json', '\ufeff{"conditions": {"executortype": "cli"}, "funcname": "echo bom"}')
  const r = await cli(['function', 'submit', '--spec', file], env)
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^Submitted process [0-9a-f]{64}/)
  assert.is(await waiting(), before + 1)
})

test('COLONIES_SERVER_TLS=true against a plain node says TLS mismatch, not "no node answers"', async () => {
  const r = await cli(['process', 'ps'], { ...env, COLONIES_SERVER_TLS: 'true' })
  assert.is(r.code, 3, r.stderr)
  oneLine(r.stderr)
  assert.match(r.stderr, /^Error: TLS mismatch\? The node at https:\/\/127\.0\.0\.1:\d+ answers, but not with TLS .*Unset COLONIES_SERVER_TLS/)
})

test('--data naming a file is bad usage (exit 2) naming it, before anything starts', async () => {
  const file = join(dir, 'plain-file')
  await writeFile(file, 'x')
  for (const cmd of [['node', 'start'], ['dev', '--no-executor']]) {
    const r = await cli([...cmd, '--data', file, '--port', '0', '--no-dashboard'])
    assert.is(r.code, 2, r.stderr)
    oneLine(r.stderr)
    assert.ok(r.stderr.includes(`--data ${file} cannot be a data directory: ${file} is a file`), r.stderr)
  }
})

test('a data directory the user cannot write names the path refused; a privileged port says so', () => {
  // root writes anywhere, so the system error is built as Node raises it
  const where = { dataDir: '/srv/colonies', host: '127.0.0.1', port: 50080 }
  const denied = Object.assign(new Error("EACCES: permission denied, mkdir '/srv/colonies'"), { code: 'EACCES', syscall: 'mkdir', path: '/srv/colonies' })
  const wrapped = Object.assign(new Error('Database failed to open'), { code: 'LEVEL_DATABASE_NOT_OPEN', cause: denied })
  for (const err of [denied, wrapped]) {
    const e = explainNodeStartError(err, where) as Error
    assert.is(e.name, 'UsageError')
    assert.is(e.message, 'permission denied on /srv/colonies (mkdir): this user cannot write the data directory /srv/colonies; fix its permissions or pass another --data')
  }
  const port = Object.assign(new Error('listen EACCES'), { code: 'EACCES', syscall: 'listen' })
  assert.match((explainNodeStartError(port, { ...where, port: 80 }) as Error).message, /^permission denied listening on 127\.0\.0\.1:80 \(ports below 1024 need privileges\)/)
})

test('cliName: `colonies` only when that name on PATH is this CLI; npx and anything else get `npx colonies`', async () => {
  const own = join(dir, 'bin-own')
  const other = join(dir, 'bin-other')
  await mkdir(own)
  await mkdir(other)
  await symlink(join(ROOT, 'bin', 'run.js'), join(own, 'colonies'))
  await writeFile(join(other, 'colonies'), '#!/bin/sh\n', { mode: 0o755 })
  assert.is(cliName({ PATH: `${other}:${own}` }), 'colonies')
  assert.is(cliName({ PATH: other }), 'npx colonies', "upstream's colonies is not this CLI")
  assert.is(cliName({ PATH: '/usr/bin' }), 'npx colonies')
  assert.is(cliName({ PATH: own, npm_lifecycle_event: 'npx' }), 'npx colonies')
})

test('colonies dev, run without `colonies` on PATH, hints with `npx colonies`', async () => {
  const dev = new CliProcess(['dev', '--data', join(dir, 'dev'), '--port', '0', '--no-executor', '--no-dashboard'], { PATH: process.env.PATH ?? '' })
  try {
    await dev.waitFor(/Press Ctrl-C/)
    assert.match(dev.output, /^ {2}npx colonies function submit --spec examples\/sayhello\.json --wait$/m)
  } finally {
    assert.is(await dev.stop('SIGINT'), 0, dev.output)
  }
})

test.run()
