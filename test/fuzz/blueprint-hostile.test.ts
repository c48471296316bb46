/**
 * Blueprint records against the fold, written by anyone, from anywhere, with any clock:
 * every blueprint message, structurally mutated and signed by any role, parses or is
 * refused as invalid, and a history of them folds to one state in every order; hostile
 * `reconcile` facts (another site, a node that is not a site, any clock, any record id)
 * never add a process beyond the one each accepted change's own site asked for.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords } from '../../src/protocol/fold.js'
import { reconcileProcessId } from '../../src/protocol/records.js'
import { newKey, shuffle, World, type Key } from '../helpers/world.js'
import { fcOptions } from './fuzz-config.js'
import { applyEdits, editsArb } from './hostile.js'

const BLUEPRINT_TYPES = ['addblueprintdefinitionmsg', 'removeblueprintdefinitionmsg', 'addblueprintmsg', 'updateblueprintmsg',
  'removeblueprintmsg', 'updateblueprintstatusmsg', 'reconcileblueprintmsg'] as const
type BlueprintType = typeof BLUEPRINT_TYPES[number]
type Role = 'owner' | 'user' | 'executor' | 'stranger'

function message (w: World, t: BlueprintType, name: string, spec: Record<string, unknown>): Record<string, unknown> {
  const blueprint = { kind: 'Lamp', metadata: { name, colonyname: w.colony, locationname: 'hall' }, spec }
  switch (t) {
    case 'addblueprintdefinitionmsg':
      return { blueprintdefinition: { metadata: { name: 'lamp-def', colonyname: w.colony }, spec: { names: { kind: 'Lamp' }, schema: { properties: { power: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['power'] }, handler: { executorType: 'lamp', functionName: 'reconcile' } } } }
    case 'removeblueprintdefinitionmsg': return { namespace: w.colony, name: 'lamp-def' }
    case 'addblueprintmsg': return { blueprint }
    case 'updateblueprintmsg': return { blueprint, forcegeneration: false }
    case 'removeblueprintmsg': return { namespace: w.colony, name }
    case 'updateblueprintstatusmsg': return { colonyname: w.colony, blueprintname: name, status: spec }
    case 'reconcileblueprintmsg': return { namespace: w.colony, name, force: true }
  }
}

const opArb = fc.record({
  type: fc.constantFrom(...BLUEPRINT_TYPES),
  role: fc.constantFrom<Role>('owner', 'user', 'executor', 'stranger'),
  name: fc.constantFrom('a', 'b'),
  spec: fc.record({ power: fc.oneof(fc.boolean(), fc.constant('on')), tags: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 2 }) }),
  mutate: fc.option(editsArb, { nil: undefined, freq: 3 }),
  fact: fc.boolean()
})

test('mutated blueprint messages by any role: the fold takes them in every order to one state, one process per change at most', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 10_000 }), (ops, seed) => {
    const w = new World()
    const stranger = newKey()
    const keys: Record<Role, () => Key> = { owner: () => w.owner, user: () => w.user('u1'), executor: () => w.exec('e1'), stranger: () => stranger }
    const es: FoldEntry[] = [...w.setup(), w.env({ msgtype: 'addblueprintdefinitionmsg', ...message(w, 'addblueprintdefinitionmsg', '', {}) }, w.owner)]
    const changes: FoldEntry[] = []
    for (const op of ops) {
      // the message's fields are mutated, its type stays (a signed envelope names it)
      let fields: unknown = message(w, op.type, op.name, op.spec)
      if (op.mutate !== undefined) fields = applyEdits(JSON.parse(JSON.stringify(fields)), op.mutate)
      if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) continue
      const e = w.env({ ...fields, msgtype: op.type }, keys[op.role]())
      es.push(e)
      changes.push(e)
      if (op.fact) es.push(w.entry({ k: 'reconcile', colonyname: w.colony, record: e.id }))
    }
    const f = foldRecords(es)
    const hash = f.stateHash()
    assert.is(foldRecords(shuffle(es, seed)).stateHash(), hash, 'another order')
    const processes = [...f.processes()].map(p => p.processid)
    const allowed = new Set(changes.map(c => reconcileProcessId(c.id)))
    for (const pid of processes) assert.ok(allowed.has(pid), 'every process is one a change asked for')
    assert.is(new Set(processes).size, processes.length)
  }), fcOptions(300))
})

test('hostile reconcile facts (any site, any clock, any record) add no process beyond the change\'s own', () => {
  const factArb = fc.record({
    origin: fc.constantFrom<'site' | 'site2' | 'rogue'>('site', 'site2', 'rogue'),
    dt: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -10_000_000, max: 10_000_000 })),
    target: fc.constantFrom<'change' | 'unchanged' | 'refused' | 'random' | 'status'>('change', 'unchanged', 'refused', 'random', 'status')
  })
  fc.assert(fc.property(fc.array(factArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 10_000 }), (facts, seed) => {
    const w = new World()
    const { sites, entries } = w.twoSites()
    const rogue = newKey().id
    const def = w.env({ msgtype: 'addblueprintdefinitionmsg', ...message(w, 'addblueprintdefinitionmsg', '', {}) }, w.owner)
    const add = w.env({ msgtype: 'addblueprintmsg', ...message(w, 'addblueprintmsg', 'a', { power: true }) }, w.user('u1'))
    const unchanged = w.env({ msgtype: 'updateblueprintmsg', ...message(w, 'updateblueprintmsg', 'a', { power: true }) }, w.user('u1'))
    const refused = w.env({ msgtype: 'addblueprintmsg', ...message(w, 'addblueprintmsg', 'a', { power: false }) }, w.user('u1'))
    const status = w.env({ msgtype: 'updateblueprintstatusmsg', ...message(w, 'updateblueprintstatusmsg', 'a', { power: true }) }, w.exec('e1'))
    const own = w.entry({ k: 'reconcile', colonyname: w.colony, record: add.id })
    const es: FoldEntry[] = [...entries, def, add, unchanged, refused, status, own]
    const now = w.t
    for (const x of facts) {
      const record = x.target === 'change' ? add.id : x.target === 'unchanged' ? unchanged.id : x.target === 'refused' ? refused.id : x.target === 'status' ? status.id : 'a'.repeat(64)
      const origin = x.origin === 'site' ? sites[0] as string : x.origin === 'site2' ? sites[1] as string : rogue
      es.push(w.entry({ k: 'reconcile', colonyname: w.colony, record }, { at: add.rec.t.w + x.dt, origin }))
    }
    w.t = now
    const f = foldRecords(es)
    assert.is(foldRecords(shuffle(es, seed)).stateHash(), f.stateHash(), 'another order')
    const processes = [...f.processes()].map(p => p.processid)
    assert.ok(processes.every(pid => pid === reconcileProcessId(add.id)), `only the add's process: ${processes.length}`)
    assert.ok(processes.length <= 1)
  }), fcOptions(300))
})

test.run()
