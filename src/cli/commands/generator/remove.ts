import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'
import { yesFlag } from '../../confirm.js'

export default class GeneratorRemove extends ClientCommand<typeof GeneratorRemove> {
  static override summary = 'Remove a generator and its queued args'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    generatorid: Flags.string({ description: 'Generator id', required: true }),
    ...memberKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await this.confirmOrAbort(`Remove generator ${this.flags.generatorid} and its queued args?`, this.flags.yes)
    await client.removeGenerator(this.flags.generatorid)
    this.output({ generatorid: this.flags.generatorid, removed: true }, r => `Generator ${r.generatorid} removed`)
  }
}
