import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { executorDetail } from '../../views/executor.js'

export default class ExecutorGet extends ClientCommand<typeof ExecutorGet> {
  static override summary = 'Show one executor'
  static override flags = {
    name: Flags.string({ description: 'Executor name', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getExecutor(colonyname, this.flags.name), executorDetail)
  }
}
