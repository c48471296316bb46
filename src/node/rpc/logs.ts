/** Logs and attributes: the assigned executor adds them to its process; members read and search them. */
import { NotFoundError } from '../../protocol/errors.js'
import type { MessageOf } from '../../protocol/messages.js'
import { attributeToWire, logToWire } from '../../protocol/wire.js'
import { type Handlers, mutateProcess, type RpcContext, unsupported } from './context.js'

type Family = 'addlogmsg' | 'addexecutorlogmsg' | 'getlogsmsg' | 'searchlogsmsg' | 'addattributemsg' | 'getattributemsg'

export const logHandlers: Pick<Handlers, Family> = {
  addlogmsg: mutateProcess,
  addexecutorlogmsg: unsupported,
  getlogsmsg: async (x, msg, { signer }) => await logs(x, msg, signer),
  async searchlogsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const since = Date.now() - msg.days * 86_400_000
    const out = []
    for await (const l of x.ledger.reads.colonyLogs(msg.colonyname, since)) if (l.message.includes(msg.text)) out.push(l)
    return out.sort((a, b) => b.timestamp - a.timestamp).slice(0, msg.count > 0 ? msg.count : 100).map(logToWire)
  },
  async addattributemsg (x, msg, { req, signer }) {
    await x.process(msg.attribute.targetid, signer)
    const id = await x.mutate(req, msg.attribute.targetid)
    const a = x.fold.process(msg.attribute.targetid)?.attributes.find(y => y.attributeid === id)
    if (a === undefined) throw new NotFoundError('the attribute was not added')
    return attributeToWire(a)
  },
  async getattributemsg (x, msg, { signer }) {
    const found = await x.ledger.reads.attribute(msg.attributeid)
    if (found === undefined) throw new NotFoundError(`Attribute with id ${msg.attributeid} does not exist`)
    x.requireReader(found.process.colonyname, signer)
    return attributeToWire(found.attribute)
  }
}

async function logs (x: RpcContext, msg: MessageOf<'getlogsmsg'>, signer: string): Promise<unknown> {
  const count = msg.count > 0 ? msg.count : 100
  const sinceMs = Math.floor(msg.since / 1e6)
  if (msg.executorname !== '') {
    x.requireReader(msg.colonyname, signer)
    const all = []
    for await (const l of x.ledger.reads.colonyLogs(msg.colonyname, sinceMs + 1)) if (l.executorname === msg.executorname) all.push(l)
    all.sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : 1))
    return (msg.latest ? all.slice(-count) : all.slice(0, count)).map(logToWire)
  }
  const p = await x.process(msg.processid, signer)
  if (msg.latest) return (await x.ledger.storedLogs(p.processid, count, sinceMs + 1, true)).map(logToWire)
  const stored = await x.ledger.storedLogs(p.processid, count, sinceMs + 1)
  return stored.map(logToWire)
}
