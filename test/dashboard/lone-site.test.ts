/**
 * What a lone node (no federation) tells a newcomer about itself: `getsitesmsg` and
 * `colonies node ls` show the executors asking it for work (not "-"), and GET /health names
 * the colony when the node holds exactly one, so the dashboard's sign-in can fill it in.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { assignMsg, eventually, startColony, type TestColony } from '../helpers/colony-node.js'
import { ok } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let tc: TestColony
let env: Env

interface Site { nodeid: string, self: boolean, executors?: Record<string, number> }

test.before(async () => {
  tc = await startColony({ executors: 1 })
  env = colonyEnv(tc)
})

test.after(async () => {
  await tc?.stop()
})

const health = async (): Promise<Record<string, unknown>> => await (await fetch(`${tc.node.url}/health`)).json() as Record<string, unknown>

test('a lone node lists its sites with the executors asking it for work; node ls shows them', async () => {
  const x = tc.executors[0]!
  const before = (await call(tc.node.url, { msgtype: 'getsitesmsg', colonyname: tc.colony }, tc.user.prv)).value as Site[]
  assert.equal(before.find(s => s.self)?.executors, {}, 'no executor has asked yet')
  // the executor parks in a long-poll: nothing is waiting for it
  const parked = call(tc.node.url, assignMsg(tc.colony, 3), x.prv)
  const sites = await eventually(async () => {
    const r = (await call(tc.node.url, { msgtype: 'getsitesmsg', colonyname: tc.colony }, tc.user.prv)).value as Site[]
    return r.find(s => s.self)?.executors?.cli === 1 ? r : undefined
  }, 'the lone node to list its parked executor')
  assert.is(sites.length, 1)
  assert.is(sites[0]?.nodeid, tc.node.nodeId)
  const ls = await cli(['node', 'ls'], env)
  assert.is(ls.code, 0, ls.stderr)
  const row = ls.stdout.split('\n').find(l => l.includes('(this)'))
  assert.ok(row?.includes('cli:1'), `node ls: ${ls.stdout}`)
  assert.is((await parked).status, 404, 'the long-poll ends with nothing to assign')
})

test('GET /health names the colony of a node that holds one, and none once it holds two', async () => {
  assert.is((await health()).colony, tc.colony)
  await ok(tc.node.url, { msgtype: 'addcolonymsg', colony: { colonyid: tc.user.id, name: 'second' } }, tc.operator.prv)
  assert.is((await health()).colony, undefined)
})

test.run()
