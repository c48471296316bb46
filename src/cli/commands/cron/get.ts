import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { cronRefFlags, resolveCronId } from '../../cron-ref.js'
import { memberKeyFlag } from '../../flags.js'
import { cronDetail } from '../../views/cron.js'
import { stateName } from '../../views/process.js'

export default class CronGet extends ClientCommand<typeof CronGet> {
  static override summary = 'Show one cron: schedule, next and last run, previous workflow, and the workflow it starts'
  static override flags = {
    ...cronRefFlags,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const cronid = await resolveCronId(client, this.flags, () => this.colonyName())
    const cron = await client.getCron(cronid)
    if (this.json) {
      this.log(JSON.stringify(cron, null, 2))
      return
    }
    // the previous run's state, when that workflow still exists
    const prev = cron.prevprocessgraphid === '' ? undefined : await client.getProcessGraph(cron.prevprocessgraphid).catch(() => undefined)
    this.log(cronDetail(cron, prev === undefined ? undefined : stateName(prev.state)))
  }
}
