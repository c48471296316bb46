/**
 * ColonyOS's file system (CFS): file metadata and snapshots (pkg/rpc/*file*, *snapshot*,
 * pkg/core/file.go, snapshot.go). A node keeps metadata only; the content lives where the
 * file's `ref` says:
 * - `protocol: "s3"`: the client uploaded it to S3 itself (upstream's only protocol); the
 *   reference is recorded as given, S3 credentials included (they replicate to every site
 *   of the colony, as they sit in upstream's database).
 * - `protocol: "colonynet"`: a blob in the sites' content-addressed store, addressed by
 *   `checksum`, the lowercase hex SHA-256 of the content (`checksumalg` "SHA256"); its
 *   s3object is empty.
 * Fields the server assigns (`fileid`, `sequencenr`, `added`) are ignored on input, as
 * upstream overwrites them.
 */
import { ValidationError } from '../errors.js'
import { expectObject, getField, joinPath, readBool, readId, readInt, readNonEmptyString, readString } from '../json.js'
import { bool, child, name, type Obj, type ParsersOf, ROOT } from './readers.js'

/** Where the content of a file is: upstream's S3 reference, or the sites' blob store. */
export const FILE_PROTOCOLS = ['s3', 'colonynet'] as const
export type FileProtocol = typeof FILE_PROTOCOLS[number]

/** The checksum algorithm of a colonynet blob (the name upstream's clients use for SHA-256). */
export const BLOB_CHECKSUM_ALG = 'SHA256'

/** Longest label, file or snapshot name, and S3 field: every site keeps them for good. */
export const MAX_FILE_TEXT = 1024

export interface S3ObjectInput {
  server: string
  /** upstream's Go client writes -1 when the port is part of `server` */
  port: number
  tls: boolean
  accesskey: string
  secretkey: string
  region: string
  encryptionkey: string
  encryptionalg: string
  object: string
  bucket: string
}

export interface FileRefInput { protocol: FileProtocol, s3object: S3ObjectInput }

export interface FileInput {
  colonyname: string
  label: string
  name: string
  size: number
  checksum: string
  checksumalg: string
  ref: FileRefInput
}

export const EMPTY_S3OBJECT: S3ObjectInput = Object.freeze({
  server: '', port: 0, tls: false, accesskey: '', secretkey: '', region: '', encryptionkey: '', encryptionalg: '', object: '', bucket: ''
})

export interface AddFileMsg { msgtype: 'addfilemsg', file: FileInput }
/** by `fileid`, or by `label` and `name` (all revisions, newest first, or only the latest) */
export interface GetFileMsg { msgtype: 'getfilemsg', colonyname: string, fileid: string, label: string, name: string, latest: boolean }
/** the latest revision of each name under exactly `label` */
export interface GetFilesMsg { msgtype: 'getfilesmsg', colonyname: string, label: string }
/** `name` "": every label; else labels starting with `name` (`exact`: `name` itself and below `name/`) */
export interface GetFileLabelsMsg { msgtype: 'getfilelabelsmsg', colonyname: string, name: string, exact: boolean }
/** by `fileid` (one revision), or by `label` and `name` (every revision) */
export interface RemoveFileMsg { msgtype: 'removefilemsg', colonyname: string, fileid: string, label: string, name: string }
export interface CreateSnapshotMsg { msgtype: 'createsnapshotmsg', colonyname: string, label: string, name: string }
export interface GetSnapshotMsg { msgtype: 'getsnapshotmsg', colonyname: string, snapshotid: string, name: string }
export interface GetSnapshotsMsg { msgtype: 'getsnapshotsmsg', colonyname: string }
export interface RemoveSnapshotMsg { msgtype: 'removesnapshotmsg', colonyname: string, snapshotid: string, name: string }
/** upstream's msgtype is singular ("removeallsnapshotmsg") */
export interface RemoveAllSnapshotsMsg { msgtype: 'removeallsnapshotmsg', colonyname: string }

export type FileMessage =
  | AddFileMsg | GetFileMsg | GetFilesMsg | GetFileLabelsMsg | RemoveFileMsg
  | CreateSnapshotMsg | GetSnapshotMsg | GetSnapshotsMsg | RemoveSnapshotMsg | RemoveAllSnapshotsMsg

function bounded (o: Obj, key: string, path: string, required = false): string {
  const v = required ? readNonEmptyString(o, key, path) : readString(o, key, path)
  if (v.length > MAX_FILE_TEXT) throw new ValidationError(joinPath(path, key), `must be at most ${MAX_FILE_TEXT} characters`)
  return v
}

