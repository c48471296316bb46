/**
 * Blueprints in the fold (blueprint-fold.ts): definitions and blueprints with upstream's
 * rules and texts, generations and history, and the reconcile process a change calls
 * for, created once by its site's `reconcile` fact whatever the order records arrive in.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { MAX_BLUEPRINT_HISTORY } from '../../src/protocol/blueprint-fold.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords, LedgerFold } from '../../src/protocol/fold.js'
import { reconcileProcessId } from '../../src/protocol/records.js'
import type { Refusal, RefusalCode } from '../../src/protocol/refusal.js'
import { ProcessState } from '../../src/protocol/state.js'
import { PagedFold } from '../helpers/pager.js'
import { type Key, newKey, shuffle, World } from '../helpers/world.js'

// ---- helpers ------------------------------------------------------------------------------

const LAMP_SCHEMA = {
  type: 'object',
  properties: {
    power: { type: 'boolean' },
    brightness: { type: 'number' },
    mode: { type: 'string', enum: ['eco', 'bright'] },
    tags: { type: 'array', items: { type: 'string' } },
    light: { type: 'object', properties: { color: { type: 'string' } } }
  },
  required: ['power']
}

function start (): { w: World, base: FoldEntry[] } {
  const w = new World()
  return { w, base: [...w.setup(), w.addExecutor('r1', 'lamp-reconciler'), w.approve('r1')] }
}

function addDef (w: World, o: { name?: string, kind?: string, handler?: Record<string, unknown>, schema?: unknown, by?: Key } = {}): FoldEntry {
  const kind = o.kind ?? 'Lamp'
  return w.env({
    msgtype: 'addblueprintdefinitionmsg',
    blueprintdefinition: {
      kind,
      metadata: { name: o.name ?? 'lamp-def', colonyname: w.colony },
      spec: {
        names: { kind },
        ...(o.schema === undefined ? {} : { schema: o.schema }),
        handler: o.handler ?? { executorType: 'lamp-reconciler', functionName: 'reconcile' }
      }
    }
  }, o.by ?? w.owner)
}

function blueprint (w: World, name: string, spec: Record<string, unknown>, o: { kind?: string, location?: string, status?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    kind: o.kind ?? 'Lamp',
    metadata: { name, colonyname: w.colony, ...(o.location === undefined ? {} : { locationname: o.location }) },
    handler: { executortype: 'ignored' },
    spec,
    ...(o.status === undefined ? {} : { status: o.status })
  }
}

function addBp (w: World, name: string, spec: Record<string, unknown>, o: { by?: Key, kind?: string, location?: string, origin?: string } = {}): FoldEntry {
  return w.env({ msgtype: 'addblueprintmsg', blueprint: blueprint(w, name, spec, o) }, o.by ?? w.user('u1'), o.origin === undefined ? {} : { origin: o.origin })
}

function updBp (w: World, name: string, spec: Record<string, unknown>, o: { by?: Key, force?: boolean, kind?: string, status?: Record<string, unknown>, at?: number } = {}): FoldEntry {
  return w.env({ msgtype: 'updateblueprintmsg', blueprint: blueprint(w, name, spec, o), forcegeneration: o.force ?? false }, o.by ?? w.user('u1'),
    o.at === undefined ? {} : { at: o.at })
}

function status (w: World, name: string, s: Record<string, unknown>, by?: Key): FoldEntry {
  return w.env({ msgtype: 'updateblueprintstatusmsg', colonyname: w.colony, blueprintname: name, status: s }, by ?? w.exec('r1'))
}

function reconcile (w: World, name: string, o: { by?: Key, force?: boolean } = {}): FoldEntry {
  return w.env({ msgtype: 'reconcileblueprintmsg', namespace: w.colony, name, force: o.force ?? false }, o.by ?? w.user('u1'))
}

function removeBp (w: World, name: string, by?: Key): FoldEntry {
  return w.env({ msgtype: 'removeblueprintmsg', namespace: w.colony, name }, by ?? w.user('u1'))
}

function removeDef (w: World, name = 'lamp-def', by?: Key): FoldEntry {
  return w.env({ msgtype: 'removeblueprintdefinitionmsg', namespace: w.colony, name }, by ?? w.owner)
}

/** The `reconcile` fact the change's site writes right after it. */
function fact (w: World, change: FoldEntry, o: { origin?: string, at?: number } = {}): FoldEntry {
  return w.entry({ k: 'reconcile', colonyname: w.colony, record: change.id }, o)
}

