import { Flags } from '@oclif/core'
import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { confirm } from '../../../confirm.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'

export default class FsSnapshotRemoveall extends ClientCommand<typeof FsSnapshotRemoveall> {
  static override summary = 'Remove every snapshot of the colony (the files stay)'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    ...colonyFlag,
    ...memberKeyFlag,
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation' })
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    if (!await confirm(`Remove every snapshot in colony ${colonyname}? This cannot be undone.`, this.flags.yes)) {
      this.logToStderr('Aborted: nothing removed (answer YES, or pass --yes)')
      this.exit(1)
    }
    await client.removeAllSnapshots(colonyname)
    this.output({ colonyname, removed: true }, () => `Removed every snapshot in colony ${colonyname}`)
  }
}
