import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'
import { chosenState, confirmRemoveAll, removeAllFlags } from '../../removeall.js'

export default class WorkflowRemoveall extends ClientCommand<typeof WorkflowRemoveall> {
  static override summary = 'Remove all workflows of the colony, or all in one state (colony owner)'
  static override description = 'Running workflows are never removed. Asks for confirmation unless --yes.'
  static override flags = {
    ...removeAllFlags('workflows'),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    const [state, which] = chosenState(this.flags)
    if (!await confirmRemoveAll(which, 'workflows', colonyname, this.flags.yes)) {
      this.logToStderr('Aborted: nothing removed (answer YES, or pass --yes)')
      this.exit(1)
    }
    await owner.removeAllProcessGraphs(colonyname, state)
    this.output({ colonyname, state, removed: true }, () => `Removed ${which} workflows in colony ${colonyname}`)
  }
}
