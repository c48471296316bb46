/**
 * Colonies and who belongs to them: colonies (the node operator's), their executors and
 * users (the colony owner's), pausing assignments, and the functions executors register.
 */
import { NotFoundError } from '../../protocol/errors.js'
import { colonyToWire, executorToWire, functionToWire, userToWire } from '../../protocol/wire.js'
import { type Handlers, type Request, type RpcContext, unsupported } from './context.js'

type Colonies = 'addcolonymsg' | 'removecolonymsg' | 'getcoloniesmsg' | 'getcolonymsg' | 'changecolonyidmsg' |
'pauseassignmentsmsg' | 'resumeassignmentsmsg' | 'getpausestatusmsg'
type Executors = 'addexecutormsg' | 'approveexecutormsg' | 'rejectexecutormsg' | 'removeexecutormsg' | 'getexecutorsmsg' |
'getexecutormsg' | 'getexecutorbyidmsg' | 'updateexecutormsg' | 'changeexecutoridmsg'
type Users = 'addusermsg' | 'removeusermsg' | 'getusersmsg' | 'getusermsg' | 'getuserbyidmsg' | 'changeuseridmsg'
type Functions = 'addfunctionmsg' | 'getfunctionsmsg' | 'removefunctionmsg'

/** A colony-level change the fold judges (owner rights, existence), once the colony is known here. */
async function inColony (x: RpcContext, msg: { colonyname: string }, { req }: { req: Request }): Promise<unknown> {
  x.requireColony(msg.colonyname)
  await x.mutate(req)
  return {}
}

export const colonyHandlers: Pick<Handlers, Colonies> = {
  async addcolonymsg (x, msg, { req, signer }) {
    x.requireOperator(signer)
    await x.mutate(req)
    return { colonyid: msg.colony.colonyid, name: msg.colony.name }
  },
  async removecolonymsg (x, msg, call) {
    x.requireOperator(call.signer)
    return await inColony(x, msg, call)
  },
  getcoloniesmsg (x, _msg, { signer }) {
    x.requireOperator(signer)
    return x.fold.colonies().map(colonyToWire)
  },
  getcolonymsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const c = x.fold.colony(msg.colonyname)
    if (c === undefined) throw new NotFoundError(`Colony with name ${JSON.stringify(msg.colonyname)} does not exist`)
    return colonyToWire(c)
  },
  changecolonyidmsg: unsupported,
  pauseassignmentsmsg: inColony,
  resumeassignmentsmsg: inColony,
  getpausestatusmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return { msgtype: 'pausestatusreplymsg', colonyname: msg.colonyname, ispaused: x.fold.colony(msg.colonyname)?.paused === true }
  }
}

export const executorHandlers: Pick<Handlers, Executors> = {
  async addexecutormsg (x, msg, { req }) {
    x.requireColony(msg.executor.colonyname)
    await x.mutate(req)
    const e = x.fold.executor(msg.executor.colonyname, msg.executor.executorid)
    if (e === undefined) throw new NotFoundError('the executor was not added')
    return executorToWire(e)
  },
  approveexecutormsg: inColony,
  rejectexecutormsg: inColony,
  removeexecutormsg: inColony,
  getexecutorsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer, true)
    return x.fold.executors(msg.colonyname).map(e => executorToWire(e, x.heard.get(e.executorid)))
  },
  getexecutormsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer, true)
    const e = x.fold.executors(msg.colonyname).find(y => y.executorname === msg.executorname)
    if (e === undefined) throw new NotFoundError(`Executor with name ${JSON.stringify(msg.executorname)} does not exist`)
    return executorToWire(e, x.heard.get(e.executorid))
  },
  getexecutorbyidmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer, true)
    const e = x.fold.executor(msg.colonyname, msg.executorid)
    if (e === undefined) throw new NotFoundError(`Executor with id ${msg.executorid} does not exist`)
    return executorToWire(e, x.heard.get(e.executorid))
  },
  updateexecutormsg: unsupported,
  changeexecutoridmsg: unsupported
}

export const userHandlers: Pick<Handlers, Users> = {
  async addusermsg (x, msg, { req }) {
    x.requireColony(msg.user.colonyname)
    await x.mutate(req)
    const u = x.fold.users(msg.user.colonyname).find(y => y.userid === msg.user.userid)
    if (u === undefined) throw new NotFoundError('the user was not added')
    return userToWire(u)
  },
  removeusermsg: inColony,
  getusersmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return x.fold.users(msg.colonyname).map(userToWire)
  },
  getusermsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const u = x.fold.users(msg.colonyname).find(y => y.name === msg.name)
    if (u === undefined) throw new NotFoundError(`User with name ${JSON.stringify(msg.name)} does not exist`)
    return userToWire(u)
  },
  getuserbyidmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const u = x.fold.users(msg.colonyname).find(y => y.userid === msg.userid)
    if (u === undefined) throw new NotFoundError(`User with id ${msg.userid} does not exist`)
    return userToWire(u)
  },
  changeuseridmsg: unsupported
}

export const functionHandlers: Pick<Handlers, Functions> = {
  async addfunctionmsg (x, msg, { req }) {
    x.requireColony(msg.fun.colonyname)
    await x.mutate(req)
    const f = x.fold.functions(msg.fun.colonyname).find(y => y.executorname === msg.fun.executorname && y.funcname === msg.fun.funcname)
    if (f === undefined) throw new NotFoundError('the function was not added')
    return functionToWire(f, x.ledger.reads.functionTimes(f.colonyname, f.executortype, f.funcname))
  },
  getfunctionsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const fns = x.fold.functions(msg.colonyname).filter(f => msg.executorname === '' || f.executorname === msg.executorname)
    return fns.map(f => functionToWire(f, x.ledger.reads.functionTimes(f.colonyname, f.executortype, f.funcname)))
  },
  async removefunctionmsg (x, _msg, { req }) {
    await x.mutate(req)
    return {}
  }
}
