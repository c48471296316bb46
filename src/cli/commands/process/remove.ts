import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag, processIdFlag } from '../../flags.js'

export default class ProcessRemove extends ClientCommand<typeof ProcessRemove> {
  static override summary = 'Remove a process that is not running'
  static override flags = { ...processIdFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await client.removeProcess(this.flags.processid)
    this.output({ processid: this.flags.processid, removed: true }, r => `Process ${r.processid} removed`)
  }
}
