/**
 * What `process removeall` and `workflow removeall` share: the state flags (at most one;
 * none = every state but running) and the confirmation before the colony owner removes.
 */
import { type Command, Flags } from '@oclif/core'
import type { ColoniesClient } from '../client/rpc-client.js'
import { ProcessState, STATE_NOTSET } from '../protocol/state.js'
import { ClientCommand } from './client-command.js'
import { OWNER_KEY } from './config.js'
import { yesFlag } from './confirm.js'
import { colonyFlag, ownerKeyFlag } from './flags.js'

export function removeAllFlags (noun: string) {
  return {
    ...colonyFlag,
    ...ownerKeyFlag,
    waiting: Flags.boolean({ description: `Only waiting ${noun}`, exclusive: ['successful', 'failed', 'cancelled'] }),
    successful: Flags.boolean({ description: `Only successful ${noun}`, exclusive: ['waiting', 'failed', 'cancelled'] }),
    failed: Flags.boolean({ description: `Only failed ${noun}`, exclusive: ['waiting', 'successful', 'cancelled'] }),
    cancelled: Flags.boolean({ description: `Only cancelled ${noun}`, exclusive: ['waiting', 'successful', 'failed'] }),
    ...yesFlag
  }
}

/** The state the flags chose, and its word for messages. */
export function chosenState (f: { waiting?: boolean, successful?: boolean, failed?: boolean, cancelled?: boolean }): [number, string] {
  if (f.waiting === true) return [ProcessState.WAITING, 'waiting']
  if (f.successful === true) return [ProcessState.SUCCESS, 'successful']
  if (f.failed === true) return [ProcessState.FAILED, 'failed']
  if (f.cancelled === true) return [ProcessState.CANCELLED, 'cancelled']
  return [STATE_NOTSET, 'all']
}

type RemoveAllFlags = ReturnType<typeof removeAllFlags>

/** A `removeall` command: what it removes (`noun`), and the call that removes it. */
export abstract class RemoveAllCommand<T extends typeof Command & { flags: RemoveAllFlags }> extends ClientCommand<T> {
  protected abstract readonly noun: string
  protected abstract remove (owner: ColoniesClient, colonyname: string, state: number): Promise<void>

  async run (): Promise<void> {
    const colonyname = this.colonyName()
    const f = this.flags as unknown as { colonyprvkey?: string, yes: boolean, waiting: boolean, successful: boolean, failed: boolean, cancelled: boolean }
    const owner = await this.client(OWNER_KEY, f.colonyprvkey)
    const [state, which] = chosenState(f)
    await this.confirmOrAbort(`Remove ${which} ${this.noun} in colony ${colonyname}? This cannot be undone.`, f.yes)
    await this.remove(owner, colonyname, state)
    this.output({ colonyname, state, removed: true }, () => `Removed ${which} ${this.noun} in colony ${colonyname}`)
  }
}
