/**
 * The fold of a colony's blueprints: its definitions and blueprints, folded in ledger
 * order into one book per colony, each record judged against the rights its author had
 * at that place in the order (the Timeline) and against the book itself (a blueprint
 * needs its kind's definition; a definition in use cannot go).
 *
 * Why a book of its own and not the colony Timeline: reconcilers report status on every
 * reconcile, so blueprint records come far more often than executors or users, and a late
 * one would re-fold the whole timeline and every process of the colony after it. A late
 * blueprint record re-folds only its colony's book, and the processes it asked for.
 *
 * Upstream's server submits a reconcile process for a blueprint added, updated (when its
 * spec changes, or forced), removed ("cleanup") or reconciled on request. Here the book
 * decides, per accepted change, the process it calls for (a ReconcilePlan); the site that
 * accepted the change writes a `reconcile` fact naming it in the same batch, and that fact
 * creates the process (process-fold.ts), so the change itself never belongs to a process
 * and stays when retention drops the process.
 *
 * Values in a book are replaced, never changed in place: a shallow copy of its maps is a
 * snapshot, which is how a record is previewed before it is written.
 */
import { canonicalJson } from './canonical.js'
import type { FoldEntry } from './entry.js'
import type { JsonObject } from './json.js'
import { schemaViolation } from './blueprint-schema.js'
import type { BlueprintDefinitionInput, BlueprintInput, BlueprintMetadataInput, Message } from './messages.js'
import { reconcileProcessId } from './records.js'
import { conflict, forbidden, invalid, notFound, type Refusal } from './refusal.js'
import { type FunctionSpec, functionSpecToJson, parseFunctionSpec } from './spec.js'
import type { Timeline } from './timeline.js'

/** History entries kept per blueprint, newest last (upstream keeps every one in PostgreSQL). */
export const MAX_BLUEPRINT_HISTORY = 100

export interface BlueprintDefinitionInfo {
  /** the id of the record that added it */
  readonly id: string
  readonly colonyname: string
  readonly def: BlueprintDefinitionInput
  /** HLC ms of the add */
  readonly created: number
}

export interface BlueprintHistoryEntry {
  /** the id of the record that made the change */
  readonly historyid: string
  readonly kind: string
  readonly name: string
  readonly generation: number
  readonly spec: JsonObject
  readonly status: JsonObject
  readonly timestamp: number
  readonly changedby: string
  readonly changetype: 'create' | 'update'
}

export interface BlueprintInfo {
  /** the id of the record that added it */
  readonly blueprintid: string
  readonly kind: string
  readonly metadata: BlueprintMetadataInput
  readonly spec: JsonObject
  readonly status: JsonObject
  readonly generation: number
  /** HLC ms of the add and of the latest add or update */
  readonly created: number
  readonly updated: number
  /** the reconcile process the latest change asked for ('' none), and when */
  readonly lastprocess: string
  readonly lastprocesstime: number
  /** oldest first, at most MAX_BLUEPRINT_HISTORY */
  readonly history: readonly BlueprintHistoryEntry[]
}

/** The process an accepted change calls for; the `reconcile` fact of its site creates it. */
export interface ReconcilePlan {
  readonly record: string
  readonly key: string
  /** the site that accepted the change: only it may ask for the process */
  readonly origin: string
  readonly colonyname: string
  readonly initiatorid: string
  readonly initiatorname: string
  readonly spec: FunctionSpec
  /** the plan's content as text: a re-fold that changes it folds the process again */
  readonly sig: string
}

interface BookState {
  readonly defs: Map<string, BlueprintDefinitionInfo>
  readonly bps: Map<string, BlueprintInfo>
  readonly refusals: Map<string, Refusal>
  readonly plans: Map<string, ReconcilePlan>
  /** how many of the colony's events (Timeline.eventsOf) were applied */
  events: number
}

const newState = (): BookState => ({ defs: new Map(), bps: new Map(), refusals: new Map(), plans: new Map(), events: 0 })

