import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'

export default class GeneratorPack extends ClientCommand<typeof GeneratorPack> {
  static override summary = 'Pack an arg into a generator\'s queue'
  static override flags = {
    generatorid: Flags.string({ description: 'Generator id', required: true }),
    arg: Flags.string({ description: 'The arg (a string) the workflow\'s root nodes will get', required: true }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    await client.packGenerator(this.flags.generatorid, this.flags.arg)
    this.output({ generatorid: this.flags.generatorid, arg: this.flags.arg, packed: true }, r => `Packed ${JSON.stringify(r.arg)} into generator ${r.generatorid}`)
  }
}
