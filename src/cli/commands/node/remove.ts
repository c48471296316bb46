import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'
import { yesFlag } from '../../confirm.js'

export default class NodeRemove extends ClientCommand<typeof NodeRemove> {
  static override summary = 'Revoke a site of the colony (colony owner): its later records are refused'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    nodeid: Flags.string({ description: 'Node id of the site', required: true }),
    ...colonyFlag,
    ...ownerKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    await this.confirmOrAbort(`Revoke node ${this.flags.nodeid} as a site of colony ${colonyname}? Its later records are refused.`, this.flags.yes)
    await owner.removeSite(colonyname, this.flags.nodeid)
    this.output({ colonyname, nodeid: this.flags.nodeid, removed: true }, r => `Node ${r.nodeid} is no longer a site of colony ${r.colonyname}`)
  }
}
