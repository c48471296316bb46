import { ClientCommand } from '../../client-command.js'
import { OPERATOR_KEY } from '../../config.js'
import { operatorKeyFlag } from '../../flags.js'
import { coloniesTable } from '../../views/colony.js'

export default class ColonyLs extends ClientCommand<typeof ColonyLs> {
  static override summary = 'List the colonies (node operator)'
  static override flags = { ...operatorKeyFlag }

  async run (): Promise<void> {
    const client = await this.client(OPERATOR_KEY, this.flags.serverprvkey)
    this.output(await client.getColonies(), coloniesTable)
  }
}
