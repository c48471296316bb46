/**
 * The fold of one process: its submit record, then its claims, expiries and client
 * mutations in ledger order, interleaved with the colony events that reach into it
 * (its executor removed, remove-all). Each record is checked against the rights its
 * author had at that place in the order (via the Timeline); a refused record changes
 * nothing and keeps its reason.
 */
import type { ReconcilePlan } from './blueprint-fold.js'
import { partProcessId, submittedSpec } from './bulk-fold.js'
import { sha3Hex } from './crypto.js'
import type { FoldEntry } from './entry.js'
import { reconcileProcessId } from './records.js'
import type { ColonyEvent, Timeline } from './timeline.js'
import {
  AttributeType, EXEC_TIMEOUT_ERROR, ExecutorState, isFinal, type ProcessInfo, ProcessState,
  type ProcessStateValue, WAIT_TIMEOUT_ERROR
} from './state.js'
import { noteRefused } from './duplicates.js'
import { executorMatches } from './matching.js'
import { conflict, forbidden, invalid, isRefusal, notFound, type Refusal } from './refusal.js'
import type { FunctionSpec } from './spec.js'

const DAY_MS = 86_400_000

export type Refuse = (id: string, refusal: Refusal) => void

/** The reconcile process a blueprint change of a colony (its record id) calls for, if any (blueprint-fold.ts). */
export type PlanOf = (colony: string, record: string) => ReconcilePlan | undefined

/** The process a record creates: a submit's own id, a bulk submit part's (bulk-fold.ts), or the process a `reconcile` fact names. */
export function createdProcessId (e: FoldEntry): string | undefined {
  const b = e.rec.b
  if (b.k === 'reconcile') return reconcileProcessId(b.record)
  if (b.k !== 'env') return undefined
  if (e.msg?.msgtype === 'submitfuncspecmsg') return e.id
  return e.msg?.msgtype === 'submitfuncspecsmsg' ? partProcessId(e) : undefined
}

/** Creates the process from its submit entry (or reconcile fact), or returns why it is refused. */
export function createProcess (e: FoldEntry, tl: Timeline, planOf?: PlanOf): ProcessInfo | Refusal {
  if (e.invalid !== undefined) return invalid(e.invalid)
  if (e.rec.b.k === 'reconcile') return createReconcileProcess(e, e.rec.b.colonyname, e.rec.b.record, tl, planOf)
  const spec = submittedSpec(e)
  const processid = createdProcessId(e)
  if (spec === undefined || processid === undefined) return invalid('not a submit record')
  const colonyname = spec.conditions.colonyname
  if (tl.colonyAt(colonyname, e.key) === undefined) return notFound(`colony ${JSON.stringify(colonyname)} does not exist`)
  if (!tl.isSiteOfAt(colonyname, e.rec.o, e.key)) return forbidden('the origin node is not a site of the colony')
  const executor = tl.executorAt(colonyname, e.author, e.key)
  const user = tl.userAt(colonyname, e.author, e.key)
  if (executor?.state !== ExecutorState.APPROVED && user === undefined) return forbidden('only members of the colony may submit')
  return newProcess({
    processid,
    colonyname,
    initiatorid: e.author,
    initiatorname: executor?.executorname ?? user?.name ?? '',
    spec,
    at: e.rec.t.w,
    record: e.id,
    // a bulk's processes share its record: each gets its own place in the queue, in spec order (as a workflow's nodes)
    submitkey: e.part === undefined ? e.key : `${e.key}/${String(e.part.i).padStart(6, '0')}`
  })
}

/**
 * A blueprint change's reconcile process, asked for by the site that accepted the change:
 * as upstream's server submits it, initiated by the change's author.
 */
function createReconcileProcess (e: FoldEntry, colonyname: string, record: string, tl: Timeline, planOf?: PlanOf): ProcessInfo | Refusal {
  const plan = planOf?.(colonyname, record)
  if (plan === undefined) return notFound('the blueprint change it names is not known, or calls for no reconcile process')
  if (plan.origin !== e.rec.o) return forbidden('only the site that accepted a blueprint change may ask for its reconcile process')
  if (e.key <= plan.key) return invalid('ordered before the blueprint change it names')
  if (!tl.isSiteOfAt(colonyname, e.rec.o, e.key)) return forbidden('the origin node is not a site of the colony')
  return newProcess({
    processid: reconcileProcessId(record),
    colonyname,
    initiatorid: plan.initiatorid,
    initiatorname: plan.initiatorname,
    spec: plan.spec,
    at: e.rec.t.w,
    record: e.id,
    submitkey: e.key
  })
}

