/**
 * Blueprints (upstream pkg/rpc/*blueprint*_msg.go, pkg/core/blueprint.go): definitions
 * that name a kind, its schema and the executor type that reconciles it, and blueprints,
 * the desired state (`spec`) of one thing of a kind, with the state a reconciler reports
 * (`status`). Upstream names the colony `namespace` in some messages and `colonyname` in
 * others; the names here are the ones its SDKs send.
 *
 * What a client may leave out or may not set:
 * - A definition's or blueprint's `metadata.generation`, `createdAt`, `updatedAt` and
 *   `lastReconciliation*` are the node's to set: sent ones are ignored (upstream stores
 *   what the client sent; every site must agree on them, so here the ledger decides).
 * - Ids are the node's to set too: a definition or blueprint is known by the id of the
 *   record that added it, the same at every site.
 * - A blueprint's `handler` (sent by the SDKs' examples) is not a blueprint field
 *   upstream and is dropped: the definition names the handler.
 * Required here though not upstream: metadata.name, metadata.colonyname, a blueprint's
 * kind (upstream answers 400 for an empty kind too) and a definition's spec.names.kind
 * (a definition without one can never match a blueprint).
 */
import { ValidationError } from '../errors.js'
import {
  expectObject, getField, type JsonObject, readInt, readJsonObject, readNonEmptyString, readString, readStringArray,
  readStringMap
} from '../json.js'
import { parseValidationSchema, type ValidationSchema } from '../blueprint-schema.js'
import { bool, child, id, name, type Obj, type ParsersOf, ROOT, str } from './readers.js'

