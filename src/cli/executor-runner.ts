/**
 * Runs the Unix executor for `executor start` and `colonies dev`, telling the terminal
 * what it does: each process it takes and how it ended, the commands' stdout as it comes
 * (so `echo sayhello` prints sayhello), and trouble reaching the node (once per distinct
 * problem, not once per retry).
 */
import type { ColoniesClient, Executor, ExecutorEvent } from '../client/index.js'
import type { Process } from '../protocol/wire-types.js'
import { valuesText } from './views/process.js'

export interface ExecutorRunnerOptions {
  client: ColoniesClient
  colonyname: string
  /** run commands through /bin/sh -c */
  shell?: boolean
  concurrency?: number
  /** a line for the terminal's stdout */
  out: (line: string) => void
  /** a line for the terminal's stderr */
  err: (line: string) => void
}

function clock (): string {
  return new Date().toISOString().slice(11, 19)
}

function commandLine (p: Process): string {
  const args = valuesText(p.spec.args)
  return args === '' ? p.spec.funcname : `${p.spec.funcname} ${args}`
}

export async function startExecutor (opts: ExecutorRunnerOptions): Promise<Executor> {
  const { createUnixExecutor } = await import('../client/index.js')
  let lastProblem = ''
  const onEvent = (e: ExecutorEvent): void => {
    switch (e.type) {
      case 'assigned':
        lastProblem = ''
        opts.out(`[${clock()}] run  ${e.process.processid}: ${commandLine(e.process)}`)
        break
      case 'closed':
        opts.out(e.successful
          ? `[${clock()}] done ${e.process.processid}: successful`
          : `[${clock()}] done ${e.process.processid}: failed: ${e.errors.join('; ')}`)
        break
      case 'released':
        opts.out(`[${clock()}] left ${e.process.processid}: ${e.reason}`)
        break
      case 'error': {
        const problem = `${e.during}: ${e.error.message}`
        if (e.during === 'assign') {
          // the loop retries with back-off; say it once, and again only when it changes
          if (problem === lastProblem) return
          lastProblem = problem
          opts.err(`[${clock()}] cannot get work from the node (retrying): ${e.error.message}`)
        } else {
          opts.err(`[${clock()}] ${e.process?.processid ?? ''} ${problem}`)
        }
        break
      }
    }
  }
  return createUnixExecutor({
    client: opts.client,
    colonyname: opts.colonyname,
    shell: opts.shell,
    concurrency: opts.concurrency,
    onEvent,
    onOutput: (line, stream) => {
      if (stream === 'stdout') opts.out(line)
      else opts.err(`stderr: ${line}`)
    }
  }).start()
}
