/**
 * One rule for every destructive command (remove, removeall, fs clean/sync): ask on a
 * terminal and go on only on "yes", skip the question with --yes, and refuse without a
 * terminal unless --yes, so a script never removes (or hangs) on a question nobody sees.
 * Upstream asks the same question (user remove, process removeall) and goes on on "YES".
 */
import { Flags } from '@oclif/core'
import { createInterface } from 'node:readline'
import { UsageError } from './errors.js'

export const yesFlag = {
  yes: Flags.boolean({ char: 'y', description: 'Do not ask for confirmation (needed when stdin is not a terminal)' })
}

/** Refused without a terminal to ask on: the user must add --yes (exit code 2, bad usage). */
export class NoTerminalError extends UsageError {
  constructor (question: string) {
    super(`${question} Not done: no terminal to ask on; pass --yes to go ahead without asking`)
  }
}

export async function confirm (question: string, yes: boolean): Promise<boolean> {
  if (yes) return true
  if (process.stdin.isTTY !== true) throw new NoTerminalError(question)
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await new Promise<string | undefined>(resolve => {
      rl.once('close', () => resolve(undefined))
      rl.question(`${question} (yes/no): `, resolve)
    })
    return answer !== undefined && /^(yes|y)$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
