import { BaseCommand } from '../../base-command.js'
import { renderFields } from '../../table.js'

export default class SecurityGenerate extends BaseCommand<typeof SecurityGenerate> {
  static override summary = 'Generate a private key and print it with its id'
  static override examples = ['<%= config.bin %> security generate', '<%= config.bin %> security generate --json']

  async run (): Promise<void> {
    const { generatePrivateKey, idFromPrivateKey } = await import('../../../protocol/crypto.js')
    const prvkey = generatePrivateKey()
    this.output({ id: idFromPrivateKey(prvkey), prvkey }, k => renderFields([['Id', k.id], ['PrvKey', k.prvkey]]))
  }
}