function accepted (f: LedgerFold, e: FoldEntry): void {
  assert.is(f.refusal(e.id), undefined, `expected ${e.msg?.msgtype ?? e.rec.b.k} to be applied, refused: ${f.refusal(e.id)?.reason ?? ''}`)
}

function refused (f: LedgerFold, e: FoldEntry, why: RegExp, code?: RefusalCode): void {
  const r = f.refusal(e.id)
  if (r === undefined) assert.unreachable(`expected ${e.msg?.msgtype ?? e.rec.b.k} to be refused (${String(why)}), it was applied`)
  const { reason } = r as Refusal
  assert.match(reason, why)
  if (code !== undefined) assert.is((r as Refusal).code, code, reason)
  if ((r as Refusal).code === 'forbidden') assert.ok(reason.startsWith('Access denied, '), reason)
}

const book = (f: LedgerFold, w: World) => f.blueprintBook(w.colony)

function oneByOne (entries: readonly FoldEntry[], seed: number): LedgerFold {
  const f = new LedgerFold()
  for (const e of shuffle(entries, seed)) f.add([e])
  return f
}

/** The state every order and chunking must give; asserts it for a few of them. */
function sameInEveryOrder (entries: readonly FoldEntry[], seeds = 6): LedgerFold {
  const f = foldRecords(entries)
  const expected = f.stateHash()
  for (let seed = 1; seed <= seeds; seed++) {
    assert.is(foldRecords(shuffle(entries, seed)).stateHash(), expected, `all at once, order ${seed}`)
    assert.is(oneByOne(entries, seed * 7919).stateHash(), expected, `one by one, order ${seed}`)
  }
  return f
}

/** The reconcile processes in the fold, by the change that asked for each. */
function reconcileProcesses (f: LedgerFold): string[] {
  return [...f.processes()].filter(p => p.spec.conditions.executortype === 'lamp-reconciler').map(p => p.processid).sort()
}

// ---- definitions ----------------------------------------------------------------------------

test('definitions: only the colony owner adds or removes one; names and kinds are unique in the colony', () => {
  const { w, base } = start()
  const byMember = addDef(w, { name: 'x-def', kind: 'X', by: w.user('u1') })
  const def = addDef(w)
  const sameName = addDef(w, { kind: 'Other' })
  const sameKind = addDef(w, { name: 'lamp-def-2' })
  const bp = addBp(w, 'hall', { power: true })
  const early = removeDef(w)
  const byMemberRemove = removeDef(w, 'lamp-def', w.user('u1'))
  const gone = removeBp(w, 'hall')
  const late = removeDef(w)
  const missing = removeDef(w, 'nope')
  const f = sameInEveryOrder([...base, byMember, def, sameName, sameKind, bp, early, byMemberRemove, gone, late, missing])
  refused(f, byMember, /only the colony owner may add blueprint definitions/, 'forbidden')
  accepted(f, def)
  refused(f, sameName, /a blueprint definition named 'lamp-def' already exists in colony 'dev'/, 'conflict')
  refused(f, sameKind, /of kind 'Lamp' already exists/, 'conflict')
  refused(f, early, /cannot remove BlueprintDefinition 'lamp-def': 1 blueprint\(s\) of kind 'Lamp' still exist/, 'conflict')
  refused(f, byMemberRemove, /only the colony owner may remove blueprint definitions/, 'forbidden')
  accepted(f, late)
  refused(f, missing, /BlueprintDefinition 'nope' not found in namespace 'dev'/, 'not-found')
  assert.equal(book(f, w)?.definitions(), [])
})

// ---- blueprints ---------------------------------------------------------------------------

