import { ProcessState } from '../../../protocol/state.js'
import { ProcessListCommand } from '../../process-list-command.js'

export default class ProcessPsw extends ProcessListCommand<typeof ProcessPsw> {
  static override summary = 'List waiting processes'
  protected readonly state = ProcessState.WAITING
}
