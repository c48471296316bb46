import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { usersTable } from '../../views/user.js'

export default class UserLs extends ClientCommand<typeof UserLs> {
  static override summary = 'List the users of the colony'
  static override flags = { ...colonyFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getUsers(colonyname), users => usersTable(users, colonyname))
  }
}
