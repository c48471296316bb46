import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { blueprintDetail } from '../../views/blueprint.js'
import { stateName } from '../../views/process.js'

export default class BlueprintGet extends ClientCommand<typeof BlueprintGet> {
  static override summary = 'Show one blueprint: its desired state (spec), reported state (status) and last reconciliation'
  static override flags = {
    name: Flags.string({ description: 'Blueprint name', required: true }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const client = await this.client(MEMBER_KEY, this.flags.prvkey)
    const bp = await client.getBlueprint(colonyname, this.flags.name)
    if (this.json) {
      this.log(JSON.stringify(bp, null, 2))
      return
    }
    // the last reconcile process's state, while that process is still kept
    const pid = bp.metadata.lastReconciliationProcess
    const p = pid === undefined ? undefined : await client.getProcess(pid).catch(() => undefined)
    this.log(blueprintDetail(bp, p === undefined ? undefined : stateName(p.state)))
  }
}
