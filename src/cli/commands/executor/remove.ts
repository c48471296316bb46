import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { yesFlag } from '../../confirm.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class ExecutorRemove extends ClientCommand<typeof ExecutorRemove> {
  static override summary = 'Remove an executor (colony owner); its running processes go back to waiting'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    name: Flags.string({ description: 'Executor name', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    const executor = await owner.getExecutor(colonyname, this.flags.name)
    const self = executor.executorid === await this.signedInId()
      ? `executor ${this.flags.name} is the identity COLONIES_PRVKEY signs as: after this, commands signed with it are denied`
      : undefined
    await this.confirmOrAbort(`Remove executor ${this.flags.name} from colony ${colonyname}?`, this.flags.yes, self)
    await owner.removeExecutor(colonyname, this.flags.name)
    this.output({ colonyname, executorname: this.flags.name, removed: true }, r => `Executor ${r.executorname} removed from colony ${r.colonyname}`)
  }
}
