/**
 * What `colonies fs sync` and `fs clean` would do, before they do it (upstream's
 * pkg/fs CalcSyncPlans / CalcCleanPlans): one plan per directory of the tree and per
 * label at or below the synced label. A directory `d/sub` is the label `LABEL/sub`.
 *
 *   localmissing   a remote file (the latest revision of a name) not here: download it
 *   remotemissing  a local file the label lacks: upload it
 *   conflicts      both, with different checksums: with keeplocal, the local file (to be
 *                  uploaded as a new revision); otherwise the remote one (to be downloaded)
 *
 * Local files are hashed (SHA-256) here; nothing is changed. Remote labels and names come
 * from the ledger, written by any member: a name or a label that would leave the directory
 * is skipped and reported, never followed.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileData, FileLabel } from '../../protocol/wire-files.js'
import { hashFile } from '../blobs.js'
import { NotFoundError } from '../errors.js'
import { CFS_FILE, dirOfLabel, subLabel, unsafeName } from './names.js'

/** A file of a plan: its name in the directory (and in the label), content checksum and size. */
export interface PlanFile {
  name: string
  /** lowercase hex SHA-256 for a local file; the recorded checksum for a remote one */
  checksum: string
  size: number
}

/** Field names as upstream's SyncPlan, lowercased. */
export interface SyncPlan {
  /** absolute path of the directory */
  dir: string
  label: string
  localmissing: PlanFile[]
  remotemissing: PlanFile[]
  conflicts: PlanFile[]
  keeplocal: boolean
}

/** A remote name or label the plans leave alone, and why. */
export interface Skipped {
  label: string
  name: string
  reason: string
}

export interface SyncPlans {
  plans: SyncPlan[]
  skipped: Skipped[]
}

export interface CleanPlan {
  dir: string
  label: string
  /** absolute paths of local files the label lacks */
  files: string[]
  /** absolute paths of sub-directories with no label at or below them */
  dirs: string[]
}

/** The calls the plans make (a ColoniesClient has them). */
export interface PlanClient {
  getFileData: (colonyname: string, label: string) => Promise<FileData[]>
  getFileLabels: (colonyname: string) => Promise<FileLabel[]>
  getFileLabelsByName: (colonyname: string, name: string, exact: boolean) => Promise<FileLabel[]>
}

/** The label's own labels: itself and those below it ("/" holds every label). */
async function labelsAtOrBelow (client: PlanClient, colonyname: string, label: string): Promise<string[]> {
  const labels = label === '/' ? await client.getFileLabels(colonyname) : await client.getFileLabelsByName(colonyname, label, true)
  return labels.map(l => l.name)
}

/** `root` and its sub-directories, depth first, each with its "/"-separated path from root ("" for root). */
export async function walkDirs (root: string): Promise<Array<{ dir: string, rel: string }>> {
  const out: Array<{ dir: string, rel: string }> = []
  const visit = async (dir: string, rel: string): Promise<void> => {
    out.push({ dir, rel })
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (err) {
      // a directory not made yet (a dry run into a new one) holds nothing
      if ((err as { code?: string }).code === 'ENOENT') return
      throw err
    }
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    // symbolic links to directories are not followed (a loop would never end), as upstream's walk
    for (const e of entries) if (e.isDirectory()) await visit(join(dir, e.name), rel === '' ? e.name : `${rel}/${e.name}`)
  }
  await visit(root, '')
  return out
}

/** The regular files of one directory (symbolic links followed), hashed; none if it does not exist. */
export async function scanDir (dir: string, onFile?: (name: string) => void): Promise<Map<string, PlanFile>> {
  const files = new Map<string, PlanFile>()
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return files
    throw err
  }
  for (const e of entries) {
    if (e.name === CFS_FILE || e.isDirectory()) continue
    const s = await stat(join(dir, e.name)).catch(() => undefined)
    if (s?.isFile() !== true) continue
    const { checksum, size } = await hashFile(join(dir, e.name))
    files.set(e.name, { name: e.name, checksum, size })
    onFile?.(e.name)
  }
  return files
}

const byName = (a: PlanFile, b: PlanFile): number => a.name < b.name ? -1 : a.name > b.name ? 1 : 0

