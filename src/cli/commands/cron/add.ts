import { Flags } from '@oclif/core'
import { workflowSpecToJson } from '../../../protocol/spec.js'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { formatTime } from '../../views/time.js'
import { loadWorkflowSpecFile } from '../../workflow-spec-file.js'

export default class CronAdd extends ClientCommand<typeof CronAdd> {
  static override summary = 'Add a cron: a workflow started on a schedule'
  static override description = 'The schedule is either a cron expression (--cron, with seconds: "0 30 * * * *" = every hour at :30) ' +
    'or a fixed interval in seconds (--interval, with --random for a random time within each interval). ' +
    'The workflow file is read as by `workflow submit`. Each run\'s root nodes get the previous run\'s leaf outputs as input.'

  static override flags = {
    spec: Flags.string({ description: 'JSON file holding the workflow spec', required: true }),
    name: Flags.string({ description: 'Cron name (unique in the colony)', required: true }),
    cron: Flags.string({ description: 'Cron expression: second minute hour day-of-month month day-of-week', exactlyOne: ['cron', 'interval'] }),
    interval: Flags.integer({ description: 'Start the workflow every this many seconds', min: 1, exactlyOne: ['cron', 'interval'] }),
    random: Flags.boolean({ description: 'With --interval: start at a random time within each interval', dependsOn: ['interval'] }),
    waitprevious: Flags.boolean({ description: 'Do not start a run while the previous run has not ended' }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  static override examples = [
    '<%= config.bin %> cron add --name nightly --spec workflow.json --cron "0 0 3 * * *"',
    '<%= config.bin %> cron add --name poll --spec workflow.json --interval 60 --waitprevious'
  ]

  async run (): Promise<void> {
    const f = this.flags
    const spec = await loadWorkflowSpecFile(f.spec, named => named === '' || f.colonyname !== undefined ? this.colonyName() : named)
    this.colonyFromFile(spec.colonyname, f.spec, 'colonyname')
    const client = await this.client(MEMBER_KEY, f.prvkey)
    const cron = await client.addCron({
      colonyname: spec.colonyname,
      name: f.name,
      cronexpression: f.cron ?? '',
      interval: f.interval ?? -1,
      random: f.random,
      waitforprevprocessgraph: f.waitprevious,
      workflowspec: workflowSpecToJson(spec)
    })
    this.output(cron, c => `Added cron ${c.cronid} (${c.name}), next run ${formatTime(c.nextrun)}`)
  }
}
