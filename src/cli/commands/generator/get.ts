import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'
import { generatorDetail } from '../../views/generator.js'

export default class GeneratorGet extends ClientCommand<typeof GeneratorGet> {
  static override summary = 'Show one generator: trigger, timeout, queue size, first pack, last run, and its workflow'
  static override flags = {
    generatorid: Flags.string({ description: 'Generator id', required: true }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getGenerator(this.flags.generatorid), generatorDetail)
  }
}
