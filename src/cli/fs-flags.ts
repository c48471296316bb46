/**
 * The flags of `colonies fs ...`, named as upstream's CLI names them (internal/cli/fs.go):
 * a file by --fileid/-i or by --label/-l and --name/-n; a snapshot by --snapshotid/-i or
 * --snapshotname/-n.
 */
import { Flags } from '@oclif/core'
import { ValidationError } from '../protocol/errors.js'

export const fileTargetFlags = {
  fileid: Flags.string({ char: 'i', description: 'File id (one revision)' }),
  label: Flags.string({ char: 'l', description: 'Label, e.g. /data' }),
  name: Flags.string({ char: 'n', description: 'Filename' })
}

export const snapshotTargetFlags = {
  snapshotid: Flags.string({ char: 'i', description: 'Snapshot id' }),
  snapshotname: Flags.string({ char: 'n', description: 'Snapshot name' })
}

/** The file the flags name: by id, or by label and name. */
export function fileTarget (f: { fileid?: string, label?: string, name?: string }): { fileid: string } | { label: string, name: string } {
  if (f.fileid !== undefined && f.fileid !== '') return { fileid: f.fileid }
  if (f.label !== undefined && f.label !== '' && f.name !== undefined && f.name !== '') return { label: f.label, name: f.name }
  throw new ValidationError('fileid', 'give --fileid, or --label and --name')
}

/** The snapshot the flags name: by id or by name. */
export function snapshotTarget (f: { snapshotid?: string, snapshotname?: string }): { snapshotid: string } | { name: string } {
  if (f.snapshotid !== undefined && f.snapshotid !== '') return { snapshotid: f.snapshotid }
  if (f.snapshotname !== undefined && f.snapshotname !== '') return { name: f.snapshotname }
  throw new ValidationError('snapshotid', 'give --snapshotid or --snapshotname')
}
