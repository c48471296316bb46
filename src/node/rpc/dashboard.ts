/** Dashboard reads (colonynet's extension): what a live web view needs beyond ColonyOS's messages; see dashboard-reads.ts. */
import { executorSites, processHistory, processPage, throughput } from '../dashboard-reads.js'
import { type Handlers, pubsubOnly } from './context.js'

type Family = 'getprocesspagemsg' | 'getprocesshistorymsg' | 'getthroughputmsg' | 'getexecutorsitesmsg' | 'subscribecolonymsg'

export const dashboardHandlers: Pick<Handlers, Family> = {
  async getprocesspagemsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return await processPage(x.ledger.reads, msg)
  },
  async getprocesshistorymsg (x, msg, { signer }) {
    const p = await x.process(msg.processid, signer)
    return processHistory(x.fold, p, await x.ledger.reads.submitOrigin(p.processid) ?? '')
  },
  async getthroughputmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return await throughput(x.ledger.reads, msg, Date.now())
  },
  getexecutorsitesmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer, true)
    return executorSites(x.fold, x.ledger.reads, msg.colonyname, x.heard, x.identity.nodeId)
  },
  subscribecolonymsg: pubsubOnly
}
