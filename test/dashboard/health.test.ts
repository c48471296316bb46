/**
 * The sites view's "This node" figures (dashboard/src/health.ts) from a real node's
 * /health: what memory and disk hold and the heap, then the policy and the page's colony's
 * last prune on a node that prunes; "off" and "nothing" on one that does not.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { healthRows } from '../../dashboard/src/health.js'
import type { NodeHealth } from '../../dashboard/src/api.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { call } from '../helpers/raw-rpc.js'

async function rowsOf (tc: TestColony, colony = tc.colony): Promise<Map<string, string>> {
  const h = await (await fetch(`${tc.node.url}/health`)).json() as NodeHealth
  return new Map(healthRows(h, colony, Date.now()))
}

test('a node that prunes: live work in memory, the data directory, the heap, the policy and the colony\'s last prune', async () => {
  const tc = await startColony({ retention: { policySeconds: 1 } })
  try {
    const x = tc.executors[0] as { prv: string }
    const done: string[] = []
    for (let i = 0; i < 2; i++) {
      done.push((await submit(tc)).processid)
      const got = (await call(tc.node.url, assignMsg(tc.colony, 5), x.prv)).value
      await call(tc.node.url, { msgtype: 'closesuccessfulmsg', processid: got.processid, out: [] }, x.prv)
    }
    await submit(tc, { conditions: { executortype: 'nobody' } })
    await eventually(async () => (await tc.node.ledger.reads.processes(done)).length === 0 ? true : undefined, 'the settled processes to be purged', 20_000)
    const rows = await rowsOf(tc)
    assert.equal([...rows.keys()], ['In memory', 'On disk', 'Heap', 'Retention', 'Last pruned', 'Pruned in all', 'Duplicate executions'])
    assert.is(rows.get('Duplicate executions'), 'none: no process ran more than once')
    assert.is(rows.get('In memory'), '1 process (live work; settled ones are read from disk)')
    assert.match(rows.get('On disk') ?? '', /^\d+(\.\d)? [KMG]iB in the data directory$/)
    assert.match(rows.get('Heap') ?? '', /^\d+(\.\d)? [KMG]iB of \d+(\.\d)? [KMG]iB \(\d+ %\)$/)
    assert.is(rows.get('Retention'), 'successful processes older than 1 s are purged')
    assert.match(rows.get('Last pruned') ?? '', /^\d+ process(es)? settled before .+, (just now|\d+ s ago)$/)
    assert.ok(Number(/^(\d+) process/.exec(rows.get('Pruned in all') ?? '')?.[1]) >= 2, rows.get('Pruned in all'))
    // another colony's prunes are not this page's
    assert.is((await rowsOf(tc, 'elsewhere')).get('Last pruned'), 'nothing since the node started')
  } finally {
    await tc.stop()
  }
})

test('a node without retention says off; a node without these parts of /health shows none of them', async () => {
  const tc = await startColony()
  try {
    const rows = await rowsOf(tc)
    assert.is(rows.get('Retention'), 'off')
    assert.is(rows.get('Last pruned'), 'nothing since the node started')
  } finally {
    await tc.stop()
  }
  assert.equal(healthRows({ nodeid: 'older' }, 'test', Date.now()), [])
})

test('duplicate executions: counted, and the first processes named', () => {
  const rows = new Map(healthRows({ nodeid: 'n', duplicates: { processes: 2, executions: 3, listed: ['a'.repeat(64)] } }, 'test', Date.now()))
  assert.is(rows.get('Duplicate executions'), `3 executions beyond the first, of 2 processes: ${'a'.repeat(12)}, …`)
})

test.run()
