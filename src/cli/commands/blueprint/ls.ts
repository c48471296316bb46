import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { blueprintsTable } from '../../views/blueprint.js'

export default class BlueprintLs extends ClientCommand<typeof BlueprintLs> {
  static override summary = 'List the blueprints of the colony, by name'
  static override flags = {
    kind: Flags.string({ description: 'Only blueprints of this kind' }),
    location: Flags.string({ description: 'With --kind: only blueprints at this location', dependsOn: ['kind'] }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getBlueprints(colonyname, this.flags.kind ?? '', this.flags.location ?? ''), list => blueprintsTable(list, colonyname))
  }
}
