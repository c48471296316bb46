/**
 * A ColonyOS RPC client: one identity (private key), one node URL, one method per RPC,
 * named after upstream's Go client (pkg/client/*.go) in camelCase. Each request is the
 * message validated with parseMessage (so a bad argument fails here, naming the field,
 * before anything is sent), signed, and POSTed to {url}/api; the reply is decoded and
 * typed with the wire shapes in wire-types.ts, or turned into a typed error by its status.
 * The calls come by family: the shared core and the server's calls (rpc-base.ts), who
 * takes part (rpc-membership.ts), processes (rpc-processes.ts), process channels
 * (rpc-channels.ts), files and snapshots (rpc-files.ts), blueprints (rpc-blueprints.ts),
 * and here workflows, crons and generators.
 */
import { MAX_COUNT, type CronInput, type GeneratorInput } from '../protocol/messages.js'
import type { FunctionSpec, WorkflowSpec } from '../protocol/spec.js'
import { STATE_NOTSET } from '../protocol/state.js'
import type { Cron, Generator, Process, ProcessGraph } from '../protocol/wire-types.js'
import { type CallOptions, list } from './rpc-base.js'
import { ChannelCalls } from './rpc-channels.js'
import type { FunctionSpecInput } from './rpc-processes.js'

export { DEFAULT_PORT } from '../protocol/wire-types.js'
export { DEFAULT_TIMEOUT_MS, serverUrlFromEnv, transportFromEnv, type CallOptions, type ColoniesClientOptions, type Transport } from './rpc-base.js'
export type { ExecutorRegistration, UserRegistration } from './rpc-membership.js'
export type { AttributeRegistration, FunctionRegistration, FunctionSpecInput, LogQuery, ProcessFilter } from './rpc-processes.js'
export type { FileRegistration } from './rpc-files.js'
export type { ColonyFile, FileData, FileLabel, Snapshot } from '../protocol/wire-files.js'
export type { Blueprint, BlueprintDefinition, BlueprintDefinitionRegistration, BlueprintHistory, BlueprintRegistration } from './rpc-blueprints.js'
export type { SiteInfo } from '../protocol/wire-types.js'
export { entryBytes, entryText, type ChannelAppendOptions, type MsgEntry } from './rpc-channels.js'

/** A workflow as a caller writes it. */
export interface WorkflowSpecInput { colonyname: string, functionspecs: FunctionSpecInput[] }

export type CronRegistration = Omit<CronInput, 'workflowspec' | 'interval' | 'random' | 'waitforprevprocessgraph' | 'cronexpression'> & {
  /** the workflow, as an object or its JSON text */
  workflowspec: WorkflowSpecInput | WorkflowSpec | string
  cronexpression?: string
  /** seconds > 0, or -1 (default) to use cronexpression */
  interval?: number
  random?: boolean
  waitforprevprocessgraph?: boolean
}

export type GeneratorRegistration = Omit<GeneratorInput, 'workflowspec' | 'timeout'> & {
  workflowspec: WorkflowSpecInput | WorkflowSpec | string
  /** seconds; ≤ 0 (default -1) = never fire on timeout */
  timeout?: number
}

function workflowText (spec: WorkflowSpecInput | WorkflowSpec | string): string {
  return typeof spec === 'string' ? spec : JSON.stringify(spec)
}

export class ColoniesClient extends ChannelCalls {
  /** The same node, another identity (e.g. the colony owner's key for approving executors). */
  withKey (prvkey: string): ColoniesClient {
    return new ColoniesClient({ url: this.url, prvkey, timeoutMs: this.timeoutMs, transport: this.transport, ...(this.ca === undefined ? {} : { ca: this.ca }) })
  }

  // ---------------------------------------------------------------------------------------
  // Workflows (process graphs)

  async submitWorkflowSpec (spec: WorkflowSpecInput | WorkflowSpec, opts?: CallOptions): Promise<ProcessGraph> {
    return await this.send<ProcessGraph>({ msgtype: 'submitworkflowspecmsg', spec }, opts)
  }

