import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'
import { chosenState, confirmRemoveAll, removeAllFlags } from '../../removeall.js'

export default class ProcessRemoveall extends ClientCommand<typeof ProcessRemoveall> {
  static override summary = 'Remove all processes of the colony, or all in one state (colony owner)'
  static override description = 'Running processes are never removed. Asks for confirmation unless --yes.'
  static override flags = {
    ...removeAllFlags('processes'),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    const [state, which] = chosenState(this.flags)
    if (!await confirmRemoveAll(which, 'processes', colonyname, this.flags.yes)) {
      this.logToStderr('Aborted: nothing removed (answer YES, or pass --yes)')
      this.exit(1)
    }
    await owner.removeAllProcesses(colonyname, state)
    this.output({ colonyname, state, removed: true }, () => `Removed ${which} processes in colony ${colonyname}`)
  }
}
