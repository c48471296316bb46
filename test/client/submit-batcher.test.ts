/**
 * SubmitBatcher: concurrent submits go to a real node as fewer bulk envelopes, each caller
 * gets its own process; a refused bulk falls back to one submit per spec (one bad spec
 * fails only its caller), and a bulk that may have been written is never sent twice.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { type BulkSubmitter, SubmitBatcher } from '../../src/client/submit-batcher.js'
import { NodeUnreachableError, RpcError } from '../../src/client/errors.js'
import type { Process } from '../../src/protocol/wire-types.js'
import { startColony } from '../helpers/colony-node.js'
import { rejects } from '../helpers/rejects.js'

const spec = (colony: string, i: number, more: Record<string, unknown> = {}): any =>
  ({ funcname: 'echo', args: [String(i)], ...more, conditions: { colonyname: colony, executortype: 'cli' } })

test('50 concurrent submits reach a real node as a few bulks; each caller gets its own process', async () => {
  const tc = await startColony()
  try {
    const client = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
    const batcher = new SubmitBatcher(client, { maxBatch: 32 })
    const before = tc.node.ledger.records
    const ps = await Promise.all(Array.from({ length: 50 }, async (_, i) => await batcher.submit(spec(tc.colony, i))))
    ps.forEach((p, i) => assert.equal(p.spec.args, [String(i)], `caller ${i} got its own process`))
    assert.is(new Set(ps.map(p => p.processid)).size, 50)
    const written = tc.node.ledger.records - before
    assert.ok(written <= 3, `${written} records for 50 submits`)
    assert.is(written, batcher.bulks)
    assert.is(batcher.bulkSpecs, 50)
    // one bad spec among good ones: it alone fails, with its own error
    const mixed = await Promise.allSettled([
      batcher.submit(spec(tc.colony, 0)),
      batcher.submit(spec(tc.colony, 1, { maxexectime: 'soon' })),
      batcher.submit(spec(tc.colony, 2))
    ])
    assert.equal(mixed.map(r => r.status), ['fulfilled', 'rejected', 'fulfilled'])
    assert.match(String((mixed[1] as PromiseRejectedResult).reason), 'maxexectime')
  } finally {
    await tc.stop()
  }
})

/** A client stand-in that records what it is asked and answers as told. */
function fake (bulk: (n: number) => Promise<Process[]>): BulkSubmitter & { singles: number, bulks: number } {
  const f = {
    singles: 0,
    bulks: 0,
    submitFunctionSpec: async (s: any) => { f.singles++; return { processid: String(s.args[0]) } as unknown as Process },
    submitFunctionSpecs: async (specs: readonly unknown[]) => { f.bulks++; return await bulk(specs.length) }
  }
  return f
}

test('a node that does not know the message gets single submits, from then on', async () => {
  const f = fake(async () => { throw new RpcError(400, 'msgtype: unknown message type "submitfuncspecsmsg"') })
  const b = new SubmitBatcher(f)
  const ps = await Promise.all([0, 1, 2].map(async i => await b.submit(spec('c', i))))
  assert.equal(ps.map(p => p.processid), ['0', '1', '2'])
  await Promise.all([3, 4].map(async i => await b.submit(spec('c', i))))
  assert.equal([f.bulks, f.singles], [1, 5])
})

test('no answer to a bulk: every caller gets the error, nothing is sent again', async () => {
  const f = fake(async () => { throw new NodeUnreachableError('http://x', 'connection reset') })
  const b = new SubmitBatcher(f)
  const all = await Promise.allSettled([0, 1, 2].map(async i => await b.submit(spec('c', i))))
  assert.equal(all.map(r => r.status), ['rejected', 'rejected', 'rejected'])
  assert.equal([f.bulks, f.singles], [1, 0])
  // a submit alone goes as an ordinary submitfuncspecmsg
  assert.is((await b.submit(spec('c', 9))).processid, '9')
  assert.equal([f.bulks, f.singles], [1, 1])
  const again = [b.submit(spec('c', 7)), b.submit(spec('c', 8))]
  assert.match((await rejects(again[0] as Promise<Process>)).message, 'connection reset')
  await rejects(again[1] as Promise<Process>)
})

test('specs of two colonies go in two bulks; submits made while one is in flight gather for the next', async () => {
  let release: () => void = () => {}
  const sizes: number[] = []
  const f = fake(async n => {
    sizes.push(n)
    if (sizes.length === 1) await new Promise<void>(resolve => { release = resolve })
    return Array.from({ length: n }, (_, i) => ({ processid: String(i) }) as unknown as Process)
  })
  const b = new SubmitBatcher(f)
  const first = [0, 1].map(async i => await b.submit(spec('a', i)))
  const other = [0, 1, 2].map(async i => await b.submit(spec('b', i)))
  await Promise.all(other)
  // colony a's first bulk is still out: these wait for it, then leave together
  const later = [2, 3, 4, 5].map(async i => await b.submit(spec('a', i)))
  await new Promise(resolve => setImmediate(resolve))
  assert.equal(sizes, [2, 3])
  release()
  await Promise.all([...first, ...later])
  assert.equal(sizes, [2, 3, 4])
})

test.run()
