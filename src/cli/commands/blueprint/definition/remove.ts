import { Flags } from '@oclif/core'
import { ClientCommand } from '../../../client-command.js'
import { OWNER_KEY } from '../../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../../flags.js'
import { yesFlag } from '../../../confirm.js'

export default class BlueprintDefinitionRemove extends ClientCommand<typeof BlueprintDefinitionRemove> {
  static override summary = 'Remove a blueprint definition no blueprint uses any more (colony owner)'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    name: Flags.string({ description: 'Blueprint definition name', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    await this.confirmOrAbort(`Remove blueprint definition ${this.flags.name} from colony ${colonyname}?`, this.flags.yes)
    await owner.removeBlueprintDefinition(colonyname, this.flags.name)
    this.output({ colonyname, name: this.flags.name, removed: true }, r => `Removed blueprint definition ${r.name} from colony ${r.colonyname}`)
  }
}
