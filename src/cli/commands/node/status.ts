import { ClientCommand } from '../../client-command.js'
import { OPERATOR_KEY } from '../../config.js'
import { operatorKeyFlag } from '../../flags.js'
import { statisticsFields } from '../../views/colony.js'
import { healthText } from '../../views/node.js'

export default class NodeStatus extends ClientCommand<typeof NodeStatus> {
  static override summary = "Show a node's health, memory, disk and retention, version and (with the operator key) statistics"
  static override description = 'In memory: the live work (waiting and running processes, open workflows); settled ones are on disk and read from there. Retention: the policy (ColonyOS\'s COLONIES_RETENTION_POLICY), and per colony what the last prune freed, up to which time, and when. --json prints the raw /health.'
  static override flags = { ...operatorKeyFlag }

  async run (): Promise<void> {
    const { url } = this.connection()
    const haveOperatorKey = (this.flags.serverprvkey ?? process.env[OPERATOR_KEY.variable] ?? '') !== ''
    const { generatePrivateKey } = await import('../../../protocol/crypto.js')
    // health and version need no identity: sign with a throwaway key unless the operator's is at hand
    const client = haveOperatorKey
      ? await this.client(OPERATOR_KEY, this.flags.serverprvkey)
      : await this.clientWithKey(generatePrivateKey(), 'a throwaway key', 'any key')
    const health = await client.health() as Record<string, unknown> | string
    const version = await client.version()
    const statistics = haveOperatorKey ? await client.getStatistics() : undefined

    this.output({ url, health, version, statistics }, s => {
      const h = typeof s.health === 'object' && s.health !== null ? s.health : {}
      const parts = [healthText(h, [
        ['URL', s.url],
        ['Health', typeof h.status === 'string' ? h.status : 'ok'],
        ['Version', `${s.version.buildversion}${s.version.buildtime === '' ? '' : ` (${s.version.buildtime})`}`]
      ])]
      parts.push(s.statistics === undefined
        ? 'Statistics need the operator key: export COLONIES_SERVER_PRVKEY (or pass --serverprvkey).'
        : `Statistics\n${statisticsFields(s.statistics, [['Colonies', String(s.statistics.colonies)]]).split('\n').map(l => `  ${l}`).join('\n')}`)
      return parts.join('\n\n')
    })
  }
}
