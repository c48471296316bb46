/**
 * Crash tests: run a fixture script as a child process, read its stdout line by line, and
 * kill it with SIGKILL once `enough` says so (it must not exit on its own before).
 */
import { spawn } from 'node:child_process'

/** Resolves with every stdout line once the child died of our SIGKILL; rejects past `deadlineMs` or on any other exit. */
export async function killWhen (script: string, args: string[], enough: (lines: readonly string[]) => boolean, what: string, deadlineMs = 60_000): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let partial = ''
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} not reached in ${deadlineMs} ms: ${stderr}`))
    }, deadlineMs)
    child.stdout.on('data', (d: Buffer) => {
      const got = (partial + d.toString()).split('\n')
      partial = got.pop() ?? ''
      lines.push(...got)
      if (enough(lines) && child.exitCode === null && !child.killed) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL' && enough(lines)) resolve(lines)
      else reject(new Error(`the child exited before ${what} (code ${code}, signal ${signal}): ${stderr}`))
    })
  })
}
