import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'

export default class CronRemove extends ClientCommand<typeof CronRemove> {
  static override summary = 'Remove a cron; workflows it started are kept'
  static override flags = {
    cronid: Flags.string({ description: 'Cron id', required: true }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await client.removeCron(this.flags.cronid)
    this.output({ cronid: this.flags.cronid, removed: true }, r => `Cron ${r.cronid} removed`)
  }
}