/** The colony a blueprint record belongs to, or undefined for any other record. */
export function blueprintColonyOf (e: FoldEntry): string | undefined {
  const m = e.msg
  if (m === undefined || e.rec.b.k !== 'env') return undefined
  switch (m.msgtype) {
    case 'addblueprintdefinitionmsg': return m.blueprintdefinition.metadata.colonyname
    case 'addblueprintmsg':
    case 'updateblueprintmsg': return m.blueprint.metadata.colonyname
    case 'removeblueprintdefinitionmsg':
    case 'removeblueprintmsg':
    case 'reconcileblueprintmsg': return m.namespace
    case 'updateblueprintstatusmsg': return m.colonyname
    default: return undefined
  }
}

/** Whether the record may call for a reconcile process (whose id then derives from its own). */
export function mayReconcile (e: FoldEntry): boolean {
  const t = e.msg?.msgtype
  return t === 'addblueprintmsg' || t === 'updateblueprintmsg' || t === 'removeblueprintmsg' || t === 'reconcileblueprintmsg'
}

const sameSpec = (a: JsonObject, b: JsonObject): boolean => canonicalJson(a) === canonicalJson(b)

export class BlueprintBook {
  /** the book's records in ledger order */
  readonly entries: FoldEntry[] = []
  private state: BookState = newState()

  constructor (readonly colony: string) {}

  /** Adds a record to the list: 'end' when it is the newest, 'middle' when earlier ones follow, 'dup' when held. */
  insert (e: FoldEntry): 'end' | 'middle' | 'dup' {
    const list = this.entries
    const n = list.length
    if (n === 0 || (list[n - 1] as FoldEntry).key < e.key) {
      list.push(e)
      return 'end'
    }
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((list[mid] as FoldEntry).key < e.key) lo = mid + 1
      else hi = mid
    }
    if (list[lo]?.key === e.key) return 'dup'
    list.splice(lo, 0, e)
    return 'middle'
  }

  get lastKey (): string {
    return this.entries[this.entries.length - 1]?.key ?? ''
  }

  /** How many colony events the book has applied (a new one means a re-fold). */
  get eventsApplied (): number {
    return this.state.events
  }

  /** Applies the newest record (in order), colony events before it first. */
  apply (e: FoldEntry, tl: Timeline): void {
    this.applyEvents(this.state, tl, e.key)
    const why = check(this.state, this.colony, e, tl)
    if (why !== undefined) this.state.refusals.set(e.id, why)
  }

  /** Folds every record again; returns the records whose reconcile plan changed. */
  refold (tl: Timeline): string[] {
    const before = this.state.plans
    this.state = newState()
    for (const e of this.entries) this.apply(e, tl)
    this.applyEvents(this.state, tl, '\uffff')
    const changed: string[] = []
    for (const [id, p] of before) if (this.state.plans.get(id)?.sig !== p.sig) changed.push(id)
    for (const id of this.state.plans.keys()) if (!before.has(id)) changed.push(id)
    return changed
  }

  /** Would `e` be accepted after everything held? Why not, or the process it would call for. */
  preview (e: FoldEntry, tl: Timeline): { refusal?: Refusal, plan?: ReconcilePlan } {
    const s = this.state
    const scratch: BookState = { defs: new Map(s.defs), bps: new Map(s.bps), refusals: new Map(), plans: new Map(), events: s.events }
    this.applyEvents(scratch, tl, '\uffff')
    const refusal = check(scratch, this.colony, e, tl)
    if (refusal !== undefined) return { refusal }
    const plan = scratch.plans.get(e.id)
    return plan === undefined ? {} : { plan }
  }

  refusal (id: string): Refusal | undefined {
    return this.state.refusals.get(id)
  }

  refusals (): ReadonlyMap<string, Refusal> {
    return this.state.refusals
  }

  plan (record: string): ReconcilePlan | undefined {
    return this.state.plans.get(record)
  }

  /** The reconcile processes of the changes after `key` (those a re-fold from there may touch). */
  processesAfter (key: string): string[] {
    const out: string[] = []
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i] as FoldEntry
      if (e.key <= key) break
      if (mayReconcile(e)) out.push(reconcileProcessId(e.id))
    }
    return out
  }

  // ---- reads ---------------------------------------------------------------------------

  definitions (): BlueprintDefinitionInfo[] {
    return [...this.state.defs.values()].sort((a, b) => a.def.metadata.name < b.def.metadata.name ? -1 : 1)
  }

  definition (name: string): BlueprintDefinitionInfo | undefined {
    return this.state.defs.get(name)
  }

  /** By name, as upstream lists them; kind "" = all (the location is then not looked at). */
  blueprints (kind = '', locationname = ''): BlueprintInfo[] {
    return [...this.state.bps.values()]
      .filter(b => kind === '' || (b.kind === kind && (locationname === '' || b.metadata.locationname === locationname)))
      .sort((a, b) => a.metadata.name < b.metadata.name ? -1 : 1)
  }

  blueprint (name: string): BlueprintInfo | undefined {
    return this.state.bps.get(name)
  }

  blueprintById (id: string): BlueprintInfo | undefined {
    for (const b of this.state.bps.values()) if (b.blueprintid === id) return b
    return undefined
  }

  /** The book as the state hash sees it: equal at every site that holds the same records. */
  canonical (): unknown {
    const s = this.state
    return {
      colony: this.colony,
      defs: this.definitions().map(d => [d.id, d.created, d.def]),
      blueprints: [...s.bps.values()].sort((a, b) => a.blueprintid < b.blueprintid ? -1 : 1),
      refusals: [...s.refusals].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([id, r]) => [id, r.code, r.reason]),
      events: s.events
    }
  }

  /** A removed colony takes its definitions and blueprints with it (a colony of the same name added later starts empty). */
  private applyEvents (s: BookState, tl: Timeline, beforeKey: string): void {
    const events = tl.eventsOf(this.colony)
    for (; s.events < events.length; s.events++) {
      const ev = events[s.events]
      if (ev === undefined || ev.key >= beforeKey) break
      if (ev.kind === 'removecolony') {
        s.defs.clear()
        s.bps.clear()
      }
    }
  }
}

