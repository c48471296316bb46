/**
 * The client's calls about files and snapshots (ColonyOS's CFS metadata), named after
 * upstream's Go client (pkg/client/file_client.go, snapshot_client.go). They move
 * metadata only: content goes to S3 (s3.ts) or to the sites' blob store, and the file's
 * `ref` says which.
 */
import { BLOB_CHECKSUM_ALG, EMPTY_S3OBJECT, type FileInput, type S3ObjectInput } from '../protocol/messages.js'
import type { ColonyFile, FileData, FileLabel, Snapshot } from '../protocol/wire-files.js'
import { type CallOptions, list } from './rpc-base.js'
import { ProcessCalls } from './rpc-processes.js'

/** A file as a caller writes it: `ref` defaults to a colonynet blob named by the checksum. */
export interface FileRegistration {
  colonyname: string
  label: string
  name: string
  size: number
  /** lowercase hex SHA-256 of the content for a colonynet file */
  checksum: string
  checksumalg?: string
  ref?: { protocol: 's3' | 'colonynet', s3object?: Partial<S3ObjectInput> }
}

export abstract class FileCalls extends ProcessCalls {
  // ---------------------------------------------------------------------------------------
  // Files

  /** Record a file (a new revision when its label and name exist). Members only. */
  async addFile (file: FileRegistration, opts?: CallOptions): Promise<ColonyFile> {
    const protocol = file.ref?.protocol ?? 'colonynet'
    const f: FileInput = {
      colonyname: file.colonyname,
      label: file.label,
      name: file.name,
      size: file.size,
      checksum: file.checksum,
      checksumalg: file.checksumalg ?? BLOB_CHECKSUM_ALG,
      ref: { protocol, s3object: { ...EMPTY_S3OBJECT, ...file.ref?.s3object } }
    }
    return await this.send<ColonyFile>({ msgtype: 'addfilemsg', file: f }, opts)
  }

  /** One revision by id (a list of one, as upstream replies). */
  async getFileById (colonyname: string, fileid: string, opts?: CallOptions): Promise<ColonyFile[]> {
    return list<ColonyFile>(await this.send({ msgtype: 'getfilemsg', colonyname, fileid, label: '', name: '', latest: false }, opts))
  }

  /** Every live revision of (label, name), newest first. */
  async getFileByName (colonyname: string, label: string, name: string, opts?: CallOptions): Promise<ColonyFile[]> {
    return list<ColonyFile>(await this.send({ msgtype: 'getfilemsg', colonyname, fileid: '', label, name, latest: false }, opts))
  }

  /** The latest revision of (label, name) (a list of one, as upstream replies). */
  async getLatestFileByName (colonyname: string, label: string, name: string, opts?: CallOptions): Promise<ColonyFile[]> {
    return list<ColonyFile>(await this.send({ msgtype: 'getfilemsg', colonyname, fileid: '', label, name, latest: true }, opts))
  }

  /** The latest revision of each name labelled exactly `label`. */
  async getFileData (colonyname: string, label: string, opts?: CallOptions): Promise<FileData[]> {
    return list<FileData>(await this.send({ msgtype: 'getfilesmsg', colonyname, label }, opts))
  }

  /** Every label with live files, and how many revisions each holds. */
  async getFileLabels (colonyname: string, opts?: CallOptions): Promise<FileLabel[]> {
    return list<FileLabel>(await this.send({ msgtype: 'getfilelabelsmsg', colonyname, name: '', exact: false }, opts))
  }

  /** Labels starting with `name`; `exact`: `name` itself and the labels below `name/`. */
  async getFileLabelsByName (colonyname: string, name: string, exact: boolean, opts?: CallOptions): Promise<FileLabel[]> {
    return list<FileLabel>(await this.send({ msgtype: 'getfilelabelsmsg', colonyname, name, exact }, opts))
  }

  /** Remove one revision (removing what is not there succeeds). */
  async removeFileById (colonyname: string, fileid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removefilemsg', colonyname, fileid, label: '', name: '' }, opts)
  }

  /** Remove every revision of (label, name). */
  async removeFileByName (colonyname: string, label: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removefilemsg', colonyname, fileid: '', label, name }, opts)
  }

  // ---------------------------------------------------------------------------------------
  // Snapshots

  /** Freeze the latest revision of every file at and below `label` under a new name. */
  async createSnapshot (colonyname: string, label: string, name: string, opts?: CallOptions): Promise<Snapshot> {
    return await this.send<Snapshot>({ msgtype: 'createsnapshotmsg', colonyname, label, name }, opts)
  }

  async getSnapshotById (colonyname: string, snapshotid: string, opts?: CallOptions): Promise<Snapshot> {
    return await this.send<Snapshot>({ msgtype: 'getsnapshotmsg', colonyname, snapshotid, name: '' }, opts)
  }

  async getSnapshotByName (colonyname: string, name: string, opts?: CallOptions): Promise<Snapshot> {
    return await this.send<Snapshot>({ msgtype: 'getsnapshotmsg', colonyname, snapshotid: '', name }, opts)
  }

  /** The colony's snapshots, newest first (upstream's GetSnapshotsByColonyName). */
  async getSnapshots (colonyname: string, opts?: CallOptions): Promise<Snapshot[]> {
    return list<Snapshot>(await this.send({ msgtype: 'getsnapshotsmsg', colonyname }, opts))
  }

  async removeSnapshotById (colonyname: string, snapshotid: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removesnapshotmsg', colonyname, snapshotid, name: '' }, opts)
  }

  async removeSnapshotByName (colonyname: string, name: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removesnapshotmsg', colonyname, snapshotid: '', name }, opts)
  }

  async removeAllSnapshots (colonyname: string, opts?: CallOptions): Promise<void> {
    await this.send({ msgtype: 'removeallsnapshotmsg', colonyname }, opts)
  }
}
