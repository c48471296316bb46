/**
 * Files and snapshots across two federated sites on loopback (real libp2p over TCP, real
 * stores): a file added at A is read at B; a snapshot taken at B holds A's files; a site
 * cut off keeps answering and writing from what it holds, and after the heal both sites
 * hold the same revisions in the same order and name the same snapshot files.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { addExecutor, eventually, type Identity } from '../helpers/colony-node.js'
import { converged, cutOff, type Federation, healCut, ok, type Site, startFederation } from '../helpers/federation.js'
import { call } from '../helpers/raw-rpc.js'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

let fed: Federation
let writer: Identity
const site = (i: number): Site => fed.sites[i] as Site

function blobFile (label: string, name: string, content: string): Record<string, unknown> {
  return { colonyname: fed.colony, label, name, size: content.length, checksum: sha(content), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} } }
}

const get = async (i: number, msg: Record<string, unknown>): Promise<any> => await ok(site(i).node.url, msg, fed.user.prv)

test.before(async () => {
  fed = await startFederation(2)
  writer = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'writer')
  await eventually(() => site(1).node.ledger.fold.isMember(fed.colony, writer.id) ? true : undefined, 'site 1 to know the writer')
})
test.after(async () => { await fed.stop() })

test('a file added at A is read at B, by id and by name; a snapshot taken at B holds A\'s files', async () => {
  const f = await ok(site(0).node.url, { msgtype: 'addfilemsg', file: blobFile('/shared', 'model.bin', 'weights v1') }, writer.prv)
  const atB = await eventually(async () => {
    const r = await call(site(1).node.url, { msgtype: 'getfilemsg', colonyname: fed.colony, fileid: f.fileid }, fed.user.prv)
    return r.status === 200 ? r.value : undefined
  }, 'site B to hold the file')
  assert.equal(atB, [f], 'the same file, field for field, at B')
  assert.equal(await get(1, { msgtype: 'getfilemsg', colonyname: fed.colony, label: '/shared', name: 'model.bin', latest: true }), [f])
  const snap = await ok(site(1).node.url, { msgtype: 'createsnapshotmsg', colonyname: fed.colony, label: '/shared', name: 'release' }, fed.user.prv)
  assert.equal(snap.fileids, [f.fileid])
  const atA = await eventually(async () => {
    const r = await call(site(0).node.url, { msgtype: 'getsnapshotmsg', colonyname: fed.colony, snapshotid: '', name: 'release' }, fed.user.prv)
    return r.status === 200 ? r.value : undefined
  }, 'site A to hold the snapshot')
  assert.equal(atA, snap)
  // the blob plane's question, answered alike at both sites
  for (const i of [0, 1]) assert.ok(site(i).node.ledger.fold.files.isChecksumLive(fed.colony, sha('weights v1')), `site ${i}`)
  await converged(fed.sites)
})

test('cut off, each site keeps reading and writing its files; after the heal both agree on revisions and snapshots', async () => {
  await cutOff(fed, 1)()
  try {
    // both sides write a revision of the same name while apart, and B takes a snapshot
    const a = await ok(site(0).node.url, { msgtype: 'addfilemsg', file: blobFile('/shared', 'model.bin', 'weights v2 at A') }, writer.prv)
    const b = await ok(site(1).node.url, { msgtype: 'addfilemsg', file: blobFile('/shared', 'model.bin', 'weights v2 at B') }, fed.user.prv)
    assert.is(a.sequencenr, 2)
    assert.is(b.sequencenr, 2, 'each side numbers the revisions it holds')
    const lone = await ok(site(1).node.url, { msgtype: 'createsnapshotmsg', colonyname: fed.colony, label: '/shared', name: 'apart' }, fed.user.prv)
    assert.equal(lone.fileids, [b.fileid])
    const labels = await get(1, { msgtype: 'getfilelabelsmsg', colonyname: fed.colony, name: '', exact: false })
    assert.equal(labels, [{ name: '/shared', files: 2 }], 'B answers from what it holds')
  } finally {
    healCut(fed, 1)
  }
  await converged(fed.sites, 30_000)
  const revs = await Promise.all([0, 1].map(async i => await get(i, { msgtype: 'getfilemsg', colonyname: fed.colony, label: '/shared', name: 'model.bin', latest: false })))
  assert.equal(revs[0], revs[1], 'the same revisions, in the same order, numbered alike')
  assert.equal(revs[0].map((r: { sequencenr: number }) => r.sequencenr), [3, 2, 1])
  const snaps = await Promise.all([0, 1].map(async i => await get(i, { msgtype: 'getsnapshotmsg', colonyname: fed.colony, snapshotid: '', name: 'apart' })))
  assert.equal(snaps[0], snaps[1])
  // the snapshot holds the latest revision at its place in the order: B's own, or A's if A's came before it
  const before = revs[0].filter((r: { fileid: string }) => site(0).node.ledger.fold.entry(r.fileid)?.key as string < (site(0).node.ledger.fold.entry(snaps[0].snapshotid)?.key as string))
  assert.equal(snaps[0].fileids, [before[0].fileid])
})

test.run()
