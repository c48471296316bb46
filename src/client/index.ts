/**
 * The colonynet client: an RPC client for one identity, WebSocket process and channel subscriptions,
 * the executor SDK and a ready-made executor that runs processes as command lines.
 */
export {
  ColoniesClient, DEFAULT_PORT, DEFAULT_TIMEOUT_MS, serverUrlFromEnv, transportFromEnv, type Transport,
  type AttributeRegistration, type CallOptions, type ColoniesClientOptions, type CronRegistration, type ExecutorRegistration,
  type FunctionRegistration, type FunctionSpecInput, type GeneratorRegistration, type LogQuery, type ProcessFilter,
  type UserRegistration, type WorkflowSpecInput, type FileRegistration, type ColonyFile, type FileData, type FileLabel, type Snapshot,
  type Blueprint, type BlueprintDefinition, type BlueprintDefinitionRegistration, type BlueprintHistory, type BlueprintRegistration,
  entryBytes, entryText, type ChannelAppendOptions, type MsgEntry
} from './rpc-client.js'
export { attemptEnds, attemptEndText, endedAttemptText, type AttemptEnd, type HistoryStep, type ProcessHistory } from './attempts.js'
export { SubmitBatcher, type BulkSubmitter, type SubmitBatcherOptions } from './submit-batcher.js'
export { ChannelSubscription, subscribeChannel, type SubscribeChannelOptions } from './channel-subscribe.js'
export {
  BadRequestError, ConflictError, ForbiddenError, NodeUnreachableError, NotFoundError, RpcError, TooManyRequestsError, WaitTimeoutError, rpcError
} from './errors.js'
export {
  ProcessSubscription, subscribeProcess, subscribeProcesses, waitForState,
  type SubscribeProcessOptions, type SubscribeProcessesOptions
} from './subscribe.js'
export {
  Executor, ProcessFailedError, ProcessReleasedError,
  type ExecutionContext, type ExecutorEvent, type ExecutorOptions, type HandlerResult, type ProcessHandler, type RegisterOptions
} from './executor.js'
export {
  argToString, createUnixExecutor, runCommand, splitCommandLine,
  type CommandSpec, type RunCommandOptions, type RunResult, type UnixExecutorOptions
} from './unix-executor.js'
export {
  BlobClient, BLOB_IDLE_TIMEOUT_MS, hashFile,
  type BlobInfo, type BlobProgress, type BlobTransferOptions, type DownloadOptions
} from './blobs.js'
export {
  FileMover, applySyncPlans, calcCleanPlans, calcSyncPlans, fetchInto, snapshotFiles,
  type Driver, type S3Settings, type SyncEvent, type SyncPlan, type SyncResult
} from './fs/index.js'
