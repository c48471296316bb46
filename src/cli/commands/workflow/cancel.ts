import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'

export default class WorkflowCancel extends ClientCommand<typeof WorkflowCancel> {
  static override summary = 'Cancel a workflow: its waiting and running nodes are cancelled'
  static override flags = {
    workflowid: Flags.string({ description: 'Workflow id', required: true }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await client.cancelProcessGraph(this.flags.workflowid)
    this.output({ processgraphid: this.flags.workflowid, cancelled: true }, r => `Workflow ${r.processgraphid} cancelled`)
  }
}
