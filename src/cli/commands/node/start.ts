import { Flags } from '@oclif/core'
import { DEFAULT_PORT } from '../../../protocol/wire-types.js'
import { BaseCommand } from '../../base-command.js'
import { resolveRetention } from '../../config.js'
import { NODE_DATA_DIR, expandDataDir } from '../../data-dir.js'
import { retentionFlags } from '../../flags.js'
import { federationFlags, p2pOptions, siteNameFlag } from '../../p2p-flags.js'
import { explainNodeStartError } from '../../node-errors.js'
import { untilSignalled } from '../../signals.js'
import { renderFields } from '../../table.js'
import { retentionText } from '../../views/node.js'
import { UsageError } from '../../errors.js'
import { DEFAULT_MAX_BLOB_BYTES, parseKeepLabel } from '../../../node/blobs/options.js'
import { loadTlsCredentials, plainExposureWarning, resolveTlsFiles, tlsFlags } from '../../tls-settings.js'
import type { OperatorKeySource } from '../../../node/identity.js'

/** Where the operator key came from, in the start banner (never the key). */
function operatorKeyText (source: OperatorKeySource, file: string | undefined): string {
  switch (source) {
    case 'env': return 'from COLONIES_SERVER_PRVKEY in this shell'
    case 'id': return 'not here: only its id, from COLONIES_SERVER_ID'
    case 'generated': return `generated on this start into ${file ?? ''}`
    case 'stored': return `loaded from ${file ?? ''}`
  }
}

