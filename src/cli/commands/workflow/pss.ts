import { ProcessState } from '../../../protocol/state.js'
import { WorkflowListCommand } from '../../workflow-list-command.js'

export default class WorkflowPss extends WorkflowListCommand<typeof WorkflowPss> {
  static override summary = 'List successful workflows'
  protected readonly state = ProcessState.SUCCESS
}
