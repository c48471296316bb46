import { ProcessState } from '../../../protocol/spec.js'
import { WorkflowListCommand } from '../../workflow-list-command.js'

export default class WorkflowPs extends WorkflowListCommand<typeof WorkflowPs> {
  static override summary = 'List running workflows'
  protected readonly state = ProcessState.RUNNING
}
