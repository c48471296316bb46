import { Flags } from '@oclif/core'
import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { snapshotDetail } from '../../../views/fs.js'
import type { ColonyFile } from '../../../../protocol/wire-files.js'

export default class FsSnapshotCreate extends ClientCommand<typeof FsSnapshotCreate> {
  static override summary = 'Freeze the latest revision of every file at and below a label under a name'
  static override examples = ['<%= config.bin %> fs snapshot create -l /data -n release-1']
  static override flags = {
    label: Flags.string({ char: 'l', description: 'Label, e.g. /data', required: true }),
    snapshotname: Flags.string({ char: 'n', description: 'Snapshot name', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    // as upstream's CLI: "data" and "/data/" both mean /data
    const label = '/' + this.flags.label.replace(/^\/+|\/+$/g, '')
    const snapshot = await client.createSnapshot(colonyname, label, this.flags.snapshotname)
    if (this.json) {
      this.log(JSON.stringify(snapshot, null, 2))
      return
    }
    const files = new Map<string, ColonyFile>()
    for (const id of snapshot.fileids) for (const f of await client.getFileById(colonyname, id).catch(() => [])) files.set(id, f)
    this.log(`Snapshot ${snapshot.name} created\n\n${snapshotDetail(snapshot, files)}`)
  }
}
