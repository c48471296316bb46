/**
 * The real `colonies` CLI as child processes: one-shot commands with their exit code and
 * output, and long-running ones (`dev`, `node start`, `executor start`) whose output is
 * watched line by line until an expected line appears, with a deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { idFromPrivateKey } from '../../src/protocol/crypto.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = join(ROOT, 'bin', 'run.js')

export type Env = Record<string, string>

/** The environment a colony member's CLI runs with against a test colony's node (more variables in `extra`). */
export function colonyEnv (tc: { readonly node: { readonly port: number }, readonly colony: string, readonly user: { readonly prv: string } }, extra: Env = {}): Env {
  return {
    COLONIES_SERVER_HOST: '127.0.0.1',
    COLONIES_SERVER_PORT: String(tc.node.port),
    COLONIES_COLONY_NAME: tc.colony,
    COLONIES_PRVKEY: tc.user.prv,
    ...extra
  }
}

/** The environment a command runs with: this process's, without any COLONIES_* leaking in, plus `env`. */
function childEnv (env: Env): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('COLONIES_')) base[k] = v
  return { ...base, ...env }
}

export interface CliResult { code: number | null, stdout: string, stderr: string }

export async function cli (args: string[], env: Env = {}, deadlineMs = 30_000): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`colonies ${args.join(' ')} did not finish in ${deadlineMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, deadlineMs)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** A long-running CLI command. */
export class CliProcess {
  readonly child: ChildProcess
  output = ''
  private readonly waiters: Array<{ re: RegExp, resolve: (m: RegExpMatchArray) => void }> = []

  constructor (args: string[], env: Env = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    const take = (d: Buffer): void => {
      this.output += d.toString()
      for (const w of [...this.waiters]) {
        const m = this.output.match(w.re)
        if (m !== null) {
          this.waiters.splice(this.waiters.indexOf(w), 1)
          w.resolve(m)
        }
      }
    }
    this.child.stdout?.on('data', take)
    this.child.stderr?.on('data', take)
  }

  /** Resolves with the first match of `re` in everything the command printed so far or later. */
  async waitFor (re: RegExp, deadlineMs = 20_000): Promise<RegExpMatchArray> {
    const m = this.output.match(re)
    if (m !== null) return m
    return await new Promise((resolve, reject) => {
      const w = { re, resolve: (x: RegExpMatchArray) => { clearTimeout(timer); resolve(x) } }
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(new Error(`no output matching ${String(re)} within ${deadlineMs} ms; output so far:\n${this.output}`))
      }, deadlineMs)
      this.waiters.push(w)
      this.child.once('exit', code => {
        if (!this.waiters.includes(w)) return
        clearTimeout(timer)
        reject(new Error(`exited (${String(code)}) before printing ${String(re)}; output:\n${this.output}`))
      })
    })
  }

  /** Sends a signal and waits for the exit code. */
  async stop (signal: NodeJS.Signals = 'SIGTERM', deadlineMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode
    const exited = new Promise<number | null>(resolve => this.child.once('exit', code => resolve(code)))
    this.child.kill(signal)
    const timer = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
}

/** Reads `export NAME=value` lines (as `colonies dev` prints and writes them). */
export function parseExports (text: string): Env {
  const env: Env = {}
  for (const m of text.matchAll(/^export (COLONIES_[A-Z_]+)=(.*)$/gm)) env[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, '$1')
  return env
}

/** A site run as its own `colonies node start` process (test/e2e). */
export interface CliSite { proc: CliProcess, url: string, p2p: string, nodeid: string, dir: string }

/**
 * Starts `colonies node start` for site `name` in `parent`/`name` with the operator's key,
 * bootstrapped to `bootstrap`, and waits until it serves; `more`: further flags.
 */
export async function startCliSite (parent: string, name: string, operator: string, bootstrap: string[], opts: { port?: string, more?: string[] } = {}): Promise<CliSite> {
  const d = join(parent, name)
  const args = ['node', 'start', '--data', d, '--port', opts.port ?? '0', '--p2p-port', '0', ...(opts.more ?? []), ...bootstrap.flatMap(b => ['--bootstrap', b])]
  const proc = new CliProcess(args, { COLONIES_SERVER_PRVKEY: operator })
  const [, url] = await proc.waitFor(/URL\s+(http:\/\/\S+)/) as unknown as [string, string]
  const [, p2p] = await proc.waitFor(/P2P\s+(\/ip4\/\S+)/) as unknown as [string, string]
  const [, nodeid] = await proc.waitFor(/Node id\s+([0-9a-f]{64})/) as unknown as [string, string]
  await proc.waitFor(/Serving/)
  return { proc, url, p2p, nodeid, dir: d }
}

/** The CLI environment against a CLI site of colony `colony`: its owner, a user and the operator. */
export function siteEnv (s: { url: string }, colony: string, keys: { owner: string, user: string, operator: string }): Env {
  return {
    COLONIES_SERVER_HOST: '127.0.0.1',
    COLONIES_SERVER_PORT: new URL(s.url).port,
    COLONIES_COLONY_NAME: colony,
    COLONIES_COLONY_PRVKEY: keys.owner,
    COLONIES_PRVKEY: keys.user,
    COLONIES_SERVER_PRVKEY: keys.operator
  }
}

/**
 * Three CLI sites, b and c bootstrapped to a; on a, colony `fed` (owned by `keys.owner`),
 * user alice (`keys.user`), and b and c admitted as site-1 and site-2, all with the CLI.
 */
export async function cliColonyOfThree (start: (name: string, bootstrap: string[]) => Promise<CliSite>, env: (s: CliSite) => Env, keys: { owner: string, user: string }): Promise<CliSite[]> {
  const a = await start('a', [])
  const sites = [a, await start('b', [a.p2p]), await start('c', [a.p2p])]
  const run = async (args: string[]): Promise<void> => {
    const r = await cli(args, env(a))
    if (r.code !== 0) throw new Error(`colonies ${args.join(' ')} failed (${String(r.code)}): ${r.stderr}`)
  }
  await run(['colony', 'add', '--name', 'fed', '--colonyid', idFromPrivateKey(keys.owner)])
  await run(['user', 'add', '--name', 'alice', '--userid', idFromPrivateKey(keys.user)])
  for (const [i, s] of sites.slice(1).entries()) await run(['node', 'add', '--nodeid', s.nodeid, '--name', `site-${i + 1}`])
  return sites
}
