import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { UsageError } from '../../errors.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { historyDetail, historyTable } from '../../views/blueprint.js'

export default class BlueprintHistory extends ClientCommand<typeof BlueprintHistory> {
  static override summary = 'Show a blueprint\'s changes (its generations), newest first'
  static override flags = {
    name: Flags.string({ description: 'Blueprint name', required: true }),
    limit: Flags.integer({ char: 'l', description: 'Number of history entries', default: 10, min: 1 }),
    generation: Flags.integer({ char: 'g', description: 'Show the spec and status of this generation', min: 0 }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const bp = await client.getBlueprint(colonyname, this.flags.name)
    const entries = await client.getBlueprintHistory(bp.blueprintid, this.flags.generation === undefined ? this.flags.limit : 0)
    // names for the changers' ids, as upstream's table shows them
    const names = new Map<string, string>()
    if (!this.json) {
      const [executors, users] = await Promise.all([client.getExecutors(colonyname).catch(() => []), client.getUsers(colonyname).catch(() => [])])
      for (const x of executors) names.set(x.executorid, `executor: ${x.executorname}`)
      for (const u of users) names.set(u.userid, `user: ${u.name}`)
    }
    const who = (id: string): string => names.get(id) ?? id.slice(0, 12)
    if (this.flags.generation !== undefined) {
      const h = entries.find(e => e.generation === this.flags.generation)
      if (h === undefined) throw new UsageError(`Generation ${this.flags.generation} not found in the history of blueprint ${this.flags.name}; \`colonies blueprint history --name ${this.flags.name}\` lists them`)
      this.output(h, x => historyDetail(x, who(x.changedby)))
      return
    }
    this.output(entries, list => historyTable(list, this.flags.name, who))
  }
}
