/**
 * The five workflow listings (`workflow ps|psw|pss|psf|psc`): one state each, newest
 * first, at most --count (20, as upstream).
 */
import { Flags, type Command, type Interfaces } from '@oclif/core'
import { ClientCommand } from './client-command.js'
import { MEMBER_KEY } from './config.js'
import { colonyFlag, memberKeyFlag } from './flags.js'
import { workflowsTable } from './views/workflow.js'

export type WorkflowListFlags<T extends typeof Command> = Interfaces.InferredFlags<typeof WorkflowListCommand['baseFlags'] & T['flags']>

export abstract class WorkflowListCommand<T extends typeof Command> extends ClientCommand<T> {
  static override baseFlags = {
    ...ClientCommand.baseFlags,
    count: Flags.integer({ description: 'Number of workflows to list (at most 100)', default: 20, min: 1, max: 100 }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  protected declare flags: WorkflowListFlags<T>
  /** the state this listing shows */
  protected abstract readonly state: number

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const graphs = await client.getProcessGraphs(colonyname, this.state, this.flags.count)
    this.output(graphs, list => workflowsTable(list, this.state, colonyname))
  }
}
