import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class ExecutorRemove extends ClientCommand<typeof ExecutorRemove> {
  static override summary = 'Remove an executor (colony owner); its running processes go back to waiting'
  static override flags = {
    name: Flags.string({ description: 'Executor name', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    await owner.removeExecutor(colonyname, this.flags.name)
    this.output({ colonyname, executorname: this.flags.name, removed: true }, r => `Executor ${r.executorname} removed from colony ${r.colonyname}`)
  }
}
