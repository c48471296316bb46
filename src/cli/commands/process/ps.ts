import { ProcessState } from '../../../protocol/state.js'
import { ProcessListCommand } from '../../process-list-command.js'

export default class ProcessPs extends ProcessListCommand<typeof ProcessPs> {
  static override summary = 'List running processes'
  protected readonly state = ProcessState.RUNNING
}
