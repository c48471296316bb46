import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { generatorsTable } from '../../views/generator.js'

export default class GeneratorLs extends ClientCommand<typeof GeneratorLs> {
  static override summary = 'List the generators of the colony'
  static override flags = {
    count: Flags.integer({ description: 'Number of generators to list (at most 100)', default: 20, min: 1, max: 100 }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getGenerators(colonyname, this.flags.count), list => generatorsTable(list, colonyname))
  }
}
