import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'
import { attributeFields } from '../../views/attribute.js'

export default class AttributeGet extends ClientCommand<typeof AttributeGet> {
  static override summary = 'Show one attribute of a process'
  static override flags = {
    attributeid: Flags.string({ description: 'Attribute id', required: true }),
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.getAttribute(this.flags.attributeid), attributeFields)
  }
}
