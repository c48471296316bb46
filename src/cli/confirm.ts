/**
 * Upstream asks before destructive commands (user remove, process removeall) and goes on
 * only on "YES". We ask the same on a terminal, read one line from piped stdin otherwise
 * (`echo YES | colonies ...`), and skip the question with --yes.
 */
import { createInterface } from 'node:readline'

export async function confirm (question: string, yes: boolean): Promise<boolean> {
  if (yes) return true
  const rl = createInterface({ input: process.stdin, output: process.stdin.isTTY === true ? process.stderr : undefined })
  try {
    const answer = await new Promise<string | undefined>(resolve => {
      rl.once('close', () => resolve(undefined))
      if (process.stdin.isTTY === true) rl.question(`${question} (YES/no): `, resolve)
      else rl.once('line', resolve)
    })
    return answer !== undefined && /^(yes|y)$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}
