/**
 * Reads a blueprint or blueprint definition file (`blueprint add|update --spec F`,
 * `blueprint definition add --spec F`): upstream's JSON, checked with the node's own
 * parser before anything is sent, so a bad file is refused naming the field. As upstream's
 * CLI does, a file that names no colony gets the one of --colonyname or the environment.
 */
import type { BlueprintRegistration } from '../client/rpc-blueprints.js'
import { parseBlueprint, parseBlueprintDefinition } from '../protocol/messages/blueprints.js'
import type { BlueprintDefinitionRegistration } from '../client/rpc-blueprints.js'
import { fail, parseJsonText, readSpecText } from './spec-file.js'

type Obj = Record<string, unknown>
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The file's JSON object with metadata.colonyname filled in when it names none. */
async function readWithColony (file: string, colony: () => string): Promise<Obj> {
  const json = parseJsonText(await readSpecText(file), file)
  if (!isObject(json)) return fail(file, '', 'must hold one JSON object')
  const metadata = json.metadata === undefined || json.metadata === null ? {} : json.metadata
  if (!isObject(metadata)) return fail(file, 'metadata', 'must be an object')
  if (metadata.colonyname === undefined || metadata.colonyname === '' || metadata.colonyname === null) return { ...json, metadata: { ...metadata, colonyname: colony() } }
  return json
}

function check (file: string, parse: () => unknown): void {
  try {
    parse()
  } catch (err) {
    const e = err as { name?: string, field?: string, message?: string }
    if (e.name !== 'ValidationError' || typeof e.field !== 'string') throw err
    // "blueprint.spec.names.kind: is required" → field "spec.names.kind", problem "is required"
    const problem = (e.message ?? '').startsWith(`${e.field}: `) ? (e.message ?? '').slice(e.field.length + 2) : (e.message ?? '')
    fail(file, e.field.replace(/^(blueprintdefinition|blueprint)\.?/, ''), problem)
  }
}

export async function loadBlueprintFile (file: string, colony: () => string): Promise<BlueprintRegistration> {
  const json = await readWithColony(file, colony)
  check(file, () => parseBlueprint(json, 'blueprint'))
  return json as unknown as BlueprintRegistration
}

export async function loadBlueprintDefinitionFile (file: string, colony: () => string): Promise<BlueprintDefinitionRegistration> {
  const json = await readWithColony(file, colony)
  check(file, () => parseBlueprintDefinition(json, 'blueprintdefinition'))
  return json as unknown as BlueprintDefinitionRegistration
}
