import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { snapshotsTable } from '../../../views/fs.js'

export default class FsSnapshotLs extends ClientCommand<typeof FsSnapshotLs> {
  static override summary = 'List the colony\'s snapshots, newest first'
  static override flags = { ...colonyFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getSnapshots(colonyname), s => snapshotsTable(s, colonyname))
  }
}
