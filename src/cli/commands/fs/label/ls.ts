import { Flags } from '@oclif/core'
import { ClientCommand } from '../../../client-command.js'
import { MEMBER_KEY } from '../../../config.js'
import { colonyFlag, memberKeyFlag } from '../../../flags.js'
import { labelsTable } from '../../../views/fs.js'

export default class FsLabelLs extends ClientCommand<typeof FsLabelLs> {
  static override summary = 'List the labels of the colony\'s files, with how many revisions each holds'
  static override flags = {
    label: Flags.string({ char: 'l', description: 'Only this label and the labels below it' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const label = this.flags.label
    const labels = label === undefined || label === '' ? await client.getFileLabels(colonyname) : await client.getFileLabelsByName(colonyname, label, true)
    this.output(labels, l => labelsTable(l, colonyname))
  }
}
