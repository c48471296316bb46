import { ProcessState } from '../../../protocol/state.js'
import { WorkflowListCommand } from '../../workflow-list-command.js'

export default class WorkflowPsw extends WorkflowListCommand<typeof WorkflowPsw> {
  static override summary = 'List waiting workflows'
  protected readonly state = ProcessState.WAITING
}
