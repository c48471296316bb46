/**
 * Files and snapshots on one real node, through raw ColonyOS envelopes shaped as
 * upstream's Go client, pycolonies and colonies-ts send them: replies field by field,
 * refusals ("Access denied" for non-members, 404 for what does not exist), removals of
 * what is not there succeeding without a record, and the state surviving a restart.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'
import { assertError, call, type Reply } from '../helpers/raw-rpc.js'

const GO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/
const HEX64 = /^[0-9a-f]{64}$/
const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

let tc: TestColony
const rpc = async (msg: Record<string, unknown>, prv = tc.user.prv): Promise<Reply> => await call(tc.node.url, msg, prv)
async function ok (msg: Record<string, unknown>, prv = tc.user.prv): Promise<any> {
  const r = await rpc(msg, prv)
  if (r.status !== 200) throw new Error(`${String(msg.msgtype)}: ${r.status} ${JSON.stringify(r.value)}`)
  return r.value
}

/** A file as upstream's Go client sends it (pkg/core/file.go: every field, zero times). */
function goFile (label: string, name: string, content: string, object = sha(content)): Record<string, unknown> {
  return {
    fileid: '',
    colonyname: tc.colony,
    label,
    name,
    size: content.length,
    sequencenr: 0,
    checksum: sha(content),
    checksumalg: 'SHA256',
    ref: { protocol: 's3', s3object: { server: 'localhost:9000', port: -1, tls: false, accesskey: 'ak', secretkey: 'sk', region: 'us-east-1', encryptionkey: '', encryptionalg: '', object, bucket: 'colonies' } },
    added: '0001-01-01T00:00:00Z'
  }
}

/** A colonynet file: its content in the sites' blob store, addressed by its SHA-256. */
function blobFile (label: string, name: string, content: string): Record<string, unknown> {
  return { colonyname: tc.colony, label, name, size: content.length, checksum: sha(content), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} } }
}

test.before(async () => { tc = await startColony({ executors: 1 }) })
test.after(async () => { await tc.stop() })

test('addfilemsg returns the file in ColonyOS shape: a deterministic id, revision number, added time, the ref as given', async () => {
  const f = await ok({ msgtype: 'addfilemsg', file: goFile('/docs', 'a.txt', 'hello') }, (tc.executors[0] as { prv: string }).prv)
  assert.match(f.fileid, HEX64)
  assert.is(f.colonyname, tc.colony)
  assert.is(f.label, '/docs')
  assert.is(f.name, 'a.txt')
  assert.is(f.size, 5)
  assert.is(f.sequencenr, 1)
  assert.is(f.checksum, sha('hello'))
  assert.is(f.checksumalg, 'SHA256')
  assert.equal(f.ref, { protocol: 's3', s3object: { server: 'localhost:9000', port: -1, tls: false, accesskey: 'ak', secretkey: 'sk', region: 'us-east-1', encryptionkey: '', encryptionalg: '', object: sha('hello'), bucket: 'colonies' } })
  assert.match(f.added, GO_TIME)
  assert.ok(f.added !== '0001-01-01T00:00:00Z')
  // its id is the id of the ledger record that added it: every site names it alike
  assert.ok(tc.node.ledger.fold.has(f.fileid))
  const second = await ok({ msgtype: 'addfilemsg', file: goFile('/docs', 'a.txt', 'hello again') })
  assert.is(second.sequencenr, 2)
})

