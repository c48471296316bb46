import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { NODE_DATA_DIR, expandDataDir } from '../../data-dir.js'
import { UsageError } from '../../errors.js'
import { explainNodeStartError } from '../../node-errors.js'
import { renderFields } from '../../table.js'

export default class NodeRebuild extends BaseCommand<typeof NodeRebuild> {
  static override summary = "Rebuild a stopped node's projections from its ledger"
  static override description = 'Drops the derived indices (queues, processes by state, logs) and folds the signed records again. The node must be stopped. Prints the record and process counts and the hash of the rebuilt projection: two nodes holding the same records print the same hash.'
  static override flags = {
    data: Flags.string({ description: `Data directory of the node [default: ${NODE_DATA_DIR}]` })
  }

  static override examples = ['<%= config.bin %> node rebuild --data ~/.colonynet/dev']

  async run (): Promise<void> {
    const dataDir = expandDataDir(this.flags.data ?? NODE_DATA_DIR)
    // rebuilding must never create an empty node where there was none
    await access(join(dataDir, 'ledger')).catch(() => {
      throw new UsageError(`no node data in ${dataDir} (no ledger directory): pass the --data of an existing node`)
    })
    const { rebuildDataDir } = await import('../../../node/index.js')
    const started = Date.now()
    const result = await rebuildDataDir(dataDir)
      .catch(err => { throw explainNodeStartError(err, { dataDir, host: '-', port: 0 }) })
    this.output(result, r => renderFields([
      ['Records', String(r.records)],
      ['Processes', String(r.processes)],
      ['Projection hash', r.hash],
      ['Took', `${Date.now() - started} ms`]
    ]))
  }
}
