/**
 * A site whose data directory is restored from an older backup takes its own later
 * batches back from a peer before it writes again, so it never reuses a sequence number
 * and what it writes next reaches everyone (DESIGN decision 4).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cp, rm } from 'node:fs/promises'
import { eventually } from '../helpers/colony-node.js'
import { converged, ok, startFederation, type Federation } from '../helpers/federation.js'

let fed: Federation

test.before(async () => { fed = await startFederation(2) })
test.after(async () => { await fed.stop() })

const submit = (colony: string): Record<string, unknown> =>
  ({ msgtype: 'submitfuncspecmsg', spec: { funcname: 'noop', conditions: { colonyname: colony, executortype: 'cli' } } })

test('a site restored from an old backup recovers its own log before writing', async () => {
  const [a, b] = fed.sites as [typeof fed.sites[0], typeof fed.sites[0]]
  await converged(fed.sites)
  // back up B's data directory (stopped, so the copy is consistent)
  await b.node.stop()
  const backup = b.dir + '-backup'
  await cp(b.dir, backup, { recursive: true })
  await fed.restart(b)
  // B writes more of its own log, which A receives
  for (let i = 0; i < 5; i++) await ok(b.node.url, submit(fed.colony), fed.user.prv)
  await converged(fed.sites)
  const bSeq = a.node.ledger.versionVector().get(b.node.nodeId) ?? 0
  // B loses its disk and comes back from the backup
  await b.node.stop()
  await rm(b.dir, { recursive: true, force: true })
  await cp(backup, b.dir, { recursive: true })
  await rm(backup, { recursive: true, force: true })
  await fed.restart(b)
  assert.is(b.node.ledger.versionVector().get(b.node.nodeId), bSeq, 'B took back the batches it had lost')
  // B's next write continues the sequence, and A takes it
  const p = await ok(b.node.url, submit(fed.colony), fed.user.prv)
  await eventually(() => a.node.ledger.fold.process(p.processid) !== undefined ? true : undefined, 'A to receive B\'s new record')
  assert.ok((a.node.ledger.versionVector().get(b.node.nodeId) ?? 0) > bSeq)
  await converged(fed.sites)
})

test.run()
