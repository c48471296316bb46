import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag, processIdFlag } from '../../flags.js'
import { processDetail, valuesText } from '../../views/process.js'

export default class ProcessGet extends ClientCommand<typeof ProcessGet> {
  static override summary = 'Show one process: state, times, spec, conditions, attributes'
  static override flags = {
    ...processIdFlag,
    out: Flags.boolean({ description: 'Print only the output of the process' }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const p = await client.getProcess(this.flags.processid)
    if (this.flags.out && !this.json) {
      for (const v of p.out ?? []) this.log(valuesText([v]))
      return
    }
    this.output(p, processDetail)
  }
}
