/**
 * Every process the comparison starts, so that it stops them all: at the end, on failure,
 * and on SIGINT/SIGTERM (Ctrl-C). A child is stopped the way it asks to be (its own stop
 * function), and killed if that has not worked after a grace time.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

interface Tracked {
  readonly name: string
  readonly child: ChildProcess
  readonly stop: () => Promise<void>
}

const GRACE_MS = 5_000

export class Children {
  private readonly live = new Set<Tracked>()
  private readonly cleanups: Array<() => Promise<void>> = []
  private closing: Promise<void> | undefined

  /** Tracks `child` until it exits; `stop` defaults to SIGTERM. */
  track (name: string, child: ChildProcess, stop?: () => Promise<void>): void {
    const t: Tracked = { name, child, stop: stop ?? (async () => { await terminate(child) }) }
    this.live.add(t)
    child.once('exit', () => this.live.delete(t))
  }

  /** Something else to undo at the end (a temp dir), run after the processes are gone. */
  onClose (fn: () => Promise<void>): void {
    this.cleanups.push(fn)
  }

  /** A fixture (node --import tsx FILE ARG) speaking the JSON-line protocol of compare-io.ts. */
  fixture (name: string, file: string, arg: unknown, nodeArgs: string[] = []): LineChild {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, JSON.stringify(arg)], { stdio: ['pipe', 'pipe', 'inherit'] })
    const lc = new LineChild(name, child)
    this.track(name, child, async () => await lc.stop())
    return lc
  }

  /** Stops whatever is still running (newest first), then runs the cleanups; idempotent. */
  async closeAll (): Promise<void> {
    this.closing ??= (async () => {
      for (const t of [...this.live].reverse()) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([t.stop().catch(() => {}), new Promise(resolve => { timer = setTimeout(resolve, GRACE_MS) })])
        clearTimeout(timer)
        if (t.child.exitCode === null && t.child.signalCode === null) {
          process.stderr.write(`compare: ${t.name} did not stop within ${GRACE_MS / 1000} s; killing it\n`)
          t.child.kill('SIGKILL')
        }
      }
      for (const fn of this.cleanups.reverse()) await fn().catch(() => {})
    })()
    await this.closing
  }

  /** On SIGINT/SIGTERM or an uncaught error: stop everything, then exit. */
  stopOnSignals (): void {
    const bail = (why: string, code: number): void => {
      process.stderr.write(`\ncompare: ${why}; stopping everything it started …\n`)
      void this.closeAll().finally(() => process.exit(code))
    }
    process.once('SIGINT', () => bail('interrupted', 130))
    process.once('SIGTERM', () => bail('terminated', 143))
    process.once('uncaughtException', err => bail(`failed: ${err.stack ?? err.message}`, 1))
    process.once('unhandledRejection', err => bail(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`, 1))
  }
}

/** SIGTERM, then wait for the exit. */
export async function terminate (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(resolve => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** A child that prints JSON lines and reads JSON commands. */
export class LineChild {
  readonly name: string
  readonly child: ChildProcess
  private readonly waiting = new Map<string, Array<(v: any) => void>>()
  private readonly listeners = new Map<string, (v: any) => void>()
  private readonly rejects = new Set<(err: Error) => void>()
  private exitError: Error | undefined

  constructor (name: string, child: ChildProcess) {
    this.name = name
    this.child = child
    // a command written while the child exits must not become an uncaught EPIPE
    child.stdin?.on('error', () => {})
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', line => {
      let ev: { event: string }
      try { ev = JSON.parse(line) } catch { process.stderr.write(`${name}: ${line}\n`); return }
      this.listeners.get(ev.event)?.(ev)
      this.waiting.get(ev.event)?.shift()?.(ev)
    })
    // 'close', not 'exit': the last lines a child printed before exiting are read by then
    child.once('close', (code, signal) => {
      this.exitError = new Error(`${name} exited (${signal ?? code ?? '?'})`)
      for (const list of this.waiting.values()) list.splice(0)
      for (const reject of this.rejects) reject(this.exitError)
    })
  }

  get pid (): number {
    return this.child.pid ?? -1
  }

  /** The next line with this event (rejects if the child exits first). */
  async next<T = any> (event: string): Promise<T> {
    if (this.exitError !== undefined) throw this.exitError
    return await new Promise<T>((resolve, reject) => {
      const r = (err: Error): void => reject(err)
      this.rejects.add(r)
      let list = this.waiting.get(event)
      if (list === undefined) this.waiting.set(event, list = [])
      list.push(v => { this.rejects.delete(r); resolve(v) })
    })
  }

  /** Every line with this event (one listener per event). */
  on (event: string, fn: (v: any) => void): void {
    this.listeners.set(event, fn)
  }

  send (cmd: Record<string, unknown>): void {
    this.child.stdin?.write(JSON.stringify(cmd) + '\n')
  }

  /** Asks the child to stop (a `stop` command and the end of its stdin) and waits for it. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise(resolve => this.child.once('exit', resolve))
    this.send({ cmd: 'stop' })
    this.child.stdin?.end()
    await exited
  }
}
