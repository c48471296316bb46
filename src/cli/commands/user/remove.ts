import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { yesFlag } from '../../confirm.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class UserRemove extends ClientCommand<typeof UserRemove> {
  static override summary = 'Remove a user from the colony (colony owner)'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    name: Flags.string({ description: 'User name', required: true }),
    ...yesFlag,
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    const user = await owner.getUser(colonyname, this.flags.name)
    const self = user.userid === await this.signedInId()
      ? `user ${this.flags.name} is the identity COLONIES_PRVKEY signs as: after this, commands signed with it are denied`
      : undefined
    await this.confirmOrAbort(`Remove user ${this.flags.name} from colony ${colonyname}?`, this.flags.yes, self)
    await owner.removeUser(colonyname, this.flags.name)
    this.output({ colonyname, name: this.flags.name, removed: true }, r => `User ${r.name} removed from colony ${r.colonyname}`)
  }
}
