import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'

export default class BlueprintReconcile extends ClientCommand<typeof BlueprintReconcile> {
  static override summary = 'Submit a reconcile process for a blueprint now'
  static override flags = {
    name: Flags.string({ description: 'Blueprint name', required: true }),
    force: Flags.boolean({ char: 'f', description: 'Force: a new generation, and `force: true` in the process\'s kwargs' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    this.output(await client.reconcileBlueprint(colonyname, this.flags.name, this.flags.force), p =>
      `Reconciliation process submitted: ${p.processid}\nUse 'colonies log get -p ${p.processid}' to view progress`)
  }
}
