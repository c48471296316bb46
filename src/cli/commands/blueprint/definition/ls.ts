import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { definitionsTable } from '../../../views/blueprint.js'

export default class BlueprintDefinitionLs extends ClientCommand<typeof BlueprintDefinitionLs> {
  static override summary = 'List the blueprint definitions of the colony'
  static override flags = {
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getBlueprintDefinitions(colonyname), list => definitionsTable(list, colonyname))
  }
}
