import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { OWNER_KEY } from '../../config.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'
import { executorDetail } from '../../views/executor.js'

export default class ExecutorAdd extends ClientCommand<typeof ExecutorAdd> {
  static override summary = 'Add an executor to the colony (colony owner)'
  static override description = 'The executor starts Pending until approved (or pass --approve). Without --executorid a fresh executor key is generated and printed.'
  static override flags = {
    name: Flags.string({ description: 'Executor name, unique in the colony', required: true }),
    type: Flags.string({ description: 'Executor type, matched against conditions.executortype', required: true }),
    executorid: Flags.string({ description: "Executor id (the id of the executor's key); generated when omitted" }),
    location: Flags.string({ description: 'Location name' }),
    approve: Flags.boolean({ description: 'Approve the executor too' }),
    ...colonyFlag,
    ...ownerKeyFlag
  }

  static override examples = ['<%= config.bin %> executor add --name worker-1 --type cli --approve']

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const owner = await this.client(OWNER_KEY, this.flags.colonyprvkey)
    let prvkey: string | undefined
    let executorid = this.flags.executorid
    if (executorid === undefined) {
      const { generatePrivateKey, idFromPrivateKey } = await import('../../../protocol/crypto.js')
      prvkey = generatePrivateKey()
      executorid = idFromPrivateKey(prvkey)
    }
    let executor = await owner.addExecutor({
      executorid,
      executortype: this.flags.type,
      executorname: this.flags.name,
      colonyname,
      locationname: this.flags.location
    })
    if (this.flags.approve) {
      await owner.approveExecutor(colonyname, this.flags.name)
      executor = await owner.getExecutor(colonyname, this.flags.name)
    }
    this.output(prvkey === undefined ? executor : { ...executor, prvkey }, e => {
      const lines = [`Executor ${e.executorname} added${this.flags.approve ? ' and approved' : ' (pending: approve it with `colonies executor approve --name ' + e.executorname + '`)'}`, executorDetail(e)]
      // the variable `executor start` reads first, so a shell's user key (COLONIES_PRVKEY) stays as it is
      if (prvkey !== undefined) lines.push('', 'The executor key (shown once); `colonies executor start` reads it from:', `  export COLONIES_EXECUTOR_PRVKEY=${prvkey}`)
      return lines.join('\n')
    })
  }
}
