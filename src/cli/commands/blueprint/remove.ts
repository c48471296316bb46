import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { yesFlag } from '../../confirm.js'

export default class BlueprintRemove extends ClientCommand<typeof BlueprintRemove> {
  static override summary = 'Remove a blueprint (its definition\'s executor type gets a "cleanup" process)'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    name: Flags.string({ description: 'Blueprint name', required: true }),
    ...colonyFlag,
    ...memberKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await this.confirmOrAbort(`Remove blueprint ${this.flags.name} from colony ${colonyname}?`, this.flags.yes)
    await client.removeBlueprint(colonyname, this.flags.name)
    this.output({ colonyname, name: this.flags.name, removed: true }, r => `Removed blueprint ${r.name} from colony ${r.colonyname}`)
  }
}