test('a blueprint needs its kind\'s definition and must satisfy its schema (upstream\'s texts)', () => {
  const { w, base } = start()
  const noDef = addBp(w, 'early', { power: true })
  const def = addDef(w, { schema: LAMP_SCHEMA })
  const cases: Array<[Record<string, unknown>, RegExp | undefined]> = [
    [{ brightness: 3 }, /^blueprint validation failed: required field 'power' is missing$/],
    [{ power: 'yes' }, /^blueprint validation failed: field 'power' must be a boolean, got string$/],
    [{ power: true, brightness: '9' }, /field 'brightness' must be a number, got string$/],
    [{ power: true, mode: 'dim' }, /field 'mode' must be one of \[eco bright\], got dim$/],
    [{ power: true, tags: ['a', 2] }, /field 'tags\[1\]' must be a string, got float64$/],
    [{ power: true, light: { color: 7 } }, /field 'light.color' must be a string, got float64$/],
    [{ power: true, light: [] }, /field 'light' must be an object, got \[\]interface \{\}$/],
    [{ power: false, mode: 'eco', tags: ['x'], light: { color: 'red', extra: 1 }, unknown: { any: 1 } }, undefined]
  ]
  const adds = cases.map(([spec], i) => addBp(w, `lamp-${i}`, spec))
  const otherKind = addBp(w, 'heater', { power: true }, { kind: 'Heater' })
  const f = sameInEveryOrder([...base, noDef, def, ...adds, otherKind], 3)
  refused(f, noDef, /^BlueprintDefinition for kind 'Lamp' not found in namespace 'dev'$/, 'conflict')
  cases.forEach(([, why], i) => {
    const e = adds[i] as FoldEntry
    if (why === undefined) accepted(f, e)
    else refused(f, e, why, 'conflict')
  })
  refused(f, otherKind, /kind 'Heater' not found/)
  assert.equal(book(f, w)?.blueprints().map(b => b.metadata.name), ['lamp-7'])
})

test('members and the colony owner add, update and remove blueprints; others are refused; names are unique', () => {
  const { w, base } = start()
  const stranger = newKey()
  const def = addDef(w)
  const byStranger = addBp(w, 'x', { power: true }, { by: stranger })
  const byOwner = addBp(w, 'by-owner', { power: true }, { by: w.owner })
  const byExecutor = addBp(w, 'by-executor', { power: true }, { by: w.exec('r1') })
  const dup = addBp(w, 'by-owner', { power: false })
  const updStranger = updBp(w, 'by-owner', { power: false }, { by: stranger })
  const updMissing = updBp(w, 'nope', { power: false })
  const rmStranger = removeBp(w, 'by-owner', stranger)
  const rmMissing = removeBp(w, 'nope')
  const rmOwner = removeBp(w, 'by-executor', w.owner)
  const f = sameInEveryOrder([...base, def, byStranger, byOwner, byExecutor, dup, updStranger, updMissing, rmStranger, rmMissing, rmOwner], 3)
  refused(f, byStranger, /^Access denied, not a member of colony "dev"/, 'forbidden')
  accepted(f, byOwner)
  accepted(f, byExecutor)
  refused(f, dup, /^blueprint with name 'by-owner' already exists in colony 'dev'$/, 'conflict')
  refused(f, updStranger, /^Access denied, not a member/, 'forbidden')
  refused(f, updMissing, /^blueprint 'nope' not found in namespace 'dev'$/, 'not-found')
  refused(f, rmStranger, /^Access denied, not a member/, 'forbidden')
  refused(f, rmMissing, /^Blueprint not found$/, 'not-found')
  accepted(f, rmOwner)
  assert.equal(book(f, w)?.blueprints().map(b => b.metadata.name), ['by-owner'])
})

