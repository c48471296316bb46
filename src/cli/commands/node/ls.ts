import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { renderTable } from '../../table.js'

export default class NodeLs extends ClientCommand<typeof NodeLs> {
  static override summary = 'List the sites of the colony: connected, last seen, how far behind'
  static override description = 'BEHIND counts the batches of each origin\'s log that the site lacked at its last sync with the node you ask.'
  static override flags = {
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const sites = await client.getSites(colonyname)
    this.output(sites, list => renderTable([
      { header: 'NODE', value: s => s.nodeid.slice(0, 16) + (s.self ? ' (this)' : '') },
      { header: 'NAME', value: s => s.name },
      { header: 'CONNECTED', value: s => s.connected ? 'yes' : 'no' },
      { header: 'LAST SEEN', value: s => s.lastseen === 0 ? 'never' : new Date(s.lastseen).toISOString().replace('T', ' ').slice(0, 19) },
      {
        header: 'BEHIND',
        value: s => {
          const parts = Object.entries(s.behind).map(([origin, n]) => `${origin.slice(0, 8)}:${n}`)
          return parts.length === 0 ? 'in sync' : parts.join(' ')
        }
      }
    ], list, `No sites found in colony ${colonyname}`))
  }
}
