import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OPERATOR_KEY } from '../../config.js'
import { operatorKeyFlag } from '../../flags.js'

export default class ColonyRemove extends ClientCommand<typeof ColonyRemove> {
  static override summary = 'Remove a colony (node operator)'
  static override flags = {
    name: Flags.string({ description: 'Colony name', required: true }),
    ...operatorKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(OPERATOR_KEY, this.flags.serverprvkey)
    await client.removeColony(this.flags.name)
    this.output({ colonyname: this.flags.name, removed: true }, r => `Colony ${r.colonyname} removed`)
  }
}
