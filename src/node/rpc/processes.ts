/**
 * Processes: submit, assign (a long-poll), the assigned executor's closes and output,
 * cancel and remove, and the reads that list them.
 */
import { bulkProcessId } from '../../protocol/bulk-fold.js'
import { ColonyError } from '../../protocol/errors.js'
import { parseOffer } from '../../protocol/matching.js'
import type { AssignProcessMsg } from '../../protocol/messages.js'
import type { FunctionSpec } from '../../protocol/spec.js'
import { isFinal, type ProcessInfo } from '../../protocol/state.js'
import { processToWire, type ProcessView } from '../../protocol/wire.js'
import { everything } from '../../store/reads.js'
import { requireApprovedExecutor } from '../assigner.js'
import { type Handlers, mutateProcess, pubsubOnly, type RpcContext } from './context.js'

type Family = 'submitfuncspecmsg' | 'submitfuncspecsmsg' | 'assignprocessmsg' | 'closesuccessfulmsg' | 'closefailedmsg' | 'closeandassignmsg' | 'setoutputmsg' |
'cancelprocessmsg' | 'removeprocessmsg' | 'removeallprocessesmsg' | 'getprocessmsg' | 'getprocessesmsg' | 'getprocesshistmsg' |
'subscribeprocessmsg' | 'subscribeprocessesmsg'

/** An assign's long-poll for an approved executor of the colony (assignprocessmsg, and closeandassignmsg after its close). */
async function assign (x: RpcContext, msg: Omit<AssignProcessMsg, 'msgtype'>, signer: string, abortSignal: (() => AbortSignal) | undefined): Promise<ProcessInfo> {
  x.requireColony(msg.colonyname)
  const executor = requireApprovedExecutor(x.fold.executor(msg.colonyname, signer), msg.colonyname)
  x.touch(signer)
  return await x.assigner.assign(executor, parseOffer(msg.availablecpu, msg.availablemem), msg.timeout, abortSignal?.())
}

export const processHandlers: Pick<Handlers, Family> = {
  async submitfuncspecmsg (x, msg, { req }) {
    x.requireColony(msg.spec.conditions.colonyname)
    const id = await x.mutate(req)
    return processToWire(x.fold.process(id) as ProcessInfo)
  },
  async submitfuncspecsmsg (x, msg, { req }) {
    // the parser saw to one colony for every spec
    x.requireColony((msg.specs[0] as FunctionSpec).conditions.colonyname)
    const id = await x.mutate(req)
    return msg.specs.map((_, i) => processToWire(x.fold.process(bulkProcessId(id, i)) as ProcessInfo))
  },
  assignprocessmsg: async (x, msg, { signer, abortSignal }) => processToWire(await assign(x, msg, signer, abortSignal)),
  closesuccessfulmsg: mutateProcess,
  closefailedmsg: mutateProcess,
  /**
   * The close is written first, exactly as closesuccessfulmsg/closefailedmsg would be (a
   * refused close is the reply, and nothing is assigned). Once it is durable the reply
   * says so whatever the assign does: no process within the long-poll, or a refusal
   * (the executor was rejected meanwhile), is `next: null` with the reason, never an error
   * that would make the executor send its close again.
   */
  async closeandassignmsg (x, msg, call) {
    await mutateProcess(x, msg, call)
    let next: ReturnType<typeof processToWire> | null = null
    let assignerror = ''
    try {
      next = processToWire(await assign(x, msg, call.signer, call.abortSignal))
    } catch (err) {
      if (!(err instanceof ColonyError)) throw err
      assignerror = err.message
    }
    return { processid: msg.processid, next, assignerror }
  },
  setoutputmsg: mutateProcess,
  cancelprocessmsg: mutateProcess,
  removeprocessmsg: mutateProcess,
  async removeallprocessesmsg (x, msg, { req }) {
    x.requireColony(msg.colonyname)
    await x.mutate(req)
    return {}
  },
  getprocessmsg: async (x, msg, { signer }) => processToWire(await x.process(msg.processid, signer)),
  async getprocessesmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const keep = (p: ProcessView): boolean =>
      (msg.executortype === '' || p.spec.conditions.executortype === msg.executortype) &&
      (msg.label === '' || p.spec.label === msg.label) &&
      (msg.initiator === '' || p.initiatorname === msg.initiator)
    const filtered = msg.executortype !== '' || msg.label !== '' || msg.initiator !== ''
    const page = await x.ledger.reads.page(msg.colonyname, msg.state, filtered ? keep : everything, 0, msg.count > 0 ? msg.count : 100)
    return page.processes.map(processToWire)
  },
  async getprocesshistmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const since = Date.now() - msg.seconds * 1000
    const out: ProcessView[] = []
    const keep = (p: ProcessView): boolean =>
      p.state === msg.state && p.submissiontime >= since && (msg.executorid === '' || p.assignedexecutorid === msg.executorid)
    if (isFinal(msg.state)) {
      // settled since `since` (a process ends after it is submitted), from the store's index
      out.push(...(await x.ledger.reads.processes(await x.ledger.reads.processIds(msg.colonyname, msg.state, 1_000_000, { sinceMs: since }))).filter(keep))
    } else {
      for (const p of x.fold.processes(msg.colonyname)) if (keep(p)) out.push(p)
    }
    return out.sort((a, b) => b.submissiontime - a.submissiontime).map(processToWire)
  },
  subscribeprocessmsg: pubsubOnly,
  subscribeprocessesmsg: pubsubOnly
}
