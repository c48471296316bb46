import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { ASSIGNED_EXECUTOR_KEY } from '../../config.js'
import { executorKeyFlag, processIdFlag } from '../../flags.js'

export default class LogAdd extends ClientCommand<typeof LogAdd> {
  static override summary = 'Add a message to the log of a running process (its assigned executor only)'
  static override flags = {
    ...processIdFlag,
    msg: Flags.string({ char: 'm', description: 'Message', required: true }),
    ...executorKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(ASSIGNED_EXECUTOR_KEY, this.flags.prvkey)
    const message = this.flags.msg.endsWith('\n') ? this.flags.msg : `${this.flags.msg}\n`
    await client.addLog(this.flags.processid, message)
    this.output({ processid: this.flags.processid, added: true }, r => `Log message added to process ${r.processid}`)
  }
}
