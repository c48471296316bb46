import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { cronRefFlags, resolveCronId } from '../../cron-ref.js'
import { memberKeyFlag } from '../../flags.js'
import { yesFlag } from '../../confirm.js'

export default class CronRemove extends ClientCommand<typeof CronRemove> {
  static override summary = 'Remove a cron; workflows it started are kept'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    ...cronRefFlags,
    ...memberKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const cronid = await resolveCronId(client, this.flags, () => this.colonyName())
    await this.confirmOrAbort(`Remove cron ${cronid}?`, this.flags.yes)
    await client.removeCron(cronid)
    this.output({ cronid, removed: true }, r => `Cron ${r.cronid} removed`)
  }
}
