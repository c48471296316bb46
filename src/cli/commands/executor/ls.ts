import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { ExecutorState } from '../../../protocol/state.js'
import { executorsTable } from '../../views/executor.js'

export default class ExecutorLs extends ClientCommand<typeof ExecutorLs> {
  static override summary = 'List the executors of the colony'
  static override flags = {
    type: Flags.string({ description: 'Only executors of this type' }),
    location: Flags.string({ description: 'Only executors at this location' }),
    filter: Flags.string({ char: 'f', description: 'Only executors whose name or type contains this text' }),
    all: Flags.boolean({ description: 'Include unregistered executors' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const { type, location, filter, all } = this.flags
    const needle = filter?.toLowerCase()
    const executors = (await client.getExecutors(colonyname)).filter(e =>
      (all || e.state !== ExecutorState.UNREGISTERED) &&
      (type === undefined || e.executortype === type) &&
      (location === undefined || (e.locationname ?? '') === location) &&
      (needle === undefined || e.executorname.toLowerCase().includes(needle) || e.executortype.toLowerCase().includes(needle)))
    this.output(executors, list => executorsTable(list, colonyname))
  }
}
