import { ProcessState } from '../../../protocol/state.js'
import { WorkflowListCommand } from '../../workflow-list-command.js'

export default class WorkflowPsc extends WorkflowListCommand<typeof WorkflowPsc> {
  static override summary = 'List cancelled workflows'
  protected readonly state = ProcessState.CANCELLED
}
