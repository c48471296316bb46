import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OPERATOR_KEY } from '../../config.js'
import { operatorKeyFlag } from '../../flags.js'
import { renderFields } from '../../table.js'

export default class ColonyAdd extends ClientCommand<typeof ColonyAdd> {
  static override summary = 'Add a colony (node operator)'
  static override description = 'The colony id is the id of the colony owner\'s key. Without --colonyid a fresh owner key is generated and printed: keep it, it is the only way to manage the colony.'
  static override flags = {
    name: Flags.string({ description: 'Unique name of the colony', required: true }),
    colonyid: Flags.string({ description: "Colony id (the id of the colony owner's key); generated when omitted" }),
    ...operatorKeyFlag
  }

  static override examples = [
    '<%= config.bin %> colony add --name research',
    '<%= config.bin %> colony add --name research --colonyid $(colonies security id --prvkey $OWNER_KEY)'
  ]

  async run (): Promise<void> {
    const client = await this.client(OPERATOR_KEY, this.flags.serverprvkey)
    let prvkey: string | undefined
    let colonyid = this.flags.colonyid
    if (colonyid === undefined) {
      const { generatePrivateKey, idFromPrivateKey } = await import('../../../protocol/crypto.js')
      prvkey = generatePrivateKey()
      colonyid = idFromPrivateKey(prvkey)
    }
    const colony = await client.addColony(this.flags.name, colonyid)
    this.output(prvkey === undefined ? colony : { ...colony, prvkey }, c => {
      const lines = [`Colony ${c.name} added`, renderFields([['Name', c.name], ['ColonyId', c.colonyid]])]
      if (prvkey !== undefined) {
        lines.push('', 'The colony owner key (shown once; keep it safe):',
          `  export COLONIES_COLONY_NAME=${c.name}`, `  export COLONIES_COLONY_PRVKEY=${prvkey}`)
      }
      return lines.join('\n')
    })
  }
}