test('generations and history: a new generation (and history entry) only when the spec changes or one is forced', () => {
  const { w, base } = start()
  const def = addDef(w)
  const add = addBp(w, 'hall', { power: false, brightness: 0 })
  const same = updBp(w, 'hall', { brightness: 0, power: false }, { status: { power: true } })
  const changed = updBp(w, 'hall', { power: true, brightness: 80 })
  const forced = updBp(w, 'hall', { power: true, brightness: 80 }, { force: true, status: { seen: 'x' } })
  const st = status(w, 'hall', { power: true, brightness: 80 })
  const f = sameInEveryOrder([...base, def, add, same, changed, forced, st])
  const b = book(f, w)?.blueprint('hall')
  assert.is(b?.blueprintid, add.id, 'a blueprint is known by the id of the record that added it')
  assert.is(b?.generation, 3)
  assert.equal(b?.spec, { power: true, brightness: 80 })
  assert.equal(b?.status, { power: true, brightness: 80 }, 'the status as last reported')
  assert.equal(b?.history.map(h => [h.generation, h.changetype, h.historyid, h.changedby]),
    [[1, 'create', add.id, w.user('u1').id], [2, 'update', changed.id, w.user('u1').id], [3, 'update', forced.id, w.user('u1').id]])
  assert.equal(b?.history[2]?.status, { seen: 'x' }, 'an update carries its status, as upstream stores the whole blueprint sent')
  assert.is(b?.created, add.rec.t.w)
  assert.is(b?.updated, forced.rec.t.w, 'a status report is not an update')
  // a process for the add and each new generation, none for the unchanged update
  const plans = [add, same, changed, forced].map(e => book(f, w)?.plan(e.id) !== undefined)
  assert.equal(plans, [true, false, true, true])
  assert.is(b?.lastprocess, reconcileProcessId(forced.id))
})

test('history keeps the newest entries only', () => {
  const { w, base } = start()
  const es = [addDef(w), addBp(w, 'hall', { n: 0 })]
  for (let i = 1; i <= MAX_BLUEPRINT_HISTORY + 5; i++) es.push(updBp(w, 'hall', { n: i }))
  const f = foldRecords([...base, ...es])
  const h = book(f, w)?.blueprint('hall')?.history ?? []
  assert.is(h.length, MAX_BLUEPRINT_HISTORY)
  assert.is(h[h.length - 1]?.generation, MAX_BLUEPRINT_HISTORY + 6)
  assert.is(h[0]?.generation, 7)
})

test('status is reported by members only (not the owner), replaces the whole status, and needs the blueprint', () => {
  const { w, base } = start()
  const def = addDef(w)
  const add = addBp(w, 'hall', { power: true })
  const s1 = status(w, 'hall', { power: false, extra: 1 })
  const s2 = status(w, 'hall', { power: true })
  const byOwner = status(w, 'hall', { hacked: true }, w.owner)
  const missing = status(w, 'nope', { power: true })
  const f = sameInEveryOrder([...base, def, add, s1, s2, byOwner, missing])
  accepted(f, s2)
  refused(f, byOwner, /^Access denied, not a member of colony "dev": only its members may report blueprint status$/, 'forbidden')
  refused(f, missing, /^Blueprint not found$/, 'not-found')
  assert.equal(book(f, w)?.blueprint('hall')?.status, { power: true })
  assert.is(book(f, w)?.blueprint('hall')?.generation, 1)
})

test('reconcile: members only; needs a handler with executor type and function name; force bumps the generation', () => {
  const { w, base } = start()
  const lamp = addDef(w)
  const noFn = addDef(w, { name: 'fan-def', kind: 'Fan', handler: { executorType: 'fan-reconciler' } })
  const none = addDef(w, { name: 'bell-def', kind: 'Bell', handler: {} })
  const adds = [addBp(w, 'hall', { power: true }), addBp(w, 'fan', {}, { kind: 'Fan' }), addBp(w, 'bell', {}, { kind: 'Bell' })]
  const plain = reconcile(w, 'hall')
  const forced = reconcile(w, 'hall', { force: true })
  const byOwner = reconcile(w, 'hall', { by: w.owner })
  const fan = reconcile(w, 'fan')
  const bell = reconcile(w, 'bell')
  const missing = reconcile(w, 'nope')
  const f = sameInEveryOrder([...base, lamp, noFn, none, ...adds, plain, forced, byOwner, fan, bell, missing], 3)
  accepted(f, plain)
  accepted(f, forced)
  refused(f, byOwner, /^Access denied, not a member/, 'forbidden')
  refused(f, fan, /^Blueprint has no handler with function name defined$/)
  refused(f, bell, /^Blueprint has no handler with executor type defined$/)
  refused(f, missing, /^Blueprint not found$/, 'not-found')
  assert.is(book(f, w)?.blueprint('hall')?.generation, 2, 'force bumps the generation')
  assert.is(book(f, w)?.blueprint('hall')?.history.length, 1, 'without a history entry')
  assert.equal(book(f, w)?.plan(plain.id)?.spec.kwargs, { kind: 'Lamp', blueprintName: 'hall' })
  assert.equal(book(f, w)?.plan(forced.id)?.spec.kwargs, { kind: 'Lamp', blueprintName: 'hall', force: true })
  // a definition without a function name: no process on add; with no executor type, none on remove either
  assert.equal(adds.map(e => book(f, w)?.plan(e.id) !== undefined), [true, false, false])
})

