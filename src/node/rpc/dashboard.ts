/** Dashboard reads (colonynet's extension): what a live web view needs beyond ColonyOS's messages; see dashboard-reads.ts. */
import { executorSites, processHistory, processPage, throughput } from '../dashboard-reads.js'
import { type Handlers, pubsubOnly } from './context.js'

type Family = 'getprocesspagemsg' | 'getprocesshistorymsg' | 'getthroughputmsg' | 'getexecutorsitesmsg' | 'subscribecolonymsg'

export const dashboardHandlers: Pick<Handlers, Family> = {
  getprocesspagemsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return processPage(x.fold, msg)
  },
  getprocesshistorymsg: (x, msg, { signer }) => processHistory(x.fold, x.process(msg.processid, signer)),
  getthroughputmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return throughput(x.fold, msg, Date.now())
  },
  getexecutorsitesmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer, true)
    return executorSites(x.fold, msg.colonyname, x.heard, x.identity.nodeId)
  },
  subscribecolonymsg: pubsubOnly
}
