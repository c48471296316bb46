import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class ExecutorApprove extends ClientCommand<typeof ExecutorApprove> {
  static override summary = 'Approve a pending executor (colony owner)'
  static override flags = {
    name: Flags.string({ description: 'Executor name', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    await owner.approveExecutor(colonyname, this.flags.name)
    this.output({ colonyname, executorname: this.flags.name, approved: true }, r => `Executor ${r.executorname} approved in colony ${r.colonyname}`)
  }
}
