import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Flags } from '@oclif/core'
import { DEFAULT_PORT } from '../../protocol/wire-types.js'
import { BaseCommand } from '../base-command.js'
import { resolveRetention } from '../config.js'
import { DEV_DATA_DIR, expandDataDir } from '../data-dir.js'
import { DEV_COLONY, DEV_EXECUTOR, DEV_EXECUTOR_TYPE, devKeys, ensureDevColony } from '../dev-colony.js'
import { formatExports, parseExports } from '../env-file.js'
import { retentionFlags } from '../flags.js'
import { federationFlags, p2pOptions, siteNameFlag } from '../p2p-flags.js'
import { startExecutor } from '../executor-runner.js'
import { explainNodeStartError } from '../node-errors.js'
import { cliName } from '../invocation.js'
import { untilSignalled } from '../signals.js'
import { retentionText } from '../views/node.js'
import { loadTlsCredentials, plainExposureWarning, resolveTlsFiles, tlsFlags } from '../tls-settings.js'

/** The name a new dev site gives itself. */
const DEV_SITE_NAME = 'dev'

/** Running commands get this long to finish after Ctrl-C. */
const GRACE_MS = 5_000

export default class Dev extends BaseCommand<typeof Dev> {
  static override summary = 'Run a complete local colony: node, colony "dev", a user and a cli executor'
  static override description = [
    `Starts a node (data in ${DEV_DATA_DIR} unless --data), makes sure it holds colony "${DEV_COLONY}" with a user and an approved`,
    `executor "${DEV_EXECUTOR}" of type "${DEV_EXECUTOR_TYPE}", prints the COLONIES_* variables for another terminal (also written to`,
    '<data>/dev.env, and reused on the next run), then runs the executor here: the stdout of every process it runs appears',
    'below. Ctrl-C stops the executor and the node.'
  ].join(' ')

