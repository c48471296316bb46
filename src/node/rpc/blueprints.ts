/**
 * Blueprints: definitions (the colony owner's) and blueprints (its members'), their
 * status, history and reconciliation, as upstream's pkg/server/handlers/blueprint. A
 * change the fold would accept is appended with, when it calls for one, the `reconcile`
 * fact that creates its reconcile process (blueprint-fold.ts), in the same batch.
 */
import { NotFoundError } from '../../protocol/errors.js'
import { reconcileProcessId } from '../../protocol/records.js'
import { refusalError } from '../../protocol/refusal.js'
import { processToWire } from '../../protocol/wire.js'
import { blueprintDefinitionToWire, blueprintHistoryToWire, blueprintToWire } from '../../protocol/wire-blueprints.js'
import type { BlueprintBook, BlueprintInfo } from '../../protocol/blueprint-fold.js'
import type { Call, Handlers, RpcContext } from './context.js'

type Family = 'addblueprintdefinitionmsg' | 'getblueprintdefinitionmsg' | 'getblueprintdefinitionsmsg' | 'removeblueprintdefinitionmsg' |
  'addblueprintmsg' | 'getblueprintmsg' | 'getblueprintsmsg' | 'updateblueprintmsg' | 'removeblueprintmsg' |
  'updateblueprintstatusmsg' | 'getblueprinthistorymsg' | 'reconcileblueprintmsg'

export const blueprintHandlers: Pick<Handlers, Family> = {
  async addblueprintdefinitionmsg (x, msg, call) {
    const { colonyname, name } = msg.blueprintdefinition.metadata
    await change(x, colonyname, call)
    return blueprintDefinitionToWire(definitionOf(book(x, colonyname), name))
  },
  getblueprintdefinitionmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return blueprintDefinitionToWire(definitionOf(book(x, msg.colonyname), msg.name))
  },
  getblueprintdefinitionsmsg (x, msg, { signer }) {
    x.requireReader(msg.colonyname, signer)
    return (book(x, msg.colonyname)?.definitions() ?? []).map(blueprintDefinitionToWire)
  },
  async removeblueprintdefinitionmsg (x, msg, call) {
    await change(x, msg.namespace, call)
    return {}
  },
  async addblueprintmsg (x, msg, call) {
    const { colonyname, name } = msg.blueprint.metadata
    await change(x, colonyname, call)
    return blueprintToWire(blueprintOf(book(x, colonyname), name))
  },
  getblueprintmsg (x, msg, { signer }) {
    x.requireReader(msg.namespace, signer)
    return blueprintToWire(blueprintOf(book(x, msg.namespace), msg.name))
  },
  getblueprintsmsg (x, msg, { signer }) {
    x.requireReader(msg.namespace, signer)
    return (book(x, msg.namespace)?.blueprints(msg.kind, msg.locationname) ?? []).map(blueprintToWire)
  },
  async updateblueprintmsg (x, msg, call) {
    const { colonyname, name } = msg.blueprint.metadata
    await change(x, colonyname, call)
    return blueprintToWire(blueprintOf(book(x, colonyname), name))
  },
  async removeblueprintmsg (x, msg, call) {
    await change(x, msg.namespace, call)
    return {}
  },
  async updateblueprintstatusmsg (x, msg, call) {
    await change(x, msg.colonyname, call)
    return {}
  },
  getblueprinthistorymsg (x, msg, { signer }) {
    let found: BlueprintInfo | undefined
    for (const c of x.fold.colonies()) {
      found = book(x, c.name)?.blueprintById(msg.blueprintid)
      if (found !== undefined) break
    }
    if (found === undefined) throw new NotFoundError('Blueprint not found')
    const b = found
    x.requireReader(b.metadata.colonyname, signer)
    const newest = [...b.history].reverse()
    return (msg.limit > 0 ? newest.slice(0, msg.limit) : newest).map(h => blueprintHistoryToWire(b, h))
  },
  async reconcileblueprintmsg (x, msg, call) {
    const id = await change(x, msg.namespace, call)
    return processToWire(await x.process(reconcileProcessId(id), call.signer))
  }
}

function book (x: RpcContext, colony: string): BlueprintBook | undefined {
  return x.fold.blueprintBook(colony)
}

function definitionOf (b: BlueprintBook | undefined, name: string): NonNullable<ReturnType<BlueprintBook['definition']>> {
  const d = b?.definition(name)
  if (d === undefined) throw new NotFoundError('Blueprint definition not found')
  return d
}

function blueprintOf (b: BlueprintBook | undefined, name: string): BlueprintInfo {
  const bp = b?.blueprint(name)
  if (bp === undefined) throw new NotFoundError('Blueprint not found')
  return bp
}

/**
 * Appends a blueprint change the fold would accept now; when it calls for a reconcile
 * process, with the fact that asks for it. Returns the change's record id.
 */
async function change (x: RpcContext, colony: string, { req }: Call): Promise<string> {
  x.requireColony(colony)
  const { refusal, plan } = x.fold.previewBlueprint(x.draft(req))
  if (refusal !== undefined) throw refusalError(refusal)
  return await x.mutate(req, undefined, undefined, plan === undefined ? undefined : id => ({ k: 'reconcile', colonyname: plan.colonyname, record: id }))
}
