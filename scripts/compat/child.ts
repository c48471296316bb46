/**
 * Runs an SDK's test runner as a child process in its own process group, its output passed
 * through to ours line by line under a prefix (so a long suite shows progress), and ends
 * the whole group if it outlives its time.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface ChildRun {
  readonly code: number | null
  readonly timedOut: boolean
  /** the child's stderr, kept for the report when the runner's own report is missing */
  readonly stderr: string
}

export interface ChildOptions {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly timeoutMs: number
  /** put before each line the child prints; undefined: print nothing */
  readonly prefix?: string
}

const KEEP_STDERR = 64 * 1024

export async function runChild (cmd: string, args: readonly string[], opts: ChildOptions): Promise<ChildRun> {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stderr = ''
  const echo = (line: string): void => { if (opts.prefix !== undefined) process.stdout.write(`${opts.prefix}${line}\n`) }
  createInterface({ input: child.stdout }).on('line', echo)
  createInterface({ input: child.stderr }).on('line', line => {
    if (stderr.length < KEEP_STDERR) stderr += line + '\n'
    echo(line)
  })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    // the runner may have started children of its own (vitest's workers): end the group
    try { process.kill(-(child.pid as number), 'SIGKILL') } catch {}
  }, opts.timeoutMs)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  }).finally(() => clearTimeout(timer))
  return { code, timedOut, stderr }
}
