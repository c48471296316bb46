import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'
import { yesFlag } from '../../confirm.js'

export default class WorkflowRemove extends ClientCommand<typeof WorkflowRemove> {
  static override summary = 'Remove a workflow that is not running, with its processes'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    workflowid: Flags.string({ description: 'Workflow id', required: true }),
    ...memberKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await this.confirmOrAbort(`Remove workflow ${this.flags.workflowid} and its processes? This cannot be undone.`, this.flags.yes)
    await client.removeProcessGraph(this.flags.workflowid)
    this.output({ processgraphid: this.flags.workflowid, removed: true }, r => `Workflow ${r.processgraphid} removed`)
  }
}
