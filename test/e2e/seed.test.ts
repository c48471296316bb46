/**
 * The seed example, verbatim, with the real CLI in child processes: `colonies dev` runs a
 * node and a Unix executor; `colonies function submit --spec examples/sayhello.json
 * --wait` prints the output in the submitting shell, and the executor prints it too.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, CliProcess, parseExports } from '../helpers/cli.js'

test('sayhello: colonies dev + function submit --spec examples/sayhello.json --wait', async () => {
  const data = await mkdtemp(join(tmpdir(), 'colonynet-dev-'))
  const dev = new CliProcess(['dev', '--data', data, '--port', '0'])
  try {
    await dev.waitFor(/Press Ctrl-C/)
    const env = parseExports(await readFile(join(data, 'dev.env'), 'utf8'))
    assert.is(env.COLONIES_COLONY_NAME, 'dev')
    assert.ok(env.COLONIES_PRVKEY, 'dev.env has the user key')
    // the printed exports are the file's, but for the operator key (kept out of logs)
    const { COLONIES_SERVER_PRVKEY: operator, ...printed } = env
    assert.ok(operator, 'dev.env has the operator key')
    assert.equal(parseExports(dev.output), printed)

    const r = await cli(['function', 'submit', '--spec', 'examples/sayhello.json', '--wait'], env)
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /^sayhello$/m)
    // the Unix executor in `colonies dev` printed it too
    await dev.waitFor(/^sayhello$/m)

    const pid = /[0-9a-f]{64}/.exec(r.stdout)?.[0]
    assert.ok(pid, 'the submit printed the process id')
    const log = await cli(['log', 'get', '--processid', pid], env)
    assert.is(log.code, 0, log.stderr)
    assert.match(log.stdout, /sayhello/)
    const got = await cli(['process', 'get', '--processid', pid, '--json'], env)
    assert.is(JSON.parse(got.stdout).state, 2)
  } finally {
    assert.is(await dev.stop('SIGINT'), 0, dev.output)
    await rm(data, { recursive: true, force: true })
  }
})

test('a second colonies dev on the same data directory reuses its colony and keys', async () => {
  const data = await mkdtemp(join(tmpdir(), 'colonynet-dev-'))
  try {
    const first = new CliProcess(['dev', '--data', data, '--port', '0', '--no-executor'])
    await first.waitFor(/Press Ctrl-C/)
    const env1 = parseExports(await readFile(join(data, 'dev.env'), 'utf8'))
    assert.is(await first.stop('SIGINT'), 0, first.output)
    const second = new CliProcess(['dev', '--data', data, '--port', '0', '--no-executor'])
    await second.waitFor(/Press Ctrl-C/)
    const env2 = parseExports(await readFile(join(data, 'dev.env'), 'utf8'))
    assert.is(await second.stop('SIGINT'), 0, second.output)
    for (const k of ['COLONIES_PRVKEY', 'COLONIES_COLONY_PRVKEY', 'COLONIES_SERVER_PRVKEY']) assert.is(env2[k], env1[k], k)
  } finally {
    await rm(data, { recursive: true, force: true })
  }
})

test.run()
