/**
 * What `process removeall` and `workflow removeall` share: the state flags (at most one;
 * none = every state but running) and the confirmation before the colony owner removes.
 */
import { Flags } from '@oclif/core'
import { ProcessState, STATE_NOTSET } from '../protocol/spec.js'
import { confirm } from './confirm.js'

export function removeAllFlags (noun: string) {
  return {
    waiting: Flags.boolean({ description: `Only waiting ${noun}`, exclusive: ['successful', 'failed', 'cancelled'] }),
    successful: Flags.boolean({ description: `Only successful ${noun}`, exclusive: ['waiting', 'failed', 'cancelled'] }),
    failed: Flags.boolean({ description: `Only failed ${noun}`, exclusive: ['waiting', 'successful', 'cancelled'] }),
    cancelled: Flags.boolean({ description: `Only cancelled ${noun}`, exclusive: ['waiting', 'successful', 'failed'] }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation' })
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

/** Asks (unless `yes`); false when the user did not confirm. */
export async function confirmRemoveAll (which: string, noun: string, colony: string, yes: boolean): Promise<boolean> {
  return await confirm(`Remove ${which} ${noun} in colony ${colony}? This cannot be undone.`, yes)
}
