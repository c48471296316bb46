import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'

export default class WorkflowRemove extends ClientCommand<typeof WorkflowRemove> {
  static override summary = 'Remove a workflow that is not running, with its processes'
  static override flags = {
    workflowid: Flags.string({ description: 'Workflow id', required: true }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await client.removeProcessGraph(this.flags.workflowid)
    this.output({ processgraphid: this.flags.workflowid, removed: true }, r => `Workflow ${r.processgraphid} removed`)
  }
}
