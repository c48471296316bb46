/**
 * The ColonyOS RPC of one node: a signed envelope in, a ColonyOS reply out. Independent
 * of HTTP so that it can be tested and reused (the WebSocket endpoint shares the decoding).
 *
 * Every input is decoded and validated once here (envelope, base64, message fields);
 * mutations are checked against the fold *before* they are appended, so a refused
 * request gets an error reply and never reaches the ledger; whatever the ledger accepts
 * is answered from the fold after the write is durable.
 */
import { ColonyError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../protocol/errors.js'
import { errorReply, okReply, openEnvelope, parseEnvelope, type RpcEnvelope, type RpcReply, verifyEnvelope } from '../protocol/envelope.js'
import { makeEntry } from '../protocol/entry.js'
import { compareHlc, type Hlc } from '../protocol/hlc.js'
import { parseOffer } from '../protocol/matching.js'
import { type Message, type MessageOf, MUTATIONS, parseMessage, UNSIGNED } from '../protocol/messages.js'
import type { EnvelopeBody } from '../protocol/records.js'
import { refusalError } from '../protocol/refusal.js'
import type { Statistics } from '../protocol/wire-types.js'
import { ExecutorState, type ProcessInfo, ProcessState } from '../protocol/state.js'
import {
  attributeToWire, colonyToWire, cronToWire, executorToWire, functionToWire, generatorToWire, logToWire,
  processGraphToWire, processToWire, userToWire
} from '../protocol/wire.js'
import { nextCronRun } from '../protocol/cron-schedule.js'
import { unconsumed } from '../protocol/gen-fold.js'
import type { GraphState } from '../protocol/graph-fold.js'
import { type CronInfo, type GeneratorInfo, isFinal } from '../protocol/state.js'
import { lastRuns, leafOutputs } from './schedules.js'
import { executorSites, processHistory, processPage, throughput } from './dashboard-reads.js'
import type { Ledger } from '../store/ledger.js'
import { type Assigner, requireApprovedExecutor } from './assigner.js'
import type { SiteStatus } from './federation.js'
import type { NodeIdentity } from './identity.js'

export const BUILD_VERSION = 'colonynet-0.1.0'
export const BUILD_TIME = '2026-11-29T00:00:00Z'

export interface RpcResult {
  readonly status: number
  readonly reply: RpcReply
}

export interface RpcServiceOptions {
  readonly ledger: Ledger
  readonly assigner: Assigner
  readonly identity: NodeIdentity
  readonly port: () => number
  /** last time each executor was heard from (assign, close, log): for getexecutor replies */
  readonly heard?: Map<string, number>
  /** the sites of a colony with their connection state (undefined on a lone node) */
  readonly sites?: (colony: string) => SiteStatus[] | undefined
  /** how often the node looks for due cron and generator firings (reported as checkerperiod) */
  readonly checkerPeriodMs?: number
}

/** A decoded, verified request. */
export interface Request {
  readonly env: RpcEnvelope
  readonly msg: Message
  /** the recovered signer id ('' for the unsigned version/server-info requests) */
  readonly signer: string
}

export function toResult (err: unknown): RpcResult {
  if (err instanceof ColonyError) return { status: err.status, reply: errorReply(err.status, err.message) }
  return { status: 500, reply: errorReply(500, 'internal error') }
}

/** Decodes and verifies an RPC body; throws typed errors naming what is wrong. */
export function decodeRequest (body: unknown): Request {
  const env = parseEnvelope(body)
  const { json } = openEnvelope(env)
  const msg = parseMessage(json)
  const signer = UNSIGNED.has(msg.msgtype) ? '' : verifyEnvelope(env)
  return { env, msg, signer }
}

export class RpcService {
  private readonly ledger: Ledger
  private readonly assigner: Assigner
  private readonly identity: NodeIdentity
  private readonly port: () => number
  private readonly heard: Map<string, number>
  private readonly sites: (colony: string) => SiteStatus[] | undefined
  private readonly checkerPeriodMs: number
  /** requests being handled now, parked assigns included (see ColonyNode's `busy`) */
  private requests = 0

  constructor (opts: RpcServiceOptions) {
    this.checkerPeriodMs = opts.checkerPeriodMs ?? 1000
    this.sites = opts.sites ?? (() => undefined)
    this.ledger = opts.ledger
    this.assigner = opts.assigner
    this.identity = opts.identity
    this.port = opts.port
    this.heard = opts.heard ?? new Map()
  }

  /**
   * Never throws: every failure becomes a ColonyOS error reply with its status.
   * `abortSignal` gives a signal that aborts when the client goes away; it is asked for only
   * by requests that wait (an assign's long-poll), as making one per request costs more than
   * the HTTP route around it.
   */
  async handle (body: unknown, abortSignal?: () => AbortSignal): Promise<RpcResult> {
    this.requests++
    try {
      const req = decodeRequest(body)
      const value = await this.dispatch(req, abortSignal)
      return { status: 200, reply: okReply(req.env.payloadtype, value) }
    } catch (err) {
      return toResult(err)
    } finally {
      this.requests--
    }
  }

  /** Requests being handled now, parked assigns included. */
  get inFlight (): number {
    return this.requests
  }

  private get fold (): Ledger['fold'] {
    return this.ledger.fold
  }

  // ---- rights -----------------------------------------------------------------------------

  private requireOperator (signer: string): void {
    if (signer !== this.identity.operatorId) throw new ForbiddenError('Access denied, only the node operator (server owner) may do this')
  }

  private requireColony (name: string): void {
    if (this.fold.colony(name) === undefined) throw new NotFoundError(`Colony with name ${JSON.stringify(name)} does not exist`)
  }

  /** Members read their colony; so does its owner (a convenience ColonyOS's CLI relies on). */
  private requireReader (colony: string, signer: string, anyExecutor = false): void {
    this.requireColony(colony)
    if (this.fold.isMember(colony, signer) || this.fold.colony(colony)?.colonyid === signer) return
    if (anyExecutor && this.fold.executor(colony, signer) !== undefined) return
    throw new ForbiddenError(`Access denied, not a member of colony ${JSON.stringify(colony)}`)
  }

  private process (processid: string, signer: string): ProcessInfo {
    const p = this.fold.process(processid)
    if (p === undefined) throw new NotFoundError(`Process with id ${processid} does not exist`)
    this.requireReader(p.colonyname, signer)
    return p
  }

  // ---- mutations ---------------------------------------------------------------------------

  /**
   * Appends the client's envelope if the fold would accept it now; returns the record id.
   * Results of an executor's own process are fenced to the attempt this node handed it.
   */
  private async mutate (req: Request, processid?: string, inputs?: unknown[]): Promise<string> {
    let body: EnvelopeBody = { k: 'env', env: req.env }
    if (inputs !== undefined) body = { ...body, in: inputs }
    if (processid !== undefined) {
      const p = this.fold.process(processid)
      if (p !== undefined && p.assignedexecutorid === req.signer && p.assignedexecutorid !== '') body = { ...body, att: p.attempt }
    }
    // A clock after everything held: the preview judges the record as if appended now.
    const peek = this.ledger.clock.peek()
    const now: Hlc = { w: Date.now(), l: 0 }
    const t: Hlc = compareHlc(now, peek) > 0 ? now : { w: peek.w, l: peek.l + 1 }
    const reason = this.fold.preview(makeEntry({ o: this.identity.nodeId, t, b: body }, req.signer, req.msg))
    if (reason !== undefined) throw refusalError(reason)
    const { ids: [id] } = await this.ledger.appendLocal([{ body, author: req.signer, msg: req.msg }])
    // Another record may have won the race between the check and the write.
    const late = id === undefined ? 'the record was not written' : this.fold.refusal(id)
    if (late !== undefined) throw refusalError(late)
    return id as string
  }

  private touch (id: string): void {
    this.heard.set(id, Date.now())
  }

  // ---- dispatch ----------------------------------------------------------------------------

  private async dispatch (req: Request, abortSignal?: () => AbortSignal): Promise<unknown> {
    const { msg, signer } = req
    if (MUTATIONS.has(msg.msgtype) && msg.msgtype !== 'assignprocessmsg') this.touch(signer)
    switch (msg.msgtype) {
      case 'versionmsg':
        return { msgtype: 'versionmsg', buildversion: BUILD_VERSION, buildtime: BUILD_TIME }
      case 'getserverinfomsg':
        return { buildversion: BUILD_VERSION, buildtime: BUILD_TIME, backends: [{ type: 'http', port: this.port() }] }

      // colonies
      case 'addcolonymsg':
        this.requireOperator(signer)
        await this.mutate(req)
        return { colonyid: msg.colony.colonyid, name: msg.colony.name }
      case 'removecolonymsg':
        this.requireOperator(signer)
        this.requireColony(msg.colonyname)
        await this.mutate(req)
        return {}
      case 'getcoloniesmsg':
        this.requireOperator(signer)
        return this.fold.colonies().map(colonyToWire)
      case 'getcolonymsg': {
        this.requireReader(msg.colonyname, signer)
        const c = this.fold.colony(msg.colonyname)
        if (c === undefined) throw new NotFoundError(`Colony with name ${JSON.stringify(msg.colonyname)} does not exist`)
        return colonyToWire(c)
      }
      case 'getcolonystatsmsg':
        this.requireReader(msg.colonyname, signer)
        return this.statistics([msg.colonyname])
      case 'getstatisticsmsg':
        this.requireOperator(signer)
        return this.statistics(this.fold.colonies().map(c => c.name))
      case 'pauseassignmentsmsg':
      case 'resumeassignmentsmsg':
        this.requireColony(msg.colonyname)
        await this.mutate(req)
        return {}
      case 'getpausestatusmsg':
        this.requireReader(msg.colonyname, signer)
        return { msgtype: 'pausestatusreplymsg', colonyname: msg.colonyname, ispaused: this.fold.colony(msg.colonyname)?.paused === true }

      // sites (colonynet)
      case 'addsitemsg':
      case 'removesitemsg':
        this.requireColony(msg.colonyname)
        await this.mutate(req)
        return {}
      case 'getsitesmsg': {
        this.requireReader(msg.colonyname, signer)
        const live = this.sites(msg.colonyname)
        if (live !== undefined) return live
        // a lone node: the colony's sites as the ledger has them, this one connected
        const c = this.fold.colony(msg.colonyname)
        return (c?.sites ?? []).map(nodeid => ({
          nodeid,
          name: c?.sitenames[nodeid] ?? '',
          self: nodeid === this.identity.nodeId,
          connected: nodeid === this.identity.nodeId,
          lastseen: nodeid === this.identity.nodeId ? Date.now() : 0,
          behind: {}
        }))
      }

      // dashboard reads (colonynet, issue 7): see dashboard-reads.ts
      case 'getprocesspagemsg':
        this.requireReader(msg.colonyname, signer)
        return processPage(this.fold, msg)
      case 'getprocesshistorymsg':
        return processHistory(this.fold, this.process(msg.processid, signer))
      case 'getthroughputmsg':
        this.requireReader(msg.colonyname, signer)
        return throughput(this.fold, msg, Date.now())
      case 'getexecutorsitesmsg':
        this.requireReader(msg.colonyname, signer, true)
        return executorSites(this.fold, msg.colonyname, this.heard, this.identity.nodeId)
      case 'subscribecolonymsg':
        throw new ValidationError('msgtype', `${msg.msgtype} is served on the WebSocket endpoint /pubsub`)

      // executors
      case 'addexecutormsg': {
        this.requireColony(msg.executor.colonyname)
        await this.mutate(req)
        const x = this.fold.executor(msg.executor.colonyname, msg.executor.executorid)
        if (x === undefined) throw new NotFoundError('the executor was not added')
        return executorToWire(x)
      }
      case 'approveexecutormsg':
      case 'rejectexecutormsg':
      case 'removeexecutormsg':
        this.requireColony(msg.colonyname)
        await this.mutate(req)
        return {}
      case 'getexecutorsmsg':
        this.requireReader(msg.colonyname, signer, true)
        return this.fold.executors(msg.colonyname).map(x => executorToWire(x, this.heard.get(x.executorid)))
      case 'getexecutormsg': {
        this.requireReader(msg.colonyname, signer, true)
        const x = this.fold.executors(msg.colonyname).find(e => e.executorname === msg.executorname)
        if (x === undefined) throw new NotFoundError(`Executor with name ${JSON.stringify(msg.executorname)} does not exist`)
        return executorToWire(x, this.heard.get(x.executorid))
      }
      case 'getexecutorbyidmsg': {
        this.requireReader(msg.colonyname, signer, true)
        const x = this.fold.executor(msg.colonyname, msg.executorid)
        if (x === undefined) throw new NotFoundError(`Executor with id ${msg.executorid} does not exist`)
        return executorToWire(x, this.heard.get(x.executorid))
      }

      // users
      case 'addusermsg': {
        this.requireColony(msg.user.colonyname)
        await this.mutate(req)
        const u = this.fold.users(msg.user.colonyname).find(x => x.userid === msg.user.userid)
        if (u === undefined) throw new NotFoundError('the user was not added')
        return userToWire(u)
      }
      case 'removeusermsg':
        this.requireColony(msg.colonyname)
        await this.mutate(req)
        return {}
      case 'getusersmsg':
        this.requireReader(msg.colonyname, signer)
        return this.fold.users(msg.colonyname).map(userToWire)
      case 'getusermsg': {
        this.requireReader(msg.colonyname, signer)
        const u = this.fold.users(msg.colonyname).find(x => x.name === msg.name)
        if (u === undefined) throw new NotFoundError(`User with name ${JSON.stringify(msg.name)} does not exist`)
        return userToWire(u)
      }
      case 'getuserbyidmsg': {
        this.requireReader(msg.colonyname, signer)
        const u = this.fold.users(msg.colonyname).find(x => x.userid === msg.userid)
        if (u === undefined) throw new NotFoundError(`User with id ${msg.userid} does not exist`)
        return userToWire(u)
      }

      // processes
      case 'submitfuncspecmsg': {
        this.requireColony(msg.spec.conditions.colonyname)
        const id = await this.mutate(req)
        return processToWire(this.fold.process(id) as ProcessInfo)
      }
      case 'assignprocessmsg': {
        this.requireColony(msg.colonyname)
        const executor = requireApprovedExecutor(this.fold.executor(msg.colonyname, signer), msg.colonyname)
        this.touch(signer)
        const p = await this.assigner.assign(executor, parseOffer(msg.availablecpu, msg.availablemem), msg.timeout, abortSignal?.())
        return processToWire(p)
      }
      case 'closesuccessfulmsg':
      case 'closefailedmsg':
      case 'setoutputmsg':
      case 'cancelprocessmsg':
      case 'addlogmsg':
        this.process(msg.processid, signer)
        await this.mutate(req, msg.processid)
        return {}
      case 'removeprocessmsg':
        this.process(msg.processid, signer)
        await this.mutate(req, msg.processid)
        return {}
      case 'removeallprocessesmsg':
        this.requireColony(msg.colonyname)
        await this.mutate(req)
        return {}
      case 'getprocessmsg':
        return processToWire(this.process(msg.processid, signer))
      case 'getprocessesmsg':
        this.requireReader(msg.colonyname, signer)
        return this.listProcesses(msg).map(processToWire)
      case 'getprocesshistmsg': {
        this.requireReader(msg.colonyname, signer)
        const since = Date.now() - msg.seconds * 1000
        const out: ProcessInfo[] = []
        for (const p of this.fold.processes(msg.colonyname)) {
          if (p.state !== msg.state || p.submissiontime < since) continue
          if (msg.executorid !== '' && p.assignedexecutorid !== msg.executorid) continue
          out.push(p)
        }
        return out.sort((a, b) => b.submissiontime - a.submissiontime).map(processToWire)
      }

      // attributes
      case 'addattributemsg': {
        this.process(msg.attribute.targetid, signer)
        const id = await this.mutate(req, msg.attribute.targetid)
        const a = this.fold.process(msg.attribute.targetid)?.attributes.find(x => x.attributeid === id)
        if (a === undefined) throw new NotFoundError('the attribute was not added')
        return attributeToWire(a)
      }
      case 'getattributemsg': {
        for (const p of this.fold.processes()) {
          const a = p.attributes.find(x => x.attributeid === msg.attributeid)
          if (a === undefined) continue
          this.requireReader(p.colonyname, signer)
          return attributeToWire(a)
        }
        throw new NotFoundError(`Attribute with id ${msg.attributeid} does not exist`)
      }

      // logs
      case 'getlogsmsg':
        return await this.logs(msg, signer)
      case 'searchlogsmsg': {
        this.requireReader(msg.colonyname, signer)
        const since = Date.now() - msg.days * 86_400_000
        const out = []
        for (const p of this.fold.processes(msg.colonyname)) {
          for (const l of p.logs) if (l.timestamp >= since && l.message.includes(msg.text)) out.push(l)
        }
        return out.sort((a, b) => b.timestamp - a.timestamp).slice(0, msg.count > 0 ? msg.count : 100).map(logToWire)
      }

      // functions
      case 'addfunctionmsg': {
        this.requireColony(msg.fun.colonyname)
        await this.mutate(req)
        const f = this.fold.functions(msg.fun.colonyname).find(x => x.executorname === msg.fun.executorname && x.funcname === msg.fun.funcname)
        if (f === undefined) throw new NotFoundError('the function was not added')
        return functionToWire(f, [])
      }
      case 'getfunctionsmsg': {
        this.requireReader(msg.colonyname, signer)
        const fns = this.fold.functions(msg.colonyname).filter(f => msg.executorname === '' || f.executorname === msg.executorname)
        const procs = [...this.fold.processes(msg.colonyname)].filter(p => p.state === ProcessState.SUCCESS)
        return fns.map(f => functionToWire(f, procs))
      }
      case 'removefunctionmsg':
        await this.mutate(req)
        return {}

      // workflows
      case 'submitworkflowspecmsg': {
        this.requireColony(msg.spec.colonyname)
        const id = await this.mutate(req)
        const g = this.fold.graph(id)
        if (g === undefined) throw new NotFoundError('the workflow was not created')
        return processGraphToWire(g.graph, g.procs)
      }
      case 'getprocessgraphmsg': {
        const g = this.graph(msg.processgraphid, signer)
        return processGraphToWire(g.graph, g.procs, true)
      }
      case 'getprocessgraphsmsg': {
        this.requireReader(msg.colonyname, signer)
        if (msg.state < 0 || msg.state > 4) throw new ValidationError('state', 'must be 0 (waiting) to 4 (cancelled)')
        const out = [...this.fold.graphs(msg.colonyname)].filter(g => g.graph.state === msg.state)
        out.sort((a, b) => b.graph.submissiontime - a.graph.submissiontime || (a.creator.key < b.creator.key ? 1 : -1))
        return out.slice(0, msg.count > 0 ? msg.count : 100).map(g => processGraphToWire(g.graph, g.procs))
      }
      case 'removeprocessgraphmsg':
      case 'cancelprocessgraphmsg':
        this.graph(msg.processgraphid, signer)
        await this.mutate(req)
        return {}
      case 'removeallprocessgraphsmsg':
        this.requireColony(msg.colonyname)
        await this.mutate(req)
        return {}
      case 'addchildmsg': {
        this.graph(msg.processgraphid, signer)
        const id = await this.mutate(req, msg.parentprocessid)
        const p = this.fold.process(id)
        if (p === undefined) throw new NotFoundError('the child was not added')
        return processToWire(p)
      }

      // cron
      case 'addcronmsg': {
        this.requireColony(msg.cron.colonyname)
        const id = await this.mutate(req)
        return this.cronReply(this.cron(id, signer))
      }
      case 'getcronmsg':
        return this.cronReply(this.cron(msg.cronid, signer), this.checkerPeriodMs)
      case 'getcronsmsg': {
        this.requireReader(msg.colonyname, signer)
        return this.fold.crons(msg.colonyname).slice(0, msg.count > 0 ? msg.count : 100).map(c => this.cronReply(c))
      }
      case 'runcronmsg': {
        const cron = this.cron(msg.cronid, signer)
        const { prev } = lastRuns(this.fold.cronRunsOf(cron.cronid))
        if (cron.waitforprevprocessgraph && prev !== undefined && !isFinal(prev.graph.state)) {
          throw new ConflictError(`the cron's previous workflow ${prev.graph.processgraphid} has not finished, and the cron waits for it (waitforprevprocessgraph)`)
        }
        await this.mutate(req, undefined, leafOutputs(prev))
        return this.cronReply(this.cron(msg.cronid, signer))
      }
      case 'removecronmsg':
        this.cron(msg.cronid, signer)
        await this.mutate(req)
        return {}

      // generators
      case 'addgeneratormsg': {
        this.requireColony(msg.generator.colonyname)
        const id = await this.mutate(req)
        return this.generatorReply(this.generator(id, signer))
      }
      case 'getgeneratormsg':
        return this.generatorReply(this.generator(msg.generatorid, signer), this.checkerPeriodMs)
      case 'getgeneratorsmsg':
        this.requireReader(msg.colonyname, signer)
        return this.fold.generators(msg.colonyname).slice(0, msg.count > 0 ? msg.count : 100).map(g => this.generatorReply(g))
      case 'resolvegeneratormsg': {
        this.requireReader(msg.colonyname, signer)
        const g = this.fold.generators(msg.colonyname).find(x => x.name === msg.generatorname)
        if (g === undefined) throw new NotFoundError(`Generator with name ${JSON.stringify(msg.generatorname)} does not exist`)
        return this.generatorReply(g)
      }
      case 'packgeneratormsg':
      case 'removegeneratormsg':
        this.generator(msg.generatorid, signer)
        await this.mutate(req)
        return {}

      case 'subscribeprocessmsg':
      case 'subscribeprocessesmsg':
        throw new ValidationError('msgtype', `${msg.msgtype} is served on the WebSocket endpoint /pubsub`)
      default:
        throw new ValidationError('msgtype', `${msg.msgtype} is not supported by colonynet yet`)
    }
  }

  private graph (processgraphid: string, signer: string): GraphState {
    const g = this.fold.graph(processgraphid)
    if (g === undefined) throw new NotFoundError(`Workflow with id ${processgraphid} does not exist`)
    this.requireReader(g.graph.colonyname, signer)
    return g
  }

  private cron (cronid: string, signer: string): CronInfo {
    const c = this.fold.cron(cronid)
    if (c === undefined) throw new NotFoundError(`Cron with id ${cronid} does not exist`)
    this.requireReader(c.colonyname, signer)
    return c
  }

  private generator (generatorid: string, signer: string): GeneratorInfo {
    const g = this.fold.generator(generatorid)
    if (g === undefined) throw new NotFoundError(`Generator with id ${generatorid} does not exist`)
    this.requireReader(g.colonyname, signer)
    return g
  }

  private cronReply (c: CronInfo, checkerperiod = 0): unknown {
    const runs = this.fold.cronRunsOf(c.cronid)
    const { prev, lastAt } = lastRuns(runs)
    const lastrun = prev === undefined ? 0 : prev.graph.source.kind === 'cron' && prev.graph.source.at > 0 ? prev.graph.source.at : prev.graph.submissiontime
    const nextrun = nextCronRun(c, Math.max(lastAt, Date.now())) ?? 0
    return cronToWire(c, { nextrun, lastrun, prevprocessgraphid: prev?.graph.processgraphid ?? '' }, checkerperiod)
  }

  private generatorReply (g: GeneratorInfo, checkerperiod = 0): unknown {
    const q = this.fold.generatorQueue(g.generatorid)
    const waiting = q === undefined ? [] : unconsumed(q)
    return generatorToWire(g, { firstpack: waiting[0]?.at ?? 0, lastrun: q?.lastrun ?? 0, queuesize: waiting.length }, checkerperiod)
  }

  private listProcesses (msg: MessageOf<'getprocessesmsg'>): ProcessInfo[] {
    const out: ProcessInfo[] = []
    for (const p of this.fold.processes(msg.colonyname)) {
      if (p.state !== msg.state) continue
      if (msg.executortype !== '' && p.spec.conditions.executortype !== msg.executortype) continue
      if (msg.label !== '' && p.spec.label !== msg.label) continue
      if (msg.initiator !== '' && p.initiatorname !== msg.initiator) continue
      out.push(p)
    }
    // Waiting: the order they will run in. Running: oldest first. Finished: newest first.
    if (msg.state === ProcessState.WAITING) out.sort((a, b) => a.prioritytime - b.prioritytime || (a.submitkey < b.submitkey ? -1 : 1))
    else if (msg.state === ProcessState.RUNNING) out.sort((a, b) => a.starttime - b.starttime)
    else out.sort((a, b) => b.endtime - a.endtime)
    const count = msg.count > 0 ? msg.count : 100
    return out.slice(0, count)
  }

  private async logs (msg: MessageOf<'getlogsmsg'>, signer: string): Promise<unknown> {
    const count = msg.count > 0 ? msg.count : 100
    const sinceMs = Math.floor(msg.since / 1e6)
    if (msg.executorname !== '') {
      this.requireReader(msg.colonyname, signer)
      const all = []
      for (const p of this.fold.processes(msg.colonyname)) {
        for (const l of p.logs) if (l.executorname === msg.executorname && l.timestamp > sinceMs) all.push(l)
      }
      all.sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1))
      return (msg.latest ? all.slice(-count) : all.slice(0, count)).map(logToWire)
    }
    const p = this.process(msg.processid, signer)
    if (msg.latest) return p.logs.filter(l => l.timestamp > sinceMs).slice(-count).map(logToWire)
    const stored = await this.ledger.storedLogs(p.processid, count, sinceMs + 1)
    return stored.map(logToWire)
  }

  private statistics (colonies: string[]): Statistics {
    const s: Statistics = {
      colonies: colonies.length,
      executors: 0,
      activeexecutors: 0,
      unregisteredexecutors: 0,
      waitingprocesses: 0,
      runningprocesses: 0,
      successfulprocesses: 0,
      failedprocesses: 0,
      cancelledprocesses: 0,
      waitingworkflows: 0,
      runningworkflows: 0,
      successfulworkflows: 0,
      failedworkflows: 0,
      cancelledworkflows: 0
    }
    const keys = ['waitingprocesses', 'runningprocesses', 'successfulprocesses', 'failedprocesses', 'cancelledprocesses'] as const
    const graphKeys = ['waitingworkflows', 'runningworkflows', 'successfulworkflows', 'failedworkflows', 'cancelledworkflows'] as const
    for (const c of colonies) {
      for (const x of this.fold.executors(c)) {
        s.executors++
        if (x.state === ExecutorState.APPROVED) s.activeexecutors++
        if (x.state === ExecutorState.UNREGISTERED) s.unregisteredexecutors++
      }
      for (const p of this.fold.processes(c)) s[keys[p.state] as typeof keys[number]]++
      for (const g of this.fold.graphs(c)) s[graphKeys[g.graph.state] as typeof graphKeys[number]]++
    }
    return s
  }
}