/** A path as one shell word. */
function shellQuote (path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`
}
import { PARTITION_GRACE_MS } from '../../../node/federation/options.js'

export default class NodeStart extends BaseCommand<typeof NodeStart> {
  static override summary = 'Run a colonynet node (ColonyOS API on --port) until Ctrl-C'
  static override description = 'The node keeps its ledger and keys in --data. Its operator key (ColonyOS\'s server owner key) comes from COLONIES_SERVER_PRVKEY (or only the id from COLONIES_SERVER_ID); when neither is set the node generates one into <data>/operator.key on first start. The start says where the key came from and never prints it. A start whose operator differs from the one the node in its data directory had (say, a shell still exporting the key of another node) is refused unless --replace-operator. Retention, as in ColonyOS (COLONIES_RETENTION=true and COLONIES_RETENTION_POLICY=<seconds>, or --retention-policy), purges successful processes and workflows older than the policy from memory and disk at every site of their colonies (failed and cancelled ones stay until removed; removed ones are freed either way). TLS, as in ColonyOS (COLONIES_TLS=true with COLONIES_TLSCERT and COLONIES_TLSKEY, or --tlscert/--tlskey), serves the API port as HTTPS and WSS; clients then set COLONIES_SERVER_TLS=true.'
  static override flags = {
    data: Flags.string({ description: `Data directory [default: ${NODE_DATA_DIR}]` }),
    port: Flags.integer({ description: 'API port; 0 picks a free one', default: DEFAULT_PORT, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Interface to listen on (0.0.0.0 serves other machines)', default: '127.0.0.1' }),
    ...siteNameFlag,
    ...federationFlags,
    'keep-label': Flags.string({ description: 'Keep every file of a label (and its sub-labels) on this site\'s disk, fetched as soon as the colony lists it, to serve it offline: COLONY:/label (repeatable)', multiple: true }),
    'max-blob-mib': Flags.integer({ description: 'The largest file content (blob) this site stores, in MiB', default: DEFAULT_MAX_BLOB_BYTES / (1024 * 1024), min: 1 }),
    dashboard: Flags.boolean({ description: 'Serve the web dashboard at / on the API port (--no-dashboard: API only)', default: true, allowNo: true }),
    'replace-operator': Flags.boolean({ description: 'Let COLONIES_SERVER_PRVKEY (or COLONIES_SERVER_ID) replace the operator this data directory\'s node had; without it such a start is refused' }),
    'partition-grace': Flags.integer({
      description: 'Seconds, after another site of the colony goes silent (a partition, or it is down), that this site leaves to that site\'s side the waiting work ranked to it (or submitted there while cut off), running its own side\'s first: longer means fewer processes run on both sides of a partition, but work submitted on the other side waits longer while cut off (0: take everything at once)',
      default: PARTITION_GRACE_MS / 1000,
      min: 0
    }),
    'verify-threads': Flags.integer({ description: 'Worker threads that recover request signatures (0: the node\'s own thread). Pays only with a core to spare: on 2 cores shared with clients it made the node slower', default: 0, min: 0 }),
    lease: Flags.integer({ description: 'Seconds a process this site handed out may go without word from its executor before it goes back to the queue as a new attempt (0: never)', default: 60, min: 0 }),
    ...retentionFlags,
    ...tlsFlags
  }

  static override examples = [
    '<%= config.bin %> node start',
    '<%= config.bin %> node start --data /var/lib/colonynet --host 0.0.0.0 --port 50080',
    '<%= config.bin %> node start --host 0.0.0.0 --tlscert /etc/colonynet/cert.pem --tlskey /etc/colonynet/key.pem',
    '<%= config.bin %> node start --retention-policy 604800 --archive /var/lib/colonynet-archive',
    '<%= config.bin %> node start --p2p-port 50081 --bootstrap /ip4/10.0.0.5/tcp/50081/p2p/16Uiu2… --keep-label dev:/models'
  ]

  async run (): Promise<void> {
    const dataDir = expandDataDir(this.flags.data ?? NODE_DATA_DIR)
    const env = process.env
    const retention = resolveRetention(env, this.flags, expandDataDir)
    const tlsFiles = resolveTlsFiles(env, this.flags)
    const tls = tlsFiles === undefined ? undefined : await loadTlsCredentials(tlsFiles)
    const keepLabels = (this.flags['keep-label'] ?? []).map(text => {
      try {
        return parseKeepLabel(text)
      } catch (err) {
        throw new UsageError(`--keep-label ${(err as Error).message.replace(/^keep-label: /, '')}`)
      }
    })
    const { ColonyNode } = await import('../../../node/index.js')
    const p2p = await p2pOptions(this.flags, this.flags.host)
    const node = await ColonyNode.start({
      ...(p2p === undefined ? {} : { p2p: { ...p2p, partitionGraceMs: this.flags['partition-grace'] * 1000 } }),
      dataDir,
      host: this.flags.host,
      port: this.flags.port,
      name: this.flags.name,
      dashboard: this.flags.dashboard,
      retention,
      leaseMs: this.flags.lease * 1000,
      verifyThreads: this.flags['verify-threads'],
      ...(tls === undefined ? {} : { tls }),
      blobs: { keepLabels, maxBlobBytes: this.flags['max-blob-mib'] * 1024 * 1024 },
      operatorId: env.COLONIES_SERVER_ID,
      operatorPrvkey: env.COLONIES_SERVER_PRVKEY,
      replaceOperator: this.flags['replace-operator'],
      log: line => this.detail(line)
    }).catch(err => { throw explainNodeStartError(err, { dataDir, host: this.flags.host, port: this.flags.port }) })

    const exposed = plainExposureWarning(this.flags.host, node.port, tls !== undefined)
    if (exposed !== undefined) this.logToStderr(exposed)
    const { operatorKeySource: source, operatorKeyFile: keyFile } = node.identity
    const addrs = node.federation?.addresses() ?? []
    const dashboard = this.flags.dashboard ? `${node.url}/` : ''
    // listening before anything says "Press Ctrl-C": a Ctrl-C right after it stops cleanly
    const signalled = untilSignalled()
    const kept = { policy: retention.policySeconds, archive: retention.archiveDir ?? '' }
    // never the private key itself: this output often goes to a log file
    const operatorkey = { source, file: keyFile ?? '' }
    this.output({ nodeid: node.nodeId, operatorid: node.operatorId, operatorkey, url: node.url, dashboard, datadir: dataDir, p2p: addrs, retention: kept }, info => {
      const fields: Array<[string, string]> = [['Node id', info.nodeid], ['Operator id', info.operatorid], ['Operator key', operatorKeyText(source, keyFile)], ['URL', info.url], ['Data', info.datadir],
        ['Retention', retentionText(info.retention.policy, info.retention.archive)]]
      if (info.dashboard !== '') fields.push(['Dashboard', info.dashboard])
      for (const a of info.p2p) fields.push(['P2P', a])
      const lines = [renderFields(fields)]
      if (info.p2p.length > 0) {
        lines.push('', 'To admit this node to a colony, its owner runs (against any site of the colony):',
          `  colonies node add --nodeid ${info.nodeid} --name NAME`)
      }
      if (keyFile !== undefined) {
        lines.push('', 'To add colonies with this operator key:', `  export COLONIES_SERVER_PRVKEY=$(cat ${shellQuote(keyFile)})`)
      }
      lines.push('', 'Serving. Press Ctrl-C to stop.')
      return lines.join('\n')
    })

    const signal = await signalled
    this.note(`${signal}: stopping the node`)
    await node.stop()
    this.note('node stopped')
  }
}
