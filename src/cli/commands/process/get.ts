import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag, processIdFlag } from '../../flags.js'
import { processDetail, valuesText } from '../../views/process.js'

export default class ProcessGet extends ClientCommand<typeof ProcessGet> {
  static override summary = 'Show one process: state, times, spec, conditions, attributes, and whether it ran more than once'
  static override description = 'A process that both sides of a partition claimed may have run at two sites: the table then lists, beyond the execution that won, each other one (attempt, site, executor, its losing claim), and --json adds them as "duplicates" (absent when it ran once).'
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
    // colonynet's history says whether it ran more than once (an upstream server has none of it)
    const duplicates = await client.getProcessHistory(p.processid).then(h => h.duplicates ?? [], () => [])
    this.output(duplicates.length === 0 ? p : { ...p, duplicates }, processDetail)
  }
}
