/** Files and snapshots for people: `fs ls`, `fs info`, `fs label ls`, `fs snapshot ls|info`. */
import type { ColonyFile, FileLabel, Snapshot } from '../../protocol/wire-files.js'
import { renderFields, renderTable } from '../table.js'
import { formatTime } from './time.js'

/** A file's latest revision and how many revisions (label, name) has: a row of `fs ls`. */
export interface FileListing extends ColonyFile {
  revisions: number
}

export function formatSize (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = bytes / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i] as string}`
}

export function filesTable (files: readonly FileListing[], label: string): string {
  return renderTable([
    { header: 'FILENAME', value: f => f.name },
    { header: 'SIZE', value: f => formatSize(f.size), align: 'right' },
    { header: 'LATEST ID', value: f => f.fileid },
    { header: 'ADDED', value: f => formatTime(f.added) },
    { header: 'REVISIONS', value: f => String(f.revisions), align: 'right' },
    { header: 'STORED', value: f => f.ref.protocol }
  ], files, `No files found with label ${label}`)
}

/** One revision, as upstream's `fs info` shows it (S3 keys masked). */
export function fileDetail (f: ColonyFile): string {
  const o = f.ref.s3object
  const s3: Array<[string, string]> = f.ref.protocol === 's3'
    ? [['S3 endpoint', o.port > 0 ? `${o.server}:${o.port}` : o.server], ['S3 TLS', String(o.tls)], ['S3 region', o.region || '-'],
        ['S3 bucket', o.bucket], ['S3 object', o.object], ['S3 keys', o.accesskey === '' ? '(none recorded)' : '******']]
    : []
  return renderFields([
    ['Filename', f.name],
    ['FileId', f.fileid],
    ['Added', formatTime(f.added)],
    ['Revision', String(f.sequencenr)],
    ['Label', f.label],
    ['Colony', f.colonyname],
    ['Size', `${formatSize(f.size)} (${f.size} bytes)`],
    ['Checksum', f.checksum],
    ['Checksum alg', f.checksumalg],
    ['Protocol', f.ref.protocol],
    ...s3
  ], 'File')
}

export function labelsTable (labels: readonly FileLabel[], colonyname: string): string {
  return renderTable([
    { header: 'LABEL', value: l => l.name },
    { header: 'FILES', value: l => String(l.files), align: 'right' }
  ], labels, `No labels found in colony ${colonyname}`)
}

export function snapshotsTable (snapshots: readonly Snapshot[], colonyname: string): string {
  return renderTable([
    { header: 'NAME', value: s => s.name },
    { header: 'SNAPSHOTID', value: s => s.snapshotid },
    { header: 'LABEL', value: s => s.label },
    { header: 'FILES', value: s => String(s.fileids.length), align: 'right' },
    { header: 'ADDED', value: s => formatTime(s.added) }
  ], snapshots, `No snapshots found in colony ${colonyname}`)
}

/** A snapshot and the revisions it holds (`files`: those still readable, by id). */
export function snapshotDetail (s: Snapshot, files: ReadonlyMap<string, ColonyFile>): string {
  return [
    renderFields([
      ['SnapshotId', s.snapshotid],
      ['Name', s.name],
      ['Label', s.label],
      ['Colony', s.colonyname],
      ['Added', formatTime(s.added)]
    ], 'Snapshot'),
    renderTable([
      { header: 'FILENAME', value: id => { const f = files.get(id); return f === undefined ? '?' : `${f.label}/${f.name}`.replace(/^\/\//, '/') } },
      { header: 'FILEID', value: id => id },
      { header: 'SIZE', value: id => { const f = files.get(id); return f === undefined ? '-' : formatSize(f.size) }, align: 'right' },
      { header: 'ADDED', value: id => formatTime(files.get(id)?.added) }
    ], s.fileids, 'No files in the snapshot')
  ].join('\n\n')
}
