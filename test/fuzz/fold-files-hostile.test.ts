/**
 * Hostile file and snapshot records against the fold: any member or stranger may sign
 * any of them, and a rogue node may carry them with any clock. A stranger's, the colony
 * owner's (not a member) or a non-site's record is refused and changes no file or
 * snapshot; nothing a record says un-accepts a file that was accepted; and every such
 * record folds the same whichever arrives first.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords, LedgerFold } from '../../src/protocol/fold.js'
import { type Key, newKey, World } from '../helpers/world.js'
import { fcOptions } from './fuzz-config.js'

type Kind = 'add' | 'rmid' | 'rmname' | 'snap' | 'rmsnap' | 'rmall'
type Signer = 'executor' | 'user' | 'owner' | 'stranger'

interface Hostile { kind: Kind, signer: Signer, dt: number, fromSite: boolean, label: string }

const hostileArb: fc.Arbitrary<Hostile> = fc.record({
  kind: fc.constantFrom<Kind>('add', 'rmid', 'rmname', 'snap', 'rmsnap', 'rmall'),
  signer: fc.constantFrom<Signer>('executor', 'user', 'owner', 'stranger'),
  dt: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -10_000_000, max: 10_000_000 })),
  fromSite: fc.boolean(),
  label: fc.constantFrom('/d', '/d/e', '/', '', '/dx', 'd', '/d/')
})

const stranger = newKey()
const rogueNode = newKey()
const sha = (t: string): string => createHash('sha256').update(t).digest('hex')

function history (h: Hostile): { base: FoldEntry[], file: FoldEntry, hostile: FoldEntry, w: World } {
  const w = new World()
  const base: FoldEntry[] = w.setup()
  const file = w.env({ msgtype: 'addfilemsg', file: { colonyname: w.colony, label: '/d', name: 'f', size: 1, checksum: sha('f'), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} } } }, w.exec('e1'))
  const snap = w.env({ msgtype: 'createsnapshotmsg', colonyname: w.colony, label: '/d', name: 's' }, w.user('u1'))
  base.push(file, snap)
  const signer: Key = h.signer === 'executor' ? w.exec('e1') : h.signer === 'user' ? w.user('u1') : h.signer === 'owner' ? w.owner : stranger
  const opts = { at: file.rec.t.w + h.dt, origin: h.fromSite ? w.node.id : rogueNode.id }
  const c = w.colony
  const msg: Record<Kind, { msgtype: string } & Record<string, unknown>> = {
    add: { msgtype: 'addfilemsg', file: { colonyname: c, label: h.label === '' ? '/x' : h.label, name: 'f', size: 2, checksum: sha('h'), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} } } },
    rmid: { msgtype: 'removefilemsg', colonyname: c, fileid: file.id, label: '', name: '' },
    rmname: { msgtype: 'removefilemsg', colonyname: c, fileid: '', label: h.label === '' ? '/d' : h.label, name: 'f' },
    snap: { msgtype: 'createsnapshotmsg', colonyname: c, label: h.label, name: 's' },
    rmsnap: { msgtype: 'removesnapshotmsg', colonyname: c, snapshotid: '', name: 's' },
    rmall: { msgtype: 'removeallsnapshotmsg', colonyname: c }
  }
  return { base, file, hostile: w.env(msg[h.kind], signer, opts), w }
}

const reads = (f: LedgerFold, w: World, fileid: string): unknown => ({
  file: f.files.file(w.colony, fileid) ?? null,
  labels: f.files.labels(w.colony),
  snapshots: f.files.snapshots(w.colony),
  live: f.files.isChecksumLive(w.colony, sha('f'))
})

test('a file or snapshot record by a stranger, the owner alone, or from a node that is not a site is refused and changes nothing', () => {
  const outsider = (h: Hostile): boolean => !h.fromSite || h.signer === 'stranger' || h.signer === 'owner'
  fc.assert(fc.property(hostileArb.filter(outsider), (h) => {
    const { base, file, hostile, w } = history(h)
    const without = foldRecords(base)
    const f = foldRecords([...base, hostile])
    const why = f.refusal(hostile.id)
    // (dated before the colony existed, it is refused as naming no colony)
    assert.ok(why?.code === 'forbidden' || why?.code === 'not-found', `${h.kind} by ${h.signer} ${h.fromSite ? 'at the site' : 'from a rogue node'}: ${JSON.stringify(why)}`)
    assert.equal(reads(f, w, file.id), reads(without, w, file.id))
  }), fcOptions(300))
})

test('whatever a hostile record says, and whenever, the accepted file stays accepted, and the fold does not depend on arrival order', () => {
  fc.assert(fc.property(hostileArb, (h) => {
    const { base, file, hostile, w } = history(h)
    const last = foldRecords([...base, hostile])
    assert.is(last.refusal(file.id), undefined, `${h.kind} by ${h.signer}: the file itself was refused`)
    const first = new LedgerFold()
    first.add([hostile])
    first.add(base)
    const apart = new LedgerFold()
    for (const e of [...base.slice(0, 5), hostile, ...base.slice(5)].reverse()) apart.add([e])
    assert.is(first.stateHash(), last.stateHash(), 'hostile first')
    assert.is(apart.stateHash(), last.stateHash(), 'one at a time, backwards')
    assert.equal(reads(apart, w, file.id), reads(last, w, file.id))
  }), fcOptions(300))
})

test.run()
