import { ProcessState } from '../../../protocol/state.js'
import { ProcessListCommand } from '../../process-list-command.js'

export default class ProcessPss extends ProcessListCommand<typeof ProcessPss> {
  static override summary = 'List successful processes'
  protected readonly state = ProcessState.SUCCESS
}
