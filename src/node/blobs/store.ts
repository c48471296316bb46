/**
 * The content-addressed blob store in a node's data directory: one folder per colony
 * (`<dir>/<colony key>/ab/abcdef…`, the key a hash of the colony's name, so one colony's
 * members never reach another's content by naming its checksum), a blob's name its
 * lowercase hex SHA-256.
 *
 * A blob gets its final name only once its bytes hashed to that name, were flushed to
 * disk and renamed there atomically: a name in the store is the mark of a verified blob.
 * An upload is written to `<name>.<random>.tmp` (removed at the next start if the node
 * died meanwhile); a fetch from another site to `<name>.part`, kept across failures and
 * restarts so a later fetch resumes at its size. A full read hashes again as it goes and
 * withholds the last chunk until the hash is right, so bytes that rotted on disk are never
 * served whole (the blob is then removed, to be fetched again).
 */
import { createHash, type Hash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ChecksumMismatchError, ColonyError, PayloadTooLargeError, RpcError, ValidationError } from '../../protocol/errors.js'
import { DEFAULT_MAX_BLOB_BYTES } from './options.js'


/** Bytes per read from disk, and so per chunk served. */
export const READ_CHUNK_BYTES = 256 * 1024

/** A blob on disk whose bytes no longer hash to its name (it has been removed). */
export class CorruptBlobError extends ColonyError {
  constructor (message: string) {
    super(message)
    this.name = 'CorruptBlobError'
  }
}

/** 507: the disk of the data directory is full; nothing was stored. */
export class DiskFullError extends RpcError {
  constructor (message: string) {
    super(507, message)
    this.name = 'DiskFullError'
  }
}

/** A full disk as DiskFullError (the operator's problem, not the client's); other errors as they are. */
function onDisk (err: unknown): unknown {
  if ((err as { code?: unknown })?.code === 'ENOSPC') return new DiskFullError('this site\'s disk is full: nothing was stored (its operator must free space)')
  return err
}

/** What the store holds, for /health. */
export interface BlobStoreStats {
  /** verified blobs, and their bytes */
  readonly blobs: number
  readonly bytes: number
  /** partial fetches kept to resume, and their bytes */
  readonly parts: number
  readonly partbytes: number
}

/** The folder of a colony's blobs: a hash of its name (any string makes a safe, short folder name). */
export function colonyKey (colonyname: string): string {
  return createHash('sha256').update(colonyname, 'utf8').digest('hex').slice(0, 32)
}

async function fileSize (path: string): Promise<number | undefined> {
  try {
    const s = await stat(path)
    return s.isFile() ? s.size : undefined
  } catch {
    return undefined
  }
}

/** Writes all of `chunk` at the file's position (a write may take fewer bytes than given). */
async function writeAll (fh: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.byteLength;) {
    const { bytesWritten } = await fh.write(chunk, at, chunk.byteLength - at)
    at += bytesWritten
  }
}

/** fsync a directory, so a rename into it survives a crash. */
async function syncDir (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

/**
 * A partial blob being fetched: bytes are appended as they arrive; `commit` checks the
 * whole against the checksum and gives it its final name. One writer per blob at a time.
 */
export class PartFile {
  private hash: Hash | undefined
  private committed = false

  constructor (
    private readonly store: BlobStore,
    private readonly fh: FileHandle,
    readonly path: string,
    readonly checksum: string,
    /** bytes held so far: where the fetch resumes */
    public offset: number,
    private readonly release: () => void
  ) {}

  /** Hashes what is held already, so appending continues the hash (resume). */
  async prime (): Promise<void> {
    const hash = createHash('sha256')
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES)
    for (let pos = 0; pos < this.offset;) {
      const { bytesRead } = await this.fh.read(buf, 0, Math.min(buf.length, this.offset - pos), pos)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
      pos += bytesRead
    }
    this.hash = hash
  }

  async append (chunk: Uint8Array): Promise<void> {
    if (this.hash === undefined) await this.prime()
    await writeAll(this.fh, chunk).catch(err => { throw onDisk(err) })
    this.hash?.update(chunk)
    this.offset += chunk.byteLength
    this.store.partGrew(chunk.byteLength)
  }

  /** Starts over from nothing (the bytes held belong to no good blob). */
  async truncate (): Promise<void> {
    await this.fh.truncate(0)
    this.store.partGrew(-this.offset)
    this.offset = 0
    this.hash = createHash('sha256')
  }

  /**
   * The bytes held are the whole blob: checks them against the checksum and stores the
   * blob under its name; ChecksumMismatchError (and the part emptied) if they are not it.
   */
  async commit (): Promise<void> {
    if (this.hash === undefined) await this.prime()
    const digest = (this.hash as Hash).digest('hex')
    this.hash = undefined
    if (digest !== this.checksum) {
      await this.truncate()
      throw new ChecksumMismatchError(`the bytes received hash to ${digest}, not to the checksum ${this.checksum}`)
    }
    await this.fh.sync()
    await this.store.adopt(this.path, this.path.slice(0, -'.part'.length), this.offset, true)
    this.committed = true
  }

  /** Done with the part for now: kept on disk to resume, unless it holds nothing. */
  async close (): Promise<void> {
    try { await this.fh.close() } catch { /* closed already */ }
    if (!this.committed && this.offset === 0) await this.store.dropPart(this.path)
    this.release()
  }
}

