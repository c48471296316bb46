import { Flags } from '@oclif/core'
import { ProcessState } from '../../../protocol/state.js'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { ProcessEndedError } from '../../errors.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { stateName } from '../../views/process.js'
import { failedNodesText, workflowDetail } from '../../views/workflow.js'
import { fetchWorkflowNodes } from '../../workflow-nodes.js'
import { loadWorkflowSpecFile } from '../../workflow-spec-file.js'
import { waitUntilWorkflowEnded } from '../../workflow-watch.js'

export default class WorkflowSubmit extends ClientCommand<typeof WorkflowSubmit> {
  static override summary = 'Submit a workflow: a JSON file of function specs linked by conditions.dependencies'
  static override description = 'The file holds a JSON array of function specs (as upstream), or an object {"colonyname", "functionspecs"}. ' +
    'It is checked before it is sent: an unknown dependency, a duplicate node name or a dependency cycle is refused, naming it. ' +
    'The colony is --colonyname, else the one the file names, else COLONIES_COLONY_NAME. ' +
    'With --wait, waits until the workflow has ended, prints its nodes, and exits 1 if it failed or was cancelled.'

  static override flags = {
    spec: Flags.string({ description: 'JSON file holding the workflow spec', required: true }),
    wait: Flags.boolean({ description: 'Wait until the workflow has ended; exit 1 if it failed or was cancelled' }),
    timeout: Flags.integer({ description: 'With --wait: give up after this many seconds (0 = never)', default: 0, min: 0 }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  static override examples = [
    '<%= config.bin %> workflow submit --spec examples/workflow.json',
    '<%= config.bin %> workflow submit --spec pipeline.json --wait --timeout 600'
  ]

  async run (): Promise<void> {
    const spec = await loadWorkflowSpecFile(this.flags.spec, named => named === '' || this.flags.colonyname !== undefined ? this.colonyName() : named)
    this.colonyFromFile(spec.colonyname, this.flags.spec, 'colonyname')
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const submitted = await client.submitWorkflowSpec(spec)
    const id = submitted.processgraphid
    const count = (submitted.processids ?? []).length
    if (!this.flags.wait) {
      this.output(submitted, g => `Submitted workflow ${g.processgraphid} (${count} node${count === 1 ? '' : 's'})`)
      return
    }
    this.note(`Submitted workflow ${id} (${count} node${count === 1 ? '' : 's'}), waiting for it to end`)

    const ended = await waitUntilWorkflowEnded(client, id, {
      timeoutSec: this.flags.timeout,
      onState: g => { if (g.state !== ProcessState.WAITING) this.note(`Workflow ${id}: ${stateName(g.state)}`) }
    })
    const successful = ended.state === ProcessState.SUCCESS
    const nodes = !this.json || !successful ? await fetchWorkflowNodes(client, ended) : undefined
    if (this.json) this.log(JSON.stringify(ended, null, 2))
    else if (nodes !== undefined) this.log(workflowDetail(ended, nodes, this.verbose))
    if (!successful) {
      const errors = nodes === undefined ? '' : failedNodesText(ended, nodes)
      throw new ProcessEndedError(`workflow ${id} ${stateName(ended.state).toLowerCase()}${errors === '' ? '' : `: ${errors}`}`)
    }
  }
}
