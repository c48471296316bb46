import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { snapshotTarget, snapshotTargetFlags } from '../../../fs-flags.js'

export default class FsSnapshotRemove extends ClientCommand<typeof FsSnapshotRemove> {
  static override summary = 'Remove a snapshot (the files stay)'
  static override flags = { ...snapshotTargetFlags, ...colonyFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const target = snapshotTarget(this.flags)
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    if ('snapshotid' in target) await client.removeSnapshotById(colonyname, target.snapshotid)
    else await client.removeSnapshotByName(colonyname, target.name)
    const what = 'snapshotid' in target ? target.snapshotid : target.name
    this.output({ colonyname, ...target, removed: true }, () => `Snapshot ${what} removed`)
  }
}