// ---- the reconcile process ------------------------------------------------------------------

test('a change\'s reconcile fact creates one process, as upstream submits it: handler, kwargs, location, initiator', () => {
  const { w, base } = start()
  const def = addDef(w)
  const add = addBp(w, 'hall', { power: true }, { location: 'home' })
  const f1 = fact(w, add)
  const again = fact(w, add)
  const upd = updBp(w, 'hall', { power: false })
  const f2 = fact(w, upd)
  const rm = removeBp(w, 'hall')
  const f3 = fact(w, rm)
  const f = sameInEveryOrder([...base, def, add, f1, again, upd, f2, rm, f3])
  const pid = reconcileProcessId(add.id)
  const p = f.process(pid)
  assert.ok(p !== undefined, 'the add\'s process exists')
  assert.is(p?.state, ProcessState.WAITING)
  assert.is(p?.spec.funcname, 'reconcile')
  assert.is(p?.spec.nodename, 'lamp-reconciler-reconcile')
  assert.equal(p?.spec.kwargs, { kind: 'Lamp', blueprintName: 'hall' })
  assert.is(p?.spec.conditions.executortype, 'lamp-reconciler')
  assert.is(p?.spec.conditions.locationname, 'home')
  assert.is(p?.spec.maxexectime, -1)
  assert.is(p?.spec.maxretries, -1)
  assert.is(p?.initiatorid, w.user('u1').id)
  assert.is(p?.initiatorname, 'u1')
  assert.is(p?.submissiontime, f1.rec.t.w)
  refused(f, again, /the reconcile process already exists/, 'conflict')
  // the update targets the blueprint as it is now (no location any more)
  assert.is(f.process(reconcileProcessId(upd.id))?.spec.conditions.locationname, '')
  // the removal's cleanup, as upstream names it
  const cleanup = f.process(reconcileProcessId(rm.id))
  assert.is(cleanup?.spec.funcname, 'cleanup')
  assert.is(cleanup?.spec.nodename, 'lamp-reconciler-cleanup')
  assert.equal(cleanup?.spec.kwargs, { blueprintName: 'hall', kind: 'Lamp' })
  assert.is(reconcileProcesses(f).length, 3)
})

test('a reconcile fact is refused from another site, before its change, or for a change that calls for no process', () => {
  const { w } = start()
  const { sites, entries } = w.twoSites()
  const site2 = sites[1] as string
  const reconciler = [w.addExecutor('r1', 'lamp-reconciler'), w.approve('r1')]
  const def = addDef(w)
  const a = addBp(w, 'a', { power: true })
  const now = w.t
  const early = fact(w, a, { at: a.rec.t.w - 1 })
  w.t = now
  const b = addBp(w, 'b', { power: true })
  const foreign = fact(w, b, { origin: site2 })
  const same = updBp(w, 'b', { power: true })
  const noPlan = fact(w, same)
  const bad = addBp(w, 'b', { power: false })
  const ofRefused = fact(w, bad)
  const f = sameInEveryOrder([...entries, ...reconciler, def, a, early, b, foreign, same, noPlan, bad, ofRefused])
  accepted(f, a)
  accepted(f, b)
  refused(f, early, /ordered before the blueprint change/, 'invalid')
  refused(f, foreign, /^Access denied, only the site that accepted a blueprint change may ask for its reconcile process$/, 'forbidden')
  refused(f, noPlan, /calls for no reconcile process/, 'not-found')
  refused(f, ofRefused, /calls for no reconcile process/, 'not-found')
  assert.equal(reconcileProcesses(f), [], 'no process from any of them')
})

