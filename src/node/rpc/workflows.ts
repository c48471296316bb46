/** Workflows (process graphs): submit, read, list, cancel and remove, and an executor adding children. */
import { NotFoundError, ValidationError } from '../../protocol/errors.js'
import { processGraphToWire, processToWire } from '../../protocol/wire.js'
import type { Handlers } from './context.js'

type Family = 'submitworkflowspecmsg' | 'getprocessgraphmsg' | 'getprocessgraphsmsg' | 'removeprocessgraphmsg' |
'cancelprocessgraphmsg' | 'removeallprocessgraphsmsg' | 'addchildmsg'

export const workflowHandlers: Pick<Handlers, Family> = {
  async submitworkflowspecmsg (x, msg, { req }) {
    x.requireColony(msg.spec.colonyname)
    const id = await x.mutate(req)
    const g = x.fold.graph(id)
    if (g === undefined) throw new NotFoundError('the workflow was not created')
    return processGraphToWire(g.graph, g.procs)
  },
  async getprocessgraphmsg (x, msg, { signer }) {
    const g = await x.graph(msg.processgraphid, signer)
    return processGraphToWire(g.graph, g.procs, true)
  },
  async getprocessgraphsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    if (msg.state < 0 || msg.state > 4) throw new ValidationError('state', 'must be 0 (waiting) to 4 (cancelled)')
    const count = msg.count > 0 ? msg.count : 100
    // newest submitted first: settled workflows from the store's index, live ones from memory
    const ids = await x.ledger.reads.workflowIds(msg.colonyname, msg.state, count, true)
    const out = []
    for (const id of ids) {
      const g = await x.ledger.reads.workflow(id)
      if (g !== undefined && g.graph.state === msg.state) out.push(g)
    }
    return out.sort((a, b) => b.graph.submissiontime - a.graph.submissiontime).slice(0, count).map(g => processGraphToWire(g.graph, g.procs))
  },
  async removeprocessgraphmsg (x, msg, { req, signer }) {
    await x.graph(msg.processgraphid, signer)
    await x.mutate(req)
    return {}
  },
  async cancelprocessgraphmsg (x, msg, { req, signer }) {
    await x.graph(msg.processgraphid, signer)
    await x.mutate(req)
    return {}
  },
  async removeallprocessgraphsmsg (x, msg, { req }) {
    x.requireColony(msg.colonyname)
    await x.mutate(req)
    return {}
  },
  async addchildmsg (x, msg, { req, signer }) {
    await x.graph(msg.processgraphid, signer)
    const id = await x.mutate(req, msg.parentprocessid)
    const p = x.fold.process(id)
    if (p === undefined) throw new NotFoundError('the child was not added')
    return processToWire(p)
  }
}
