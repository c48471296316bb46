/**
 * Processes: submit, assign (a long-poll), the assigned executor's closes and output,
 * cancel and remove, and the reads that list them.
 */
import { parseOffer } from '../../protocol/matching.js'
import type { MessageOf } from '../../protocol/messages.js'
import { type ProcessInfo, ProcessState } from '../../protocol/state.js'
import { processToWire } from '../../protocol/wire.js'
import { requireApprovedExecutor } from '../assigner.js'
import { type Handlers, mutateProcess, pubsubOnly, type RpcContext } from './context.js'

type Family = 'submitfuncspecmsg' | 'assignprocessmsg' | 'closesuccessfulmsg' | 'closefailedmsg' | 'setoutputmsg' |
'cancelprocessmsg' | 'removeprocessmsg' | 'removeallprocessesmsg' | 'getprocessmsg' | 'getprocessesmsg' | 'getprocesshistmsg' |
'subscribeprocessmsg' | 'subscribeprocessesmsg'

export const processHandlers: Pick<Handlers, Family> = {
  async submitfuncspecmsg (x, msg, { req }) {
    x.requireColony(msg.spec.conditions.colonyname)
    const id = await x.mutate(req)
    return processToWire(x.fold.process(id) as ProcessInfo)
  },
  async assignprocessmsg (x, msg, { signer, abortSignal }) {
    x.requireColony(msg.colonyname)
    const executor = requireApprovedExecutor(x.fold.executor(msg.colonyname, signer), msg.colonyname)
    x.touch(signer)
    const p = await x.assigner.assign(executor, parseOffer(msg.availablecpu, msg.availablemem), msg.timeout, abortSignal?.())
    return processToWire(p)
  },
  closesuccessfulmsg: mutateProcess,
  closefailedmsg: mutateProcess,
  setoutputmsg: mutateProcess,
  cancelprocessmsg: mutateProcess,
  removeprocessmsg: mutateProcess,
  async removeallprocessesmsg (x, msg, { req }) {
    x.requireColony(msg.colonyname)
    await x.mutate(req)
    return {}
  },
  getprocessmsg: (x, msg, { signer }) => processToWire(x.process(msg.processid, signer)),
  getprocessesmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return listProcesses(x, msg).map(processToWire)
  },
  getprocesshistmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const since = Date.now() - msg.seconds * 1000
    const out: ProcessInfo[] = []
    for (const p of x.fold.processes(msg.colonyname)) {
      if (p.state !== msg.state || p.submissiontime < since) continue
      if (msg.executorid !== '' && p.assignedexecutorid !== msg.executorid) continue
      out.push(p)
    }
    return out.sort((a, b) => b.submissiontime - a.submissiontime).map(processToWire)
  },
  subscribeprocessmsg: pubsubOnly,
  subscribeprocessesmsg: pubsubOnly
}

function listProcesses (x: RpcContext, msg: MessageOf<'getprocessesmsg'>): ProcessInfo[] {
  const out: ProcessInfo[] = []
  for (const p of x.fold.processes(msg.colonyname)) {
    if (p.state !== msg.state) continue
    if (msg.executortype !== '' && p.spec.conditions.executortype !== msg.executortype) continue
    if (msg.label !== '' && p.spec.label !== msg.label) continue
    if (msg.initiator !== '' && p.initiatorname !== msg.initiator) continue
    out.push(p)
  }
  // Waiting: the order they will run in. Running: oldest first. Finished: newest first.
  if (msg.state === ProcessState.WAITING) out.sort((a, b) => a.prioritytime - b.prioritytime || (a.submitkey < b.submitkey ? -1 : 1))
  else if (msg.state === ProcessState.RUNNING) out.sort((a, b) => a.starttime - b.starttime)
  else out.sort((a, b) => b.endtime - a.endtime)
  const count = msg.count > 0 ? msg.count : 100
  return out.slice(0, count)
}
