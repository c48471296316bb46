import type { ColoniesClient } from '../../../client/rpc-client.js'
import { RemoveAllCommand, removeAllFlags } from '../../removeall.js'

export default class ProcessRemoveall extends RemoveAllCommand<typeof ProcessRemoveall> {
  static override summary = 'Remove all processes of the colony, or all in one state (colony owner)'
  static override description = 'Running processes are never removed. Asks for confirmation unless --yes.'
  static override flags = removeAllFlags('processes')
  protected readonly noun = 'processes'

  protected async remove (owner: ColoniesClient, colonyname: string, state: number): Promise<void> {
    await owner.removeAllProcesses(colonyname, state)
  }
}
