/**
 * How many bytes a node's data directory holds, looked at every so often (walking a
 * directory costs I/O: /health reads the last figure instead).
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { type Clock, every, type Service, systemClock } from './clock.js'

/** Bytes in every file under `dir` (0 for what vanishes meanwhile: level compacts as we walk). */
export async function dirBytes (dir: string): Promise<number> {
  let n = 0
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const path = join(dir, e.name)
    if (e.isDirectory()) n += await dirBytes(path)
    else if (e.isFile()) n += await stat(path).then(s => s.size, () => 0)
  }
  return n
}

export class DiskWatch implements Service {
  /** bytes of the data directory at the last look (-1: not looked yet) */
  bytes = -1
  private cancel: (() => void) | undefined

  constructor (private readonly dir: string, private readonly clock: Clock = systemClock, private readonly periodMs = 30_000) {}

  async look (): Promise<number> {
    this.bytes = await dirBytes(this.dir)
    return this.bytes
  }

  start (): void {
    void this.look()
    this.cancel ??= every(this.clock, this.periodMs, async () => await this.look(), { unref: true })
  }

  stop (): void {
    this.cancel?.()
    this.cancel = undefined
  }
}
