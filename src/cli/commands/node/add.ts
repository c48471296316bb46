import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'

export default class NodeAdd extends ClientCommand<typeof NodeAdd> {
  static override summary = 'Admit a node as a site of the colony (colony owner)'
  static override description = 'Run it against any site of the colony. The new site (started with `colonies node start --p2p-port … --bootstrap …`, which prints its node id) then syncs the whole ledger and serves its own executors.'
  static override flags = {
    nodeid: Flags.string({ description: 'The node id the new site printed at start', required: true }),
    name: Flags.string({ description: 'A name for the site', default: '' }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    await owner.addSite(colonyname, this.flags.nodeid, this.flags.name)
    this.output({ colonyname, nodeid: this.flags.nodeid, name: this.flags.name, added: true },
      r => `Node ${r.nodeid}${r.name === '' ? '' : ` (${r.name})`} is now a site of colony ${r.colonyname}`)
  }
}
