import { Flags } from '@oclif/core'
import { workflowSpecToJson } from '../../../protocol/spec.js'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY } from '../../config.js'
import { colonyFlag, memberKeyFlag } from '../../flags.js'
import { loadWorkflowSpecFile } from '../../workflow-spec-file.js'

export default class GeneratorAdd extends ClientCommand<typeof GeneratorAdd> {
  static override summary = 'Add a generator: a workflow started once every --trigger packed args'
  static override description = 'Args are packed with `generator pack`; every --trigger of them start the workflow, ' +
    'their values becoming the root nodes\' args in pack order. With --timeout, fewer args start it once the oldest ' +
    'has waited that long. The workflow file is read as by `workflow submit`.'

  static override flags = {
    spec: Flags.string({ description: 'JSON file holding the workflow spec', required: true }),
    name: Flags.string({ description: 'Generator name (unique in the colony)', required: true }),
    trigger: Flags.integer({ description: 'Start the workflow once this many args are packed', required: true, min: 1 }),
    timeout: Flags.integer({ description: 'Start it with fewer args once the oldest has waited this many seconds (0 = never)', default: 0, min: 0 }),
    ...colonyFlag,
    ...memberKeyFlag
  }

  static override examples = [
    '<%= config.bin %> generator add --name batcher --spec workflow.json --trigger 10 --timeout 60'
  ]

  async run (): Promise<void> {
    const f = this.flags
    const spec = await loadWorkflowSpecFile(f.spec, named => named === '' || f.colonyname !== undefined ? this.colonyName() : named)
    this.colonyFromFile(spec.colonyname, f.spec, 'colonyname')
    const client = await this.client(MEMBER_KEY, f.prvkey)
    const generator = await client.addGenerator({
      colonyname: spec.colonyname,
      name: f.name,
      trigger: f.trigger,
      timeout: f.timeout > 0 ? f.timeout : -1,
      workflowspec: workflowSpecToJson(spec)
    })
    this.output(generator, g => `Added generator ${g.generatorid} (${g.name}): trigger ${g.trigger}, timeout ${g.timeout > 0 ? `${g.timeout}s` : 'none'}`)
  }
}
