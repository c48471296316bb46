/**
 * One fetch of a blob from other sites, shared by everyone who waits for it: the fetcher
 * appends to the blob's part file and reports progress here; HTTP downloads tail the part
 * file behind it (`tail`), so a client gets the bytes as they arrive while the blob is
 * being stored, and a slow client never holds the fetch back nor makes the node buffer
 * (the disk is the buffer).
 *
 * A tail never hands out the blob's last byte before the fetch has verified the whole:
 * a blob that turns out forged ends every tail short, and the client sees a failed
 * download, never a complete wrong one.
 */
import { open, type FileHandle } from 'node:fs/promises'
import { READ_CHUNK_BYTES } from './store.js'

export type TransferState = 'running' | 'done' | 'failed'

export class Transfer {
  readonly colonyname: string
  readonly checksum: string
  state: TransferState = 'running'
  /** the blob's size, once a site has told it */
  size: number | undefined
  /** bytes in the part file */
  written = 0
  /** the part file, and the blob's final name once done */
  partPath = ''
  finalPath = ''
  error: Error | undefined
  /** bumped when bytes already held were thrown away (a tail reading them must stop) */
  generation = 0
  /** settles when the fetch ends: resolved once the blob is stored, rejected with why not */
  readonly done: Promise<void>
  private settle!: (err?: Error) => void
  private waiters: Array<() => void> = []

  constructor (colonyname: string, checksum: string) {
    this.colonyname = colonyname
    this.checksum = checksum
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = err => { if (err === undefined) resolve(); else reject(err) }
    })
    this.done.catch(() => {}) // a fetch nobody waits for (keep-local retries later) is no crash
  }

  private notify (): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Resolves at the next change of size, progress or state. */
  async changed (): Promise<void> {
    await new Promise<void>(resolve => { this.waiters.push(resolve) })
  }

  setSize (size: number): void {
    this.size = size
    this.notify()
  }

  progress (written: number): void {
    this.written = written
    this.notify()
  }

  /** The bytes held were thrown away (and the size heard with them): tails reading them stop. */
  restart (): void {
    this.generation++
    this.size = undefined
    this.written = 0
    this.notify()
  }

  finish (): void {
    this.state = 'done'
    this.settle()
    this.notify()
  }

  fail (err: Error): void {
    this.state = 'failed'
    this.error = err
    this.settle(err)
    this.notify()
  }

  /** The blob's size once a site has told it (rejects if the fetch fails first). */
  async sized (): Promise<number> {
    while (this.size === undefined) {
      if (this.state === 'failed') throw this.error as Error
      await this.changed()
    }
    return this.size
  }
}

/** Opens the part file, or the blob if the fetch has finished and renamed it meanwhile. */
async function openBehind (t: Transfer): Promise<FileHandle> {
  try {
    return await open(t.partPath, 'r')
  } catch (err) {
    if (t.state === 'done') return await open(t.finalPath, 'r')
    throw err
  }
}

/**
 * Bytes [start, end) of the blob a transfer is fetching, as they arrive. A range that ends
 * at the blob's end streams along; one that ends before it waits for the verified blob.
 * Fails when the fetch fails or throws away bytes this tail has read.
 */
export async function * tail (t: Transfer, start: number, end: number): AsyncGenerator<Uint8Array> {
  const size = await t.sized()
  const generation = t.generation
  const fh = await openBehind(t)
  try {
    let pos = start
    while (pos < end) {
      if (t.state === 'failed') throw t.error as Error
      if (t.generation !== generation) throw new Error(`the fetch of blob ${t.checksum} started over`)
      const limit = t.state === 'done' ? size : end === size ? Math.min(t.written, size - 1) : 0
      if (pos >= limit) {
        await t.changed()
        continue
      }
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit - pos, end - pos))
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
      if (bytesRead === 0) throw new Error(`the part file of blob ${t.checksum} is shorter than reported`)
      pos += bytesRead
      yield buf.subarray(0, bytesRead)
    }
    // an empty blob has no last byte to withhold: its end waits for the verdict instead
    while (end === size && t.state === 'running') await t.changed()
    if (t.state === 'failed') throw t.error as Error
  } finally {
    await fh.close()
  }
}
