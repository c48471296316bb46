import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { confirm } from '../../confirm.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class UserRemove extends ClientCommand<typeof UserRemove> {
  static override summary = 'Remove a user from the colony (colony owner)'
  static override flags = {
    name: Flags.string({ description: 'User name', required: true }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation' }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    if (!await confirm(`Remove user ${this.flags.name} from colony ${colonyname}?`, this.flags.yes)) {
      this.logToStderr('Aborted: nothing removed (answer YES, or pass --yes)')
      this.exit(1)
    }
    await owner.removeUser(colonyname, this.flags.name)
    this.output({ colonyname, name: this.flags.name, removed: true }, r => `User ${r.name} removed from colony ${r.colonyname}`)
  }
}
