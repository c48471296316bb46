/** `fs sync` and `fs clean` for people and programs: plan summaries, per-file plans, results. */
import type { CleanPlan, Driver, Skipped, SyncPlan, SyncResult } from '../../client/fs/index.js'
import { renderTable } from '../table.js'
import { formatSize } from './fs.js'

/** What a sync plan (all its directories) amounts to. */
export interface SyncCounts {
  /** files the directory lacks */
  download: number
  /** files the label lacks */
  upload: number
  conflicts: number
  /** bytes to move */
  bytes: number
}

export function syncCounts (plans: readonly SyncPlan[]): SyncCounts {
  let download = 0
  let upload = 0
  let conflicts = 0
  let bytes = 0
  for (const p of plans) {
    download += p.localmissing.length
    upload += p.remotemissing.length
    conflicts += p.conflicts.length
    for (const f of [...p.localmissing, ...p.remotemissing, ...p.conflicts]) bytes += f.size
  }
  return { download, upload, conflicts, bytes }
}

/** The --json summary of a sync (`applied`: false for --dry, a refusal, or nothing to do). */
export interface SyncSummary extends SyncCounts {
  label: string
  dir: string
  keeplocal: boolean
  /** upstream's words: "replace-remote" with keeplocal, else "replace-local" */
  conflictresolution: 'replace-remote' | 'replace-local'
  driver: Driver
  dry: boolean
  applied: boolean
  /** the plans with something to do */
  plans: SyncPlan[]
  skipped: Skipped[]
  uploaded: SyncResult['uploaded']
  downloaded: SyncResult['downloaded']
  /** bytes that moved (bytes a cut download had kept are not counted) */
  moved: number
}

const files = (n: number): string => `${n} file${n === 1 ? '' : 's'}`

export function planSummary (s: SyncSummary): string {
  const bytesOf = (pick: (p: SyncPlan) => ReadonlyArray<{ size: number }>): string =>
    formatSize(s.plans.reduce((n, p) => n + pick(p).reduce((m, f) => m + f.size, 0), 0))
  const resolution = s.keeplocal ? 'the local file replaces the remote one (--no-keeplocal: the other way)' : 'the remote file replaces the local one'
  return [
    `Sync plan for label ${s.label} and directory ${s.dir}`,
    `  download   ${files(s.download)} (${bytesOf(p => p.localmissing)})`,
    `  upload     ${files(s.upload)} (${bytesOf(p => p.remotemissing)}) to ${s.driver === 's3' ? 'S3' : 'the sites\' blob stores'}`,
    `  conflicts  ${s.conflicts}${s.conflicts > 0 ? `: ${resolution}` : ''}`
  ].join('\n')
}

interface PlanRow { action: string, label: string, name: string, size: number, dir: string }

export function planDetails (plans: readonly SyncPlan[]): string {
  const rows: PlanRow[] = []
  for (const p of plans) {
    for (const f of p.localmissing) rows.push({ action: 'download', label: p.label, name: f.name, size: f.size, dir: p.dir })
    for (const f of p.remotemissing) rows.push({ action: 'upload', label: p.label, name: f.name, size: f.size, dir: p.dir })
    for (const f of p.conflicts) rows.push({ action: p.keeplocal ? 'conflict: upload' : 'conflict: download', label: p.label, name: f.name, size: f.size, dir: p.dir })
  }
  return renderTable([
    { header: 'ACTION', value: r => r.action },
    { header: 'LABEL', value: r => r.label },
    { header: 'NAME', value: r => r.name },
    { header: 'SIZE', value: r => formatSize(r.size), align: 'right' },
    { header: 'DIRECTORY', value: r => r.dir }
  ], rows, 'Nothing to do')
}

export function syncDone (s: SyncSummary): string {
  const up = s.uploaded.reduce((n, f) => n + f.size, 0)
  const down = s.downloaded.reduce((n, f) => n + f.size, 0)
  return `Synchronized label ${s.label} and directory ${s.dir}: uploaded ${files(s.uploaded.length)} (${formatSize(up)}), ` +
    `downloaded ${files(s.downloaded.length)} (${formatSize(down)})`
}

export function skippedLine (k: Skipped): string {
  return k.name === '' ? `skipped label ${k.label}: ${k.reason}` : `skipped ${k.name} with label ${k.label}: ${k.reason}`
}

export function cleanDetails (plans: readonly CleanPlan[]): string {
  const rows = plans.flatMap(p => [...p.dirs.map(path => ({ kind: 'directory', path })), ...p.files.map(path => ({ kind: 'file', path }))])
  return renderTable([
    { header: 'REMOVE', value: r => r.kind },
    { header: 'PATH', value: r => r.path }
  ], rows, 'Nothing to remove')
}
