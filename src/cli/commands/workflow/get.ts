import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'
import { workflowDetail } from '../../views/workflow.js'
import { fetchWorkflowNodes } from '../../workflow-nodes.js'

export default class WorkflowGet extends ClientCommand<typeof WorkflowGet> {
  static override summary = 'Show one workflow: state, times, and its nodes as a tree'
  static override description = 'Each node shows its name, function, state, the executor it ran on and its process id ' +
    '(cut to 12 characters; --verbose shows full ids). A node with several parents is listed under the first, ' +
    'and marked "(see above)" under the others. --json prints the graph as the node sends it.'

  static override flags = {
    workflowid: Flags.string({ description: 'Workflow id', required: true }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const graph = await client.getProcessGraph(this.flags.workflowid)
    if (this.json) {
      this.log(JSON.stringify(graph, null, 2))
      return
    }
    const nodes = await fetchWorkflowNodes(client, graph)
    this.log(workflowDetail(graph, nodes, this.verbose))
  }
}