test('getfilemsg: by id, by label and name (every revision, newest first) and the latest; pycolonies\' nulls are read as empty', async () => {
  const all = await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, fileid: '', label: '/docs', name: 'a.txt', latest: false })
  assert.equal(all.map((f: { sequencenr: number }) => f.sequencenr), [2, 1])
  const latest = await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, fileid: null, label: '/docs', name: 'a.txt', latest: true })
  assert.is(latest.length, 1)
  assert.is(latest[0].checksum, sha('hello again'))
  const byId = await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, fileid: all[1].fileid, label: null, name: null, latest: true })
  assert.equal(byId, [all[1]])
  // colonies-ts's getFile({ fileId }) sends only msgtype, colonyname and fileid
  assert.equal(await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, fileid: all[0].fileid }), [all[0]])
  assertError(await rpc({ msgtype: 'getfilemsg', colonyname: tc.colony, fileid: 'f'.repeat(64) }), 404, /does not exist/)
  assertError(await rpc({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs', name: 'nope' }), 404, /No file named "nope"/)
  assertError(await rpc({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs' }), 400, /^fileid: is required, or label and name/)
})

test('getfilesmsg: the latest revision of each name of exactly that label; getfilelabelsmsg: labels and revision counts', async () => {
  await ok({ msgtype: 'addfilemsg', file: blobFile('/docs', 'b.bin', 'bee') })
  await ok({ msgtype: 'addfilemsg', file: blobFile('/docs/sub', 'c.bin', 'sea') })
  await ok({ msgtype: 'addfilemsg', file: blobFile('/docsx', 'd.bin', 'dee') })
  const data = await ok({ msgtype: 'getfilesmsg', colonyname: tc.colony, label: '/docs' })
  assert.equal(data, [
    { name: 'a.txt', checksum: sha('hello again'), size: 11, s3filename: sha('hello again') },
    { name: 'b.bin', checksum: sha('bee'), size: 3, s3filename: '' }
  ])
  assert.equal(await ok({ msgtype: 'getfilesmsg', colonyname: tc.colony, label: 'prefix_does_not_exist' }), [])
  assert.equal(await ok({ msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '', exact: false }), [
    { name: '/docs', files: 3 }, { name: '/docs/sub', files: 1 }, { name: '/docsx', files: 1 }])
  assert.equal((await ok({ msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '/docs', exact: true })).map((l: { name: string }) => l.name), ['/docs', '/docs/sub'])
  assert.equal((await ok({ msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '/docs', exact: false })).map((l: { name: string }) => l.name), ['/docs', '/docs/sub', '/docsx'])
  // colonies-ts's getFileLabels(colony) with its defaults
  assert.is((await ok({ msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '', exact: false })).length, 3)
})

test('files are read and written by members only: a stranger and the colony owner alone get "Access denied"; a missing colony 404', async () => {
  const stranger = generatePrivateKey()
  assertError(await rpc({ msgtype: 'addfilemsg', file: blobFile('/x', 'y', 'z') }, stranger), 403, /^Access denied, only members of the colony may add files/)
  assertError(await rpc({ msgtype: 'addfilemsg', file: blobFile('/x', 'y', 'z') }, tc.owner.prv), 403, /^Access denied/)
  for (const msg of [
    { msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs', name: 'a.txt', latest: true },
    { msgtype: 'getfilesmsg', colonyname: tc.colony, label: '/docs' },
    { msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '', exact: false },
    { msgtype: 'removefilemsg', colonyname: tc.colony, fileid: '', label: '/docs', name: 'a.txt' },
    { msgtype: 'createsnapshotmsg', colonyname: tc.colony, label: '/docs', name: 'nope' },
    { msgtype: 'getsnapshotsmsg', colonyname: tc.colony },
    { msgtype: 'removeallsnapshotmsg', colonyname: tc.colony }
  ]) {
    assertError(await rpc(msg, stranger), 403, /^Access denied/)
  }
  assertError(await rpc({ msgtype: 'removefilemsg', colonyname: tc.colony, fileid: '', label: '/docs', name: 'a.txt' }, tc.owner.prv), 403, /^Access denied, not a member/)
  assertError(await rpc({ msgtype: 'getfilesmsg', colonyname: 'colony_does_not_exist', label: '/docs' }), 404, /Colony with name "colony_does_not_exist" does not exist/)
  assertError(await rpc({ msgtype: 'addfilemsg', file: { ...blobFile('/x', 'y', 'z'), colonyname: 'colony_does_not_exist' } }), 404, /does not exist/)
  // the colony owner reads (as for every other listing)
  assert.is((await ok({ msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '', exact: false }, tc.owner.prv)).length, 3)
})

test('bad files are refused at the boundary, naming the field', async () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...blobFile('/x', 'y', 'z'), ref: { protocol: 'ftp', s3object: {} } }, /^file\.ref\.protocol: must be one of "s3", "colonynet"/],
    [{ ...blobFile('/x', 'y', 'z'), checksum: 'abc' }, /^file\.checksum: must be the 64-hex SHA-256/],
    [{ ...blobFile('/x', 'y', 'z'), checksumalg: 'MD5' }, /^file\.checksumalg: must be "SHA256"/],
    [{ ...blobFile('/x', 'y', 'z'), label: '' }, /^file\.label: is required/],
    [{ ...blobFile('/x', 'y', 'z'), size: -1 }, /^file\.size: must be ≥ 0/],
    [{ ...goFile('/x', 'y', 'z'), ref: { protocol: 's3', s3object: { bucket: 'b' } } }, /^file\.ref\.s3object\.object: is required/],
    [{ ...blobFile('/x', 'y', 'z'), ref: undefined }, /^file\.ref: is required/]
  ]
  for (const [file, re] of bad) assertError(await rpc({ msgtype: 'addfilemsg', file }), 400, re)
  assertError(await rpc({ msgtype: 'addfilemsg' }), 400, /^file: is required/)
  // an upper-case checksum names the same blob: it is kept lower-case
  const f = await ok({ msgtype: 'addfilemsg', file: { ...blobFile('/case', 'f', 'Case'), checksum: sha('Case').toUpperCase() } })
  assert.is(f.checksum, sha('Case'))
})

test('snapshots: create (the label\'s latest revisions, below it too), get by name and id, list newest first, a name taken refused', async () => {
  const s = await ok({ msgtype: 'createsnapshotmsg', colonyname: tc.colony, label: '/docs/', name: 'v1' })
  assert.match(s.snapshotid, HEX64)
  assert.is(s.colonyname, tc.colony)
  assert.is(s.label, '/docs')
  assert.is(s.name, 'v1')
  assert.match(s.added, GO_TIME)
  const latestA = (await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs', name: 'a.txt', latest: true }))[0]
  const b = (await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs', name: 'b.bin', latest: true }))[0]
  const c = (await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs/sub', name: 'c.bin', latest: true }))[0]
  assert.equal(s.fileids, [latestA.fileid, b.fileid, c.fileid])
  // pycolonies' get_snapshot_by_name / _by_id
  assert.equal(await ok({ msgtype: 'getsnapshotmsg', colonyname: tc.colony, snapshotid: '', name: 'v1' }), s)
  assert.equal(await ok({ msgtype: 'getsnapshotmsg', colonyname: tc.colony, snapshotid: s.snapshotid, name: '' }), s)
  // pycolonies' test_create_snapshot: a label without files makes an empty snapshot
  const empty = await ok({ msgtype: 'createsnapshotmsg', colonyname: tc.colony, label: 'test_label', name: 'test_name' })
  assert.equal(empty.fileids, [])
  const list = await ok({ msgtype: 'getsnapshotsmsg', colonyname: tc.colony })
  assert.equal(list.map((x: { name: string }) => x.name), ['test_name', 'v1'])
  assertError(await rpc({ msgtype: 'createsnapshotmsg', colonyname: tc.colony, label: '/docs', name: 'v1' }), 400, /a snapshot named "v1" already exists/)
  assertError(await rpc({ msgtype: 'getsnapshotmsg', colonyname: tc.colony, snapshotid: '', name: 'nope' }), 404, /Snapshot named "nope" does not exist/)
  assertError(await rpc({ msgtype: 'getsnapshotmsg', colonyname: tc.colony, snapshotid: '', name: '' }), 400, /^snapshotid: is required, or name/)
})

test('removefilemsg by id and by name; removing what is not there succeeds and writes nothing; a snapshot keeps its files readable', async () => {
  const revs = await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs', name: 'a.txt', latest: false })
  await ok({ msgtype: 'removefilemsg', colonyname: tc.colony, fileid: revs[0].fileid, label: '', name: '' })
  const now = await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs', name: 'a.txt', latest: true })
  assert.is(now[0].fileid, revs[1].fileid, 'the earlier revision is the latest again')
  // the snapshot v1 holds the removed revision: still readable by id
  assert.is((await ok({ msgtype: 'getfilemsg', colonyname: tc.colony, fileid: revs[0].fileid }))[0].fileid, revs[0].fileid)
  await ok({ msgtype: 'removefilemsg', colonyname: tc.colony, fileid: '', label: '/docs', name: 'a.txt' })
  assertError(await rpc({ msgtype: 'getfilemsg', colonyname: tc.colony, label: '/docs', name: 'a.txt', latest: false }), 404, /No file named/)
  const size = tc.node.ledger.fold.size
  for (const msg of [
    { msgtype: 'removefilemsg', colonyname: tc.colony, fileid: '', label: 'label_does_not_exist', name: 'a.txt' },
    { msgtype: 'removefilemsg', colonyname: tc.colony, fileid: 'e'.repeat(64), label: null, name: null },
    { msgtype: 'removesnapshotmsg', colonyname: tc.colony, snapshotid: '', name: 'nope' }
  ]) assert.equal(await ok(msg), {}, String(msg.msgtype))
  assert.is(tc.node.ledger.fold.size, size, 'nothing was written')
  assertError(await rpc({ msgtype: 'removefilemsg', colonyname: 'colony_does_not_exist', fileid: '', label: '/docs', name: 'b.bin' }), 404, /does not exist/)
})

test('files and snapshots survive a restart (read back with the colony level); removesnapshotmsg and removeallsnapshotmsg', async () => {
  const before = {
    labels: await ok({ msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '', exact: false }),
    snapshots: await ok({ msgtype: 'getsnapshotsmsg', colonyname: tc.colony })
  }
  const hash = tc.node.ledger.fold.stateHash()
  await tc.restart()
  assert.equal(await ok({ msgtype: 'getfilelabelsmsg', colonyname: tc.colony, name: '', exact: false }), before.labels)
  assert.equal(await ok({ msgtype: 'getsnapshotsmsg', colonyname: tc.colony }), before.snapshots)
  assert.is(tc.node.ledger.fold.stateHash(), hash)
  await ok({ msgtype: 'removesnapshotmsg', colonyname: tc.colony, snapshotid: '', name: 'v1' })
  assert.equal((await ok({ msgtype: 'getsnapshotsmsg', colonyname: tc.colony })).map((s: { name: string }) => s.name), ['test_name'])
  await ok({ msgtype: 'removeallsnapshotmsg', colonyname: tc.colony })
  assert.equal(await ok({ msgtype: 'getsnapshotsmsg', colonyname: tc.colony }), [])
  // the name is free again
  await ok({ msgtype: 'createsnapshotmsg', colonyname: tc.colony, label: '/docs', name: 'v1' })
})

test.run()
