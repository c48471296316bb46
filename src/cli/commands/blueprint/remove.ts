import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'

export default class BlueprintRemove extends ClientCommand<typeof BlueprintRemove> {
  static override summary = 'Remove a blueprint (its definition\'s executor type gets a "cleanup" process)'
  static override flags = {
    name: Flags.string({ description: 'Blueprint name', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await client.removeBlueprint(colonyname, this.flags.name)
    this.output({ colonyname, name: this.flags.name, removed: true }, r => `Removed blueprint ${r.name} from colony ${r.colonyname}`)
  }
}
