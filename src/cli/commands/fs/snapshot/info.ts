import type { ColonyFile } from '../../../../protocol/wire-files.js'
import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { snapshotTarget, snapshotTargetFlags } from '../../../fs-flags.js'
import { snapshotDetail } from '../../../views/fs.js'

export default class FsSnapshotInfo extends ClientCommand<typeof FsSnapshotInfo> {
  static override summary = 'Show a snapshot and the file revisions it holds'
  static override aliases = ['fs:snapshot:get']
  static override examples = ['<%= config.bin %> fs snapshot info -n release-1', '<%= config.bin %> fs snapshot get -i SNAPSHOTID']
  static override flags = { ...snapshotTargetFlags, ...colonyFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const target = snapshotTarget(this.flags)
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const snapshot = 'snapshotid' in target
      ? await client.getSnapshotById(colonyname, target.snapshotid)
      : await client.getSnapshotByName(colonyname, target.name)
    if (this.json) {
      this.log(JSON.stringify(snapshot, null, 2))
      return
    }
    const files = new Map<string, ColonyFile>()
    for (const id of snapshot.fileids) for (const f of await client.getFileById(colonyname, id).catch(() => [])) files.set(id, f)
    this.log(snapshotDetail(snapshot, files))
  }
}
