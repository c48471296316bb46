/** Moving colony files' content: sync plans, transfers by ref.protocol, downloads into directories. */
export { CFS_FILE, dirOfLabel, normalizeLabel, subLabel, unsafeName } from './names.js'
export {
  calcCleanPlans, calcSyncPlan, calcSyncPlans, planIsEmpty, scanDir, walkDirs,
  type CleanPlan, type PlanClient, type PlanFile, type Skipped, type SyncPlan, type SyncPlans
} from './plan.js'
export { FileMover, s3Url, type DownloadResult, type Driver, type FileMoverOptions, type FileProgress, type MoverClient, type S3Settings } from './transfer.js'
export { applySyncPlans, syncTasks, type ApplyOptions, type SyncClient, type SyncEvent, type SyncOp, type SyncResult, type SyncTask } from './sync.js'
export { fetchInto, holds, snapshotFiles, type Fetched, type SnapshotClient } from './download.js'
