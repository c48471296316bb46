import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { NODE_DATA_DIR, expandDataDir } from '../../data-dir.js'
import { explainNodeStartError } from '../../node-errors.js'
import { untilSignalled } from '../../signals.js'
import { renderFields } from '../../table.js'

export default class NodeStart extends BaseCommand<typeof NodeStart> {
  static override summary = 'Run a colonynet node (ColonyOS API on --port) until Ctrl-C'
  static override description = 'The node keeps its ledger and keys in --data. Its operator key (ColonyOS\'s server owner key) comes from COLONIES_SERVER_PRVKEY (or only the id from COLONIES_SERVER_ID); when neither is set the node generates one into <data>/operator.key on first start.'
  static override flags = {
    data: Flags.string({ description: `Data directory [default: ${NODE_DATA_DIR}]` }),
    port: Flags.integer({ description: 'API port; 0 picks a free one', default: 50080, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Interface to listen on (0.0.0.0 serves other machines)', default: '127.0.0.1' }),
    name: Flags.string({ description: 'A name for this site, shown to other sites' })
  }

  static override examples = [
    '<%= config.bin %> node start',
    '<%= config.bin %> node start --data /var/lib/colonynet --host 0.0.0.0 --port 50080'
  ]

  async run (): Promise<void> {
    const dataDir = expandDataDir(this.flags.data ?? NODE_DATA_DIR)
    const { ColonyNode } = await import('../../../node/index.js')
    const env = process.env
    const node = await ColonyNode.start({
      dataDir,
      host: this.flags.host,
      port: this.flags.port,
      name: this.flags.name,
      operatorId: env.COLONIES_SERVER_ID,
      operatorPrvkey: env.COLONIES_SERVER_PRVKEY,
      log: line => this.detail(line)
    }).catch(err => { throw explainNodeStartError(err, { dataDir, host: this.flags.host, port: this.flags.port }) })

    const generated = node.operatorPrvkey !== undefined && node.operatorPrvkey !== env.COLONIES_SERVER_PRVKEY
    this.output({ nodeid: node.nodeId, operatorid: node.operatorId, url: node.url, datadir: dataDir }, info => {
      const lines = [renderFields([['Node id', info.nodeid], ['Operator id', info.operatorid], ['URL', info.url], ['Data', info.datadir]])]
      if (generated) {
        lines.push('', `The operator key was generated into ${dataDir}/operator.key. To add colonies:`,
          `  export COLONIES_SERVER_PRVKEY=${node.operatorPrvkey ?? ''}`)
      }
      lines.push('', 'Serving. Press Ctrl-C to stop.')
      return lines.join('\n')
    })

    const signal = await untilSignalled()
    this.note(`${signal}: stopping the node`)
    await node.stop()
    this.note('node stopped')
  }
}
