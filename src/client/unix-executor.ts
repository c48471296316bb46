/**
 * Runs a process as a command line: `funcname` split into argv (with "double" and
 * 'single' quotes and backslash escapes), then each of `args` appended (strings as they
 * are, anything else as JSON); `kwargs` are ignored. No shell unless `shell: true`, which
 * runs `/bin/sh -c` with funcname followed by the args, each single-quoted. `spec.env`
 * is laid over the executor's environment. stdout and stderr stream into the process log
 * line by line while the command runs (stderr lines prefixed "stderr: "); exit 0 gives
 * out = [trimmed stdout], anything else fails with the exit code and the last stderr lines.
 *
 * Shutdown: the caller owns the signals. For example
 *   const ex = createUnixExecutor({ client, colonyname }).start()
 *   for (const s of ['SIGINT', 'SIGTERM']) process.once(s, () => { void ex.stop({ graceMs: 5000 }).then(() => process.exit(0)) })
 * stop() lets running commands finish within the grace time, then kills them (SIGTERM,
 * SIGKILL 2 s later) and closes their processes as failed. Commands run in their own
 * process group, so a Ctrl-C reaches them only through stop(), never half-way.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { ValidationError } from '../protocol/errors.js'
import type { JsonValue } from '../protocol/json.js'
import { visible } from '../protocol/visible.js'
import type { Process } from '../protocol/wire-types.js'
import { Executor, ProcessFailedError, ProcessReleasedError, type ExecutorOptions } from './executor.js'

export interface RunCommandOptions {
  /** receives every output line (stderr ones prefixed) as it arrives */
  log?: (line: string) => void
  /** kills the command (SIGTERM, then SIGKILL after killGraceMs) */
  signal?: AbortSignal
  /** run through /bin/sh -c instead of spawning argv directly */
  shell?: boolean
  /** the environment spec.env is laid over (default process.env) */
  env?: Record<string, string | undefined>
  cwd?: string
  /** sees each raw line too, e.g. to echo stdout on a terminal */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
  /** between SIGTERM and SIGKILL (default 2000 ms) */
  killGraceMs?: number
  /** prefix of stderr lines in the log (default "stderr: ") */
  stderrPrefix?: string
  /** stderr lines kept for the failure report (default 20) */
  stderrTailLines?: number
  /** stdout kept for the output, in characters (default 1 MiB; the log still gets every line) */
  maxOutputChars?: number
}

/** What runCommand needs of a function spec. */
export interface CommandSpec {
  funcname: string
  args?: JsonValue[] | unknown[]
  env?: Record<string, string>
  /** seconds; > 0 kills the command at that deadline */
  maxexectime?: number
}

export interface RunResult {
  /** what was spawned */
  argv: string[]
  /** true when the command ran and exited 0 */
  ok: boolean
  exitCode: number | null
  /** the signal that ended the command, if any */
  signal: NodeJS.Signals | null
  timedOut: boolean
  aborted: boolean
  stdout: string
  /** [trimmed stdout] when ok, else [] */
  out: string[]
  /** why it failed (first line) and the last stderr lines; [] when ok */
  errors: string[]
}

/**
 * Split a command line like a POSIX shell would, without expansions: whitespace separates,
 * '…' is literal, "…" allows \" \\ \$ \` escapes, a backslash outside quotes escapes the next character.
 */
export function splitCommandLine (line: string): string[] {
  const argv: string[] = []
  let cur = ''
  let inToken = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (quote === "'") {
      if (c === "'") quote = null
      else cur += c
    } else if (quote === '"') {
      const next = line[i + 1]
      if (c === '"') quote = null
      else if (c === '\\' && next !== undefined && '"\\$`'.includes(next)) { cur += next; i++ } else cur += c
    } else if (/\s/.test(c)) {
      if (inToken) argv.push(cur)
      cur = ''
      inToken = false
    } else if (c === '"' || c === "'") {
      quote = c
      inToken = true
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i] as string
      inToken = true
    } else {
      cur += c
      inToken = true
    }
  }
  if (quote !== null) throw new ValidationError('funcname', `unterminated ${quote} quote in ${JSON.stringify(line)}`)
  if (inToken) argv.push(cur)
  return argv
}

/** An argument as command-line text: strings as they are, anything else as JSON. */
export function argToString (arg: unknown): string {
  return typeof arg === 'string' ? arg : JSON.stringify(arg) ?? 'null'
}