export interface NewProcess {
  readonly processid: string
  readonly colonyname: string
  readonly initiatorid: string
  readonly initiatorname: string
  readonly spec: FunctionSpec
  /** HLC ms of the record that creates it */
  readonly at: number
  readonly record: string
  readonly submitkey: string
  /** workflow nodes */
  readonly processgraphid?: string
  readonly parents?: string[]
  readonly children?: string[]
  readonly in?: unknown[]
}

/** A fresh WAITING process; a workflow node with parents waits for them (no wait deadline yet). */
export function newProcess (n: NewProcess): ProcessInfo {
  const { processid, colonyname, spec, at: t } = n
  const parents = n.parents ?? []
  const waitforparents = parents.length > 0
  return {
    processid,
    colonyname,
    initiatorid: n.initiatorid,
    initiatorname: n.initiatorname,
    spec,
    state: ProcessState.WAITING,
    attempt: 1,
    assignedexecutorid: '',
    isassigned: false,
    site: '',
    submissiontime: t,
    prioritytime: t - spec.priority * DAY_MS,
    starttime: 0,
    endtime: 0,
    waitdeadline: spec.maxwaittime > 0 && !waitforparents ? t + spec.maxwaittime * 1000 : 0,
    execdeadline: 0,
    retries: 0,
    in: n.in ?? [],
    out: [],
    errors: [],
    attributes: Object.keys(spec.env).sort().map(key => ({
      attributeid: sha3Hex(`${processid}/env/${key}`),
      targetid: processid,
      targetcolonyname: colonyname,
      targetprocessgraphid: n.processgraphid ?? '',
      attributetype: AttributeType.ENV,
      key,
      value: spec.env[key] as string
    })),
    logs: [],
    waitforparents,
    parents,
    children: n.children ?? [],
    processgraphid: n.processgraphid ?? '',
    removed: false,
    removedat: 0,
    history: [{ at: t, state: ProcessState.WAITING, attempt: 1, executorid: '', site: '', record: n.record }],
    submitkey: n.submitkey
  }
}

export function transition (p: ProcessInfo, state: ProcessStateValue, at: number, record: string): void {
  p.state = state
  if (isFinal(state)) p.endtime = at
  p.history.push({ at, state, attempt: p.attempt, executorid: p.assignedexecutorid, site: p.site, record })
}

/** Marks a process removed, and when (its space is freed once the removal is stable: DESIGN decision 12). */
function remove (p: ProcessInfo, at: number): void {
  p.removed = true
  p.removedat = at
}

/** Back to the queue for a fresh attempt (exec timeout with retries left, executor removed). */
export function requeue (p: ProcessInfo, at: number, record: string): void {
  p.attempt += 1
  p.assignedexecutorid = ''
  p.isassigned = false
  p.site = ''
  p.starttime = 0
  p.execdeadline = 0
  p.waitdeadline = p.spec.maxwaittime > 0 ? at + p.spec.maxwaittime * 1000 : 0
  transition(p, ProcessState.WAITING, at, record)
}

/** Applies one colony event to the process (the event's key lies after the submit). */
export function applyEvent (p: ProcessInfo, ev: ColonyEvent, at: number): void {
  if (p.removed) return
  switch (ev.kind) {
    case 'removeexecutor':
      if (p.state === ProcessState.RUNNING && p.assignedexecutorid === ev.executorid) requeue(p, at, '')
      return
    case 'removesite':
      // the removed site's records are refused from here on: nobody could end the attempt's lease
      if (p.state === ProcessState.RUNNING && p.site === ev.siteid) requeue(p, at, '')
      return
    case 'removeall':
      if (p.state === ProcessState.RUNNING) return
      if (ev.state === -1 || ev.state === p.state) remove(p, at)
      return
    case 'removecolony':
      remove(p, at)
  }
}

/** Applies one process record in order; returns why when it is refused (a refused claim or executor record may show a duplicate run). */
export function applyEntry (p: ProcessInfo, e: FoldEntry, tl: Timeline): Refusal | undefined {
  const reason = applyRecord(p, e, tl)
  if (reason !== undefined && reason.code !== 'invalid') noteRefused(p, e, reason.code === 'conflict')
  return reason
}

/** A close by the assigned executor: successful keeps its output (if any), failed its errors. */
function close (p: ProcessInfo, successful: boolean, out: unknown[], errors: string[], at: number, by: string): void {
  if (successful) {
    if (out.length > 0) p.out = out
    transition(p, ProcessState.SUCCESS, at, by)
  } else {
    p.errors = errors
    transition(p, ProcessState.FAILED, at, by)
  }
}

