import { ProcessState } from '../../../protocol/state.js'
import { ProcessListCommand } from '../../process-list-command.js'

export default class ProcessPsc extends ProcessListCommand<typeof ProcessPsc> {
  static override summary = 'List cancelled processes'
  protected readonly state = ProcessState.CANCELLED
}
