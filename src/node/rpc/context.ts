/**
 * What every RPC handler shares: the node's ledger, assigner and identity, the rights
 * checks, the look-ups that answer 404 for what does not exist, and `mutate`, which
 * appends a client's envelope only if the fold would accept it now.
 */
import type { RpcVerifier } from '../rpc-verifier.js'
import { ColonyError, ForbiddenError, NotFoundError, ValidationError } from '../../protocol/errors.js'
import type { RpcEnvelope } from '../../protocol/envelope.js'
import { type FoldEntry, makeEntry } from '../../protocol/entry.js'
import { compareHlc, type Hlc } from '../../protocol/hlc.js'
import type { Message, MessageOf, MsgType } from '../../protocol/messages.js'
import type { EnvelopeBody, RecordBody } from '../../protocol/records.js'
import { refusalError } from '../../protocol/refusal.js'
import type { CronInfo, GeneratorInfo } from '../../protocol/state.js'
import type { ProcessView } from '../../protocol/wire.js'
import type { Ledger, WorkflowView } from '../../store/ledger.js'
import type { Assigner } from '../assigner.js'
import { ChannelService } from '../channels.js'
import { recordLateRun } from '../late-runs.js'
import type { SiteStatus } from '../federation/index.js'
import type { NodeIdentity } from '../identity.js'

export interface RpcServiceOptions {
  readonly ledger: Ledger
  readonly assigner: Assigner
  readonly identity: NodeIdentity
  readonly port: () => number
  /** the API port serves HTTPS (reported in getserverinfo's backend, as ColonyOS does) */
  readonly tls?: boolean
  /** last time each executor was heard from (assign, close, log): for getexecutor replies */
  readonly heard?: Map<string, number>
  /** the sites of a colony with their connection state (undefined on a lone node) */
  readonly sites?: (colony: string) => SiteStatus[] | undefined
  /** how often the node looks for due cron and generator firings (reported as checkerperiod) */
  readonly checkerPeriodMs?: number
  /** process channels: reads, rights, append rate (the node's; one of its own otherwise, without subscriptions) */
  readonly channels?: ChannelService
  /** a request from `signer` named process `pid` (or was handed it): renews the lease it holds (leases.ts) */
  readonly renew?: (pid: string, signer: string) => void
  /** recovers request signatures on worker threads (rpc-verifier.ts); undefined = on the node's thread */
  readonly verifier?: RpcVerifier
}

/** A decoded, verified request. */
export interface Request {
  readonly env: RpcEnvelope
  readonly msg: Message
  /** the recovered signer id ('' for the unsigned version/server-info requests) */
  readonly signer: string
}

/** One request as a handler sees it. */
export interface Call {
  readonly req: Request
  readonly signer: string
  /** a signal that aborts when the client goes away; ask for it only to wait (an assign's long-poll) */
  readonly abortSignal?: () => AbortSignal
}

/** Answers one message type: the reply's value, or a typed error. */
export type Handler<T extends MsgType> = (x: RpcContext, msg: MessageOf<T>, call: Call) => unknown

/** A handler for every message type: a type without one does not compile. */
export type Handlers = { readonly [T in MsgType]: Handler<T> }

/** Message types ColonyOS has that colonynet does not implement (yet). */
export function unsupported (_x: RpcContext, msg: Message): never {
  throw new ValidationError('msgtype', `${msg.msgtype} is not supported by colonynet yet`)
}

/** Subscriptions are served on the WebSocket endpoint, not as a request and its reply. */
export function pubsubOnly (_x: RpcContext, msg: Message): never {
  throw new ValidationError('msgtype', `${msg.msgtype} is served on the WebSocket endpoint /pubsub`)
}

/** A mutation of one process (a close, a log, a cancel…): the signer must read its colony; the fold judges the rest. */
export async function mutateProcess (x: RpcContext, msg: { processid: string }, { req, signer }: Call): Promise<unknown> {
  await x.process(msg.processid, signer)
  await x.mutate(req, msg.processid)
  return {}
}

export class RpcContext {
  readonly ledger: Ledger
  readonly assigner: Assigner
  readonly identity: NodeIdentity
  readonly port: () => number
  readonly tls: boolean
  readonly heard: Map<string, number>
  readonly sites: (colony: string) => SiteStatus[] | undefined
  readonly checkerPeriodMs: number
  readonly channels: ChannelService

