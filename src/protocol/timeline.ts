/**
 * The colony-level fold: sites, colonies, executors, users and functions, folded in
 * ledger order into *versioned* values. Process records are checked against the rights
 * their author had at the record's own place in the order ("was E an approved executor
 * at key k?"), whatever order the records reached this node in: `at(key)` answers that.
 */
import type { FoldEntry } from './entry.js'
import type { Message } from './messages.js'
import { conflict, forbidden, invalid, notFound, type Refusal } from './refusal.js'
import {
  type ColonyInfo, type CronInfo, type ExecutorInfo, ExecutorState, type FunctionInfo, type GeneratorInfo,
  type SiteInfo, type UserInfo
} from './state.js'

/** A value's successive versions, each stamped with the order key of the record that set it. */
export class Versioned<T> {
  private readonly keys: string[] = []
  private readonly vals: Array<T | undefined> = []

  /** Versions must be set in ascending key order (the fold applies records in order). */
  set (key: string, value: T | undefined): void {
    this.keys.push(key)
    this.vals.push(value)
  }

  /** The value in force just before `key`. */
  at (key: string): T | undefined {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.keys[mid] as string) < key) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? undefined : this.vals[lo - 1]
  }

  get current (): T | undefined {
    return this.vals.length === 0 ? undefined : this.vals[this.vals.length - 1]
  }
}

export interface ColonyEvent {
  readonly key: string
  /**
   * removeall: standalone processes in `state` (−1: every state but RUNNING);
   * removeallgraphs: workflows in `state`; removecolony: all of them
   */
  readonly kind: 'removeexecutor' | 'removeall' | 'removeallgraphs' | 'removecolony' | 'removesite'
  readonly executorid?: string
  /** removesite: the node removed; the attempts it held go back to the queue (it can no longer end their leases) */
  readonly siteid?: string
  readonly state?: number
}

/** Which colony a colony-level entry concerns ('' for a site declaration or an unreadable one). */
export function colonyOfEntry (e: FoldEntry): string {
  const m = e.msg
  if (m === undefined) return ''
  switch (m.msgtype) {
    case 'addcolonymsg': return m.colony.name
    case 'addexecutormsg': return m.executor.colonyname
    case 'addusermsg': return m.user.colonyname
    case 'addfunctionmsg': return m.fun.colonyname
    case 'addcronmsg': return m.cron.colonyname
    case 'addgeneratormsg': return m.generator.colonyname
    case 'removefunctionmsg': return ''
    default: return 'colonyname' in m && typeof m.colonyname === 'string' ? m.colonyname : ''
  }
}

export class Timeline {
  readonly sites = new Map<string, Versioned<SiteInfo>>()
  readonly colonies = new Map<string, Versioned<ColonyInfo>>()
  readonly executors = new Map<string, Map<string, Versioned<ExecutorInfo>>>()
  readonly users = new Map<string, Map<string, Versioned<UserInfo>>>()
  /** current functions per colony, by function id */
  readonly functions = new Map<string, Map<string, FunctionInfo>>()
  readonly events = new Map<string, ColonyEvent[]>()
  /** crons and generators by id (ids are record ids: unique across colonies) */
  readonly crons = new Map<string, Versioned<CronInfo>>()
  readonly generators = new Map<string, Versioned<GeneratorInfo>>()
  readonly refusals = new Map<string, Refusal>()
  private readonly execByName = new Map<string, Map<string, string>>()

  // ---- queries "as of" a place in the order -------------------------------------------

  siteAt (nodeid: string, key: string): SiteInfo | undefined {
    return this.sites.get(nodeid)?.at(key)
  }

  colonyAt (name: string, key: string): ColonyInfo | undefined {
    return this.colonies.get(name)?.at(key)
  }

  executorAt (colony: string, executorid: string, key: string): ExecutorInfo | undefined {
    return this.executors.get(colony)?.get(executorid)?.at(key)
  }

  userAt (colony: string, userid: string, key: string): UserInfo | undefined {
    return this.users.get(colony)?.get(userid)?.at(key)
  }

  /** ColonyOS membership: an approved executor or a user of the colony. */
  isMemberAt (colony: string, id: string, key: string): boolean {
    return this.executorAt(colony, id, key)?.state === ExecutorState.APPROVED || this.userAt(colony, id, key) !== undefined
  }

  isSiteOfAt (colony: string, nodeid: string, key: string): boolean {
    return this.colonyAt(colony, key)?.sites.includes(nodeid) ?? false
  }

