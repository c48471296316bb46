import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { yesFlag } from '../../../confirm.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'

export default class FsSnapshotRemoveall extends ClientCommand<typeof FsSnapshotRemoveall> {
  static override summary = 'Remove every snapshot of the colony (the files stay)'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    ...colonyFlag,
    ...memberKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await this.confirmOrAbort(`Remove every snapshot in colony ${colonyname}? This cannot be undone.`, this.flags.yes)
    await client.removeAllSnapshots(colonyname)
    this.output({ colonyname, removed: true }, () => `Removed every snapshot in colony ${colonyname}`)
  }
}