  constructor (opts: RpcServiceOptions) {
    this.checkerPeriodMs = opts.checkerPeriodMs ?? 1000
    this.channels = opts.channels ?? new ChannelService({ ledger: opts.ledger })
    this.sites = opts.sites ?? (() => undefined)
    this.ledger = opts.ledger
    this.assigner = opts.assigner
    this.identity = opts.identity
    this.port = opts.port
    this.tls = opts.tls ?? false
    this.heard = opts.heard ?? new Map()
  }

  get fold (): Ledger['fold'] {
    return this.ledger.fold
  }

  touch (id: string): void {
    this.heard.set(id, Date.now())
  }

  // ---- rights -----------------------------------------------------------------------------

  requireOperator (signer: string): void {
    if (signer !== this.identity.operatorId) throw new ForbiddenError('Access denied, not server owner: only the node operator may do this')
  }

  requireColony (name: string): void {
    if (this.fold.colony(name) === undefined) throw new NotFoundError(`Colony with name ${JSON.stringify(name)} does not exist`)
  }

  /** Members read their colony; so does its owner (a convenience ColonyOS's CLI relies on). */
  requireReader (colony: string, signer: string, anyExecutor = false): void {
    this.requireColony(colony)
    if (this.fold.isMember(colony, signer) || this.fold.colony(colony)?.colonyid === signer) return
    if (anyExecutor && this.fold.executor(colony, signer) !== undefined) return
    throw new ForbiddenError(`Access denied, not a member of colony ${JSON.stringify(colony)}`)
  }

  // ---- look-ups the signer may read ------------------------------------------------------

  /** A process, live (from memory) or settled (from the store). */
  async process (processid: string, signer: string): Promise<ProcessView> {
    const p = await this.ledger.reads.process(processid)
    if (p === undefined) throw new NotFoundError(`Process with id ${processid} does not exist`)
    this.requireReader(p.colonyname, signer)
    return p
  }

  /** A workflow and its nodes, live or settled. */
  async graph (processgraphid: string, signer: string): Promise<WorkflowView> {
    const g = await this.ledger.reads.workflow(processgraphid)
    if (g === undefined) throw new NotFoundError(`Workflow with id ${processgraphid} does not exist`)
    this.requireReader(g.graph.colonyname, signer)
    return g
  }

  cron (cronid: string, signer: string): CronInfo {
    const c = this.fold.cron(cronid)
    if (c === undefined) throw new NotFoundError(`Cron with id ${cronid} does not exist`)
    this.requireReader(c.colonyname, signer)
    return c
  }

  generator (generatorid: string, signer: string): GeneratorInfo {
    const g = this.fold.generator(generatorid)
    if (g === undefined) throw new NotFoundError(`Generator with id ${generatorid} does not exist`)
    this.requireReader(g.colonyname, signer)
    return g
  }

  // ---- mutations ---------------------------------------------------------------------------

  /**
   * Appends the client's envelope if the fold would accept it now; returns the record id.
   * Results of an executor's own process are fenced to the attempt this node handed it.
   */
  async mutate (req: Request, processid?: string, inputs?: unknown[], next?: (id: string) => RecordBody): Promise<string> {
    let body: EnvelopeBody = { k: 'env', env: req.env }
    if (inputs !== undefined) body = { ...body, in: inputs }
    if (processid !== undefined) {
      const p = this.fold.process(processid)
      if (p !== undefined && p.assignedexecutorid === req.signer && p.assignedexecutorid !== '') body = { ...body, att: p.attempt }
    }
    // the preview brings back into memory a settled process or workflow the record names
    const refusal = await this.ledger.preview(this.draft(req, body))
    if (refusal !== undefined) {
      // an executor of ours closing what it ran after its claim lost (a healed partition): on record
      if (processid !== undefined) await recordLateRun(this.ledger, this.identity.nodeId, req, processid, refusal)
      throw refusalError(refusal)
    }
    const { ids: [id], refusals: [late] } = await this.ledger.appendLocal([{ body, author: req.signer, msg: req.msg, ...(next === undefined ? {} : { next }) }])
    if (id === undefined) throw new ColonyError('the record was not written')
    // Another record may have won the race between the check and the write.
    if (late !== undefined) throw refusalError(late)
    return id
  }

  /** The client's envelope as the fold would see it if it were appended now (a clock after everything held). */
  draft (req: Request, body: EnvelopeBody = { k: 'env', env: req.env }): FoldEntry {
    const peek = this.ledger.clock.peek()
    const now: Hlc = { w: Date.now(), l: 0 }
    const t: Hlc = compareHlc(now, peek) > 0 ? now : { w: peek.w, l: peek.l + 1 }
    return makeEntry({ o: this.identity.nodeId, t, b: body }, req.signer, req.msg)
  }
}
