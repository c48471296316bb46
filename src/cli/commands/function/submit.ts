import { Flags } from '@oclif/core'
import { SubmitCommand } from '../../submit-command.js'
import { loadSpecFile } from '../../spec-file.js'

export default class FunctionSubmit extends SubmitCommand<typeof FunctionSubmit> {
  static override summary = 'Submit a function spec from a JSON file'
  static override description = 'The spec is checked before it is sent; an invalid one is refused naming the field. When the spec names no colony (conditions.colonyname), COLONIES_COLONY_NAME is used.'
  static override flags = {
    spec: Flags.string({ description: 'JSON file holding the function spec', required: true })
  }

  static override examples = [
    '<%= config.bin %> function submit --spec examples/sayhello.json --wait',
    '<%= config.bin %> function submit --spec job.json --follow'
  ]

  async run (): Promise<void> {
    const spec = await loadSpecFile(this.flags.spec)
    if (spec.conditions.colonyname === '' || this.flags.colonyname !== undefined) spec.conditions.colonyname = this.colonyName()
    else this.colonyFromFile(spec.conditions.colonyname, this.flags.spec, 'conditions.colonyname')
    await this.submitAndReport(spec)
  }
}
