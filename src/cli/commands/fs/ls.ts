import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { type FileListing, filesTable } from '../../views/fs.js'

export default class FsLs extends ClientCommand<typeof FsLs> {
  static override summary = 'List the files with a label: each name\'s latest revision and how many revisions it has'
  static override examples = ['<%= config.bin %> fs ls -l /data']
  static override flags = {
    label: Flags.string({ char: 'l', description: 'Label, e.g. /data', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const label = this.flags.label
    const listing: FileListing[] = []
    for (const data of await client.getFileData(colonyname, label)) {
      // every revision, newest first: the first is the latest (a name removed meanwhile is skipped)
      const revisions = await client.getFileByName(colonyname, label, data.name).catch(() => [])
      const [latest] = revisions
      if (latest !== undefined) listing.push({ ...latest, revisions: revisions.length })
    }
    this.output(listing, l => filesTable(l, label))
  }
}
