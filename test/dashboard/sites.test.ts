/**
 * The sites view's figures in a real federation of two sites: each site estimates the
 * other's clock skew from what it gossips (one machine here: about zero), its own is 0, and
 * a process's history, read at any site, names the site it was submitted at.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { eventually } from '../helpers/colony-node.js'
import { type Federation, ok, startFederation } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

let fed: Federation

test.before(async () => {
  fed = await startFederation(2)
})

test.after(async () => {
  await fed?.stop()
})

test('a site reports the other\'s clock skew once it has gossiped, and 0 for itself', async () => {
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  // a batch written at A is gossiped to B, stamped with A's clock
  await ok(a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'tick', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  const sites = await eventually(async () => {
    const r = await call(b.node.url, { msgtype: 'getsitesmsg', colonyname: fed.colony }, fed.user.prv)
    const other = (r.value as Array<{ nodeid: string, clockskew: number | null }>).find(s => s.nodeid === a.node.nodeId)
    return typeof other?.clockskew === 'number' ? r.value as Array<{ nodeid: string, self: boolean, clockskew: number | null }> : undefined
  }, 'B to estimate A\'s clock')
  const fromA = sites.find(s => s.nodeid === a.node.nodeId)
  const self = sites.find(s => s.self)
  assert.is(self?.nodeid, b.node.nodeId)
  assert.is(self?.clockskew, 0)
  // one machine, one clock: the estimate is off by at most the gossip delay
  assert.ok(Math.abs(fromA?.clockskew as number) < 2000, `skew ${String(fromA?.clockskew)} ms`)
})

test('a process\'s history names the site it was submitted at, by the name the owner gave it', async () => {
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  const p = await ok(b.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'from-b', conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  const h = await eventually(async () => {
    const r = await call(a.node.url, { msgtype: 'getprocesshistorymsg', processid: p.processid }, fed.user.prv)
    return r.status === 200 ? r.value : undefined
  }, 'A to hold the process submitted at B')
  assert.is(h.submitsite, b.node.nodeId)
  assert.is(h.steps[0].site, b.node.nodeId)
  assert.is(h.steps[0].sitename, 'site-1')
})

test.run()
