import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { fileTarget, fileTargetFlags } from '../../fs-flags.js'
import { fileDetail } from '../../views/fs.js'

export default class FsInfo extends ClientCommand<typeof FsInfo> {
  static override summary = 'Show a file: one revision by --fileid, or every revision of --label and --name'
  static override examples = ['<%= config.bin %> fs info -l /data -n model.bin', '<%= config.bin %> fs info -i FILEID']
  static override flags = { ...fileTargetFlags, ...colonyFlag, ...memberKeyFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const target = fileTarget(this.flags)
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const files = 'fileid' in target
      ? await client.getFileById(colonyname, target.fileid)
      : await client.getFileByName(colonyname, target.label, target.name)
    this.output(files, list => list.map(fileDetail).join('\n\n'))
  }
}
