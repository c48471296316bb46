/**
 * Carries out sync plans (plan.ts): uploads what the label lacks, downloads what the
 * directory lacks, and settles conflicts the way the plan says (upstream's ApplySyncPlan).
 * A few transfers run at once; after the first failure no new one starts, the running
 * ones finish, and the first error is thrown (what was done stays done: running the sync
 * again picks up the rest, and a cut download resumes from its `.part`).
 *
 * A download asks for the latest revision of the name first, to learn where its content
 * is (its ref), so a file stored in S3 and one stored in the sites' blob stores sync alike.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ColonyFile } from '../../protocol/wire-files.js'
import { NotFoundError } from '../errors.js'
import { CFS_FILE } from './names.js'
import { planIsEmpty, type PlanFile, type SyncPlan } from './plan.js'
import type { Driver, FileMover } from './transfer.js'

export type SyncOp = 'upload' | 'download'

/** What happens, for a progress display. */
export type SyncEvent =
  | { type: 'start', op: SyncOp, label: string, name: string, size: number }
  | { type: 'bytes', op: SyncOp, label: string, name: string, done: number, total: number }
  | { type: 'done', op: SyncOp, label: string, name: string, size: number, resumed: number }

export interface SyncTask {
  op: SyncOp
  plan: SyncPlan
  file: PlanFile
  /** a conflict being settled */
  conflict: boolean
}

export interface SyncResult {
  uploaded: Array<{ label: string, name: string, size: number, fileid: string }>
  downloaded: Array<{ label: string, name: string, size: number, path: string }>
  /** bytes moved (resumed bytes not counted) */
  bytes: number
}

/** The calls a sync makes besides the mover's (a ColoniesClient has them). */
export interface SyncClient {
  getLatestFileByName: (colonyname: string, label: string, name: string) => Promise<ColonyFile[]>
}

export interface ApplyOptions {
  client: SyncClient
  mover: FileMover
  /** where uploads go */
  driver: Driver
  /** transfers at once (default 4) */
  concurrency?: number
  onEvent?: (e: SyncEvent) => void
}

/** The transfers the plans call for, in plan order: uploads, downloads, then conflicts. */
export function syncTasks (plans: readonly SyncPlan[]): SyncTask[] {
  const tasks: SyncTask[] = []
  for (const plan of plans) {
    for (const file of plan.remotemissing) tasks.push({ op: 'upload', plan, file, conflict: false })
    for (const file of plan.localmissing) tasks.push({ op: 'download', plan, file, conflict: false })
    for (const file of plan.conflicts) tasks.push({ op: plan.keeplocal ? 'upload' : 'download', plan, file, conflict: true })
  }
  return tasks
}

async function runTask (t: SyncTask, o: ApplyOptions, result: SyncResult): Promise<void> {
  const { plan, file, op } = t
  const base = { op, label: plan.label, name: file.name }
  o.onEvent?.({ type: 'start', ...base, size: file.size })
  const onProgress = (done: number, total: number): void => o.onEvent?.({ type: 'bytes', ...base, done, total })
  const path = join(plan.dir, file.name)
  if (op === 'upload') {
    const added = await o.mover.upload(path, plan.label, file.name, o.driver, onProgress)
    result.uploaded.push({ label: plan.label, name: file.name, size: added.size, fileid: added.fileid })
    result.bytes += added.size
    o.onEvent?.({ type: 'done', ...base, size: added.size, resumed: 0 })
    return
  }
  const [latest] = await o.client.getLatestFileByName(o.mover.colonyname, plan.label, file.name)
  if (latest === undefined) throw new NotFoundError(`${file.name} with label ${plan.label} was removed while syncing: sync again`)
  const got = await o.mover.download(latest, path, onProgress)
  result.downloaded.push({ label: plan.label, name: file.name, size: got.size, path })
  result.bytes += got.size - got.resumed
  o.onEvent?.({ type: 'done', ...base, size: got.size, resumed: got.resumed })
}

/**
 * Applies the plans. Each directory with something to do is created if need be and gets a
 * `.cfs` file naming its label (so a later `fs sync` there needs no --label).
 */
export async function applySyncPlans (plans: readonly SyncPlan[], o: ApplyOptions): Promise<SyncResult> {
  for (const plan of plans) {
    if (planIsEmpty(plan)) continue
    await mkdir(plan.dir, { recursive: true })
    await writeFile(join(plan.dir, CFS_FILE), JSON.stringify({ label: plan.label }))
  }
  const result: SyncResult = { uploaded: [], downloaded: [], bytes: 0 }
  const queue = syncTasks(plans)
  let failure: unknown
  const worker = async (): Promise<void> => {
    for (let t = queue.shift(); t !== undefined && failure === undefined; t = queue.shift()) {
      try {
        await runTask(t, o, result)
      } catch (err) {
        failure ??= err
      }
    }
  }
  const n = Math.max(1, Math.min(o.concurrency ?? 4, queue.length))
  await Promise.all(Array.from({ length: n }, worker))
  if (failure !== undefined) throw failure
  return result
}
