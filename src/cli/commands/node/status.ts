import { ClientCommand } from '../../client-command.js'
import { OPERATOR_KEY } from '../../config.js'
import { operatorKeyFlag } from '../../flags.js'
import { renderFields } from '../../table.js'
import { statisticsFields } from '../../views/colony.js'

const mib = (bytes: unknown): string => typeof bytes === 'number' ? `${Math.round(bytes / 2 ** 20)} MiB` : '?'

/** The heap against its limit (the ledger is folded there) and the process's resident size. */
function memory (v: unknown): string {
  if (typeof v !== 'object' || v === null) return describe(v)
  const m = v as { heapused?: unknown, heaplimit?: unknown, rss?: unknown }
  const share = typeof m.heapused === 'number' && typeof m.heaplimit === 'number' && m.heaplimit > 0 ? ` (${Math.round(m.heapused / m.heaplimit * 100)} %)` : ''
  return `heap ${mib(m.heapused)} of ${mib(m.heaplimit)}${share}, resident ${mib(m.rss)}`
}

/** A health value on one line: counters as "name value", groups of them in parentheses. */
function describe (v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v)
  return Object.entries(v).map(([k, x]) => typeof x === 'object' && x !== null ? `${k} (${describe(x)})` : `${k} ${String(x)}`).join(', ')
}

export default class NodeStatus extends ClientCommand<typeof NodeStatus> {
  static override summary = "Show a node's health, version and (with the operator key) statistics"
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
      const fields: Array<[string, string]> = [
        ['URL', s.url],
        ['Health', typeof h.status === 'string' ? h.status : 'ok'],
        ['Version', `${s.version.buildversion}${s.version.buildtime === '' ? '' : ` (${s.version.buildtime})`}`]
      ]
      for (const [k, v] of Object.entries(h)) {
        if (k === 'version' || k === 'status') continue
        fields.push([k === 'nodeid' ? 'Node id' : k[0]?.toUpperCase() + k.slice(1), k === 'memory' ? memory(v) : describe(v)])
      }
      const parts = [renderFields(fields)]
      parts.push(s.statistics === undefined
        ? 'Statistics need the operator key: export COLONIES_SERVER_PRVKEY (or pass --serverprvkey).'
        : `Statistics\n${statisticsFields(s.statistics, [['Colonies', String(s.statistics.colonies)]]).split('\n').map(l => `  ${l}`).join('\n')}`)
      return parts.join('\n\n')
    })
  }
}
