import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class ExecutorReject extends ClientCommand<typeof ExecutorReject> {
  static override summary = 'Reject an executor (colony owner)'
  static override flags = {
    name: Flags.string({ description: 'Executor name', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    await owner.rejectExecutor(colonyname, this.flags.name)
    this.output({ colonyname, executorname: this.flags.name, rejected: true }, r => `Executor ${r.executorname} rejected in colony ${r.colonyname}`)
  }
}