function applyRecord (p: ProcessInfo, e: FoldEntry, tl: Timeline): Refusal | undefined {
  if (e.invalid !== undefined) return invalid(e.invalid)
  if (p.removed) return notFound('the process was removed')
  const key = e.key
  const at = e.rec.t.w
  const colony = p.colonyname
  if (!tl.isSiteOfAt(colony, e.rec.o, key)) return forbidden('the origin node is not a site of the colony')
  const b = e.rec.b
  if (b.k === 'reconcile') return conflict('the reconcile process already exists')

  if (b.k === 'claim') {
    if (p.state !== ProcessState.WAITING) return conflict(`attempt ${b.attempt} cannot be claimed: the process is ${stateName(p.state)}`)
    if (b.attempt !== p.attempt) return conflict(`attempt ${b.attempt} is not the current attempt (${p.attempt})`)
    if (p.waitforparents) return conflict('the process waits for its parents')
    const c = tl.colonyAt(colony, key)
    if (c?.paused === true) return conflict('assignments are paused in the colony')
    const x = tl.executorAt(colony, b.executorid, key)
    if (x === undefined) return notFound('the executor is not in the colony')
    if (x.state !== ExecutorState.APPROVED) return forbidden('the executor is not approved')
    if (!executorMatches(p.spec.conditions, x)) return conflict('the executor does not match the conditions')
    p.assignedexecutorid = b.executorid
    p.isassigned = true
    p.site = e.rec.o
    p.starttime = at
    p.execdeadline = p.spec.maxexectime > 0 ? at + p.spec.maxexectime * 1000 : 0
    p.waitdeadline = 0
    transition(p, ProcessState.RUNNING, at, e.id)
    return undefined
  }

  if (b.k === 'expire') {
    if (b.attempt !== p.attempt) return conflict(`attempt ${b.attempt} is not the current attempt (${p.attempt})`)
    if (b.what === 'wait') {
      if (p.state !== ProcessState.WAITING) return conflict('the process is not waiting')
      if (p.waitforparents) return conflict('the process waits for its parents')
      if (p.waitdeadline === 0 || at < p.waitdeadline) return conflict('the wait deadline has not passed')
      p.errors = [WAIT_TIMEOUT_ERROR]
      transition(p, ProcessState.FAILED, at, e.id)
      return undefined
    }
    if (p.state !== ProcessState.RUNNING) return conflict('the process is not running')
    if (b.what === 'lease') {
      // Only the site that claimed the attempt hears its executor; a lost executor is not the
      // process's fault, so the retry budget (for exec timeouts) is left alone.
      if (e.rec.o !== p.site) return forbidden('only the site holding the attempt may end its lease')
      requeue(p, at, e.id)
      return undefined
    }
    if (p.execdeadline === 0 || at < p.execdeadline) return conflict('the execution deadline has not passed')
    if (p.spec.maxretries === -1 || p.retries < p.spec.maxretries) {
      p.retries += 1
      requeue(p, at, e.id)
    } else {
      p.errors = [EXEC_TIMEOUT_ERROR]
      transition(p, ProcessState.FAILED, at, e.id)
    }
    return undefined
  }

  if (b.k !== 'env' || e.msg === undefined) return invalid('not a process record')
  const m = e.msg
  const member = tl.isMemberAt(colony, e.author, key)
  if (!member) return forbidden('only members of the colony may act on its processes')

  switch (m.msgtype) {
    case 'cancelprocessmsg':
      if (p.processgraphid !== '') return invalid('a process of a workflow is cancelled with its workflow')
      if (p.state !== ProcessState.WAITING && p.state !== ProcessState.RUNNING) return conflict(`a ${stateName(p.state)} process cannot be cancelled`)
      transition(p, ProcessState.CANCELLED, at, e.id)
      return undefined
    case 'removeprocessmsg':
      if (p.processgraphid !== '') return invalid('a process of a workflow is removed with its workflow')
      if (p.state === ProcessState.RUNNING) return conflict('a running process cannot be removed')
      remove(p, at)
      return undefined
    default:
      break
  }

  // The rest belong to the executor assigned to the running attempt.
  if (p.assignedexecutorid === '' || p.assignedexecutorid !== e.author) return forbidden('only the assigned executor may do this')
  if (b.att !== undefined && b.att !== p.attempt) return conflict(`attempt ${b.att} was superseded by attempt ${p.attempt}`)
  if (p.state !== ProcessState.RUNNING) return conflict(`the process is ${stateName(p.state)}, not running`)
  const executor = tl.executorAt(colony, e.author, key)
  switch (m.msgtype) {
    case 'closesuccessfulmsg':
      close(p, true, m.out, [], at, e.id)
      return undefined
    case 'closefailedmsg':
      close(p, false, [], m.errors, at, e.id)
      return undefined
    // the close half of colonynet's close-and-assign
    case 'closeandassignmsg':
      close(p, m.successful, m.out, m.errors, at, e.id)
      return undefined
    case 'setoutputmsg':
      if (m.out.length > 0) p.out = m.out
      return undefined
    case 'addattributemsg': {
      const a = m.attribute
      p.attributes.push({
        attributeid: e.id,
        targetid: p.processid,
        targetcolonyname: colony,
        targetprocessgraphid: p.processgraphid,
        attributetype: a.attributetype,
        key: a.key,
        value: a.value
      })
      return undefined
    }
    case 'addlogmsg':
      p.logs.push({
        processid: p.processid,
        colonyname: colony,
        executorname: executor?.executorname ?? '',
        message: m.message,
        timestamp: at,
        id: e.id
      })
      return undefined
    default:
      return invalid(`${m.msgtype} does not apply to a process`)
  }
}