export interface BlueprintMetadataInput {
  name: string
  colonyname: string
  /** "" = no location; upstream omits it when empty */
  locationname: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

export interface BlueprintInput {
  kind: string
  metadata: BlueprintMetadataInput
  /** the desired state: any JSON object */
  spec: JsonObject
  /** the current state as a reconciler reports it */
  status: JsonObject
}

export interface BlueprintDefinitionNames {
  kind: string
  listKind: string
  singular: string
  plural: string
  shortNames: string[]
}

export interface BlueprintHandler {
  executorType: string
  functionName: string
  /** seconds; upstream's server does not use it */
  reconcileInterval: number
}

export interface BlueprintDefinitionInput {
  /** upstream stores whatever the client sends ("BlueprintDefinition" or the kind itself) */
  kind: string
  metadata: BlueprintMetadataInput
  spec: {
    group: string
    version: string
    names: BlueprintDefinitionNames
    /** "Namespaced" or "Cluster"; upstream does not check it */
    scope: string
    schema?: ValidationSchema
    handler: BlueprintHandler
  }
}

export interface AddBlueprintDefinitionMsg { msgtype: 'addblueprintdefinitionmsg', blueprintdefinition: BlueprintDefinitionInput }
export interface GetBlueprintDefinitionMsg { msgtype: 'getblueprintdefinitionmsg', colonyname: string, name: string }
export interface GetBlueprintDefinitionsMsg { msgtype: 'getblueprintdefinitionsmsg', colonyname: string }
export interface RemoveBlueprintDefinitionMsg { msgtype: 'removeblueprintdefinitionmsg', namespace: string, name: string }
export interface AddBlueprintMsg { msgtype: 'addblueprintmsg', blueprint: BlueprintInput }
export interface GetBlueprintMsg { msgtype: 'getblueprintmsg', namespace: string, name: string }
/** kind "" = every kind (and then locationname is ignored, as upstream does) */
export interface GetBlueprintsMsg { msgtype: 'getblueprintsmsg', namespace: string, kind: string, locationname: string }
/** forcegeneration: a new generation (and a reconcile process) even when the spec is unchanged */
export interface UpdateBlueprintMsg { msgtype: 'updateblueprintmsg', blueprint: BlueprintInput, forcegeneration: boolean }
export interface RemoveBlueprintMsg { msgtype: 'removeblueprintmsg', namespace: string, name: string }
export interface UpdateBlueprintStatusMsg { msgtype: 'updateblueprintstatusmsg', colonyname: string, blueprintname: string, status: JsonObject }
/** limit ≤ 0: every entry kept */
export interface GetBlueprintHistoryMsg { msgtype: 'getblueprinthistorymsg', blueprintid: string, limit: number }
export interface ReconcileBlueprintMsg { msgtype: 'reconcileblueprintmsg', namespace: string, name: string, force: boolean }

export type BlueprintMessage =
  | AddBlueprintDefinitionMsg | GetBlueprintDefinitionMsg | GetBlueprintDefinitionsMsg | RemoveBlueprintDefinitionMsg
  | AddBlueprintMsg | GetBlueprintMsg | GetBlueprintsMsg | UpdateBlueprintMsg | RemoveBlueprintMsg
  | UpdateBlueprintStatusMsg | GetBlueprintHistoryMsg | ReconcileBlueprintMsg

function parseMetadata (o: Obj, path: string): BlueprintMetadataInput {
  const m = expectObject(getField(o, 'metadata'), `${path}.metadata`, true)
  const p = `${path}.metadata`
  return {
    name: readNonEmptyString(m, 'name', p),
    colonyname: readNonEmptyString(m, 'colonyname', p),
    locationname: readString(m, 'locationname', p),
    labels: readStringMap(m, 'labels', p),
    annotations: readStringMap(m, 'annotations', p)
  }
}

export function parseBlueprint (v: unknown, path: string): BlueprintInput {
  const o = expectObject(v, path)
  const kind = readString(o, 'kind', path)
  if (kind === '') throw new ValidationError(`${path}.kind`, 'is required: the kind of a blueprint definition of the colony')
  return {
    kind,
    metadata: parseMetadata(o, path),
    spec: readJsonObject(o, 'spec', path),
    status: readJsonObject(o, 'status', path)
  }
}

export function parseBlueprintDefinition (v: unknown, path: string): BlueprintDefinitionInput {
  const o = expectObject(v, path)
  const sp = `${path}.spec`
  const spec = expectObject(getField(o, 'spec'), sp, true)
  const names = expectObject(getField(spec, 'names'), `${sp}.names`, true)
  const handler = expectObject(getField(spec, 'handler'), `${sp}.handler`, true)
  const schema = parseValidationSchema(getField(spec, 'schema'), `${sp}.schema`)
  const np = `${sp}.names`
  const hp = `${sp}.handler`
  return {
    kind: readString(o, 'kind', path),
    metadata: parseMetadata(o, path),
    spec: {
      group: readString(spec, 'group', sp),
      version: readString(spec, 'version', sp),
      names: {
        kind: readNonEmptyString(names, 'kind', np),
        listKind: readString(names, 'listKind', np),
        singular: readString(names, 'singular', np),
        plural: readString(names, 'plural', np),
        shortNames: readStringArray(names, 'shortNames', np)
      },
      scope: readString(spec, 'scope', sp),
      ...(schema === undefined ? {} : { schema }),
      handler: {
        executorType: readString(handler, 'executorType', hp),
        functionName: readString(handler, 'functionName', hp),
        reconcileInterval: readInt(handler, 'reconcileInterval', hp)
      }
    }
  }
}

export const BLUEPRINT_PARSERS: ParsersOf<BlueprintMessage> = {
  addblueprintdefinitionmsg: o => ({ blueprintdefinition: parseBlueprintDefinition(child(o, 'blueprintdefinition'), 'blueprintdefinition') }),
  getblueprintdefinitionmsg: o => ({ colonyname: name(o, 'colonyname'), name: name(o, 'name') }),
  getblueprintdefinitionsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  removeblueprintdefinitionmsg: o => ({ namespace: name(o, 'namespace'), name: name(o, 'name') }),
  addblueprintmsg: o => ({ blueprint: parseBlueprint(child(o, 'blueprint'), 'blueprint') }),
  getblueprintmsg: o => ({ namespace: name(o, 'namespace'), name: name(o, 'name') }),
  getblueprintsmsg: o => ({ namespace: name(o, 'namespace'), kind: str(o, 'kind'), locationname: str(o, 'locationname') }),
  updateblueprintmsg: o => ({ blueprint: parseBlueprint(child(o, 'blueprint'), 'blueprint'), forcegeneration: bool(o, 'forcegeneration') }),
  removeblueprintmsg: o => ({ namespace: name(o, 'namespace'), name: name(o, 'name') }),
  updateblueprintstatusmsg: o => ({ colonyname: name(o, 'colonyname'), blueprintname: name(o, 'blueprintname'), status: readJsonObject(o, 'status', ROOT) }),
  getblueprinthistorymsg: o => ({ blueprintid: id(o, 'blueprintid'), limit: readInt(o, 'limit', ROOT) }),
  reconcileblueprintmsg: o => ({ namespace: name(o, 'namespace'), name: name(o, 'name'), force: bool(o, 'force') })
}
