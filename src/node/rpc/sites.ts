/**
 * The node and its sites: version and server info (unsigned), statistics, and a colony's
 * sites (colonynet's extension: a colony here is served by several nodes).
 */
import type { Statistics } from '../../protocol/wire-types.js'
import { ExecutorState } from '../../protocol/state.js'
import { type Handlers, type Request, type RpcContext, unsupported } from './context.js'

export const BUILD_VERSION = 'colonynet-0.1.0'
export const BUILD_TIME = '2026-11-29T00:00:00Z'

type Server = 'versionmsg' | 'getserverinfomsg' | 'getstatisticsmsg' | 'getcolonystatsmsg' | 'changeserveridmsg'
type Sites = 'addsitemsg' | 'removesitemsg' | 'getsitesmsg'

export const serverHandlers: Pick<Handlers, Server> = {
  versionmsg: () => ({ msgtype: 'versionmsg', buildversion: BUILD_VERSION, buildtime: BUILD_TIME }),
  getserverinfomsg: x => ({ buildversion: BUILD_VERSION, buildtime: BUILD_TIME, backends: [{ type: 'http', port: x.port(), ...(x.tls ? { tls: true } : {}) }] }),
  getstatisticsmsg (x, _msg, { signer }) {
    x.requireOperator(signer)
    return statistics(x, x.fold.colonies().map(c => c.name))
  },
  getcolonystatsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return statistics(x, [msg.colonyname])
  },
  changeserveridmsg: unsupported
}

/** The colony owner admits or removes a site; the fold judges the right. */
async function changeSites (x: RpcContext, msg: { colonyname: string }, { req }: { req: Request }): Promise<unknown> {
  x.requireColony(msg.colonyname)
  await x.mutate(req)
  return {}
}

export const siteHandlers: Pick<Handlers, Sites> = {
  addsitemsg: changeSites,
  removesitemsg: changeSites,
  getsitesmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const live = x.sites(msg.colonyname)
    if (live !== undefined) return live
    // a lone node: the colony's sites as the ledger has them, this one connected with its executors
    const c = x.fold.colony(msg.colonyname)
    const self = x.identity.nodeId
    return (c?.sites ?? []).map(nodeid => ({
      nodeid,
      name: x.fold.siteName(msg.colonyname, nodeid),
      self: nodeid === self,
      connected: nodeid === self,
      reach: nodeid === self ? 'self' as const : 'none' as const,
      lastseen: nodeid === self ? Date.now() : 0,
      behind: {},
      behindknown: nodeid === self,
      ...(nodeid === self ? { executors: x.assigner.attachedExecutors(msg.colonyname) } : {})
    }))
  }
}

function statistics (x: RpcContext, colonies: string[]): Statistics {
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
    for (const e of x.fold.executors(c)) {
      s.executors++
      if (e.state === ExecutorState.APPROVED) s.activeexecutors++
      if (e.state === ExecutorState.UNREGISTERED) s.unregisteredexecutors++
    }
    // kept as processes and workflows are projected: no process is read
    const counts = x.ledger.reads.counts(c)
    counts.processes.forEach((n, state) => { s[keys[state] as typeof keys[number]] += n })
    counts.workflows.forEach((n, state) => { s[graphKeys[state] as typeof graphKeys[number]] += n })
  }
  return s
}
