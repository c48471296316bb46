/**
 * The fold of file metadata and snapshots (file-fold.ts): revisions by (label, name),
 * removals by id and by name, labels with counts, snapshots frozen at their place in the
 * ledger order, rights judged as of each record, and the CRDT property: every order,
 * duplication and chunking of the records gives one state, across sites.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords, LedgerFold } from '../../src/protocol/fold.js'
import { assertOrderFree, type Key, newKey, shuffle, type WorldEntry, World } from '../helpers/world.js'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

interface FileOpts { by?: Key, origin?: string, at?: number, s3?: boolean, size?: number }

function addFile (w: World, label: string, name: string, content: string, o: FileOpts = {}): WorldEntry {
  const ref = o.s3 === true
    ? { protocol: 's3', s3object: { server: 'localhost', port: 9000, tls: false, accesskey: '', secretkey: '', region: '', encryptionkey: '', encryptionalg: '', object: sha(content), bucket: 'b' } }
    : { protocol: 'colonynet', s3object: {} }
  return w.env({
    msgtype: 'addfilemsg',
    file: { fileid: '', colonyname: w.colony, label, name, size: o.size ?? content.length, sequencenr: 0, checksum: sha(content), checksumalg: 'SHA256', ref, added: '0001-01-01T00:00:00Z' }
  }, o.by ?? w.user('u1'), opts(o))
}

function opts (o: { origin?: string, at?: number }): { origin?: string, at?: number } {
  return { ...(o.origin === undefined ? {} : { origin: o.origin }), ...(o.at === undefined ? {} : { at: o.at }) }
}

const removeById = (w: World, fileid: string, o: FileOpts = {}): WorldEntry =>
  w.env({ msgtype: 'removefilemsg', colonyname: w.colony, fileid, label: '', name: '' }, o.by ?? w.user('u1'), opts(o))
const removeByName = (w: World, label: string, name: string, o: FileOpts = {}): WorldEntry =>
  w.env({ msgtype: 'removefilemsg', colonyname: w.colony, fileid: '', label, name }, o.by ?? w.user('u1'), opts(o))
const snapshot = (w: World, label: string, name: string, o: FileOpts = {}): WorldEntry =>
  w.env({ msgtype: 'createsnapshotmsg', colonyname: w.colony, label, name }, o.by ?? w.user('u1'), opts(o))
const removeSnapshot = (w: World, name: string, o: FileOpts = {}): WorldEntry =>
  w.env({ msgtype: 'removesnapshotmsg', colonyname: w.colony, snapshotid: '', name }, o.by ?? w.user('u1'), opts(o))

test('a second add of (label, name) is a revision: latest, all newest first, sequence numbers, file data by name', () => {
  const w = new World()
  const setup = w.setup()
  const a1 = addFile(w, '/data', 'a.txt', 'one')
  const a2 = addFile(w, '/data', 'a.txt', 'two!')
  const b = addFile(w, '/data', 'b.txt', 'bee')
  const f = foldRecords([...setup, a1, a2, b])
  const files = f.files
  assert.equal(files.revisions(w.colony, '/data', 'a.txt').map(r => [r.fileid, r.sequencenr, r.size]), [[a2.id, 2, 4], [a1.id, 1, 3]])
  assert.is(files.latest(w.colony, '/data', 'a.txt')?.fileid, a2.id)
  assert.equal(files.filesIn(w.colony, '/data').map(x => [x.name, x.fileid]), [['a.txt', a2.id], ['b.txt', b.id]])
  const one = files.file(w.colony, a1.id)
  assert.is(one?.checksum, sha('one'))
  assert.is(one?.ref.protocol, 'colonynet')
  assert.is(one?.added, a1.rec.t.w)
  assert.is(f.refusal(a1.id), undefined)
})

test('labels: counts of live revisions; a prefix, and exact = the label and those below it', () => {
  const w = new World()
  const es = [...w.setup(),
    addFile(w, '/testlabel1', 'f1', '1'), addFile(w, '/testlabel2', 'f2', '2'), addFile(w, '/testlabel2', 'f2', '2b'),
    addFile(w, '/testlabel2/sublabel1', 'f3', '3'), addFile(w, '/testlabel22', 'f4', '4')]
  const files = foldRecords(es).files
  assert.equal(files.labels(w.colony), [
    { name: '/testlabel1', files: 1 }, { name: '/testlabel2', files: 2 }, { name: '/testlabel2/sublabel1', files: 1 }, { name: '/testlabel22', files: 1 }])
  assert.equal(files.labels(w.colony, '/testlabel2', true).map(l => l.name), ['/testlabel2', '/testlabel2/sublabel1'])
  assert.equal(files.labels(w.colony, '/testlabel2', false).map(l => l.name), ['/testlabel2', '/testlabel2/sublabel1', '/testlabel22'])
  assert.equal(files.labels(w.colony, '/testlabel1', true).map(l => l.name), ['/testlabel1'])
  assert.equal(files.labels(w.colony, 'does_not_exist', true), [])
})

test('remove by id takes one revision (the previous becomes the latest); by name takes every earlier one', () => {
  const w = new World()
  const setup = w.setup()
  const a1 = addFile(w, '/l', 'a', '1')
  const a2 = addFile(w, '/l', 'a', '2')
  const a3 = addFile(w, '/l', 'a', '3')
  const base = [...setup, a1, a2, a3]
  const byId = foldRecords([...base, removeById(w, a3.id)]).files
  assert.is(byId.latest(w.colony, '/l', 'a')?.fileid, a2.id)
  assert.is(byId.file(w.colony, a3.id), undefined)
  assert.is(byId.revisions(w.colony, '/l', 'a').length, 2)
  assert.equal(byId.labels(w.colony), [{ name: '/l', files: 2 }])
  const rm = removeByName(w, '/l', 'a')
  const a4 = addFile(w, '/l', 'a', '4')
  const byName = foldRecords([...base, rm, a4]).files
  assert.equal(byName.revisions(w.colony, '/l', 'a').map(r => [r.fileid, r.sequencenr]), [[a4.id, 4]], 'a revision added after the removal stays')
  assert.equal(byName.filesIn(w.colony, '/l').map(r => r.fileid), [a4.id])
})

test('a snapshot freezes the latest revision of each name at and below its label, at its place in the order', () => {
  const w = new World()
  const setup = w.setup()
  const x1 = addFile(w, '/proj', 'x', 'x1')
  const y = addFile(w, '/proj/sub', 'y', 'y')
  const other = addFile(w, '/project', 'z', 'z')
  const x2 = addFile(w, '/proj', 'x', 'x2')
  const s = snapshot(w, '/proj/', 'v1')
  const x3 = addFile(w, '/proj', 'x', 'x3')
  const rmY = removeByName(w, '/proj/sub', 'y')
  const rmX2 = removeById(w, x2.id)
  const f = foldRecords([...setup, x1, y, other, x2, s, x3, rmY, rmX2])
  const snap = f.files.snapshotByName(w.colony, 'v1')
  assert.ok(snap !== undefined)
  assert.is(snap.snapshotid, s.id)
  assert.is(snap.label, '/proj', 'the trailing slash is dropped, as upstream stores it')
  assert.equal(snap.fileids, [x2.id, y.id], 'x at its second revision, y under /proj, not /project')
  assert.equal(f.files.snapshot(w.colony, s.id)?.fileids, [x2.id, y.id], 'a revision removed by id after the snapshot stays in it')
  assert.equal(f.files.revisions(w.colony, '/proj', 'x').map(r => r.fileid), [x3.id, x1.id])
  // y was removed after the snapshot: still readable by id through it, not listed
  assert.is(f.files.file(w.colony, y.id)?.name, 'y')
  assert.is(f.files.latest(w.colony, '/proj/sub', 'y'), undefined)
  assert.ok(f.files.isChecksumLive(w.colony, sha('y')), 'the snapshot keeps y\'s content alive')
  // removing the snapshot lets y go
  const g = foldRecords([...setup, x1, y, other, x2, s, x3, rmY, rmX2, removeSnapshot(w, 'v1')])
  assert.is(g.files.file(w.colony, y.id), undefined)
  assert.not.ok(g.files.isChecksumLive(w.colony, sha('y')))
  assert.equal(g.files.snapshots(w.colony), [])
})

test('snapshot names are unique among live snapshots: a second one is refused until the first is removed', () => {
  const w = new World()
  const base = [...w.setup(), addFile(w, '/a', 'f', 'f')]
  const s1 = snapshot(w, '/a', 'same')
  const s2 = snapshot(w, '/a', 'same')
  const rm = removeSnapshot(w, 'same')
  const s3 = snapshot(w, '/a', 'same')
  const f = foldRecords([...base, s1, s2, rm, s3])
  assert.is(f.refusal(s2.id)?.code, 'conflict')
  assert.is(f.refusal(s3.id), undefined)
  assert.equal(f.files.snapshots(w.colony).map(s => s.snapshotid), [s3.id])
  assert.is(f.preview(snapshot(w, '/a', 'same'))?.code, 'conflict', 'the preview refuses it too')
})

test('rights as of the record: a stranger, the owner alone, a rejected executor and a node that is no site are refused', () => {
  const w = new World()
  const base = [...w.setup(), w.addExecutor('pending')]
  const stranger = newKey()
  const cases: Array<[string, WorldEntry]> = [
    ['a stranger', addFile(w, '/a', 'f', 's', { by: stranger })],
    ['the colony owner', addFile(w, '/a', 'f', 'o', { by: w.owner })],
    ['a pending executor', addFile(w, '/a', 'f', 'p', { by: w.exec('pending') })],
    ['a node that is not a site', addFile(w, '/a', 'f', 'n', { origin: newKey().id })],
    ['a stranger\'s snapshot', snapshot(w, '/a', 's', { by: stranger })],
    ['a stranger\'s removal', removeByName(w, '/a', 'f', { by: stranger })]
  ]
  const legit = addFile(w, '/a', 'f', 'ok', { by: w.exec('e1') })
  const f = foldRecords([...base, legit, ...cases.map(c => c[1])])
  for (const [who, e] of cases) {
    const r = f.refusal(e.id)
    assert.is(r?.code, 'forbidden', who)
    assert.match(r?.reason ?? '', /^Access denied, /)
  }
  assert.equal(f.files.revisions(w.colony, '/a', 'f').map(r => r.fileid), [legit.id], 'only the member\'s file is there')
})

test('an approval that arrives after the executor\'s files re-judges them; a removed colony takes its files along', () => {
  const w = new World()
  const setup = w.setup()
  const add = w.addExecutor('late')
  const approve = w.approve('late')
  const file = addFile(w, '/a', 'f', 'late', { by: w.exec('late') })
  const f = new LedgerFold()
  f.add([...setup, add, file])
  assert.is(f.refusal(file.id)?.code, 'forbidden')
  f.add([approve])
  assert.is(f.refusal(file.id), undefined, 'accepted once the earlier approval is known')
  assert.is(f.files.latest(w.colony, '/a', 'f')?.fileid, file.id)
  assert.equal(f.drainChanges().files, [w.colony])
  // the colony goes, and comes back under the same name: its old files stay gone
  const remove = w.env({ msgtype: 'removecolonymsg', colonyname: w.colony }, w.operator)
  const again = w.addColony()
  f.add([remove, again])
  assert.equal(f.files.labels(w.colony), [])
  assert.is(f.files.file(w.colony, file.id), undefined)
  assert.not.ok(f.files.isChecksumLive(w.colony, sha('late')))
})

test('blob plane: which colonynet checksums are live, and those under a label', () => {
  const w = new World()
  const es = [...w.setup(),
    addFile(w, '/a', 'one', 'c1'), addFile(w, '/a/b', 'two', 'c2'), addFile(w, '/ab', 'three', 'c3'),
    addFile(w, '/a', 'viaS3', 'c4', { s3: true }), addFile(w, '/a', 'dup', 'c1')]
  const f = foldRecords(es).files
  assert.equal(f.checksumsUnder(w.colony, '/a'), [sha('c1'), sha('c2')].sort())
  assert.equal(f.checksumsUnder(w.colony, '/a/'), [sha('c1'), sha('c2')].sort())
  assert.ok(f.isChecksumLive(w.colony, sha('c3')))
  assert.not.ok(f.isChecksumLive(w.colony, sha('c4')), 'S3 content is not in the blob store')
  assert.not.ok(f.isChecksumLive('other', sha('c1')))
  assert.not.ok(f.isChecksumLive(w.colony, sha('never')))
})

test('two sites: a snapshot written at B after A\'s files names the same file ids at both, whatever arrives first', () => {
  const w = new World()
  const { sites, entries } = w.twoSites()
  const [siteA, siteB] = sites as [string, string]
  const a1 = addFile(w, '/shared', 'f', 'v1', { origin: siteA, by: w.exec('e0') })
  const a2 = addFile(w, '/shared', 'f', 'v2', { origin: siteA, by: w.exec('e0') })
  const b1 = addFile(w, '/shared', 'g', 'g1', { origin: siteB, by: w.exec('e1') })
  const snap = snapshot(w, '/shared', 'at-b', { origin: siteB, by: w.exec('e1') })
  // written concurrently at A, later in the order than the snapshot
  const a3 = addFile(w, '/shared', 'f', 'v3', { origin: siteA, by: w.exec('e0') })
  const all = [...entries, a1, a2, b1, snap, a3]
  const atA = foldRecords(all)
  const atB = new LedgerFold()
  atB.add([...entries, b1, snap])
  assert.equal(atB.files.snapshot(w.colony, snap.id)?.fileids, [b1.id], 'B alone holds only its file')
  atB.add([a3, a2, a1])
  assert.equal(atA.files.snapshot(w.colony, snap.id)?.fileids, [a2.id, b1.id])
  assert.equal(atB.files.snapshot(w.colony, snap.id)?.fileids, [a2.id, b1.id])
  assert.is(atB.stateHash(), atA.stateHash())
})

type Op =
  | { k: 'add', label: number, name: number, site: number, by: number }
  | { k: 'rmid', back: number, by: number }
  | { k: 'rmname', label: number, name: number, by: number }
  | { k: 'snap', label: number, name: number, by: number }
  | { k: 'rmsnap', name: number, by: number }
  | { k: 'rmall' }
  | { k: 'approve', e: number }
  | { k: 'removeexec', e: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('add' as const), label: fc.nat(3), name: fc.nat(1), site: fc.nat(1), by: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('rmid' as const), back: fc.nat(4), by: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('rmname' as const), label: fc.nat(3), name: fc.nat(1), by: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('snap' as const), label: fc.nat(3), name: fc.nat(1), by: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('rmsnap' as const), name: fc.nat(1), by: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'rmall' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('approve' as const), e: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeexec' as const), e: fc.nat(2) }) }
)

const LABELS = ['/a', '/a/b', '/ab', '/c']

function history (ops: Op[]): { w: World, setup: number, entries: FoldEntry[], files: string[], snaps: string[] } {
  const w = new World()
  const { sites, entries } = w.twoSites()
  const setup = entries.length
  const files: string[] = []
  const snaps: string[] = []
  // executors e0..e2 (e2 only added at first) and the user; by 3 is a stranger
  const stranger = newKey()
  const signer = (by: number): Key => by === 3 ? stranger : by === 2 ? w.user('u1') : w.exec(`e${by}`)
  for (const [i, op] of ops.entries()) {
    switch (op.k) {
      case 'add': {
        const e = addFile(w, LABELS[op.label] as string, `n${op.name}`, `c${i}`, { origin: sites[op.site], by: signer(op.by) })
        files.push(e.id)
        entries.push(e)
        break
      }
      case 'rmid': {
        const id = files[files.length - 1 - op.back]
        if (id !== undefined) entries.push(removeById(w, id, { by: signer(op.by) }))
        break
      }
      case 'rmname': entries.push(removeByName(w, LABELS[op.label] as string, `n${op.name}`, { by: signer(op.by) })); break
      case 'snap': {
        const e = snapshot(w, LABELS[op.label] as string, `s${op.name}`, { by: signer(op.by) })
        snaps.push(e.id)
        entries.push(e)
        break
      }
      case 'rmsnap': entries.push(removeSnapshot(w, `s${op.name}`, { by: signer(op.by) })); break
      case 'rmall': entries.push(w.env({ msgtype: 'removeallsnapshotmsg', colonyname: w.colony }, w.user('u1'))); break
      case 'approve': entries.push(w.addExecutor(`e${op.e}`), w.approve(`e${op.e}`)); break
      case 'removeexec': entries.push(w.removeExecutor(`e${op.e}`)); break
    }
  }
  return { w, setup, entries, files, snaps }
}

/** Everything a client can read about the colony's files, as one value. */
function reads (f: LedgerFold, w: World, files: string[], snaps: string[]): unknown {
  const c = w.colony
  return {
    labels: f.files.labels(c),
    byLabel: LABELS.map(l => f.files.filesIn(c, l)),
    revisions: LABELS.flatMap(l => [0, 1].map(n => f.files.revisions(c, l, `n${n}`))),
    byId: files.map(id => f.files.file(c, id) ?? null),
    snapshots: f.files.snapshots(c),
    snapshotsById: snaps.map(id => f.files.snapshot(c, id) ?? null),
    blobs: f.files.checksumsUnder(c, '')
  }
}

test('property: file and snapshot histories fold to one state in every order, with duplicates and in chunks', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 1_000_000 }), (ops, seed) => {
    const { w, setup, entries, files, snaps } = history(ops)
    assertOrderFree(entries, seed)
    const expected = foldRecords(entries)
    // (one add sorts what it is given: arrivals out of order come from later adds; and a
    // colony-level record arriving late re-folds the files, so the colony comes first too)
    const orders = [shuffle(entries, seed), [...entries.slice(0, setup), ...shuffle(entries.slice(setup), seed)]]
    for (const [o, order] of orders.entries()) {
      for (const size of [1, 3]) {
        const chunked = new LedgerFold()
        for (let i = 0; i < order.length; i += size) chunked.add(order.slice(i, i + size))
        const what = `${o === 0 ? 'all shuffled' : 'the colony first'}, in chunks of ${size}`
        assert.is(chunked.stateHash(), expected.stateHash(), what)
        assert.equal(reads(chunked, w, files, snaps), reads(expected, w, files, snaps), `what clients read, ${what}`)
      }
    }
  }), { numRuns: 300 })
})

test.run()
