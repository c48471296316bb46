import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag, processIdFlag } from '../../flags.js'
import { yesFlag } from '../../confirm.js'

export default class ProcessRemove extends ClientCommand<typeof ProcessRemove> {
  static override summary = 'Remove a process that is not running'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = { ...processIdFlag, ...memberKeyFlag, ...yesFlag }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await this.confirmOrAbort(`Remove process ${this.flags.processid}? This cannot be undone.`, this.flags.yes)
    await client.removeProcess(this.flags.processid)
    this.output({ processid: this.flags.processid, removed: true }, r => `Process ${r.processid} removed`)
  }
}
