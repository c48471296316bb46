import { Flags } from '@oclif/core'
import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { definitionDetail } from '../../../views/blueprint.js'

export default class BlueprintDefinitionGet extends ClientCommand<typeof BlueprintDefinitionGet> {
  static override summary = 'Show one blueprint definition: kind, handler and schema'
  static override flags = {
    name: Flags.string({ description: 'Blueprint definition name', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getBlueprintDefinition(colonyname, this.flags.name), definitionDetail)
  }
}
