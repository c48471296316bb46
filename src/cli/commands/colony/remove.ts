import { Flags } from '@oclif/core'
import { ClientCommand } from '../../client-command.js'
import { COLONY_NAME_VAR, OPERATOR_KEY } from '../../config.js'
import { yesFlag } from '../../confirm.js'
import { operatorKeyFlag } from '../../flags.js'

export default class ColonyRemove extends ClientCommand<typeof ColonyRemove> {
  static override summary = 'Remove a colony (node operator)'
  static override description = 'Asks for confirmation unless --yes.'
  static override flags = {
    name: Flags.string({ description: 'Colony name', required: true }),
    ...operatorKeyFlag,
    ...yesFlag
  }

  async run (): Promise<void> {
    const client = await this.client(OPERATOR_KEY, this.flags.serverprvkey)
    const name = this.flags.name
    // the colony everyday commands work in (COLONIES_COLONY_NAME) is the identity they act as
    const self = process.env[COLONY_NAME_VAR] === name
      ? `colony ${name} is the one ${COLONY_NAME_VAR} names: every command using it will fail after this`
      : undefined
    await this.confirmOrAbort(`Remove colony ${name} with its executors, users, processes and files? This cannot be undone.`, this.flags.yes, self)
    await client.removeColony(name)
    this.output({ colonyname: name, removed: true }, r => `Colony ${r.colonyname} removed`)
  }
}
