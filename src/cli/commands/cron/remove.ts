import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'
import { yesFlag } from '../../confirm.js'

export default class CronRemove extends ClientCommand<typeof CronRemove> {
  static override summary = 'Remove a cron; workflows it started are kept'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    cronid: Flags.string({ description: 'Cron id', required: true }),
    ...memberKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await this.confirmOrAbort(`Remove cron ${this.flags.cronid}?`, this.flags.yes)
    await client.removeCron(this.flags.cronid)
    this.output({ cronid: this.flags.cronid, removed: true }, r => `Cron ${r.cronid} removed`)
  }
}
