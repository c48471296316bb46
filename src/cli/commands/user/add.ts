import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'
import { userDetail } from '../../views/user.js'

export default class UserAdd extends ClientCommand<typeof UserAdd> {
  static override summary = 'Add a user to the colony (colony owner)'
  static override description = "Users may submit and manage processes. Without --userid a fresh user key is generated and printed."
  static override flags = {
    name: Flags.string({ description: 'User name, unique in the colony', required: true }),
    userid: Flags.string({ description: "User id (the id of the user's key); generated when omitted" }),
    email: Flags.string({ description: 'Email' }),
    phone: Flags.string({ description: 'Phone' }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  static override examples = ['<%= config.bin %> user add --name alice --email alice@example.org']

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    let prvkey: string | undefined
    let userid = this.flags.userid
    if (userid === undefined) {
      const { generatePrivateKey, idFromPrivateKey } = await import('../../../protocol/crypto.js')
      prvkey = generatePrivateKey()
      userid = idFromPrivateKey(prvkey)
    }
    const user = await owner.addUser({ colonyname, userid, name: this.flags.name, email: this.flags.email, phone: this.flags.phone })
    this.output(prvkey === undefined ? user : { ...user, prvkey }, u => {
      const lines = [`User ${u.name} added to colony ${colonyname}`, userDetail(u)]
      if (prvkey !== undefined) lines.push('', "The user's key (shown once):", `  export COLONIES_PRVKEY=${prvkey}`)
      return lines.join('\n')
    })
  }
}