export class BlobStore {
  private readonly dir: string
  readonly maxBlobBytes: number
  private blobs = 0
  private bytes = 0
  private parts = 0
  private partBytes = 0
  /** blobs whose part file is open for writing (colony key/checksum) */
  private readonly writing = new Set<string>()

  constructor (opts: { dir: string, maxBlobBytes?: number }) {
    this.dir = opts.dir
    this.maxBlobBytes = opts.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES
  }

  /** Creates the folder, removes uploads a crash interrupted, and counts what is held. */
  async start (): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    for (const colony of await readdir(this.dir, { withFileTypes: true })) {
      if (!colony.isDirectory()) continue
      for (const fan of await readdir(join(this.dir, colony.name), { withFileTypes: true })) {
        if (!fan.isDirectory()) continue
        const folder = join(this.dir, colony.name, fan.name)
        for (const f of await readdir(folder)) {
          const path = join(folder, f)
          if (f.endsWith('.tmp')) {
            await rm(path, { force: true })
            continue
          }
          const size = await fileSize(path)
          if (size === undefined) continue
          if (f.endsWith('.part')) {
            this.parts++
            this.partBytes += size
          } else {
            this.blobs++
            this.bytes += size
          }
        }
      }
    }
  }

  stats (): BlobStoreStats {
    return { blobs: this.blobs, bytes: this.bytes, parts: this.parts, partbytes: this.partBytes }
  }

  /** Where the blob lives (whether or not it is held). */
  pathOf (colonyname: string, checksum: string): string {
    return join(this.dir, colonyKey(colonyname), checksum.slice(0, 2), checksum)
  }

  /** The size of a verified blob held here; undefined when it is not held. */
  async sizeOf (colonyname: string, checksum: string): Promise<number | undefined> {
    return await fileSize(this.pathOf(colonyname, checksum))
  }

  /** Refuses a blob larger than this node takes (413, the limit in the message). */
  checkSize (size: number): void {
    if (size > this.maxBlobBytes) {
      throw new PayloadTooLargeError(`a blob of ${size} bytes is larger than this node takes (${this.maxBlobBytes} bytes)`, this.maxBlobBytes)
    }
  }

  /**
   * Stores `size` bytes from `source` as blob `checksum` of the colony, if they hash to it.
   * Reading waits for each write (backpressure on the source). ValidationError when the
   * source is longer or shorter than `size`, ChecksumMismatchError when the bytes are not
   * the blob; nothing is stored then. `stored`: false when the blob was held already.
   */
  async put (colonyname: string, checksum: string, size: number, source: AsyncIterable<Uint8Array>): Promise<{ stored: boolean }> {
    this.checkSize(size)
    const final = this.pathOf(colonyname, checksum)
    const held = await fileSize(final) !== undefined
    const tmp = `${final}.${randomBytes(6).toString('hex')}.tmp`
    let fh: FileHandle | undefined
    if (!held) {
      await mkdir(dirname(final), { recursive: true })
      fh = await open(tmp, 'w')
    }
    try {
      // a blob held already is only hashed: the answer still says whether the body was it
      const hash = createHash('sha256')
      let n = 0
      for await (const chunk of source) {
        n += chunk.byteLength
        if (n > size) throw new ValidationError('body', `is longer than the ${size} bytes signed for`)
        hash.update(chunk)
        if (fh !== undefined) await writeAll(fh, chunk)
      }
      if (n < size) throw new ValidationError('body', `ended after ${n} of the ${size} bytes signed for`)
      const digest = hash.digest('hex')
      if (digest !== checksum) throw new ChecksumMismatchError(`the body hashes to ${digest}, not to the checksum ${checksum} signed for`)
      if (fh === undefined) return { stored: false }
      await fh.sync()
      await fh.close()
      fh = undefined
      return { stored: await this.adopt(tmp, final, size, false) }
    } catch (err) {
      throw onDisk(err)
    } finally {
      if (fh !== undefined) await fh.close().catch(() => {})
      await rm(tmp, { force: true })
    }
  }

  /**
   * Gives a verified file (an upload's temp file, a committed part) its final name, unless
   * the blob is held already (a concurrent upload or fetch won). True if it was stored.
   */
  async adopt (from: string, final: string, size: number, isPart: boolean): Promise<boolean> {
    if (isPart) {
      this.parts--
      this.partBytes -= size
    }
    if (await fileSize(final) !== undefined) {
      await rm(from, { force: true })
      return false
    }
    await rename(from, final)
    await syncDir(dirname(final))
    this.blobs++
    this.bytes += size
    return true
  }

  /** Opens blob `checksum`'s part file (created empty if there is none) for one fetch. */
  async openPart (colonyname: string, checksum: string): Promise<PartFile> {
    const path = `${this.pathOf(colonyname, checksum)}.part`
    const key = `${colonyKey(colonyname)}/${checksum}`
    if (this.writing.has(key)) throw new ColonyError(`blob ${checksum} is being fetched already`)
    this.writing.add(key)
    try {
      await mkdir(dirname(path), { recursive: true })
      const before = await fileSize(path)
      const fh = await open(path, 'a+')
      if (before === undefined) this.parts++
      const offset = (await fh.stat()).size
      if (before === undefined) this.partBytes += offset
      return new PartFile(this, fh, path, checksum, offset, () => { this.writing.delete(key) })
    } catch (err) {
      this.writing.delete(key)
      throw err
    }
  }

  /** Removes an empty part file (a fetch that got nothing leaves nothing behind). */
  async dropPart (path: string): Promise<void> {
    await rm(path, { force: true })
    this.parts--
  }

  /** Bytes added to (or, negative, taken from) part files. */
  partGrew (n: number): void {
    this.partBytes += n
  }

  /** Removes a blob (a corrupt one, found by a full read). */
  async remove (colonyname: string, checksum: string): Promise<void> {
    const path = this.pathOf(colonyname, checksum)
    const size = await fileSize(path)
    if (size === undefined) return
    await rm(path, { force: true })
    this.blobs--
    this.bytes -= size
  }

  /**
   * The bytes [start, end) of a blob held here, in chunks of READ_CHUNK_BYTES, read as the
   * consumer asks for them. A read of the whole blob is checked against its checksum as it
   * goes: the last chunk comes only if the hash is right; otherwise the blob is removed and
   * the read fails with CorruptBlobError. The caller looked the blob up (`sizeOf`) first;
   * one removed since fails the read with the file system's ENOENT.
   */
  async * read (colonyname: string, checksum: string, start: number, end: number): AsyncGenerator<Uint8Array> {
    const fh = await open(this.pathOf(colonyname, checksum), 'r')
    try {
      const size = (await fh.stat()).size
      const whole = start === 0 && end === size
      const hash = whole ? createHash('sha256') : undefined
      let pos = start
      while (pos < end) {
        const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, end - pos))
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos)
        if (bytesRead === 0) throw new CorruptBlobError(`blob ${checksum} ended at ${pos} of ${end} bytes`)
        const chunk = buf.subarray(0, bytesRead)
        pos += bytesRead
        if (hash !== undefined) {
          hash.update(chunk)
          if (pos === end && hash.digest('hex') !== checksum) {
            await this.remove(colonyname, checksum)
            throw new CorruptBlobError(`blob ${checksum} of colony ${colonyname} no longer hashes to its name: removed`)
          }
        }
        yield chunk
      }
      // a whole read of an empty blob: nothing to withhold, but its hash is still checked
      if (hash !== undefined && start === end && hash.digest('hex') !== checksum) {
        await this.remove(colonyname, checksum)
        throw new CorruptBlobError(`blob ${checksum} of colony ${colonyname} no longer hashes to its name: removed`)
      }
    } finally {
      await fh.close()
    }
  }
}