/**
 * Folds a whole process from scratch: `entries` sorted by key, among them its submit (the
 * record whose id is the process id), `events` the colony's events sorted by key. Records
 * ordered before the submit are refused: nothing can act on a process before it exists
 * (and a record claiming to would otherwise take the submit's place).
 */
export function foldProcess (processid: string, entries: readonly FoldEntry[], events: readonly ColonyEvent[], tl: Timeline, refuse: Refuse,
  planOf?: PlanOf, obs?: StepObserver): ProcessInfo | undefined {
  const at = entries.findIndex(e => createdProcessId(e) === processid)
  const submit = entries[at]
  for (const e of entries.slice(0, Math.max(0, at))) if (obs?.aside(e) !== true) refuse(e.id, notFound('ordered before the process was submitted'))
  if (submit === undefined) {
    for (const e of entries) if (obs?.aside(e) !== true) refuse(e.id, notFound('the process does not exist'))
    return undefined
  }
  const created = createProcess(submit, tl, planOf)
  if (isRefusal(created)) {
    for (const e of entries.slice(at)) if (e === submit || obs?.aside(e) !== true) refuse(e.id, e === submit ? created : notFound('the process does not exist'))
    return undefined
  }
  const p = created
  const one = obs === undefined ? undefined : [p]
  if (one !== undefined) obs?.step(submit.key, one)
  let j = firstAfter(events, submit.key)
  for (let i = at + 1; i < entries.length; i++) {
    const e = entries[i] as FoldEntry
    for (; j < events.length && (events[j] as ColonyEvent).key < e.key; j++) {
      const ev = events[j] as ColonyEvent
      applyEvent(p, ev, keyWall(ev))
      if (one !== undefined) obs?.step(ev.key, one)
    }
    if (obs?.aside(e) === true) continue
    const reason = applyEntry(p, e, tl)
    if (reason !== undefined) refuse(e.id, reason)
    if (one !== undefined) obs?.step(e.key, one)
  }
  for (; j < events.length; j++) {
    const ev = events[j] as ColonyEvent
    applyEvent(p, ev, keyWall(ev))
    if (one !== undefined) obs?.step(ev.key, one)
  }
  return p
}

/**
 * What a unit's fold tells the modules that fold beside it (channels): records it leaves
 * to them, and its processes after each record or colony event, in ledger order.
 */
export interface StepObserver {
  /** whether `e` folds beside the unit (it is then neither applied nor refused here) */
  aside: (e: FoldEntry) => boolean
  /** the unit's processes (a standalone one, or a workflow's nodes) as they are after the record or event at `key` */
  step: (key: string, procs: readonly ProcessInfo[] | ReadonlyMap<string, ProcessInfo>) => void
}

export function firstAfter (events: readonly ColonyEvent[], key: string): number {
  let lo = 0
  let hi = events.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((events[mid] as ColonyEvent).key <= key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The wall time encoded at the front of an order key. */
export function keyWall (ev: { key: string }): number {
  return Number(ev.key.slice(0, 15))
}

export function stateName (s: number): string {
  return ['waiting', 'running', 'successful', 'failed', 'cancelled'][s] ?? `state ${s}`
}
