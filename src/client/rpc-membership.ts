/**
 * The client's calls about who takes part: colonies (and pausing their assignments), the
 * sites of a federated colony, executors and users.
 */
import type { Capabilities, Colony, Executor, SiteInfo, Statistics, User } from '../protocol/wire-types.js'
import { type CallOptions, list, RpcBase } from './rpc-base.js'

export interface ExecutorRegistration {
  /** the executor's id: idFromPrivateKey of the key it will sign with */
  executorid: string
  executortype: string
  executorname: string
  colonyname: string
  locationname?: string
  requirefuncreg?: boolean
  capabilities?: Partial<Capabilities>
}

export interface UserRegistration { colonyname: string, userid: string, name: string, email?: string, phone?: string }

export abstract class MembershipCalls extends RpcBase {
  // ---------------------------------------------------------------------------------------
  // Colonies

  /** Add a colony (server owner). `colonyid` is the colony owner's id (idFromPrivateKey). */
  async addColony (colonyname: string, colonyid: string, opts?: CallOptions): Promise<Colony> {
    return await this.send<Colony>({ msgtype: 'addcolonymsg', colony: { colonyid, name: colonyname } }, opts)
  }

  async removeColony (colonyname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removecolonymsg', colonyname }, opts)
  }

  async getColonies (opts?: CallOptions): Promise<Colony[]> {
    return list<Colony>(await this.send({ msgtype: 'getcoloniesmsg' }, opts))
  }

  async getColony (colonyname: string, opts?: CallOptions): Promise<Colony> {
    return await this.send<Colony>({ msgtype: 'getcolonymsg', colonyname }, opts)
  }

  async getColonyStatistics (colonyname: string, opts?: CallOptions): Promise<Statistics> {
    return await this.send<Statistics>({ msgtype: 'getcolonystatsmsg', colonyname }, opts)
  }

  async changeColonyId (colonyname: string, colonyid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'changecolonyidmsg', colonyname, colonyid }, opts)
  }

  /** Stop handing out processes in the colony (colony owner). */
  async pauseAssignments (colonyname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'pauseassignmentsmsg', colonyname }, opts)
  }

  async resumeAssignments (colonyname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'resumeassignmentsmsg', colonyname }, opts)
  }

  /** true while assignments are paused (reply: pausestatusreplymsg {colonyname, ispaused}). */
  async getPauseStatus (colonyname: string, opts?: CallOptions): Promise<boolean> {
    const r = await this.send<{ ispaused?: boolean }>({ msgtype: 'getpausestatusmsg', colonyname }, opts)
    return r?.ispaused === true
  }

  // ---------------------------------------------------------------------------------------
  // Sites (colonynet: the nodes of a federated colony)

  /** Admits a node as a site of the colony (colony owner). */
  async addSite (colonyname: string, nodeid: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'addsitemsg', colonyname, nodeid, name }, opts)
  }

  /** Revokes a site (colony owner): its later records are refused and it is no longer served. */
  async removeSite (colonyname: string, nodeid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removesitemsg', colonyname, nodeid }, opts)
  }

  /** The sites of the colony as the node sees them: connected, last seen, records behind per origin. */
  async getSites (colonyname: string, opts?: CallOptions): Promise<SiteInfo[]> {
    return list<SiteInfo>(await this.send({ msgtype: 'getsitesmsg', colonyname }, opts))
  }

  // ---------------------------------------------------------------------------------------
  // Executors

  /** Register an executor (colony owner); it starts PENDING until approved. */
  async addExecutor (executor: ExecutorRegistration, opts?: CallOptions): Promise<Executor> {
    const e = {
      executorid: executor.executorid,
      executortype: executor.executortype,
      executorname: executor.executorname,
      colonyname: executor.colonyname,
      locationname: executor.locationname ?? '',
      requirefuncreg: executor.requirefuncreg ?? false,
      capabilities: { hardware: executor.capabilities?.hardware ?? [], software: executor.capabilities?.software ?? [] }
    }
    return await this.send<Executor>({ msgtype: 'addexecutormsg', executor: e }, opts)
  }

  async approveExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'approveexecutormsg', colonyname, executorname }, opts)
  }

  async rejectExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'rejectexecutormsg', colonyname, executorname }, opts)
  }

  /** Remove an executor; its running processes go back to WAITING. */
  async removeExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeexecutormsg', colonyname, executorname }, opts)
  }

  async getExecutors (colonyname: string, opts?: CallOptions): Promise<Executor[]> {
    return list<Executor>(await this.send({ msgtype: 'getexecutorsmsg', colonyname }, opts))
  }

  /** By name (upstream GetExecutor). */
  async getExecutor (colonyname: string, executorname: string, opts?: CallOptions): Promise<Executor> {
    return await this.send<Executor>({ msgtype: 'getexecutormsg', colonyname, executorname }, opts)
  }

  async getExecutorById (colonyname: string, executorid: string, opts?: CallOptions): Promise<Executor> {
    return await this.send<Executor>({ msgtype: 'getexecutorbyidmsg', colonyname, executorid }, opts)
  }

  async updateExecutorCapabilities (colonyname: string, executorname: string, capabilities: Partial<Capabilities>, opts?: CallOptions): Promise<void> {
    await this.send({
      msgtype: 'updateexecutormsg',
      colonyname,
      executorname,
      capabilities: { hardware: capabilities.hardware ?? [], software: capabilities.software ?? [] }
    }, opts)
  }

  async changeExecutorId (colonyname: string, executorid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'changeexecutoridmsg', colonyname, executorid }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Users

  async addUser (user: UserRegistration, opts?: CallOptions): Promise<User> {
    const u = { colonyname: user.colonyname, userid: user.userid, name: user.name, email: user.email ?? '', phone: user.phone ?? '' }
    return await this.send<User>({ msgtype: 'addusermsg', user: u }, opts)
  }

  async removeUser (colonyname: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeusermsg', colonyname, name }, opts)
  }

  async getUsers (colonyname: string, opts?: CallOptions): Promise<User[]> {
    return list<User>(await this.send({ msgtype: 'getusersmsg', colonyname }, opts))
  }

  /** By name (upstream GetUser). */
  async getUser (colonyname: string, name: string, opts?: CallOptions): Promise<User> {
    return await this.send<User>({ msgtype: 'getusermsg', colonyname, name }, opts)
  }

  async getUserById (colonyname: string, userid: string, opts?: CallOptions): Promise<User> {
    return await this.send<User>({ msgtype: 'getuserbyidmsg', colonyname, userid }, opts)
  }

  async changeUserId (colonyname: string, userid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'changeuseridmsg', colonyname, userid }, opts)
  }
}
