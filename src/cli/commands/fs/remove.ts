import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { fileTarget, fileTargetFlags } from '../../fs-flags.js'
import { yesFlag } from '../../confirm.js'

export default class FsRemove extends ClientCommand<typeof FsRemove> {
  static override summary = 'Remove a file: one revision by --fileid, or every revision of --label and --name'
  static override description = 'Removes the metadata at every site. The content of a colonynet file goes once nothing (no revision, no snapshot) names it; an S3 object stays in its bucket. Local files are not touched. Asks first unless --yes.'
  static override examples = ['<%= config.bin %> fs remove -l /data -n model.bin', '<%= config.bin %> fs remove -i FILEID']
  static override flags = { ...fileTargetFlags, ...colonyFlag, ...memberKeyFlag, ...yesFlag }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const target = fileTarget(this.flags)
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const what = 'fileid' in target ? `file ${target.fileid}` : `every revision of ${target.name} with label ${target.label}`
    await this.confirmOrAbort(`Remove ${what} in colony ${colonyname}? Local files are not removed.`, this.flags.yes)
    if ('fileid' in target) await client.removeFileById(colonyname, target.fileid)
    else await client.removeFileByName(colonyname, target.label, target.name)
    this.output({ colonyname, ...target, removed: true }, () => `Removed ${what} (local files are not removed)`)
  }
}
