/**
 * The client's calls about processes: submitting, assigning and closing them, listing
 * them, their attributes and logs, and the functions executors offer.
 */
import { MAX_COUNT, MAX_LOG_COUNT, MAX_PAGE_COUNT, type AttributeInput, type FunctionInput } from '../protocol/messages.js'
import type { JsonValue } from '../protocol/json.js'
import type { FunctionSpec } from '../protocol/spec.js'
import { ProcessState, STATE_NOTSET } from '../protocol/state.js'
import type { Attribute, ColonyFunction, Log, Process } from '../protocol/wire-types.js'
import type { ProcessHistory } from './attempts.js'
import { type CallOptions, list } from './rpc-base.js'
import { MembershipCalls } from './rpc-membership.js'

type DeepPartial<T> = T extends Array<infer U> ? Array<DeepPartial<U>> : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T

/** How a process ends, for closeAndAssign. */
export type CloseOutcome = { successful: true, out: unknown[] } | { successful: false, errors: string[] }

/** A function spec as a caller writes it: missing fields take upstream's defaults (see protocol/spec.ts). */
export type FunctionSpecInput = DeepPartial<FunctionSpec> & { conditions: DeepPartial<FunctionSpec['conditions']> & { executortype: string } }

export interface ProcessFilter {
  /** "" or absent = any */
  executortype?: string
  label?: string
  /** initiator (user) name */
  initiator?: string
  /** at most MAX_COUNT (100), the default */
  count?: number
}

export interface LogQuery {
  colonyname: string
  /** one of processid / executorname (executorname wins when both are set, as upstream) */
  processid?: string
  executorname?: string
  /** at most 500 */
  count?: number
  /** Unix nanoseconds; only logs after it */
  since?: number
  /** the newest `count` logs instead of the oldest */
  latest?: boolean
}

export type AttributeRegistration = Omit<AttributeInput, 'targetprocessgraphid' | 'targetcolonyname'> & {
  targetcolonyname?: string
  targetprocessgraphid?: string
}

export type FunctionRegistration = Omit<FunctionInput, 'functionid' | 'description' | 'args' | 'locationname' | 'executortype'> &
Partial<Pick<FunctionInput, 'functionid' | 'description' | 'args' | 'locationname' | 'executortype'>>

export abstract class ProcessCalls extends MembershipCalls {
  // ---------------------------------------------------------------------------------------
  // Processes

  /** Submit a function spec (upstream Submit); `conditions.colonyname` names the colony. */
  async submitFunctionSpec (spec: FunctionSpecInput | FunctionSpec, opts?: CallOptions): Promise<Process> {
    return await this.send<Process>({ msgtype: 'submitfuncspecmsg', spec }, opts)
  }

  /**
   * colonynet's bulk submit (`submitfuncspecsmsg`, not in ColonyOS): up to MAX_BULK_SPECS
   * specs of one colony in one signed request; each becomes its own process. Returns them
   * in spec order. Refused whole (nothing submitted) if any spec is: the error names it.
   */
  async submitFunctionSpecs (specs: ReadonlyArray<FunctionSpecInput | FunctionSpec>, opts?: CallOptions): Promise<Process[]> {
    return await this.send<Process[]>({ msgtype: 'submitfuncspecsmsg', specs }, opts)
  }

  /**
   * Long-poll for a process to run (upstream Assign): the node waits up to `timeoutSec`
   * (< 0: try once) and answers 404 (NotFoundError) when nothing matched. The HTTP timeout
   * is timeoutSec plus the client timeout, so the node always answers first.
   * Note: Node's fetch gives up on reply headers after 300 s; keep timeoutSec below that.
   */
  async assign (colonyname: string, timeoutSec: number, availableCpu = '', availableMem = '', signal?: AbortSignal): Promise<Process> {
    const timeoutMs = (timeoutSec > 0 ? timeoutSec * 1000 : 0) + this.timeoutMs
    return await this.send<Process>({
      msgtype: 'assignprocessmsg', colonyname, timeout: timeoutSec, availablecpu: availableCpu, availablemem: availableMem
    }, { signal, timeoutMs })
  }