function parseS3Object (v: unknown, path: string): S3ObjectInput {
  const o = expectObject(v, path, true)
  return {
    server: bounded(o, 'server', path),
    port: readInt(o, 'port', path, -1, 65535),
    tls: readBool(o, 'tls', path),
    accesskey: bounded(o, 'accesskey', path),
    secretkey: bounded(o, 'secretkey', path),
    region: bounded(o, 'region', path),
    encryptionkey: bounded(o, 'encryptionkey', path),
    encryptionalg: bounded(o, 'encryptionalg', path),
    object: bounded(o, 'object', path, true),
    bucket: bounded(o, 'bucket', path, true)
  }
}

const HEX64 = /^[0-9a-fA-F]{64}$/

function parseFile (f: Obj): FileInput {
  const p = 'file'
  const refObj = getField(f, 'ref')
  if (refObj === undefined) throw new ValidationError('file.ref', 'is required: {protocol, s3object}')
  const ref = expectObject(refObj, 'file.ref')
  const protocol = readString(ref, 'protocol', 'file.ref')
  if (!(FILE_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ValidationError('file.ref.protocol', `must be one of ${FILE_PROTOCOLS.map(x => `"${x}"`).join(', ')}`)
  }
  let checksum = bounded(f, 'checksum', p)
  let checksumalg = bounded(f, 'checksumalg', p)
  let s3object = EMPTY_S3OBJECT
  if (protocol === 'colonynet') {
    // the blob's address: one spelling, so that every site names the same blob
    if (!HEX64.test(checksum)) throw new ValidationError('file.checksum', 'must be the 64-hex SHA-256 of the content for a colonynet file')
    checksum = checksum.toLowerCase()
    if (checksumalg !== BLOB_CHECKSUM_ALG) throw new ValidationError('file.checksumalg', `must be "${BLOB_CHECKSUM_ALG}" for a colonynet file`)
    checksumalg = BLOB_CHECKSUM_ALG
  } else {
    s3object = parseS3Object(getField(ref, 's3object'), 'file.ref.s3object')
  }
  return {
    colonyname: readNonEmptyString(f, 'colonyname', p),
    label: bounded(f, 'label', p, true),
    name: bounded(f, 'name', p, true),
    size: readInt(f, 'size', p, 0),
    checksum,
    checksumalg,
    ref: { protocol: protocol as FileProtocol, s3object }
  }
}

/** A file named by id, or by label and name: one of the two is required. */
function fileTarget (o: Obj): { fileid: string, label: string, name: string } {
  const fileid = readId(o, 'fileid', ROOT, true)
  const label = bounded(o, 'label', ROOT)
  const nm = bounded(o, 'name', ROOT)
  if (fileid === '' && (label === '' || nm === '')) throw new ValidationError('fileid', 'is required, or label and name')
  return { fileid, label, name: nm }
}

/** A snapshot named by id or by name: one of the two is required. */
function snapshotTarget (o: Obj): { snapshotid: string, name: string } {
  const snapshotid = readId(o, 'snapshotid', ROOT, true)
  const nm = bounded(o, 'name', ROOT)
  if (snapshotid === '' && nm === '') throw new ValidationError('snapshotid', 'is required, or name')
  return { snapshotid, name: nm }
}

export const FILE_PARSERS: ParsersOf<FileMessage> = {
  addfilemsg: o => ({ file: parseFile(child(o, 'file')) }),
  getfilemsg: o => ({ colonyname: name(o, 'colonyname'), ...fileTarget(o), latest: bool(o, 'latest') }),
  getfilesmsg: o => ({ colonyname: name(o, 'colonyname'), label: bounded(o, 'label', ROOT) }),
  getfilelabelsmsg: o => ({ colonyname: name(o, 'colonyname'), name: bounded(o, 'name', ROOT), exact: bool(o, 'exact') }),
  removefilemsg: o => ({ colonyname: name(o, 'colonyname'), ...fileTarget(o) }),
  createsnapshotmsg: o => ({ colonyname: name(o, 'colonyname'), label: bounded(o, 'label', ROOT), name: bounded(o, 'name', ROOT, true) }),
  getsnapshotmsg: o => ({ colonyname: name(o, 'colonyname'), ...snapshotTarget(o) }),
  getsnapshotsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  removesnapshotmsg: o => ({ colonyname: name(o, 'colonyname'), ...snapshotTarget(o) }),
  removeallsnapshotmsg: o => ({ colonyname: name(o, 'colonyname') })
}
