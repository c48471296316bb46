/**
 * The Redis that BullMQ runs on: Debian's redis-server, installed when missing, started
 * on a free loopback port with persistence off and a temporary working directory.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Children } from './children.js'

export interface RedisServer {
  readonly host: string
  readonly port: number
  readonly pid: number
  readonly version: string
  stop: () => Promise<void>
}

function redisVersion (): string | undefined {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  return /v=(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim()
}

/** redis-server's version, after installing Debian's package if it is not there. */
export function ensureRedis (log: (line: string) => void): string {
  const have = redisVersion()
  if (have !== undefined) return have
  const root = process.getuid?.() === 0
  const sudo = root ? [] : ['sudo']
  log(`  redis-server is not installed: installing Debian's redis-server (${root ? '' : 'sudo '}apt-get install -y redis-server) …`)
  const run = (args: string[]): void => {
    const [cmd, ...rest] = [...sudo, ...args] as [string, ...string[]]
    execFileSync(cmd, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  }
  run(['apt-get', 'update', '-qq'])
  run(['apt-get', 'install', '-y', '-qq', 'redis-server'])
  const v = redisVersion()
  if (v === undefined) throw new Error('redis-server is still not runnable after apt-get install redis-server')
  log(`  installed redis-server ${v}`)
  return v
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Starts redis-server on 127.0.0.1 (tracked by `children`) and waits until it accepts connections. */
export async function startRedis (children: Children, version: string): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-compare-redis-'))
  children.onClose(async () => await rm(dir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  children.track('redis-server', child, stop)
  const log: string[] = []
  await new Promise<void>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    rl.on('line', line => {
      log.push(line)
      if (line.includes('Ready to accept connections')) resolve()
    })
    child.once('exit', code => reject(new Error(`redis-server exited (${code}) before accepting connections:\n${log.slice(-10).join('\n')}`)))
  })
  return { host: '127.0.0.1', port, pid: child.pid ?? -1, version, stop }
}
