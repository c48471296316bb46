import { ProcessState } from '../../../protocol/state.js'
import { WorkflowListCommand } from '../../workflow-list-command.js'

export default class WorkflowPs extends WorkflowListCommand<typeof WorkflowPs> {
  static override summary = 'List running workflows'
  protected readonly state = ProcessState.RUNNING
}
