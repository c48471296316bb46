import type { ColoniesClient } from '../../../client/rpc-client.js'
import { RemoveAllCommand, removeAllFlags } from '../../removeall.js'

export default class WorkflowRemoveall extends RemoveAllCommand<typeof WorkflowRemoveall> {
  static override summary = 'Remove all workflows of the colony, or all in one state (colony owner)'
  static override description = 'Running workflows are never removed. Asks for confirmation unless --yes.'
  static override flags = removeAllFlags('workflows')
  protected readonly noun = 'workflows'

  protected async remove (owner: ColoniesClient, colonyname: string, state: number): Promise<void> {
    await owner.removeAllProcessGraphs(colonyname, state)
  }
}
