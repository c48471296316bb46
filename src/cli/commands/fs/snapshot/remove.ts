import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { snapshotTarget, snapshotTargetFlags } from '../../../fs-flags.js'
import { yesFlag } from '../../../confirm.js'

export default class FsSnapshotRemove extends ClientCommand<typeof FsSnapshotRemove> {
  static override summary = 'Remove a snapshot (the files stay)'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = { ...snapshotTargetFlags, ...colonyFlag, ...memberKeyFlag, ...yesFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const target = snapshotTarget(this.flags)
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const what = 'snapshotid' in target ? target.snapshotid : target.name
    await this.confirmOrAbort(`Remove snapshot ${what} in colony ${colonyname}? The files stay.`, this.flags.yes)
    if ('snapshotid' in target) await client.removeSnapshotById(colonyname, target.snapshotid)
    else await client.removeSnapshotByName(colonyname, target.name)
    this.output({ colonyname, ...target, removed: true }, () => `Snapshot ${what} removed`)
  }
}
