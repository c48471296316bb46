import { Flags } from '@oclif/core'
import { DEFAULT_MAXRETRIES } from '../../../protocol/defaults.js'
import { parseFunctionSpec } from '../../../protocol/spec.js'
import { parsePairs } from '../../pairs.js'
import { SubmitCommand } from '../../submit-command.js'

export default class FunctionExec extends SubmitCommand<typeof FunctionExec> {
  static override summary = 'Submit a function call built from flags'
  static override flags = {
    func: Flags.string({ description: 'Function to call (for the Unix executor: the command line)', required: true }),
    args: Flags.string({ description: 'Arguments, comma-separated or repeated', multiple: true, delimiter: ',' }),
    kwargs: Flags.string({ description: 'Keyword arguments key:value, comma-separated or repeated', multiple: true, delimiter: ',' }),
    env: Flags.string({ description: 'Environment key=value, comma-separated or repeated', multiple: true, delimiter: ',' }),
    targettype: Flags.string({ description: 'Executor type to run it (conditions.executortype)', required: true }),
    targetname: Flags.string({ description: 'Only this executor (conditions.executornames)', multiple: true }),
    maxwaittime: Flags.integer({ description: 'Seconds it may wait for an executor before failing (-1 = no limit)', default: -1 }),
    maxexectime: Flags.integer({ description: 'Seconds it may run before it is retried or failed (-1 = no limit)', default: -1 }),
    maxretries: Flags.integer({
      description: `Times it is retried after exceeding maxexectime (-1 = unlimited; default ${DEFAULT_MAXRETRIES}, as in spec files and the dashboard)`,
      default: DEFAULT_MAXRETRIES,
      min: -1
    }),
    priority: Flags.integer({ description: 'Priority, -50000..50000 (higher runs sooner)', default: 0 })
  }

  static override examples = [
    '<%= config.bin %> function exec --func "echo" --args hello,world --targettype cli --wait',
    '<%= config.bin %> function exec --func "sleep 2" --targettype cli --maxexectime 10 --follow'
  ]

  async run (): Promise<void> {
    const f = this.flags
    const kwargs: Record<string, unknown> = {}
    for (const [k, v] of parsePairs(f.kwargs ?? [], ':', 'kwargs')) kwargs[k] = v
    const spec = parseFunctionSpec({
      funcname: f.func,
      args: f.args ?? [],
      kwargs,
      env: Object.fromEntries(parsePairs(f.env ?? [], '=', 'env')),
      priority: f.priority,
      maxwaittime: f.maxwaittime,
      maxexectime: f.maxexectime,
      maxretries: f.maxretries,
      conditions: { colonyname: this.colonyName(), executortype: f.targettype, executornames: f.targetname ?? [] }
    })
    await this.submitAndReport(spec)
  }
}
