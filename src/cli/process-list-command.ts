/**
 * The five process listings (`process ps|psw|pss|psf|psc`): one state each, the same
 * filters as upstream (--executortype, --label, --initiator, --count).
 */
import { Flags, type Command, type Interfaces } from '@oclif/core'
import { ClientCommand } from './client-command.js'
import { MEMBER_KEY } from './config.js'
import { colonyFlag, memberKeyFlag } from './flags.js'
import { processesTable } from './views/process.js'

/** A listing's ceiling: enough for any screen or script, bounded so a typo cannot pull a whole archive. */
const MAX_LISTED = 100_000

export type ProcessListFlags<T extends typeof Command> = Interfaces.InferredFlags<typeof ProcessListCommand['baseFlags'] & T['flags']>

export abstract class ProcessListCommand<T extends typeof Command> extends ClientCommand<T> {
  static override baseFlags = {
    ...ClientCommand.baseFlags,
    count: Flags.integer({ description: `Number of processes to list (more than 100 are fetched in pages; at most ${MAX_LISTED})`, default: 20, min: 1, max: MAX_LISTED }),
    executortype: Flags.string({ description: 'Only processes for this executor type' }),
    label: Flags.string({ description: 'Only processes with this label' }),
    initiator: Flags.string({ description: 'Only processes submitted by this user or executor name' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  protected declare flags: ProcessListFlags<T>
  /** the state this listing shows */
  protected abstract readonly state: number

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const { count, executortype, label, initiator } = this.flags
    const processes = await client.getProcessesPaged(colonyname, this.state, { count, executortype, label, initiator })
    this.output(processes, list => processesTable(list, this.state, colonyname))
  }
}
