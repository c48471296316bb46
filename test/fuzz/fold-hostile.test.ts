/**
 * Hostile records against the fold: a site (or any node whose batch a node ingests) may
 * write any record with any clock. Whatever it writes about a process (a claim, an
 * expiry, a client's envelope signed by anyone) and whenever it says it happened, the
 * process that was submitted keeps existing; a record by a stranger or from a node that
 * is not a site changes nothing.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { canonicalJson } from '../../src/protocol/canonical.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { newKey, World } from '../helpers/world.js'
import { fcOptions } from './fuzz-config.js'

type Kind = 'claim' | 'expire' | 'addlogmsg' | 'closesuccessfulmsg' | 'closefailedmsg' | 'cancelprocessmsg' | 'setoutputmsg' | 'removeprocessmsg'
type Signer = 'executor' | 'user' | 'stranger'

interface Hostile {
  readonly kind: Kind
  readonly signer: Signer
  /** ms relative to the submit record's clock */
  readonly dt: number
  readonly fromSite: boolean
  readonly claimed: boolean
}

const hostileArb: fc.Arbitrary<Hostile> = fc.record({
  kind: fc.constantFrom<Kind>('claim', 'expire', 'addlogmsg', 'closesuccessfulmsg', 'closefailedmsg', 'cancelprocessmsg', 'setoutputmsg', 'removeprocessmsg'),
  signer: fc.constantFrom<Signer>('executor', 'user', 'stranger'),
  dt: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -10_000_000, max: 10_000_000 })),
  fromSite: fc.boolean(),
  claimed: fc.boolean()
})

const stranger = newKey()
const rogueNode = newKey()

function history (h: Hostile): { base: FoldEntry[], submit: FoldEntry, hostile: FoldEntry } {
  const w = new World()
  const base = w.setup()
  const submit = w.submit()
  base.push(submit)
  if (h.claimed) base.push(w.claim(submit.id, 'e1', 1))
  const origin = h.fromSite ? w.node.id : rogueNode.id
  const at = submit.rec.t.w + h.dt
  const signer = h.signer === 'executor' ? w.exec('e1') : h.signer === 'user' ? w.user('u1') : stranger
  const pid = submit.id
  let hostile: FoldEntry
  switch (h.kind) {
    case 'claim': hostile = w.entry({ k: 'claim', processid: pid, attempt: 1, executorid: w.exec('e1').id }, { at, origin }); break
    case 'expire': hostile = w.entry({ k: 'expire', processid: pid, attempt: 1, what: 'wait' }, { at, origin }); break
    case 'addlogmsg': hostile = w.env({ msgtype: 'addlogmsg', processid: pid, message: 'x' }, signer, { at, origin }); break
    case 'closesuccessfulmsg': hostile = w.env({ msgtype: 'closesuccessfulmsg', processid: pid, out: ['x'] }, signer, { at, origin, att: 1 }); break
    case 'closefailedmsg': hostile = w.env({ msgtype: 'closefailedmsg', processid: pid, errors: ['x'] }, signer, { at, origin, att: 1 }); break
    case 'cancelprocessmsg': hostile = w.env({ msgtype: 'cancelprocessmsg', processid: pid }, signer, { at, origin }); break
    case 'setoutputmsg': hostile = w.env({ msgtype: 'setoutputmsg', processid: pid, out: [1] }, signer, { at, origin, att: 1 }); break
    case 'removeprocessmsg': hostile = w.env({ msgtype: 'removeprocessmsg', processid: pid, all: false }, signer, { at, origin }); break
  }
  return { base, submit, hostile }
}

test('a record about a process, whatever its clock, never erases the process it names', () => {
  fc.assert(fc.property(hostileArb, (h) => {
    const { base, submit, hostile } = history(h)
    const f = foldRecords([...base, hostile])
    const what = `${h.kind} signed by ${h.signer} from ${h.fromSite ? 'the site' : 'a node that is not a site'}, ${h.dt} ms after the submit`
    assert.is(f.refusal(submit.id), undefined, `${what}: the submit itself was refused (${String(f.refusal(submit.id))})`)
    // (a member's removeprocessmsg may remove it: removed, it is still known to the fold)
    assert.ok(f.processRaw(submit.id) !== undefined, `${what}: the process disappeared; the record was refused with ${JSON.stringify(f.refusal(hostile.id))}`)
  }), fcOptions(300))
})

test('a record by a stranger, or from a node that is not a site, changes no process', () => {
  // claims and expiries are node facts: their author is the origin, whatever `signer` says
  const outsider = (h: Hostile): boolean => !h.fromSite || (h.signer === 'stranger' && h.kind !== 'claim' && h.kind !== 'expire')
  fc.assert(fc.property(hostileArb.filter(outsider), (h) => {
    const { base, submit, hostile } = history(h)
    const without = foldRecords(base)
    const f = foldRecords([...base, hostile])
    assert.ok(f.refusal(hostile.id) !== undefined, 'the hostile record is refused')
    assert.is(canonicalJson(f.process(submit.id) ?? null), canonicalJson(without.process(submit.id) ?? null),
      `${h.kind} by ${h.signer} from ${h.fromSite ? 'the site' : 'a node that is not a site'}, ${h.dt} ms after the submit, changed the process`)
  }), fcOptions(300))
})

test('a hostile record folds the same whichever arrives first (convergence holds for refusals too)', () => {
  fc.assert(fc.property(hostileArb, (h) => {
    const { base, hostile } = history(h)
    assert.is(foldRecords([hostile, ...base]).stateHash(), foldRecords([...base, hostile]).stateHash())
  }), fcOptions(200))
})

test.run()
