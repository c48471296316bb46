import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { statisticsFields } from '../../views/colony.js'

export default class ColonyStats extends ClientCommand<typeof ColonyStats> {
  static override summary = 'Show statistics of a colony'
  static override flags = { ...colonyFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getColonyStatistics(colonyname), s => statisticsFields(s, [['Colony', colonyname]]))
  }
}
