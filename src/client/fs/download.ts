/**
 * Downloading recorded files into a directory: one file (`fs get`) or a snapshot's files
 * (`fs snapshot download`), each under its name, a snapshot's sub-labels as
 * sub-directories. A file already there with the right checksum is left alone (upstream's
 * DownloadSnapshot does the same).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { ValidationError } from '../../protocol/errors.js'
import type { ColonyFile, Snapshot } from '../../protocol/wire-files.js'
import { hashFile } from '../blobs.js'
import { NotFoundError } from '../errors.js'
import { dirOfLabel, normalizeLabel, unsafeName } from './names.js'
import type { FileMover, FileProgress } from './transfer.js'

export interface Fetched {
  fileid: string
  label: string
  name: string
  size: number
  checksum: string
  path: string
  /** "downloaded", or "present": the file was there already with this checksum */
  status: 'downloaded' | 'present'
  /** bytes kept from a cut download's `.part` */
  resumed: number
}

/** Whether `path` holds content with this checksum already. */
export async function holds (path: string, checksum: string): Promise<boolean> {
  try {
    return (await hashFile(path)).checksum === checksum.toLowerCase()
  } catch {
    return false
  }
}

/** Downloads `file` into `dir` (created if need be) as `dir/<name>`. */
export async function fetchInto (mover: FileMover, file: ColonyFile, dir: string, onProgress?: FileProgress): Promise<Fetched> {
  const why = unsafeName(file.name)
  if (why !== '') throw new ValidationError('name', `the file's name ${JSON.stringify(file.name)} ${why}: it cannot be written to a directory`)
  const path = join(dir, file.name)
  const base = { fileid: file.fileid, label: file.label, name: file.name, size: file.size, checksum: file.checksum, path }
  if (await holds(path, file.checksum)) return { ...base, status: 'present', resumed: 0 }
  await mkdir(dir, { recursive: true })
  const got = await mover.download(file, path, onProgress)
  return { ...base, status: 'downloaded', resumed: got.resumed }
}

/** The calls a snapshot download makes (a ColoniesClient has them). */
export interface SnapshotClient {
  getFileById: (colonyname: string, fileid: string) => Promise<ColonyFile[]>
}

/**
 * The snapshot's files, each with the directory it goes to under `root`: its label's path
 * below the snapshot's label. A revision removed since the snapshot was taken is an error,
 * as upstream's; a label that would leave `root` too.
 */
export async function snapshotFiles (client: SnapshotClient, colonyname: string, snapshot: Snapshot, root: string): Promise<Array<{ file: ColonyFile, dir: string }>> {
  const label = normalizeLabel(snapshot.label)
  const out: Array<{ file: ColonyFile, dir: string }> = []
  for (const id of snapshot.fileids) {
    const [file] = await client.getFileById(colonyname, id).catch((err: Error) => {
      if (err.name === 'NotFoundError') return []
      throw err
    })
    if (file === undefined) throw new NotFoundError(`file ${id} of snapshot ${snapshot.name} is no longer recorded`)
    const dir = dirOfLabel(root, label, normalizeLabel(file.label))
    if (dir === undefined) throw new ValidationError('label', `file ${file.name} has label ${file.label}, which is not a directory below ${label}`)
    out.push({ file, dir })
  }
  return out
}
