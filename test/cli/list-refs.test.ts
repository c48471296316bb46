/**
 * Listings past upstream's 100 (`process psw|pss|... --count`, paged) and crons named by
 * `--name` (`cron get|remove|run`): the real CLI as child processes against a real node.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ColoniesClient } from '../../src/client/index.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { startColony, submit, type TestColony } from '../helpers/colony-node.js'

let tc: TestColony
let env: Env
let user: ColoniesClient

test.before(async () => {
  tc = await startColony({ executors: 1 })
  env = colonyEnv(tc)
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
})

test.after(async () => {
  await tc.stop()
})

test('process psw --count above 100 lists them all, by pages, in the order of the first 100', async () => {
  // an executor type nobody runs: they stay waiting
  const ids: string[] = []
  for (let i = 0; i < 130; i++) ids.push((await submit(tc, { conditions: { executortype: 'nobody' } })).processid)
  const [all, more, first, dflt] = await Promise.all([
    cli(['process', 'psw', '--count', '130', '--json'], env),
    cli(['process', 'psw', '--count', '1000', '--json'], env),
    cli(['process', 'psw', '--count', '100', '--json'], env),
    cli(['process', 'psw', '--json'], env)
  ])
  for (const r of [all, more, first, dflt]) assert.is(r.code, 0, r.stderr)
  const listed = (r: { stdout: string }): string[] => (JSON.parse(r.stdout) as Array<{ processid: string }>).map(p => p.processid)
  assert.is(listed(all).length, 130)
  assert.equal(new Set(listed(all)), new Set(ids))
  assert.equal(listed(more), listed(all), 'asking for more than there are gives what there is')
  assert.equal(listed(all).slice(0, 100), listed(first), 'the pages continue the upstream listing')
  assert.is(listed(dflt).length, 20)
  const tooMany = await cli(['process', 'pss', '--count', '100001'], env)
  assert.is(tooMany.code, 2)
  assert.match(tooMany.stderr, /100000/)
})

test('cron get|remove|run --name: the colony\'s cron of that name; an unknown name or both flags say what to do', async () => {
  const file = join(tc.dir, 'cron.json')
  await writeFile(file, JSON.stringify([{ nodename: 'tick', funcname: 'echo', conditions: { executortype: 'nobody', dependencies: [] } }]))
  const add = await cli(['cron', 'add', '--spec', file, '--name', 'nightly', '--interval', '3600', '--json'], env)
  assert.is(add.code, 0, add.stderr)
  const cron = JSON.parse(add.stdout)

  const get = await cli(['cron', 'get', '--name', 'nightly', '--json'], env)
  assert.is(get.code, 0, get.stderr)
  assert.is(JSON.parse(get.stdout).cronid, cron.cronid)
  const run = await cli(['cron', 'run', '--name', 'nightly'], env)
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, new RegExp(`Cron ${cron.cronid as string} started workflow [0-9a-f]{64}`))

  const both = await cli(['cron', 'get', '--name', 'nightly', '--cronid', cron.cronid], env)
  assert.is(both.code, 2)
  assert.match(both.stderr, /--cronid|--name/)
  const neither = await cli(['cron', 'remove', '--yes'], env)
  assert.is(neither.code, 2)

  const rm = await cli(['cron', 'remove', '--name', 'nightly', '--yes'], env)
  assert.is(rm.code, 0, rm.stderr)
  assert.match(rm.stdout, new RegExp(`Cron ${cron.cronid as string} removed`))
  assert.is((await user.getCrons(tc.colony)).length, 0)
  const gone = await cli(['cron', 'get', '--name', 'nightly'], env)
  assert.not.equal(gone.code, 0)
  assert.match(gone.stderr, /no cron named "nightly" in colony "test": `colonies cron ls` lists them/)
})

test.run()
