/** Generators: add, read, list, resolve by name, pack and remove. */
import { NotFoundError } from '../../protocol/errors.js'
import { unconsumed } from '../../protocol/gen-fold.js'
import type { GeneratorInfo } from '../../protocol/state.js'
import { generatorToWire } from '../../protocol/wire.js'
import type { Handlers, RpcContext } from './context.js'

type Family = 'addgeneratormsg' | 'getgeneratormsg' | 'getgeneratorsmsg' | 'resolvegeneratormsg' | 'packgeneratormsg' | 'removegeneratormsg'

export const generatorHandlers: Pick<Handlers, Family> = {
  async addgeneratormsg (x, msg, { req, signer }) {
    x.requireColony(msg.generator.colonyname)
    const id = await x.mutate(req)
    return generatorReply(x, x.generator(id, signer))
  },
  getgeneratormsg: (x, msg, { signer }) => generatorReply(x, x.generator(msg.generatorid, signer), x.checkerPeriodMs),
  getgeneratorsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return x.fold.generators(msg.colonyname).slice(0, msg.count > 0 ? msg.count : 100).map(g => generatorReply(x, g))
  },
  resolvegeneratormsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    const g = x.fold.generators(msg.colonyname).find(y => y.name === msg.generatorname)
    if (g === undefined) throw new NotFoundError(`Generator with name ${JSON.stringify(msg.generatorname)} does not exist`)
    return generatorReply(x, g)
  },
  async packgeneratormsg (x, msg, { req, signer }) {
    x.generator(msg.generatorid, signer)
    await x.mutate(req)
    return {}
  },
  async removegeneratormsg (x, msg, { req, signer }) {
    x.generator(msg.generatorid, signer)
    await x.mutate(req)
    return {}
  }
}

function generatorReply (x: RpcContext, g: GeneratorInfo, checkerperiod = 0): unknown {
  const q = x.fold.generatorQueue(g.generatorid)
  const waiting = q === undefined ? [] : unconsumed(q)
  return generatorToWire(g, { firstpack: waiting[0]?.at ?? 0, lastrun: q?.lastrun ?? 0, queuesize: waiting.length }, checkerperiod)
}