  static override flags = {
    data: Flags.string({ description: `Data directory [default: ${DEV_DATA_DIR}]` }),
    port: Flags.integer({ description: 'API port; 0 picks a free one', default: DEFAULT_PORT, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Interface to listen on (API and, with --p2p-port, libp2p)', default: '127.0.0.1' }),
    ...siteNameFlag,
    ...federationFlags,
    executor: Flags.boolean({ description: 'Run the cli executor in this process', default: true, allowNo: true }),
    shell: Flags.boolean({ description: 'The executor runs commands through /bin/sh -c' }),
    dashboard: Flags.boolean({ description: 'Serve the web dashboard at / on the API port (--no-dashboard: API only)', default: true, allowNo: true }),
    ...retentionFlags,
    ...tlsFlags
  }

  static override examples = [
    '<%= config.bin %> dev',
    '<%= config.bin %> dev --p2p-port 50081 --name site-a',
    'source ~/.colonynet/dev/dev.env && <%= config.bin %> function submit --spec examples/sayhello.json --wait'
  ]

  async run (): Promise<void> {
    const dataDir = expandDataDir(this.flags.data ?? DEV_DATA_DIR)
    const envFile = join(dataDir, 'dev.env')
    const retention = resolveRetention(process.env, this.flags, expandDataDir)
    const tlsFiles = resolveTlsFiles(process.env, this.flags)
    const tls = tlsFiles === undefined ? undefined : await loadTlsCredentials(tlsFiles)
    const saved = await readFile(envFile, 'utf8').then(parseExports, () => ({}))

    const [{ ColonyNode }, { ColoniesClient }, { generatePrivateKey }] = await Promise.all([
      import('../../node/index.js'), import('../../client/index.js'), import('../../protocol/crypto.js')
    ])
    const { host, port } = this.flags
    const p2p = await p2pOptions(this.flags, host)
    // a new dev site is called "dev"; a restart keeps its name unless --name gives another
    const name = this.flags.name ?? (existsSync(join(dataDir, 'ledger')) ? undefined : DEV_SITE_NAME)
    const node = await ColonyNode.start({
      dataDir,
      host,
      port,
      ...(name === undefined ? {} : { name }),
      ...(p2p === undefined ? {} : { p2p }),
      dashboard: this.flags.dashboard,
      retention,
      log: line => this.detail(line),
      ...(tls === undefined ? {} : { tls })
    })
      .catch(err => { throw explainNodeStartError(err, { dataDir, host, port }) })
    const exposed = plainExposureWarning(host, node.port, tls !== undefined)
    if (exposed !== undefined) this.logToStderr(exposed)
    let executor: Awaited<ReturnType<typeof startExecutor>> | undefined
    // listening before anything says "Press Ctrl-C": a Ctrl-C right after it must stop the
    // node cleanly, not kill the process (seen in a test about one first run in ten)
    const signalled = untilSignalled()
    try {
      this.failureContext = { url: node.url, keySetting: 'the node operator key', keyRole: `the key in ${dataDir}/operator.key` }
      const operatorKey = node.operatorPrvkey
      if (operatorKey === undefined) throw new Error(`the node in ${dataDir} has no operator private key to set up the dev colony with`)
      // with TLS this process trusts its own node's certificate (a self-signed one included)
      const operator = new ColoniesClient({ url: node.url, prvkey: operatorKey, ...(tls === undefined ? {} : { ca: tls.cert.toString() }) })
      const { keys, changes } = await ensureDevColony(operator, devKeys(saved, generatePrivateKey), dataDir)

      const url = new URL(node.url)
      const vars = [
        ['COLONIES_SERVER_HOST', url.hostname],
        ['COLONIES_SERVER_PORT', url.port],
        ['COLONIES_SERVER_TLS', String(tls !== undefined)],
        ['COLONIES_SERVER_PRVKEY', operatorKey],
        ['COLONIES_COLONY_NAME', DEV_COLONY],
        ['COLONIES_COLONY_PRVKEY', keys.colony],
        ['COLONIES_PRVKEY', keys.user],
        ['COLONIES_EXECUTOR_PRVKEY', keys.executor],
        ['COLONIES_EXECUTOR_TYPE', DEV_EXECUTOR_TYPE],
        // Node's own setting: the CLI and the SDK in that shell trust the node's certificate
        ...(tlsFiles === undefined ? [] : [['NODE_EXTRA_CA_CERTS', resolve(tlsFiles.cert.path)] as const])
      ] as const
      await writeFile(envFile, `# written by \`colonies dev\`; source it: . ${envFile}\n${formatExports(vars)}\n`, { mode: 0o600 })
      // What is printed is often kept in a log: the user's keys for another terminal, as
      // upstream's dev prints them, but not the operator's (it stays in dev.env, mode 600)
      const shown = vars.filter(([k]) => k !== 'COLONIES_SERVER_PRVKEY')
      const exports = formatExports(shown)

      const addrs = node.federation?.addresses() ?? []
      this.output({ url: node.url, nodeid: node.nodeId, operatorid: node.operatorId, p2p: addrs, datadir: dataDir, envfile: envFile, retention: { policy: retention.policySeconds, archive: retention.archiveDir ?? '' }, env: Object.fromEntries(shown) }, () => [
        `colonynet dev node ${node.nodeId}`,
        `  API   ${node.url}`,
        ...(this.flags.dashboard ? [`  web   ${node.url}/  (sign in with COLONIES_PRVKEY or COLONIES_COLONY_PRVKEY below)`] : []),
        `  data  ${dataDir}`,
        ...addrs.map(a => `  p2p   ${a}`),
        ...(retention.policySeconds > 0 || retention.archiveDir !== undefined ? [`  retention ${retentionText(retention.policySeconds, retention.archiveDir ?? '')}`] : []),
        ...changes.map(c => `  ${c}`),
        '',
        `Paste into another terminal (or: source ${envFile}):`,
        '',
        exports,
        `# the operator key (COLONIES_SERVER_PRVKEY) is in ${envFile} and ${dataDir}/operator.key`,
        '',
        'Then try:',
        `  ${cliName()} function submit --spec examples/sayhello.json --wait`,
        ...(addrs.length > 0
          ? ['', 'Another site joins with:', `  ${cliName()} node start --data DIR --p2p-port 0 --bootstrap ${addrs[0] ?? ''}`,
              `and this colony's owner admits it: ${cliName()} node add --nodeid <its node id> --name NAME`]
          : []),
        ''
      ].join('\n'))

      if (this.flags.executor) {
        executor = await startExecutor({
          client: operator.withKey(keys.executor),
          colonyname: DEV_COLONY,
          shell: this.flags.shell,
          out: line => this.log(line),
          err: line => this.logToStderr(line)
        })
        this.note(`Executor ${DEV_EXECUTOR} (type ${DEV_EXECUTOR_TYPE}) is running here. Press Ctrl-C to stop.`)
      } else {
        this.note('Serving (no executor: --no-executor). Press Ctrl-C to stop.')
      }

      const signal = await signalled
      this.note(`${signal}: stopping`)
    } finally {
      await executor?.stop({ graceMs: GRACE_MS })
      await node.stop()
    }
    this.note('Stopped')
  }
}
