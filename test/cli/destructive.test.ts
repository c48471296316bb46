/**
 * One rule for every destructive command: without a terminal and without --yes it is
 * refused as bad usage (exit 2, one line saying to pass --yes) and nothing is removed;
 * --yes removes; removing the identity COLONIES_PRVKEY signs as, or the colony
 * COLONIES_COLONY_NAME names, warns first.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ColoniesClient } from '../../src/client/index.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { addExecutor, startColony, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony
let env: Env
let owner: ColoniesClient

test.before(async () => {
  tc = await startColony({ executors: 1 })
  env = colonyEnv(tc, { COLONIES_COLONY_PRVKEY: tc.owner.prv, COLONIES_SERVER_PRVKEY: tc.operator.prv })
  owner = new ColoniesClient({ url: tc.node.url, prvkey: tc.owner.prv })
})
test.after(async () => { await tc.stop() })

function refusedWithoutYes (r: { code: number | null, stdout: string, stderr: string }): void {
  assert.is(r.code, 2, r.stderr)
  const lines = r.stderr.trim().split('\n')
  assert.ok(lines.length === 1 || (lines.length === 2 && lines[0]?.startsWith('Warning: ')), `one error line: ${r.stderr}`)
  assert.match(lines.at(-1) as string, /^Error: Remove .*\? .*Not done: no terminal to ask on; pass --yes to go ahead without asking$/)
  assert.is(r.stdout, '')
}

test('colony, executor and user remove: refused without a terminal unless --yes, nothing removed', async () => {
  refusedWithoutYes(await cli(['colony', 'remove', '--name', tc.colony], env))
  assert.is((await owner.getColony(tc.colony)).name, tc.colony)
  refusedWithoutYes(await cli(['executor', 'remove', '--name', 'x0'], env))
  assert.is((await owner.getExecutor(tc.colony, 'x0')).executorname, 'x0')
  refusedWithoutYes(await cli(['user', 'remove', '--name', 'user'], env))
  assert.is((await owner.getUser(tc.colony, 'user')).name, 'user')
  refusedWithoutYes(await cli(['process', 'remove', '-p', 'ab'.repeat(32)], env))
})

test('executor remove --yes removes; no warning for an identity that is not yours', async () => {
  await addExecutor(tc.node.url, tc.colony, tc.owner, 'other')
  const r = await cli(['executor', 'remove', '--name', 'other', '--yes'], env)
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stderr, '')
  assert.is(r.stdout.trim(), `Executor other removed from colony ${tc.colony}`)
})

test('removing the user COLONIES_PRVKEY signs as warns, then removes with --yes', async () => {
  const r = await cli(['user', 'remove', '--name', 'user', '-y'], env)
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, /^Warning: user user is the identity COLONIES_PRVKEY signs as/)
  assert.is(r.stdout.trim(), `User user removed from colony ${tc.colony}`)
})

test('removing the colony COLONIES_COLONY_NAME names warns, then removes with --yes', async () => {
  const r = await cli(['colony', 'remove', '--name', tc.colony, '--yes'], env)
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, new RegExp(`^Warning: colony ${tc.colony} is the one COLONIES_COLONY_NAME names`))
  const operator = new ColoniesClient({ url: tc.node.url, prvkey: tc.operator.prv })
  assert.is((await operator.getColonies()).length, 0)
})

test.run()
