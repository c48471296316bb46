import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { cronsTable } from '../../views/cron.js'

export default class CronLs extends ClientCommand<typeof CronLs> {
  static override summary = 'List the crons of the colony'
  static override flags = {
    count: Flags.integer({ description: 'Number of crons to list (at most 100)', default: 20, min: 1, max: 100 }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getCrons(colonyname, this.flags.count), list => cronsTable(list, colonyname))
  }
}
