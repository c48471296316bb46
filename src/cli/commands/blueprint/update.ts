import { Flags } from '@oclif/core'
import { loadBlueprintFile } from '../../blueprint-file.js'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { reconcileNote } from './add.js'

export default class BlueprintUpdate extends ClientCommand<typeof BlueprintUpdate> {
  static override summary = 'Replace a blueprint with the one in a file (a changed spec is a new generation, reconciled)'
  static override description = 'The blueprint is named by the file\'s metadata.name. As upstream, the whole blueprint is replaced: ' +
    'its kind, metadata, spec and status (a file without status clears the reported status).'

  static override flags = {
    spec: Flags.string({ description: 'JSON file holding the blueprint', required: true }),
    force: Flags.boolean({ description: 'A new generation, and a reconcile process, even when the spec is unchanged' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const bp = await loadBlueprintFile(this.flags.spec, () => this.colonyName())
    this.colonyFromFile(bp.metadata.colonyname, this.flags.spec, 'metadata.colonyname')
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.updateBlueprint(bp, this.flags.force), b =>
      `Updated blueprint ${b.metadata.name}, generation ${b.metadata.generation ?? 0}${reconcileNote(b)}`)
  }
}