  /** Close a running process as successful with its output (upstream Close / CloseWithOutput). */
  async closeSuccessful (processid: string, out: unknown[] = [], opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'closesuccessfulmsg', processid, out: out as JsonValue[] }, opts)
  }

  /** Close a process as failed (upstream Fail); failed processes are never retried. */
  async closeFailed (processid: string, errors: string[], opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'closefailedmsg', processid, errors }, opts)
  }

  /**
   * colonynet's close-and-assign: close a running process (successful with `out`, or failed
   * with `errors`) and long-poll for the next one in one signed request. `next` is
   * undefined when nothing matched within `timeoutSec` or the node would not assign
   * (`assignerror` says why); the close is durable either way once this resolves. A
   * ColonyOS server does not know the message ("invalid rpcMsg.PayloadType"): use
   * closeSuccessful or closeFailed and assign there.
   */
  async closeAndAssign (processid: string, outcome: CloseOutcome, colonyname: string, timeoutSec: number, availableCpu = '', availableMem = '', signal?: AbortSignal): Promise<{ next: Process | undefined, assignerror: string }> {
    const timeoutMs = (timeoutSec > 0 ? timeoutSec * 1000 : 0) + this.timeoutMs
    const r = await this.send<{ next?: Process | null, assignerror?: string }>({
      msgtype: 'closeandassignmsg',
      processid,
      successful: outcome.successful,
      out: outcome.successful ? outcome.out as JsonValue[] : [],
      errors: outcome.successful ? [] : outcome.errors,
      colonyname,
      timeout: timeoutSec,
      availablecpu: availableCpu,
      availablemem: availableMem
    }, { signal, timeoutMs })
    return { next: r?.next ?? undefined, assignerror: r?.assignerror ?? '' }
  }

  async setOutput (processid: string, out: unknown[], opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'setoutputmsg', processid, out: out as JsonValue[] }, opts)
  }

  async cancelProcess (processid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'cancelprocessmsg', processid }, opts)
  }

  async getProcess (processid: string, opts?: CallOptions): Promise<Process> {
    return await this.send<Process>({ msgtype: 'getprocessmsg', processid }, opts)
  }

  /** Each state change of the process with its attempt, executor and site (colonynet's extension). */
  async getProcessHistory (processid: string, opts?: CallOptions): Promise<ProcessHistory> {
    return await this.send<ProcessHistory>({ msgtype: 'getprocesshistorymsg', processid }, opts)
  }

  /** Processes of the colony in `state`, filtered; count defaults to the maximum, 100. */
  async getProcesses (colonyname: string, state: number, filter: ProcessFilter = {}, opts?: CallOptions): Promise<Process[]> {
    return list<Process>(await this.send({
      msgtype: 'getprocessesmsg',
      colonyname,
      state,
      count: filter.count ?? MAX_COUNT,
      executortype: filter.executortype ?? '',
      label: filter.label ?? '',
      initiator: filter.initiator ?? ''
    }, opts))
  }

  /**
   * Up to `count` processes of the colony in `state` (-1: any), filtered, in the same order
   * as getProcesses: more than upstream's 100 by pages of colonynet's getprocesspagemsg.
   */
  async getProcessesPaged (colonyname: string, state: number, filter: ProcessFilter & { count: number }, opts?: CallOptions): Promise<Process[]> {
    if (filter.count <= MAX_COUNT) return await this.getProcesses(colonyname, state, filter, opts)
    const out: Process[] = []
    while (out.length < filter.count) {
      const want = Math.min(MAX_PAGE_COUNT, filter.count - out.length)
      const page = await this.send<{ processes?: Process[] }>({
        msgtype: 'getprocesspagemsg',
        colonyname,
        state,
        executortype: filter.executortype ?? '',
        label: filter.label ?? '',
        initiator: filter.initiator ?? '',
        offset: out.length,
        count: want
      }, opts)
      const got = list<Process>(page.processes ?? [])
      out.push(...got)
      if (got.length < want) break
    }
    return out
  }

  async getWaitingProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.WAITING, filter, opts)
  }

  async getRunningProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.RUNNING, filter, opts)
  }

  async getSuccessfulProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.SUCCESS, filter, opts)
  }

  async getFailedProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.FAILED, filter, opts)
  }

  async getCancelledProcesses (colonyname: string, filter?: ProcessFilter, opts?: CallOptions): Promise<Process[]> {
    return await this.getProcesses(colonyname, ProcessState.CANCELLED, filter, opts)
  }

  /** Processes that reached `state` in the last `seconds` (executorid "" = every executor). */
  async getProcessHist (colonyname: string, state: number, seconds: number, executorid = '', opts?: CallOptions): Promise<Process[]> {
    return list<Process>(await this.send({ msgtype: 'getprocesshistmsg', colonyname, executorid, seconds, state }, opts))
  }

  async removeProcess (processid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeprocessmsg', processid, all: false }, opts)
  }

  /** Remove every process in `state` (default -1 = all states; RUNNING is refused). */
  async removeAllProcesses (colonyname: string, state: number = STATE_NOTSET, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeallprocessesmsg', colonyname, state }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Attributes

  async addAttribute (attribute: AttributeRegistration, opts?: CallOptions): Promise<Attribute> {
    const a = {
      targetid: attribute.targetid,
      targetcolonyname: attribute.targetcolonyname ?? '',
      targetprocessgraphid: attribute.targetprocessgraphid ?? '',
      attributetype: attribute.attributetype,
      key: attribute.key,
      value: attribute.value
    }
    return await this.send<Attribute>({ msgtype: 'addattributemsg', attribute: a }, opts)
  }

  async getAttribute (attributeid: string, opts?: CallOptions): Promise<Attribute> {
    return await this.send<Attribute>({ msgtype: 'getattributemsg', attributeid }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Logs. Upstream prints log messages with no separator, so each message should end in "\n".

  async addLog (processid: string, message: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'addlogmsg', processid, message }, opts)
  }

  /** A log line for the executor itself, outside any process (upstream AddLogToExecutor). */
  async addExecutorLog (colonyname: string, executorname: string, message: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'addexecutorlogmsg', colonyname, executorname, message }, opts)
  }

  async getLogs (query: LogQuery, opts?: CallOptions): Promise<Log[]> {
    return list<Log>(await this.send({
      msgtype: 'getlogsmsg',
      colonyname: query.colonyname,
      processid: query.processid ?? '',
      executorname: query.executorname ?? '',
      count: query.count ?? MAX_LOG_COUNT,
      since: query.since ?? 0,
      latest: query.latest ?? false
    }, opts))
  }

  /** Logs of the last `days` days (≤ 30) containing `text`; at most `count` (≤ 100). */
  async searchLogs (colonyname: string, text: string, days = 1, count = MAX_COUNT, opts?: CallOptions): Promise<Log[]> {
    return list<Log>(await this.send({ msgtype: 'searchlogsmsg', colonyname, text, days, count }, opts))
  }

  // ---------------------------------------------------------------------------------------
  // Functions

  /** Register a function the (calling) executor offers; payload field is `fun` upstream. */
  async addFunction (fun: FunctionRegistration, opts?: CallOptions): Promise<ColonyFunction> {
    const f = {
      functionid: fun.functionid ?? '',
      executorname: fun.executorname,
      executortype: fun.executortype ?? '',
      colonyname: fun.colonyname,
      funcname: fun.funcname,
      description: fun.description ?? '',
      args: fun.args ?? [],
      locationname: fun.locationname ?? ''
    }
    return await this.send<ColonyFunction>({ msgtype: 'addfunctionmsg', fun: f }, opts)
  }

  /** Functions of the colony, or of one executor when `executorname` is given. */
  async getFunctions (colonyname: string, executorname = '', opts?: CallOptions): Promise<ColonyFunction[]> {
    return list<ColonyFunction>(await this.send({ msgtype: 'getfunctionsmsg', colonyname, executorname }, opts))
  }

  async removeFunction (functionid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removefunctionmsg', functionid }, opts)
  }
}
