import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { renderTable } from '../../table.js'

export default class LogSearch extends ClientCommand<typeof LogSearch> {
  static override summary = 'Search recent logs of the colony for a text'
  static override flags = {
    text: Flags.string({ char: 't', description: 'Text to search for', required: true }),
    days: Flags.integer({ char: 'd', description: 'Days back to search (at most 30)', default: 1, min: 1, max: 30 }),
    count: Flags.integer({ description: 'Number of results (at most 100)', default: 10, min: 1, max: 100 }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const logs = await client.searchLogs(colonyname, this.flags.text, this.flags.days, this.flags.count)
    this.output(logs, list => renderTable([
      { header: 'TIME', value: l => new Date(Math.floor(l.timestamp / 1e6)).toISOString().replace('T', ' ').slice(0, 19) },
      { header: 'PROCESS', value: l => l.processid },
      { header: 'EXECUTOR', value: l => l.executorname },
      { header: 'MESSAGE', value: l => l.message.trimEnd(), max: 80 }
    ], list, `No logs matching "${this.flags.text}" in the last ${this.flags.days} day(s)`))
  }
}
