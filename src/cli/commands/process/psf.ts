import { ProcessState } from '../../../protocol/state.js'
import { ProcessListCommand } from '../../process-list-command.js'

export default class ProcessPsf extends ProcessListCommand<typeof ProcessPsf> {
  static override summary = 'List failed processes'
  protected readonly state = ProcessState.FAILED
}
