import { hostname } from 'node:os'
import { Flags } from '@oclif/core'
import type { ColoniesClient } from '../../../client/index.js'
import type { Transport } from '../../../client/ws-transport.js'
import { ExecutorState } from '../../../protocol/state.js'
import { ClientCommand } from '../../client-command.js'
import { MEMBER_KEY, OWNER_KEY, resolveKey } from '../../config.js'
import { UsageError } from '../../errors.js'
import { startExecutor } from '../../executor-runner.js'
import { colonyFlag, ownerKeyFlag } from '../../flags.js'
import { untilSignalled } from '../../signals.js'
import { executorStateName } from '../../views/executor.js'

function nonEmpty (v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

/** How long running commands may take to finish after Ctrl-C before they are killed. */
const GRACE_MS = 10_000

export default class ExecutorStart extends ClientCommand<typeof ExecutorStart> {
  static override summary = 'Run a Unix executor: each process runs its funcname (and args) as a command line'
  static override description = [
    'The executor signs with the key of an approved executor: --prvkey, else COLONIES_EXECUTOR_PRVKEY, else COLONIES_PRVKEY.',
    'When none of these is an approved executor\'s key, it registers itself under a fresh key with the colony owner\'s key',
    '(COLONIES_COLONY_PRVKEY), and removes that registration again when it stops.',
    'Ctrl-C (or SIGTERM) stops it: running commands get 10 s to finish, then are killed and their processes failed.'
  ].join(' ')

  static override flags = {
    type: Flags.string({ description: 'Executor type to register as (processes with this conditions.executortype) [env: COLONIES_EXECUTOR_TYPE, default: cli]' }),
    name: Flags.string({ description: 'Executor name to register as [env: COLONIES_EXECUTOR_NAME, default: <type>-<hostname>-<id prefix>]' }),
    shell: Flags.boolean({ description: 'Run commands through /bin/sh -c (pipes, globs, $VARS)' }),
    concurrency: Flags.integer({ description: 'Processes run at once', default: 1, min: 1 }),
    prvkey: Flags.string({ description: "Executor's private key [env: COLONIES_EXECUTOR_PRVKEY or COLONIES_PRVKEY]" }),
    ...ownerKeyFlag,
    ...colonyFlag
  }

  static override examples = [
    '<%= config.bin %> executor start --type cli',
    '<%= config.bin %> executor start --type cli --name my-laptop --shell'
  ]

  // a long-running executor: colonynet's WebSocket RPC where the node has it (and HTTP where not)
  protected override transportDefault: Transport = 'auto'

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const { url } = this.connection()
    let registered = false
    const found = await this.approvedExecutor(colonyname)
    let client: ColoniesClient
    let executorname: string
    let executortype: string
    if (found !== undefined) {
      ({ client, executorname, executortype } = found)
    } else {
      ({ client, executorname, executortype } = await this.register(colonyname))
      registered = true
    }

    // listening before anything says "Press Ctrl-C": a Ctrl-C right after it stops cleanly
    const signalled = untilSignalled()
    this.note(`Executor ${executorname} (type ${executortype}) in colony ${colonyname} at ${url}, id ${client.id}`)
    this.note(`Waiting for processes${this.flags.shell ? ' (commands run through /bin/sh -c)' : ''}. Press Ctrl-C to stop.`)
    const executor = await startExecutor({
      client,
      colonyname,
      shell: this.flags.shell,
      concurrency: this.flags.concurrency,
      out: line => this.log(line),
      err: line => this.logToStderr(line)
    })

    const signal = await signalled
    this.note(`${signal}: stopping${executor.active > 0 ? `; running commands get ${GRACE_MS / 1000} s to finish` : ''}`)
    await executor.stop({ graceMs: GRACE_MS })
    if (registered) {
      const owner = client.withKey(resolveKey(process.env, OWNER_KEY, this.flags.colonyprvkey))
      await owner.removeExecutor(colonyname, executorname).then(
        () => this.note(`Executor ${executorname} removed from colony ${colonyname}`),
        (err: Error) => this.logToStderr(`Could not remove executor ${executorname}: ${err.message}`))
    }
    this.note('Executor stopped')
  }

  /**
   * The configured executor key, when it belongs to an approved executor of the colony
   * that matches --name/--type (when given); undefined when a new executor should register.
   */
  private async approvedExecutor (colonyname: string): Promise<{ client: ColoniesClient, executorname: string, executortype: string } | undefined> {
    const env = process.env
    const [key, setting] = this.flags.prvkey !== undefined
      ? [this.flags.prvkey, '--prvkey']
      : env.COLONIES_EXECUTOR_PRVKEY !== undefined && env.COLONIES_EXECUTOR_PRVKEY !== ''
        ? [env.COLONIES_EXECUTOR_PRVKEY, 'COLONIES_EXECUTOR_PRVKEY']
        : [env.COLONIES_PRVKEY, 'COLONIES_PRVKEY']
    if (key === undefined || key === '') return undefined
    const prvkey = setting === '--prvkey' ? resolveKey(env, MEMBER_KEY, key) : resolveKey(env, { ...MEMBER_KEY, variable: setting })
    const client = await this.clientWithKey(prvkey, setting, "an approved executor's key")
    let rec
    try {
      rec = await client.getExecutorById(colonyname, client.id)
    } catch (err) {
      const status = (err as { status?: number }).status
      // a user's key, or one the colony does not know: register a new executor instead
      if (status === 403 || status === 404) {
        this.detail(`${setting} is not the key of an executor of ${colonyname}; registering a new executor`)
        return undefined
      }
      throw err
    }
    const { name, type } = this.flags
    if ((name !== undefined && name !== rec.executorname) || (type !== undefined && type !== rec.executortype)) {
      // asked to run as another executor than the key's: register one, if the owner key allows
      if (setting === '--prvkey' || !this.canRegister()) {
        throw new UsageError(`the key in ${setting} belongs to executor ${rec.executorname} of type ${rec.executortype}; ` +
          'drop --name/--type to run as it, or export COLONIES_COLONY_PRVKEY to register a new executor')
      }
      this.detail(`${setting} belongs to executor ${rec.executorname} (${rec.executortype}); registering a new executor`)
      return undefined
    }
    if (rec.state !== ExecutorState.APPROVED) {
      throw new UsageError(`executor ${rec.executorname} (the key in ${setting}) is ${executorStateName(rec.state).toLowerCase()}: ` +
        `approve it with \`colonies executor approve --name ${rec.executorname}\``)
    }
    return { client, executorname: rec.executorname, executortype: rec.executortype }
  }

  private canRegister (): boolean {
    return (this.flags.colonyprvkey ?? process.env.COLONIES_COLONY_PRVKEY ?? '') !== ''
  }

  private async register (colonyname: string): Promise<{ client: ColoniesClient, executorname: string, executortype: string }> {
    const env = process.env
    if (!this.canRegister()) {
      throw new UsageError('no executor key to run with: export COLONIES_EXECUTOR_PRVKEY (or COLONIES_PRVKEY) with an approved executor\'s key, ' +
        'or export COLONIES_COLONY_PRVKEY so the executor can register itself. `colonies dev` prints both.')
    }
    const ownerKey = resolveKey(env, OWNER_KEY, this.flags.colonyprvkey)
    const { generatePrivateKey } = await import('../../../protocol/crypto.js')
    const { Executor } = await import('../../../client/index.js')
    const client = await this.clientWithKey(generatePrivateKey(), 'a generated executor key', "an approved executor's key")
    const executortype = this.flags.type ?? nonEmpty(env.COLONIES_EXECUTOR_TYPE) ?? 'cli'
    const executorname = this.flags.name ?? nonEmpty(env.COLONIES_EXECUTOR_NAME) ?? `${executortype}-${hostname()}-${client.id.slice(0, 6)}`
    this.failureContext.keySetting = this.flags.colonyprvkey !== undefined ? '--colonyprvkey' : OWNER_KEY.variable
    this.failureContext.keyRole = OWNER_KEY.role
    await Executor.register(client, { colonyname, colonyOwnerKey: ownerKey, executortype, executorname })
    this.failureContext.keySetting = 'a generated executor key'
    this.note(`Registered and approved executor ${executorname} with the colony owner's key`)
    return { client, executorname, executortype }
  }
}
