import { Flags } from '@oclif/core'
import type { JsonObject, JsonValue } from '../../../protocol/json.js'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { UsageError } from '../../errors.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { reconcileNote } from './add.js'

/** The spec with the field at `key` ("replicas", "env.TZ"; a leading "spec." is dropped) set to `value`; the field must exist. */
export function setField (spec: JsonObject, key: string, value: JsonValue): JsonObject {
  const parts = key.replace(/^spec\./, '').split('.')
  const out = structuredClone(spec)
  let at: JsonObject = out
  for (const [i, part] of parts.entries()) {
    if (!Object.hasOwn(at, part)) throw new UsageError(`Invalid key: '${key}' (field '${part}' does not exist in the blueprint spec); \`colonies blueprint get\` shows the spec`)
    if (i === parts.length - 1) {
      at[part] = value
      break
    }
    const next = at[part]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) throw new UsageError(`Invalid key path: '${key}' (cannot navigate through non-object at '${part}')`)
    at = next
  }
  return out
}

/** Upstream's reading of --value: JSON when it parses (numbers, booleans, objects), else the text. */
export function parseValue (text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue
  } catch {
    return text
  }
}

export default class BlueprintSet extends ClientCommand<typeof BlueprintSet> {
  static override summary = 'Set one field of a blueprint\'s spec, and reconcile'
  static override description = 'The field must exist already (dot notation for nested fields). The value is read as JSON when it ' +
    'parses (true, 75, "x", {...}), else as text. A changed spec is a new generation and its definition\'s handler gets a ' +
    'reconcile process; when the update asked for none (the value was unchanged), one is requested, as upstream\'s CLI does.'

  static override flags = {
    name: Flags.string({ description: 'Blueprint name', required: true }),
    key: Flags.string({ description: 'Field key, e.g. spec.replicas or env.TZ', required: true }),
    value: Flags.string({ description: 'New value for the field', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  static override examples = [
    '<%= config.bin %> blueprint set --name bedroom-light --key spec.power --value true',
    '<%= config.bin %> blueprint set --name bedroom-light --key spec.room --value "Master Bedroom"'
  ]

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const bp = await client.getBlueprint(colonyname, this.flags.name)
    const spec = setField(bp.spec, this.flags.key, parseValue(this.flags.value))
    const updated = await client.updateBlueprint({ ...bp, spec })
    let note = reconcileNote(updated)
    if (updated.metadata.lastReconciliationProcess === bp.metadata.lastReconciliationProcess) {
      const p = await client.reconcileBlueprint(colonyname, this.flags.name).catch((err: Error) => {
        this.logToStderr(`Warning: no reconciliation triggered: ${err.message}`)
        return undefined
      })
      if (p !== undefined) note = `, reconcile process ${p.processid}`
    }
    this.output(updated, b => `Set ${this.flags.key} of blueprint ${b.metadata.name}, generation ${b.metadata.generation ?? 0}${note}`)
  }
}
