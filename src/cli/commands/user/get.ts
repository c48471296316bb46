import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { userDetail } from '../../views/user.js'

export default class UserGet extends ClientCommand<typeof UserGet> {
  static override summary = 'Show one user'
  static override flags = {
    name: Flags.string({ description: 'User name', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getUser(colonyname, this.flags.name), userDetail)
  }
}
