import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { functionsTable, summarizeFunctions } from '../../views/function.js'

export default class FunctionLs extends ClientCommand<typeof FunctionLs> {
  static override summary = 'List the functions executors of the colony offer, with call statistics'
  static override flags = { ...colonyFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const functions = await client.getFunctions(colonyname)
    if (this.json) this.log(JSON.stringify(functions, null, 2))
    else this.log(functionsTable(summarizeFunctions(functions), colonyname))
  }
}
