/**
 * Files and snapshots in ColonyOS's JSON shapes (pkg/core/file.go, filedata.go, label.go,
 * snapshot.go): what getfile*, getfilelabels and getsnapshot* reply with.
 */
import type { FileView, LabelCount, SnapshotView } from './file-fold.js'
import type { S3ObjectInput } from './messages.js'
import { formatGoTime, type GoTime } from './wire-types.js'

export type S3Object = S3ObjectInput

export interface FileReference {
  /** "s3" (upstream's) or "colonynet" (the sites' blob store, addressed by the checksum) */
  protocol: string
  s3object: S3Object
}

export interface ColonyFile {
  fileid: string
  colonyname: string
  label: string
  name: string
  size: number
  /** the revision's number among its (label, name) revisions, from 1 */
  sequencenr: number
  checksum: string
  checksumalg: string
  ref: FileReference
  added: GoTime
}

/** getfilesmsg: the latest revision of each name of a label. */
export interface FileData {
  name: string
  checksum: string
  size: number
  /** the S3 object name ("" for a colonynet file) */
  s3filename: string
}

export interface FileLabel {
  name: string
  /** revisions with this label */
  files: number
}

export interface Snapshot {
  snapshotid: string
  colonyname: string
  label: string
  name: string
  fileids: string[]
  added: GoTime
}

export function fileToWire (f: FileView): ColonyFile {
  return {
    fileid: f.fileid,
    colonyname: f.colonyname,
    label: f.label,
    name: f.name,
    size: f.size,
    sequencenr: f.sequencenr,
    checksum: f.checksum,
    checksumalg: f.checksumalg,
    ref: { protocol: f.ref.protocol, s3object: { ...f.ref.s3object } },
    added: formatGoTime(f.added)
  }
}

export function fileDataToWire (f: FileView): FileData {
  return { name: f.name, checksum: f.checksum, size: f.size, s3filename: f.ref.s3object.object }
}

export function labelToWire (l: LabelCount): FileLabel {
  return { name: l.name, files: l.files }
}

export function snapshotToWire (s: SnapshotView): Snapshot {
  return { snapshotid: s.snapshotid, colonyname: s.colonyname, label: s.label, name: s.name, fileids: s.fileids, added: formatGoTime(s.added) }
}