  async getProcessGraph (processgraphid: string, opts?: CallOptions): Promise<ProcessGraph> {
    return await this.send<ProcessGraph>({ msgtype: 'getprocessgraphmsg', processgraphid }, opts)
  }

  async getProcessGraphs (colonyname: string, state: number, count = MAX_COUNT, opts?: CallOptions): Promise<ProcessGraph[]> {
    return list<ProcessGraph>(await this.send({ msgtype: 'getprocessgraphsmsg', colonyname, count, state }, opts))
  }

  async removeProcessGraph (processgraphid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeprocessgraphmsg', processgraphid, all: false }, opts)
  }

  /** Remove every graph in `state` (default -1 = all states; RUNNING is refused). */
  async removeAllProcessGraphs (colonyname: string, state: number = STATE_NOTSET, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeallprocessgraphsmsg', colonyname, state }, opts)
  }

  async cancelProcessGraph (processgraphid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'cancelprocessgraphmsg', processgraphid }, opts)
  }

  /**
   * Add a child to a running node of a graph (the node's assigned executor only). `insert`
   * puts it between the parent and its children; otherwise it is appended.
   */
  async addChild (processgraphid: string, parentprocessid: string, childprocessid: string, spec: FunctionSpecInput | FunctionSpec,
    insert: boolean, opts?: CallOptions): Promise<Process> {
    return await this.send<Process>({ msgtype: 'addchildmsg', processgraphid, parentprocessid, childprocessid, spec, insert }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Cron

  async addCron (cron: CronRegistration, opts?: CallOptions): Promise<Cron> {
    const c = {
      colonyname: cron.colonyname,
      name: cron.name,
      cronexpression: cron.cronexpression ?? '',
      interval: cron.interval ?? -1,
      random: cron.random ?? false,
      workflowspec: workflowText(cron.workflowspec),
      waitforprevprocessgraph: cron.waitforprevprocessgraph ?? false
    }
    return await this.send<Cron>({ msgtype: 'addcronmsg', cron: c }, opts)
  }

  async getCron (cronid: string, opts?: CallOptions): Promise<Cron> {
    return await this.send<Cron>({ msgtype: 'getcronmsg', cronid }, opts)
  }

  async getCrons (colonyname: string, count = MAX_COUNT, opts?: CallOptions): Promise<Cron[]> {
    return list<Cron>(await this.send({ msgtype: 'getcronsmsg', colonyname, count }, opts))
  }

  /** Fire a cron now; upstream replies with the cron. */
  async runCron (cronid: string, opts?: CallOptions): Promise<Cron> {
    return await this.send<Cron>({ msgtype: 'runcronmsg', cronid }, opts)
  }

  async removeCron (cronid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removecronmsg', cronid, all: false }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Generators

  async addGenerator (generator: GeneratorRegistration, opts?: CallOptions): Promise<Generator> {
    const g = {
      colonyname: generator.colonyname,
      name: generator.name,
      workflowspec: workflowText(generator.workflowspec),
      trigger: generator.trigger,
      timeout: generator.timeout ?? -1
    }
    return await this.send<Generator>({ msgtype: 'addgeneratormsg', generator: g }, opts)
  }

  async getGenerator (generatorid: string, opts?: CallOptions): Promise<Generator> {
    return await this.send<Generator>({ msgtype: 'getgeneratormsg', generatorid }, opts)
  }

  async getGenerators (colonyname: string, count = MAX_COUNT, opts?: CallOptions): Promise<Generator[]> {
    return list<Generator>(await this.send({ msgtype: 'getgeneratorsmsg', colonyname, count }, opts))
  }

  /** A generator by name. */
  async resolveGenerator (colonyname: string, generatorname: string, opts?: CallOptions): Promise<Generator> {
    return await this.send<Generator>({ msgtype: 'resolvegeneratormsg', colonyname, generatorname }, opts)
  }

  async packGenerator (generatorid: string, arg: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'packgeneratormsg', generatorid, arg }, opts)
  }

  async removeGenerator (generatorid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removegeneratormsg', generatorid, all: false }, opts)
  }
}
