import { Flags } from '@oclif/core'
import { ProcessState, STATE_NOTSET } from '../../../protocol/spec.js'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { confirm } from '../../confirm.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class WorkflowRemoveall extends ClientCommand<typeof WorkflowRemoveall> {
  static override summary = 'Remove all workflows of the colony, or all in one state (colony owner)'
  static override description = 'Running workflows are never removed. Asks for confirmation unless --yes.'
  static override flags = {
    waiting: Flags.boolean({ description: 'Only waiting workflows', exclusive: ['successful', 'failed', 'cancelled'] }),
    successful: Flags.boolean({ description: 'Only successful workflows', exclusive: ['waiting', 'failed', 'cancelled'] }),
    failed: Flags.boolean({ description: 'Only failed workflows', exclusive: ['waiting', 'successful', 'cancelled'] }),
    cancelled: Flags.boolean({ description: 'Only cancelled workflows', exclusive: ['waiting', 'successful', 'failed'] }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation' }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    const f = this.flags
    const [state, which] = f.waiting
      ? [ProcessState.WAITING, 'waiting']
      : f.successful
        ? [ProcessState.SUCCESS, 'successful']
        : f.failed ? [ProcessState.FAILED, 'failed'] : f.cancelled ? [ProcessState.CANCELLED, 'cancelled'] : [STATE_NOTSET, 'all']
    if (!await confirm(`Remove ${which} workflows in colony ${colonyname}? This cannot be undone.`, f.yes)) {
      this.logToStderr('Aborted: nothing removed (answer YES, or pass --yes)')
      this.exit(1)
    }
    await owner.removeAllProcessGraphs(colonyname, state)
    this.output({ colonyname, state, removed: true }, () => `Removed ${which} workflows in colony ${colonyname}`)
  }
}
