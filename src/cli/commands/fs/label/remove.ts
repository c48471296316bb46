import { Flags } from '@oclif/core'
import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { yesFlag } from '../../../confirm.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'

export default class FsLabelRemove extends ClientCommand<typeof FsLabelRemove> {
  static override summary = 'Remove every file (every revision) with a label or a label below it'
  static override description = 'Removes the metadata at every site, as `fs remove` does for one file; local files are not touched, ' +
    'and an S3 object stays in its bucket. Labels that merely start alike (/database for /data) are not touched. Asks first unless --yes.'

  static override examples = ['<%= config.bin %> fs label remove -l /data --yes']
  static override flags = {
    label: Flags.string({ char: 'l', description: 'Label, e.g. /data', required: true }),
    ...yesFlag,
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const { normalizeLabel } = await import('../../../../client/fs/names.js')
    const label = normalizeLabel(this.flags.label)
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const labels = label === '/' ? await client.getFileLabels(colonyname) : await client.getFileLabelsByName(colonyname, label, true)
    const files = []
    for (const l of labels) for (const d of await client.getFileData(colonyname, l.name)) files.push({ label: l.name, name: d.name })
    const result = { colonyname, label, labels: labels.map(l => l.name), files, removed: false }
    if (files.length === 0) {
      this.output(result, () => `No files with label ${label} or below it`)
      return
    }
    const question = `Remove every revision of ${files.length} files with label ${label} or below it (${labels.length} labels)? Local files are not removed.`
    await this.confirmOrAbort(question, this.flags.yes)
    for (const f of files) await client.removeFileByName(colonyname, f.label, f.name)
    result.removed = true
    this.output(result, () => `Removed ${files.length} files with label ${label} or below it (local files are not removed)`)
  }
}
