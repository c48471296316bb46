import { ProcessState } from '../../../protocol/state.js'
import { WorkflowListCommand } from '../../workflow-list-command.js'

export default class WorkflowPsf extends WorkflowListCommand<typeof WorkflowPsf> {
  static override summary = 'List failed workflows'
  protected readonly state = ProcessState.FAILED
}