test('a late record that makes a change invalid takes its process away; one that makes it valid brings it', () => {
  const { w, base } = start()
  const def = addDef(w)
  const add = addBp(w, 'hall', { power: true })
  const fa = fact(w, add)
  // the user is removed before the update in ledger order, but that record arrives last
  const removal = w.env({ msgtype: 'removeusermsg', colonyname: w.colony, name: 'u1' }, w.owner)
  const upd = updBp(w, 'hall', { power: false })
  const fu = fact(w, upd)
  const inOrder = foldRecords([...base, def, add, fa, upd, fu])
  assert.ok(inOrder.process(reconcileProcessId(upd.id)) !== undefined)
  const f = foldRecords([...base, def, add, fa, upd, fu])
  f.add([removal])
  refused(f, upd, /^Access denied/, 'forbidden')
  assert.is(f.process(reconcileProcessId(upd.id)), undefined, 'the update\'s process is gone')
  assert.is(f.stateHash(), foldRecords([...base, def, add, fa, removal, upd, fu]).stateHash())
  // a definition that arrives after the blueprint it allows
  const g = new LedgerFold()
  g.add([...base, add, fa])
  refused(g, add, /not found/)
  g.add([def])
  accepted(g, add)
  assert.ok(g.process(reconcileProcessId(add.id)) !== undefined, 'the add\'s process came with its definition')
})

test('a removed colony takes its blueprints along; a colony added again under the name starts empty', () => {
  const { w, base } = start()
  const def = addDef(w)
  const add = addBp(w, 'hall', { power: true })
  const gone = w.env({ msgtype: 'removecolonymsg', colonyname: w.colony }, w.operator)
  const again = w.addColony()
  const f = sameInEveryOrder([...base, def, add, gone, again])
  assert.equal(book(f, w)?.blueprints() ?? [], [])
  assert.equal(book(f, w)?.definitions() ?? [], [])
})

// ---- convergence ----------------------------------------------------------------------------

test('property: two sites changing blueprints, reconcilers running the processes: every order, chunking, duplication and paging folds to one state with one process per change', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 6 }), (seed, chunks) => {
    const w = new World()
    const { sites, entries } = w.twoSites()
    const site2 = sites[1] as string
    const es: FoldEntry[] = [...entries, w.addExecutor('r1', 'lamp-reconciler'), w.approve('r1'), addDef(w, { schema: LAMP_SCHEMA })]
    const changes: FoldEntry[] = []
    const change = (e: FoldEntry, origin?: string): void => {
      es.push(e)
      changes.push(e)
      es.push(fact(w, e, origin === undefined ? {} : { origin }))
    }
    change(addBp(w, 'a', { power: true }))
    change(addBp(w, 'b', { power: false }, { origin: site2 }), site2)
    change(updBp(w, 'a', { power: false }))
    change(reconcile(w, 'b', { force: true }))
    es.push(status(w, 'a', { power: false }))
    change(updBp(w, 'b', { power: true, mode: 'eco' }))
    change(removeBp(w, 'a'))
    // the reconciler runs the first process to the end
    const first = reconcileProcessId(changes[0]?.id as string)
    es.push(w.claim(first, 'r1'), w.close(first, 'r1', ['done']))
    const expected = foldRecords(es)
    const order = shuffle(es, seed)
    const f = new LedgerFold()
    const paged = new PagedFold()
    const size = Math.ceil(order.length / chunks)
    for (let i = 0; i < order.length; i += size) {
      const part = order.slice(i, i + size)
      f.add([...part, ...part.slice(0, 1)])
      paged.add(part)
    }
    assert.is(f.stateHash(), expected.stateHash())
    assert.is(paged.fold.stateHash(), expected.stateHash(), 'with paging')
    // one process per change that calls for one, whichever site wrote it
    const ids = reconcileProcesses(expected)
    assert.equal(ids, changes.filter(c => expected.blueprintBook(w.colony)?.plan(c.id) !== undefined).map(c => reconcileProcessId(c.id)).sort())
    assert.is(ids.length, 6)
    assert.is(paged.process(first)?.state, ProcessState.SUCCESS)
  }), { numRuns: 40, seed: 42 })
})

test.run()
