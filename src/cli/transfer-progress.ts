/**
 * Progress of file transfers for people, on stderr (stdout stays for the result, or the
 * JSON under --json): a line per file moved, with files and bytes done so far; on a
 * terminal also a status line redrawn in place (at most ten times a second) while bytes
 * move. Nothing at all when quiet.
 */
import type { SyncEvent } from '../client/fs/index.js'
import { visible } from '../protocol/visible.js'
import { formatSize } from './views/fs.js'

export interface ProgressOptions {
  write: (text: string) => void
  /** redraw a status line in place */
  tty: boolean
  quiet: boolean
  /** files and bytes expected */
  files: number
  bytes: number
  now?: () => number
}

const PAST: Record<SyncEvent['op'], string> = { upload: 'uploaded', download: 'downloaded' }

export class TransferProgress {
  readonly #o: ProgressOptions
  readonly #active = new Map<string, number>()
  #files = 0
  #finished = 0
  #status = false
  #drawn = 0

  constructor (opts: ProgressOptions) {
    this.#o = opts
  }

  get bytesDone (): number {
    let n = this.#finished
    for (const v of this.#active.values()) n += v
    return n
  }

  #counts (): string {
    return `${this.#files}/${this.#o.files} files, ${formatSize(this.bytesDone)} of ${formatSize(this.#o.bytes)}`
  }

  #clear (): void {
    if (this.#status) this.#o.write('\r\x1b[K')
    this.#status = false
  }

  #draw (force: boolean): void {
    if (!this.#o.tty) return
    const now = (this.#o.now ?? Date.now)()
    if (!force && now - this.#drawn < 100) return
    this.#drawn = now
    this.#clear()
    const pct = this.#o.bytes > 0 ? ` (${Math.floor(100 * this.bytesDone / this.#o.bytes)}%)` : ''
    this.#o.write(`${this.#counts()}${pct}`)
    this.#status = true
  }

  event (e: SyncEvent): void {
    if (this.#o.quiet) return
    const key = `${e.op} ${e.label}/${e.name}`
    switch (e.type) {
      case 'start':
        this.#active.set(key, 0)
        this.#draw(true)
        break
      case 'bytes':
        this.#active.set(key, e.done)
        this.#draw(false)
        break
      case 'done': {
        this.#active.delete(key)
        this.#files++
        this.#finished += e.size
        this.#clear()
        // any member names files: the name is shown, its control characters not obeyed
        const path = visible(e.label === '/' ? `/${e.name}` : `${e.label}/${e.name}`)
        const resumed = e.resumed > 0 ? `, resumed at ${formatSize(e.resumed)}` : ''
        this.#o.write(`${PAST[e.op]} ${path} (${formatSize(e.size)}${resumed})  [${this.#counts()}]\n`)
        this.#draw(true)
        break
      }
    }
  }

  /** Clears the status line. */
  end (): void {
    this.#clear()
  }
}