function shellQuote (s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`
}

/** Feeds a stream's chunks and calls `emit` once per complete line (CRLF tolerated). */
function lineReader (emit: (line: string) => void): { push: (chunk: Buffer) => void, end: () => void } {
  const decoder = new StringDecoder('utf8')
  let partial = ''
  const out = (line: string): void => emit(line.endsWith('\r') ? line.slice(0, -1) : line)
  return {
    push (chunk) {
      const parts = (partial + decoder.write(chunk)).split('\n')
      partial = parts.pop() as string
      for (const line of parts) out(line)
    },
    end () {
      const rest = partial + decoder.end()
      partial = ''
      if (rest !== '') out(rest)
    }
  }
}

/**
 * Why this argv and environment cannot reach exec at all (a C string ends at NUL), named
 * by its place, or undefined. Node would refuse them too, but quoting the hostile text back.
 */
function unpassable (argv: readonly string[], env: Record<string, string | undefined>): string | undefined {
  const i = argv.findIndex(a => a.includes('\0'))
  if (i === 0) return 'the command name contains a NUL byte'
  if (i > 0) return `argument ${i} contains a NUL byte`
  for (const [k, v] of Object.entries(env)) {
    if (k.includes('\0') || (v ?? '').includes('\0')) return `environment variable "${visible(k)}" contains a NUL byte`
  }
  return undefined
}

/** The first line of a failure to start `command`, e.g. `cannot run "echo": spawn E2BIG`. */
function cannotRun (command: string, err: Error & { code?: string }): string {
  const name = `cannot run "${visible(command)}"`
  if (err.code === 'ENOENT') return `${name}: command not found (is it installed and on PATH?)`
  if (err.code === 'E2BIG') return `${name}: ${err.message} (the arguments and environment are too large for a command line: pass big data in a file)`
  return `${name}: ${visible(err.message)}`
}

/** Run a spec's command to the end; never throws for a failing command, only for a malformed funcname. */
export async function runCommand (spec: CommandSpec, opts: RunCommandOptions = {}): Promise<RunResult> {
  const args = (spec.args ?? []).map(argToString)
  const line = spec.funcname ?? ''
  // with a shell, the shell parses the line (and reports its own syntax errors)
  const words = opts.shell === true ? [line.trim()].filter(w => w !== '') : splitCommandLine(line)
  if (words.length === 0) throw new ValidationError('funcname', 'is empty: it must name the command to run, e.g. "echo"')
  const argv = opts.shell === true
    ? ['/bin/sh', '-c', [line, ...args.map(shellQuote)].join(' ')]
    : [...words, ...args]
  const env = { ...(opts.env ?? process.env), ...(spec.env ?? {}) }
  const killGraceMs = opts.killGraceMs ?? 2_000
  const prefix = opts.stderrPrefix ?? 'stderr: '
  const tailLines = opts.stderrTailLines ?? 20
  const maxOutputChars = opts.maxOutputChars ?? 1024 * 1024
  const log = opts.log ?? (() => {})

  return await new Promise<RunResult>(resolve => {
    let stdout = ''
    let truncated = false
    const stderrTail: string[] = []
    let timedOut = false
    let aborted = false
    let abortMessage = ''
    let spawnError: (Error & { code?: string }) | undefined
    let killTimer: NodeJS.Timeout | undefined
    let deadline: NodeJS.Timeout | undefined
    let finished = false

    // its own process group (not on Windows), so a kill reaches whatever the command started
    const group = process.platform !== 'win32'
    // assigned below, after everything finish() and kill() use is declared: spawn throws at
    // once for an argument it cannot pass (a NUL byte, E2BIG), and that must end in finish()
    let child: ChildProcess | undefined

    const kill = (): void => {
      const send = (sig: NodeJS.Signals): void => {
        if (child === undefined) return
        try {
          if (group && child.pid !== undefined) process.kill(-child.pid, sig)
          else child.kill(sig)
        } catch {
          child.kill(sig) // the group is gone already; the child may not be
        }
      }
      send('SIGTERM')
      killTimer ??= setTimeout(() => send('SIGKILL'), killGraceMs)
    }

    const onAbort = (): void => {
      aborted = true
      const reason = opts.signal?.reason as { message?: string } | undefined
      abortMessage = typeof reason?.message === 'string' ? reason.message : 'aborted'
      kill()
    }

    function finish (code: number | null, sig: NodeJS.Signals | null): void {
      if (finished) return
      finished = true
      clearTimeout(killTimer)
      clearTimeout(deadline)
      opts.signal?.removeEventListener('abort', onAbort)
      const ok = spawnError === undefined && !timedOut && !aborted && code === 0
      const errors: string[] = []
      if (!ok) {
        if (spawnError !== undefined) {
          errors.push(cannotRun(argv[0] as string, spawnError))
        } else if (timedOut) {
          errors.push(`killed after the maximum execution time of ${spec.maxexectime ?? 0} s`)
        } else if (aborted) {
          errors.push(`killed: ${abortMessage}`)
        } else if (code !== null) {
          errors.push(`exit code ${code}`)
        } else {
          errors.push(`killed by ${sig ?? 'a signal'}`)
        }
        errors.push(...stderrTail)
      }
      if (truncated) stdout += '\n[output truncated; the log has all of it]'
      resolve({ argv, ok, exitCode: code, signal: sig, timedOut, aborted, stdout, out: ok ? [stdout.trim()] : [], errors })
    }

    const refused = unpassable(argv, env)
    if (refused !== undefined) {
      spawnError = new Error(refused)
      finish(null, null)
      return
    }
    try {
      child = spawn(argv[0] as string, argv.slice(1), { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: group })
    } catch (err) {
      spawnError = err as Error
      finish(null, null)
      return
    }

    const out = lineReader(line => {
      log(line)
      opts.onOutput?.(line, 'stdout')
    })
    const err = lineReader(line => {
      log(prefix + line)
      stderrTail.push(line)
      if (stderrTail.length > tailLines) stderrTail.shift()
      opts.onOutput?.(line, 'stderr')
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout.length < maxOutputChars) {
        const text = chunk.toString('utf8')
        stdout += text.slice(0, maxOutputChars - stdout.length)
        if (stdout.length >= maxOutputChars) truncated = true
      } else {
        truncated = true
      }
      out.push(chunk)
    })
    child.stdout?.on('end', () => out.end())
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk))
    child.stderr?.on('end', () => err.end())
    child.on('error', e => {
      spawnError ??= e
      // no pid: it never started, and 'close' may not follow
      if (child?.pid === undefined) finish(null, null)
    })
    // 'close' comes after the streams drained, so the last lines are in
    child.on('close', (code, sig) => finish(code, sig))

    if (spec.maxexectime !== undefined && spec.maxexectime > 0) {
      deadline = setTimeout(() => { timedOut = true; kill() }, spec.maxexectime * 1000)
    }
    if (opts.signal !== undefined) {
      if (opts.signal.aborted) onAbort()
      else opts.signal.addEventListener('abort', onAbort, { once: true })
    }
  })
}

export type UnixExecutorOptions = Omit<ExecutorOptions, 'handler'> & {
  /** run commands through /bin/sh -c (default false) */
  shell?: boolean
  /** the executor's environment, under each spec's env (default process.env) */
  env?: Record<string, string | undefined>
  cwd?: string
  /** each output line, e.g. so `colonies dev` can echo stdout on its terminal */
  onOutput?: (line: string, stream: 'stdout' | 'stderr', process: Process) => void
  killGraceMs?: number
}

/** With maxexectime and retries left, a timed-out process is the node's to retry, not ours to fail. */
function retriesLeft (p: Process): boolean {
  return p.spec.maxretries === -1 || p.retries < p.spec.maxretries
}

/** An Executor whose handler is runCommand. Call start(), and stop() on shutdown. */
export function createUnixExecutor (opts: UnixExecutorOptions): Executor {
  const { shell, env, cwd, onOutput, killGraceMs, ...executorOpts } = opts
  return new Executor({
    ...executorOpts,
    handler: async (process, ctx) => {
      const result = await runCommand(process.spec, {
        log: ctx.log,
        signal: ctx.signal,
        shell,
        env,
        cwd,
        killGraceMs,
        onOutput: onOutput === undefined ? undefined : (line, stream) => onOutput(line, stream, process)
      })
      if (result.ok) return { out: result.out }
      if (result.timedOut && retriesLeft(process)) throw new ProcessReleasedError(result.errors[0] ?? 'timed out')
      throw new ProcessFailedError(result.errors)
    }
  })
}
