import { Flags } from '@oclif/core'
import { AttributeType } from '../../../protocol/state.js'
import { ClientCommand } from '../../client-command.js'
import { ASSIGNED_EXECUTOR_KEY } from '../../config.js'
import { executorKeyFlag, processIdFlag } from '../../flags.js'
import { attributeFields } from '../../views/attribute.js'

export default class AttributeAdd extends ClientCommand<typeof AttributeAdd> {
  static override summary = 'Add an output attribute (key/value) to a running process (its assigned executor)'
  static override flags = {
    ...processIdFlag,
    key: Flags.string({ description: 'Key', required: true }),
    value: Flags.string({ description: 'Value', required: true }),
    ...executorKeyFlag
  }

  async run (): Promise<void> {
    const client = await this.client(ASSIGNED_EXECUTOR_KEY, this.flags.prvkey)
    const p = await client.getProcess(this.flags.processid)
    const attribute = await client.addAttribute({
      targetid: p.processid,
      targetcolonyname: p.spec.conditions.colonyname,
      targetprocessgraphid: p.processgraphid,
      attributetype: AttributeType.OUT,
      key: this.flags.key,
      value: this.flags.value
    })
    this.output(attribute, a => `Attribute added\n${attributeFields(a)}`)
  }
}
