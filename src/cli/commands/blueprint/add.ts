import { Flags } from '@oclif/core'
import { loadBlueprintFile } from '../../blueprint-file.js'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import type { Blueprint } from '../../../protocol/wire-blueprints.js'

/** "…, reconcile process <id>" when the change asked for one. */
export function reconcileNote (b: Blueprint): string {
  return b.metadata.lastReconciliationProcess === undefined ? '' : `, reconcile process ${b.metadata.lastReconciliationProcess}`
}

export default class BlueprintAdd extends ClientCommand<typeof BlueprintAdd> {
  static override summary = 'Add a blueprint: the desired state of one thing of a defined kind'
  static override description = 'The file is upstream\'s JSON: {"kind", "metadata": {"name", "colonyname", "locationname"}, "spec": {...}}. ' +
    'Its kind needs a definition in the colony, whose schema the spec must satisfy. When the definition names a handler, ' +
    'a reconcile process is submitted to its executor type.'

  static override flags = {
    spec: Flags.string({ description: 'JSON file holding the blueprint', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  static override examples = ['<%= config.bin %> blueprint add --spec blueprints/living-room-light.json']

  async run (): Promise<void> {
    const bp = await loadBlueprintFile(this.flags.spec, () => this.colonyName())
    this.colonyFromFile(bp.metadata.colonyname, this.flags.spec, 'metadata.colonyname')
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.addBlueprint(bp), b => `Added blueprint ${b.metadata.name} (kind ${b.kind}) ${b.blueprintid}${reconcileNote(b)}`)
  }
}