  cronAt (cronid: string, key: string): CronInfo | undefined {
    return this.crons.get(cronid)?.at(key)
  }

  generatorAt (generatorid: string, key: string): GeneratorInfo | undefined {
    return this.generators.get(generatorid)?.at(key)
  }

  /** The colony a colony-level entry concerns (crons and generators are named by id). */
  colonyOf (e: FoldEntry): string {
    const m = e.msg
    if (m?.msgtype === 'removecronmsg') return this.crons.get(m.cronid)?.current?.colonyname ?? ''
    if (m?.msgtype === 'removegeneratormsg') return this.generators.get(m.generatorid)?.current?.colonyname ?? ''
    return colonyOfEntry(e)
  }

  eventsOf (colony: string): readonly ColonyEvent[] {
    return this.events.get(colony) ?? []
  }

  // ---- the fold, one entry at a time in ledger order ------------------------------------

  apply (e: FoldEntry): void {
    const reason = this.check(e)
    if (reason !== undefined) this.refusals.set(e.id, reason)
  }

  /** Applies the entry, or returns why it is refused (and changes nothing). */
  private check (e: FoldEntry): Refusal | undefined {
    if (e.invalid !== undefined) return invalid(e.invalid)
    const b = e.rec.b
    if (b.k === 'site') {
      // Only the node itself writes its site record (the batch signature proves authorship).
      let v = this.sites.get(e.rec.o)
      if (v === undefined) this.sites.set(e.rec.o, v = new Versioned())
      v.set(e.key, { nodeid: e.rec.o, operatorid: b.operatorid, name: b.name })
      return undefined
    }
    const m = e.msg
    if (b.k !== 'env' || m === undefined) return invalid('not a colony-level record')
    if (m.msgtype === 'addcolonymsg') return this.addColony(e, m)

    const name = this.colonyOf(e)
    if (name === '' && m.msgtype === 'removecronmsg') return notFound('the cron does not exist')
    if (name === '' && m.msgtype === 'removegeneratormsg') return notFound('the generator does not exist')
    const colony = m.msgtype === 'removefunctionmsg' ? undefined : this.colonies.get(name)?.current
    if (m.msgtype !== 'removefunctionmsg') {
      if (colony === undefined) return notFound(`colony ${JSON.stringify(name)} does not exist`)
      if (!colony.sites.includes(e.rec.o)) return forbidden('the origin node is not a site of the colony')
    }
    switch (m.msgtype) {
      case 'removecolonymsg': {
        if (this.sites.get(e.rec.o)?.current?.operatorid !== e.author) return forbidden('only the operator of a site of the colony may remove it')
        this.colonies.get(name)?.set(e.key, undefined)
        for (const [id, v] of this.executors.get(name) ?? []) if (v.current !== undefined) this.removeExecutor(name, id, e.key)
        for (const v of this.users.get(name)?.values() ?? []) if (v.current !== undefined) v.set(e.key, undefined)
        this.execByName.delete(name)
        this.functions.delete(name)
        for (const v of [...this.crons.values(), ...this.generators.values()]) {
          if (v.current?.colonyname === name) v.set(e.key, undefined)
        }
        this.pushEvent(name, { key: e.key, kind: 'removecolony' })
        return undefined
      }
      case 'addexecutormsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may add executors')
        const x = m.executor
        const byName = this.execByName.get(name)
        if (byName?.has(x.executorname) === true) return conflict(`an executor named ${JSON.stringify(x.executorname)} already exists in the colony`)
        if (this.executors.get(name)?.get(x.executorid)?.current !== undefined) return conflict('an executor with this id already exists in the colony')
        this.setExecutor(e.key, {
          executorid: x.executorid,
          executortype: x.executortype,
          executorname: x.executorname,
          colonyname: name,
          state: ExecutorState.PENDING,
          requirefuncreg: x.requirefuncreg,
          locationname: x.locationname,
          commissiontime: e.rec.t.w,
          capabilities: x.capabilities
        })
        return undefined
      }
      case 'approveexecutormsg':
      case 'rejectexecutormsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may approve or reject executors')
        const x = this.executorByName(name, m.executorname)
        if (x === undefined) return notFound(`executor ${JSON.stringify(m.executorname)} does not exist`)
        this.setExecutor(e.key, { ...x, state: m.msgtype === 'approveexecutormsg' ? ExecutorState.APPROVED : ExecutorState.REJECTED })
        return undefined
      }
      case 'removeexecutormsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may remove executors')
        const x = this.executorByName(name, m.executorname)
        if (x === undefined) return notFound(`executor ${JSON.stringify(m.executorname)} does not exist`)
        this.removeExecutor(name, x.executorid, e.key)
        return undefined
      }
      case 'addusermsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may add users')
        const u = m.user
        const users = this.users.get(name)
        for (const v of users?.values() ?? []) {
          if (v.current?.name === u.name) return conflict(`a user named ${JSON.stringify(u.name)} already exists in the colony`)
        }
        if (users?.get(u.userid)?.current !== undefined) return conflict('a user with this id already exists in the colony')
        this.versioned(this.users, name, u.userid).set(e.key, {
          colonyname: name, userid: u.userid, name: u.name, email: u.email, phone: u.phone
        })
        return undefined
      }
      case 'removeusermsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may remove users')
        for (const v of this.users.get(name)?.values() ?? []) {
          if (v.current?.name === m.name) {
            v.set(e.key, undefined)
            return undefined
          }
        }
        return notFound(`user ${JSON.stringify(m.name)} does not exist`)
      }
      case 'addsitemsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may admit sites')
        if (colony.sites.includes(m.nodeid)) return conflict('the node is already a site of the colony')
        this.colonies.get(name)?.set(e.key, { ...colony, sites: [...colony.sites, m.nodeid], sitenames: { ...colony.sitenames, [m.nodeid]: m.name } })
        return undefined
      }
      case 'removesitemsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may remove sites')
        if (!colony.sites.includes(m.nodeid)) return notFound('the node is not a site of the colony')
        if (colony.sites.length === 1) return conflict('the last site of a colony cannot be removed')
        const { [m.nodeid]: _gone, ...sitenames } = colony.sitenames
        this.colonies.get(name)?.set(e.key, { ...colony, sites: colony.sites.filter(s => s !== m.nodeid), sitenames })
        this.pushEvent(name, { key: e.key, kind: 'removesite', siteid: m.nodeid })
        return undefined
      }
      case 'pauseassignmentsmsg':
      case 'resumeassignmentsmsg': {
        if (colony === undefined || colony.colonyid !== e.author) return forbidden('only the colony owner may pause or resume assignments')
        this.colonies.get(name)?.set(e.key, { ...colony, paused: m.msgtype === 'pauseassignmentsmsg' })
        return undefined
      }
      case 'removeallprocessesmsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may remove all processes')
        if (m.state === 1) return conflict('running processes cannot be removed')
        this.pushEvent(name, { key: e.key, kind: 'removeall', state: m.state })
        return undefined
      }
      case 'removeallprocessgraphsmsg': {
        if (colony?.colonyid !== e.author) return forbidden('only the colony owner may remove all workflows')
        if (m.state === 1) return conflict('running workflows cannot be removed')
        this.pushEvent(name, { key: e.key, kind: 'removeallgraphs', state: m.state })
        return undefined
      }
      case 'addcronmsg': {
        const who = this.memberName(name, e.author, e.key)
        if (who === undefined) return forbidden('only members of the colony may add crons')
        const c = m.cron
        for (const v of this.crons.values()) {
          if (v.current?.colonyname === name && v.current.name === c.name) return conflict(`a cron named ${JSON.stringify(c.name)} already exists in the colony`)
        }
        const v = new Versioned<CronInfo>()
        v.set(e.key, {
          cronid: e.id, colonyname: name, initiatorid: e.author, initiatorname: who, name: c.name,
          cronexpression: c.cronexpression, interval: c.interval, random: c.random,
          workflowspec: c.workflowspec, waitforprevprocessgraph: c.waitforprevprocessgraph, created: e.rec.t.w
        })
        this.crons.set(e.id, v)
        return undefined
      }
      case 'removecronmsg': {
        if (this.memberName(name, e.author, e.key) === undefined) return forbidden('only members of the colony may remove crons')
        this.crons.get(m.cronid)?.set(e.key, undefined)
        return undefined
      }
      case 'addgeneratormsg': {
        const who = this.memberName(name, e.author, e.key)
        if (who === undefined) return forbidden('only members of the colony may add generators')
        const g = m.generator
        for (const v of this.generators.values()) {
          if (v.current?.colonyname === name && v.current.name === g.name) return conflict(`a generator named ${JSON.stringify(g.name)} already exists in the colony`)
        }
        const v = new Versioned<GeneratorInfo>()
        v.set(e.key, {
          generatorid: e.id, colonyname: name, initiatorid: e.author, initiatorname: who, name: g.name,
          workflowspec: g.workflowspec, trigger: g.trigger, timeout: g.timeout, created: e.rec.t.w
        })
        this.generators.set(e.id, v)
        return undefined
      }
      case 'removegeneratormsg': {
        if (this.memberName(name, e.author, e.key) === undefined) return forbidden('only members of the colony may remove generators')
        this.generators.get(m.generatorid)?.set(e.key, undefined)
        return undefined
      }
      case 'addfunctionmsg': {
        const f = m.fun
        const x = this.executorByName(name, f.executorname)
        if (x === undefined) return notFound(`executor ${JSON.stringify(f.executorname)} does not exist`)
        if (x.executorid !== e.author) return forbidden('an executor may only add functions to itself')
        if (x.state !== ExecutorState.APPROVED) return forbidden('the executor is not approved')
        let fns = this.functions.get(name)
        if (fns === undefined) this.functions.set(name, fns = new Map())
        for (const old of fns.values()) {
          // Re-registering the same function (an executor restarting) keeps one entry.
          if (old.executorname === f.executorname && old.funcname === f.funcname) return undefined
        }
        fns.set(e.id, {
          functionid: e.id, colonyname: name, executorname: f.executorname,
          executortype: x.executortype, funcname: f.funcname, description: f.description
        })
        return undefined
      }
      case 'removefunctionmsg': {
        for (const [cname, fns] of this.functions) {
          const f = fns.get(m.functionid)
          if (f === undefined) continue
          if (!(this.colonies.get(cname)?.current?.sites.includes(e.rec.o) ?? false)) return forbidden('the origin node is not a site of the colony')
          const x = this.executorByName(cname, f.executorname)
          if (x?.executorid !== e.author) return forbidden('an executor may only remove its own functions')
          fns.delete(m.functionid)
          return undefined
        }
        return notFound('function does not exist')
      }
      default:
        return invalid(`${m.msgtype} is not a colony-level message`)
    }
  }

  private addColony (e: FoldEntry, m: Extract<Message, { msgtype: 'addcolonymsg' }>): Refusal | undefined {
    const site = this.sites.get(e.rec.o)?.current
    if (site === undefined) return forbidden('the origin node has not declared itself')
    if (site.operatorid !== e.author) return forbidden('only the node operator may add colonies')
    const name = m.colony.name
    if (this.colonies.get(name)?.current !== undefined) return conflict(`a colony named ${JSON.stringify(name)} already exists`)
    let v = this.colonies.get(name)
    if (v === undefined) this.colonies.set(name, v = new Versioned())
    v.set(e.key, { colonyid: m.colony.colonyid, name, sites: [e.rec.o], sitenames: { [e.rec.o]: site.name }, paused: false })
    return undefined
  }

  /** The name of a member (approved executor or user) as of `key`, or undefined. */
  memberName (colony: string, id: string, key: string): string | undefined {
    const x = this.executorAt(colony, id, key)
    if (x?.state === ExecutorState.APPROVED) return x.executorname
    return this.userAt(colony, id, key)?.name
  }

  private executorByName (colony: string, name: string): ExecutorInfo | undefined {
    const id = this.execByName.get(colony)?.get(name)
    return id === undefined ? undefined : this.executors.get(colony)?.get(id)?.current
  }

  private setExecutor (key: string, x: ExecutorInfo): void {
    this.versioned(this.executors, x.colonyname, x.executorid).set(key, x)
    let byName = this.execByName.get(x.colonyname)
    if (byName === undefined) this.execByName.set(x.colonyname, byName = new Map())
    byName.set(x.executorname, x.executorid)
  }

  private removeExecutor (colony: string, executorid: string, key: string): void {
    const v = this.executors.get(colony)?.get(executorid)
    const x = v?.current
    if (v === undefined || x === undefined) return
    v.set(key, undefined)
    this.execByName.get(colony)?.delete(x.executorname)
    // Its functions go with it, and its running processes return to the queue.
    const fns = this.functions.get(colony)
    for (const [id, f] of fns ?? []) if (f.executorname === x.executorname) fns?.delete(id)
    this.pushEvent(colony, { key, kind: 'removeexecutor', executorid })
  }

  private pushEvent (colony: string, ev: ColonyEvent): void {
    let list = this.events.get(colony)
    if (list === undefined) this.events.set(colony, list = [])
    list.push(ev)
  }

  private versioned<T> (m: Map<string, Map<string, Versioned<T>>>, colony: string, id: string): Versioned<T> {
    let inner = m.get(colony)
    if (inner === undefined) m.set(colony, inner = new Map())
    let v = inner.get(id)
    if (v === undefined) inner.set(id, v = new Versioned())
    return v
  }
}
