import { BaseCommand } from '../../base-command.js'
import { MEMBER_KEY, resolveKey } from '../../config.js'
import { memberKeyFlag } from '../../flags.js'

export default class SecurityId extends BaseCommand<typeof SecurityId> {
  static override summary = 'Print the id that belongs to a private key'
  static override flags = { ...memberKeyFlag }
  static override examples = ['<%= config.bin %> security id --prvkey <key>', 'COLONIES_PRVKEY=<key> <%= config.bin %> security id']

  async run (): Promise<void> {
    const prvkey = resolveKey(process.env, MEMBER_KEY, this.flags.prvkey)
    const { idFromPrivateKey } = await import('../../../protocol/crypto.js')
    const id = idFromPrivateKey(prvkey)
    this.output({ id }, r => r.id)
  }
}
