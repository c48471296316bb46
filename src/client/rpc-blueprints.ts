/**
 * The client's calls about blueprints (upstream pkg/client/blueprint_client.go): the
 * colony owner's definitions, members' blueprints, their status, history and
 * reconciliation. Upstream's messages name the colony `namespace` in some calls; these
 * methods take it as the colony name throughout.
 */
import type { JsonObject } from '../protocol/json.js'
import type { Process } from '../protocol/wire-types.js'
import type { Blueprint, BlueprintDefinition, BlueprintHistory } from '../protocol/wire-blueprints.js'
import { type CallOptions, list } from './rpc-base.js'
import { FileCalls } from './rpc-files.js'

export type { Blueprint, BlueprintDefinition, BlueprintHistory } from '../protocol/wire-blueprints.js'

interface MetadataInput {
  name: string
  colonyname: string
  locationname?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

/** A blueprint as a caller writes it (a blueprint as read back may be sent as is: server-owned fields are ignored). */
export interface BlueprintRegistration {
  kind: string
  metadata: MetadataInput
  spec?: JsonObject
  status?: JsonObject
}

/** A definition as a caller writes it. */
export interface BlueprintDefinitionRegistration {
  kind?: string
  metadata: MetadataInput
  spec: {
    group?: string
    version?: string
    names: { kind: string, listKind?: string, singular?: string, plural?: string, shortNames?: string[] }
    scope?: string
    schema?: JsonObject
    handler?: { executorType?: string, functionName?: string, reconcileInterval?: number }
  }
}

export abstract class BlueprintCalls extends FileCalls {
  /** Add a definition (the colony owner's key). */
  async addBlueprintDefinition (definition: BlueprintDefinitionRegistration, opts?: CallOptions): Promise<BlueprintDefinition> {
    return await this.send<BlueprintDefinition>({ msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: definition }, opts)
  }

  async getBlueprintDefinition (colonyname: string, name: string, opts?: CallOptions): Promise<BlueprintDefinition> {
    return await this.send<BlueprintDefinition>({ msgtype: 'getblueprintdefinitionmsg', colonyname, name }, opts)
  }

  async getBlueprintDefinitions (colonyname: string, opts?: CallOptions): Promise<BlueprintDefinition[]> {
    return list<BlueprintDefinition>(await this.send({ msgtype: 'getblueprintdefinitionsmsg', colonyname }, opts))
  }

  /** The definition of a kind, or undefined (read from the list, as upstream's client does). */
  async getBlueprintDefinitionByKind (colonyname: string, kind: string, opts?: CallOptions): Promise<BlueprintDefinition | undefined> {
    return (await this.getBlueprintDefinitions(colonyname, opts)).find(d => d.spec.names.kind === kind)
  }

  /** Remove a definition no blueprint uses (the colony owner's key). */
  async removeBlueprintDefinition (colonyname: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeblueprintdefinitionmsg', namespace: colonyname, name }, opts)
  }

  async addBlueprint (blueprint: BlueprintRegistration, opts?: CallOptions): Promise<Blueprint> {
    return await this.send<Blueprint>({ msgtype: 'addblueprintmsg', blueprint }, opts)
  }

  async getBlueprint (colonyname: string, name: string, opts?: CallOptions): Promise<Blueprint> {
    return await this.send<Blueprint>({ msgtype: 'getblueprintmsg', namespace: colonyname, name }, opts)
  }

  /** By name; `kind` "" = every kind (the location is then not looked at, as upstream). */
  async getBlueprints (colonyname: string, kind = '', locationname = '', opts?: CallOptions): Promise<Blueprint[]> {
    return list<Blueprint>(await this.send({ msgtype: 'getblueprintsmsg', namespace: colonyname, kind, locationname }, opts))
  }

  /** Replace a blueprint's kind, metadata, spec and status; a changed spec (or `forcegeneration`) is a new generation. */
  async updateBlueprint (blueprint: BlueprintRegistration, forcegeneration = false, opts?: CallOptions): Promise<Blueprint> {
    return await this.send<Blueprint>({ msgtype: 'updateblueprintmsg', blueprint, forcegeneration }, opts)
  }

  async removeBlueprint (colonyname: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeblueprintmsg', namespace: colonyname, name }, opts)
  }

  /** Report a blueprint's current state (a member's key, typically its reconciler's). */
  async updateBlueprintStatus (colonyname: string, blueprintname: string, status: JsonObject, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'updateblueprintstatusmsg', colonyname, blueprintname, status }, opts)
  }

  /** Newest first; `limit` ≤ 0 = every entry kept. */
  async getBlueprintHistory (blueprintid: string, limit = 0, opts?: CallOptions): Promise<BlueprintHistory[]> {
    return list<BlueprintHistory>(await this.send({ msgtype: 'getblueprinthistorymsg', blueprintid, limit }, opts))
  }

  /** Submit a reconcile process for the blueprint now; `force` also bumps its generation. */
  async reconcileBlueprint (colonyname: string, name: string, force = false, opts?: CallOptions): Promise<Process> {
    return await this.send<Process>({ msgtype: 'reconcileblueprintmsg', namespace: colonyname, name, force }, opts)
  }
}