type Msg<T extends Message['msgtype']> = Extract<Message, { msgtype: T }>

/** Applies one record to the state, or returns why it is refused (and changes nothing). */
function check (s: BookState, colony: string, e: FoldEntry, tl: Timeline): Refusal | undefined {
  if (e.invalid !== undefined) return invalid(e.invalid)
  const m = e.msg
  if (m === undefined) return invalid('not a blueprint record')
  const key = e.key
  const c = tl.colonyAt(colony, key)
  if (c === undefined) return notFound(`colony ${JSON.stringify(colony)} does not exist`)
  if (!tl.isSiteOfAt(colony, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
  const owner = c.colonyid === e.author
  const member = tl.memberName(colony, e.author, key)
  const at = e.rec.t.w
  switch (m.msgtype) {
    case 'addblueprintdefinitionmsg': {
      if (!owner) return forbidden('not colony owner: only the colony owner may add blueprint definitions')
      const d = m.blueprintdefinition
      const name = d.metadata.name
      if (s.defs.has(name)) return conflict(`a blueprint definition named '${name}' already exists in colony '${colony}'`)
      const same = definitionOfKind(s, d.spec.names.kind)
      if (same !== undefined) return conflict(`a blueprint definition of kind '${d.spec.names.kind}' already exists in colony '${colony}' ('${same.def.metadata.name}')`)
      s.defs.set(name, { id: e.id, colonyname: colony, def: d, created: at })
      return undefined
    }
    case 'removeblueprintdefinitionmsg': {
      if (!owner) return forbidden('not colony owner: only the colony owner may remove blueprint definitions')
      const d = s.defs.get(m.name)
      if (d === undefined) return notFound(`BlueprintDefinition '${m.name}' not found in namespace '${colony}'`)
      const kind = d.def.spec.names.kind
      const n = [...s.bps.values()].filter(b => b.kind === kind).length
      if (n > 0) return conflict(`cannot remove BlueprintDefinition '${m.name}': ${n} blueprint(s) of kind '${kind}' still exist`)
      s.defs.delete(m.name)
      return undefined
    }
    case 'addblueprintmsg':
    case 'updateblueprintmsg':
      if (!owner && member === undefined) return forbidden(`not a member of colony ${JSON.stringify(colony)}: only its members and owner may change blueprints`)
      return m.msgtype === 'addblueprintmsg' ? add(s, colony, e, m, member) : update(s, colony, e, m, member)
    case 'removeblueprintmsg': {
      if (!owner && member === undefined) return forbidden(`not a member of colony ${JSON.stringify(colony)}: only its members and owner may remove blueprints`)
      const old = s.bps.get(m.name)
      if (old === undefined) return notFound('Blueprint not found')
      s.bps.delete(m.name)
      const handler = definitionOfKind(s, old.kind)?.def.spec.handler
      if (handler !== undefined && handler.executorType !== '') {
        setPlan(s, e, colony, member, `${handler.executorType}-cleanup`, 'cleanup', handler.executorType, old.metadata.locationname,
          { blueprintName: m.name, kind: old.kind })
      }
      return undefined
    }
    case 'updateblueprintstatusmsg': {
      if (member === undefined) return forbidden(`not a member of colony ${JSON.stringify(colony)}: only its members may report blueprint status`)
      const old = s.bps.get(m.blueprintname)
      if (old === undefined) return notFound('Blueprint not found')
      s.bps.set(m.blueprintname, { ...old, status: m.status })
      return undefined
    }
    case 'reconcileblueprintmsg': {
      if (member === undefined) return forbidden(`not a member of colony ${JSON.stringify(colony)}: only its members may reconcile blueprints`)
      const old = s.bps.get(m.name)
      if (old === undefined) return notFound('Blueprint not found')
      const handler = definitionOfKind(s, old.kind)?.def.spec.handler
      if (handler === undefined || handler.executorType === '') return conflict('Blueprint has no handler with executor type defined')
      if (handler.functionName === '') return conflict('Blueprint has no handler with function name defined')
      const kwargs: JsonObject = { kind: old.kind, blueprintName: m.name }
      if (m.force) kwargs.force = true
      const plan = setPlan(s, e, colony, member, `${handler.executorType}-${handler.functionName}`, handler.functionName, handler.executorType,
        old.metadata.locationname, kwargs)
      s.bps.set(m.name, { ...old, generation: old.generation + (m.force ? 1 : 0), lastprocess: plan, lastprocesstime: at })
      return undefined
    }
    default:
      return invalid(`${m.msgtype} is not a blueprint message`)
  }
}

function definitionOfKind (s: BookState, kind: string): BlueprintDefinitionInfo | undefined {
  for (const d of s.defs.values()) if (d.def.spec.names.kind === kind) return d
  return undefined
}

/** The blueprint's definition and schema check, as upstream's add and update do them. */
function validate (s: BookState, colony: string, bp: BlueprintInput): BlueprintDefinitionInfo | Refusal {
  const d = definitionOfKind(s, bp.kind)
  if (d === undefined) return conflict(`BlueprintDefinition for kind '${bp.kind}' not found in namespace '${colony}'`)
  const schema = d.def.spec.schema
  const why = schema === undefined ? undefined : schemaViolation(bp.spec, schema)
  return why === undefined ? d : conflict(`blueprint validation failed: ${why}`)
}

const isDefinition = (x: BlueprintDefinitionInfo | Refusal): x is BlueprintDefinitionInfo => 'def' in x

function add (s: BookState, colony: string, e: FoldEntry, m: Msg<'addblueprintmsg'>, member: string | undefined): Refusal | undefined {
  const bp = m.blueprint
  const d = validate(s, colony, bp)
  if (!isDefinition(d)) return d
  const name = bp.metadata.name
  if (s.bps.has(name)) return conflict(`blueprint with name '${name}' already exists in colony '${colony}'`)
  const at = e.rec.t.w
  const plan = reconcilePlan(s, e, colony, member, d, bp.kind, bp.metadata, {})
  s.bps.set(name, {
    blueprintid: e.id,
    kind: bp.kind,
    metadata: bp.metadata,
    spec: bp.spec,
    status: bp.status,
    generation: 1,
    created: at,
    updated: at,
    lastprocess: plan ?? '',
    lastprocesstime: plan === undefined ? 0 : at,
    history: [historyEntry(e, bp, 1, 'create')]
  })
  return undefined
}

function update (s: BookState, colony: string, e: FoldEntry, m: Msg<'updateblueprintmsg'>, member: string | undefined): Refusal | undefined {
  const bp = m.blueprint
  const name = bp.metadata.name
  const old = s.bps.get(name)
  if (old === undefined) return notFound(`blueprint '${name}' not found in namespace '${colony}'`)
  const d = validate(s, colony, bp)
  if (!isDefinition(d)) return d
  const at = e.rec.t.w
  // a new generation when the spec changed, or when asked to; only then history and a process
  const bump = !sameSpec(old.spec, bp.spec) || m.forcegeneration
  const generation = old.generation + (bump ? 1 : 0)
  const plan = bump ? reconcilePlan(s, e, colony, member, d, bp.kind, bp.metadata, {}) : undefined
  s.bps.set(name, {
    blueprintid: old.blueprintid,
    kind: bp.kind,
    metadata: bp.metadata,
    spec: bp.spec,
    status: bp.status,
    generation,
    created: old.created,
    updated: at,
    lastprocess: plan ?? old.lastprocess,
    lastprocesstime: plan === undefined ? old.lastprocesstime : at,
    history: bump ? [...old.history, historyEntry(e, bp, generation, 'update')].slice(-MAX_BLUEPRINT_HISTORY) : old.history
  })
  return undefined
}

function historyEntry (e: FoldEntry, bp: BlueprintInput, generation: number, changetype: 'create' | 'update'): BlueprintHistoryEntry {
  return {
    historyid: e.id,
    kind: bp.kind,
    name: bp.metadata.name,
    generation,
    spec: bp.spec,
    status: bp.status,
    timestamp: e.rec.t.w,
    changedby: e.author,
    changetype
  }
}

/** The immediate reconcile of an added or changed blueprint, when its definition names a handler. */
function reconcilePlan (s: BookState, e: FoldEntry, colony: string, member: string | undefined, d: BlueprintDefinitionInfo,
  kind: string, meta: BlueprintMetadataInput, extra: JsonObject): string | undefined {
  const h = d.def.spec.handler
  if (h.executorType === '' || h.functionName === '') return undefined
  return setPlan(s, e, colony, member, `${h.executorType}-${h.functionName}`, h.functionName, h.executorType, meta.locationname,
    { kind, blueprintName: meta.name, ...extra })
}

/** Records the process a change calls for (upstream's CreateEmptyFunctionSpec plus these); returns its id. */
function setPlan (s: BookState, e: FoldEntry, colony: string, member: string | undefined, nodename: string, funcname: string,
  executortype: string, locationname: string, kwargs: JsonObject): string {
  const spec = parseFunctionSpec({
    nodename, funcname, kwargs, maxexectime: -1, maxretries: -1, conditions: { colonyname: colony, executortype, locationname }
  }, 'spec')
  const initiatorname = member ?? ''
  const sig = canonicalJson([e.rec.o, e.key, e.author, initiatorname, functionSpecToJson(spec)])
  s.plans.set(e.id, { record: e.id, key: e.key, origin: e.rec.o, colonyname: colony, initiatorid: e.author, initiatorname, spec, sig })
  return reconcileProcessId(e.id)
}
