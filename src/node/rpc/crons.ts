/** Crons: add, read, list, run now and remove. */
import { ConflictError } from '../../protocol/errors.js'
import { nextCronRun } from '../../protocol/cron-schedule.js'
import type { CronInfo } from '../../protocol/state.js'
import { cronToWire } from '../../protocol/wire.js'
import { leafOutputs } from '../schedules.js'
import type { Handlers, RpcContext } from './context.js'

type Family = 'addcronmsg' | 'getcronmsg' | 'getcronsmsg' | 'runcronmsg' | 'removecronmsg'

export const cronHandlers: Pick<Handlers, Family> = {
  async addcronmsg (x, msg, { req, signer }) {
    x.requireColony(msg.cron.colonyname)
    const id = await x.mutate(req)
    return cronReply(x, x.cron(id, signer))
  },
  getcronmsg: (x, msg, { signer }) => cronReply(x, x.cron(msg.cronid, signer), x.checkerPeriodMs),
  getcronsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return x.fold.crons(msg.colonyname).slice(0, msg.count > 0 ? msg.count : 100).map(c => cronReply(x, c))
  },
  async runcronmsg (x, msg, { req, signer }) {
    const cron = x.cron(msg.cronid, signer)
    const prev = x.fold.cronRun(cron.cronid)
    if (cron.waitforprevprocessgraph && prev !== undefined && !prev.final) {
      throw new ConflictError(`the cron's previous workflow ${prev.processgraphid} has not finished, and the cron waits for it (waitforprevprocessgraph)`)
    }
    await x.mutate(req, undefined, leafOutputs(prev))
    return cronReply(x, x.cron(msg.cronid, signer))
  },
  async removecronmsg (x, msg, { req, signer }) {
    x.cron(msg.cronid, signer)
    await x.mutate(req)
    return {}
  }
}

function cronReply (x: RpcContext, c: CronInfo, checkerperiod = 0): unknown {
  const prev = x.fold.cronRun(c.cronid)
  const lastAt = x.fold.cronLastAt(c.cronid)
  const lastrun = prev === undefined ? 0 : prev.at > 0 ? prev.at : prev.submissiontime
  const nextrun = nextCronRun(c, Math.max(lastAt, Date.now())) ?? 0
  return cronToWire(c, { nextrun, lastrun, prevprocessgraphid: prev?.processgraphid ?? '' }, checkerperiod)
}
