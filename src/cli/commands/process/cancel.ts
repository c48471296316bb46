import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag, processIdFlag } from '../../flags.js'

export default class ProcessCancel extends ClientCommand<typeof ProcessCancel> {
  static override summary = 'Cancel a waiting or running process'
  static override flags = { ...processIdFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await client.cancelProcess(this.flags.processid)
    this.output({ processid: this.flags.processid, cancelled: true }, r => `Process ${r.processid} cancelled`)
  }
}
