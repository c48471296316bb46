import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { cronRefFlags, resolveCronId } from '../../cron-ref.js'
import { memberKeyFlag } from '../../flags.js'

export default class CronRun extends ClientCommand<typeof CronRun> {
  static override summary = 'Start a cron\'s workflow now, outside its schedule'
  static override description = 'Prints the id of the workflow it started. With waitprevious set, refused while the previous run has not ended.'
  static override flags = {
    ...cronRefFlags,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const cronid = await resolveCronId(client, this.flags, () => this.colonyName())
    const cron = await client.runCron(cronid)
    this.output(cron, c => `Cron ${c.cronid} started workflow ${c.prevprocessgraphid}`)
  }
}