/** The plan of one directory against one label. */
export async function calcSyncPlan (client: PlanClient, colonyname: string, dir: string, label: string, keeplocal: boolean, skipped: Skipped[], onFile?: (name: string) => void): Promise<SyncPlan> {
  const remote = new Map<string, PlanFile>()
  for (const d of await client.getFileData(colonyname, label)) {
    const why = d.name === CFS_FILE ? `is ${CFS_FILE}, the file that names a synced directory's label` : unsafeName(d.name)
    if (why !== '') skipped.push({ label, name: d.name, reason: `the name ${why}` })
    else remote.set(d.name, { name: d.name, checksum: d.checksum, size: d.size })
  }
  const local = await scanDir(dir, onFile)
  // what a cut download left (`NAME.part`, see BlobClient.downloadBlob) is not a file to upload
  for (const name of [...local.keys()]) if (name.endsWith('.part') && remote.has(name.slice(0, -'.part'.length))) local.delete(name)
  const plan: SyncPlan = { dir, label, localmissing: [], remotemissing: [], conflicts: [], keeplocal }
  for (const [name, f] of local) if (!remote.has(name)) plan.remotemissing.push(f)
  for (const [name, r] of remote) {
    const l = local.get(name)
    if (l === undefined) plan.localmissing.push(r)
    else if (l.checksum !== r.checksum) plan.conflicts.push(keeplocal ? l : r)
  }
  plan.localmissing.sort(byName)
  plan.remotemissing.sort(byName)
  plan.conflicts.sort(byName)
  return plan
}

/**
 * Plans for `root` (which must exist or will be created empty) and `label`: a plan per local
 * directory, and one per label below `label` with no directory yet. `onFile` sees each
 * local file as it is hashed.
 */
export async function calcSyncPlans (client: PlanClient, colonyname: string, root: string, label: string, keeplocal: boolean, onFile?: (name: string) => void): Promise<SyncPlans> {
  const skipped: Skipped[] = []
  const plans = new Map<string, SyncPlan>()
  for (const { dir, rel } of await walkDirs(root)) {
    const l = subLabel(label, rel)
    plans.set(l, await calcSyncPlan(client, colonyname, dir, l, keeplocal, skipped, onFile))
  }
  for (const l of await labelsAtOrBelow(client, colonyname, label)) {
    if (plans.has(l)) continue
    const dir = dirOfLabel(root, label, l)
    if (dir === undefined) {
      skipped.push({ label: l, name: '', reason: 'the label has a segment that is not a directory name ("", "." or "..")' })
      continue
    }
    plans.set(l, await calcSyncPlan(client, colonyname, dir, l, keeplocal, skipped, onFile))
  }
  return { plans: [...plans.values()].sort((a, b) => a.label < b.label ? -1 : a.label > b.label ? 1 : 0), skipped }
}

/** Whether a plan has nothing to do. */
export function planIsEmpty (p: SyncPlan): boolean {
  return p.localmissing.length === 0 && p.remotemissing.length === 0 && p.conflicts.length === 0
}

/**
 * What `fs clean` removes under `root`: local files whose label has no such name, and
 * sub-directories with no label at or below them (their content goes whole). The label
 * itself must hold files (upstream: "Root directory not found in colonyFS").
 */
export async function calcCleanPlans (client: PlanClient, colonyname: string, root: string, label: string): Promise<CleanPlan[]> {
  const labels = new Set(await labelsAtOrBelow(client, colonyname, label))
  if (labels.size === 0) throw new NotFoundError(`no files have label ${label} or a label below it`)
  const hasLabelAtOrBelow = (l: string): boolean => [...labels].some(x => x === l || x.startsWith(`${l}/`))
  const plans: CleanPlan[] = []
  const visit = async (dir: string, l: string): Promise<void> => {
    const remote = new Set((await client.getFileData(colonyname, l)).map(d => d.name))
    const plan: CleanPlan = { dir, label: l, files: [], dirs: [] }
    const entries = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    const keep: string[] = []
    for (const e of entries) {
      if (e.isDirectory()) {
        if (hasLabelAtOrBelow(subLabel(l, e.name))) keep.push(e.name)
        else plan.dirs.push(join(dir, e.name))
      } else if (e.name !== CFS_FILE && !remote.has(e.name)) {
        plan.files.push(join(dir, e.name))
      }
    }
    plans.push(plan)
    for (const name of keep) await visit(join(dir, name), subLabel(l, name))
  }
  await visit(root, label)
  return plans
}
