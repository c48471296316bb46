import { Flags } from '@oclif/core'
import { loadBlueprintDefinitionFile } from '../../../blueprint-file.js'
import { ClientCommand } from '../../../client-command.js'
import { OWNER_KEY } from '../../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../../flags.js'

export default class BlueprintDefinitionAdd extends ClientCommand<typeof BlueprintDefinitionAdd> {
  static override summary = 'Add a blueprint definition: a kind, its schema and the executor type that reconciles it (colony owner)'
  static override description = 'The file is upstream\'s JSON: {"kind", "metadata": {"name", "colonyname"}, "spec": {"names": {"kind"}, ' +
    '"schema", "handler": {"executorType", "functionName"}}}. Without a colonyname, the colony of --colonyname or COLONIES_COLONY_NAME is used.'

  static override flags = {
    spec: Flags.string({ description: 'JSON file holding the blueprint definition', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  static override examples = ['<%= config.bin %> blueprint definition add --spec home-device-def.json']

  async run (): Promise<void> {
    const def = await loadBlueprintDefinitionFile(this.flags.spec, () => this.colonyName())
    this.colonyFromFile(def.metadata.colonyname, this.flags.spec, 'metadata.colonyname')
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    this.output(await owner.addBlueprintDefinition(def), d =>
      `Added blueprint definition ${d.metadata.name} (kind ${d.spec.names.kind}) ${d.blueprintdefinitionid}`)
  }
}
