import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class NodeRemove extends ClientCommand<typeof NodeRemove> {
  static override summary = 'Revoke a site of the colony (colony owner): its later records are refused'
  static override flags = {
    nodeid: Flags.string({ description: 'Node id of the site', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    await owner.removeSite(colonyname, this.flags.nodeid)
    this.output({ colonyname, nodeid: this.flags.nodeid, removed: true }, r => `Node ${r.nodeid} is no longer a site of colony ${r.colonyname}`)
  }
}
