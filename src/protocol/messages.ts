/**
 * The ColonyOS RPC messages (pkg/rpc/*.go, about v1.9.12), one interface per `msgtype`,
 * validated at the boundary by parseMessage. TypeScript field names are the JSON names.
 * Each family (messages/*.ts) holds its messages and their parsers; PARSERS below joins
 * them into one table typed over every msgtype, so a message without a parser does not
 * compile.
 *
 * Where upstream and COLONYOS.md disagree (the code is the reference; notes here):
 * - Pause/resume are `pauseassignmentsmsg` / `resumeassignmentsmsg` (plus
 *   `getpausestatusmsg`), not "pause/resume colony".
 * - Cancel exists (`cancelprocessmsg`, `cancelprocessgraphmsg`); upstream refuses to
 *   cancel a single process that belongs to a workflow (cancel the graph instead).
 * - Colony statistics are `getcolonystatsmsg` (not ...statisticsmsg); server statistics
 *   `getstatisticsmsg`. Both reply with the same Statistics shape.
 * - Addfunction's payload field is `fun`, not `function`.
 * - getlogsmsg also has `colonyname` and `latest`; `since` and log timestamps are Unix
 *   nanoseconds (the CLI says so; core/log.go's comment says seconds, the code writes ns).
 *   Nanosecond timestamps exceed 2^53, so they lose their last bits as JS numbers.
 * - getprocessesmsg counts are capped at 100 (MAX_COUNT), getlogsmsg at 500,
 *   searchlogsmsg at 100 results and 30 days.
 * - removeprocessmsg / removeprocessgraphmsg / removecronmsg / removegeneratormsg carry an
 *   `all` flag that upstream's handlers ignore (kept for compatibility, no meaning here).
 * - removeall*msg `state`: -1 = every state, RUNNING is refused; a missing state reads as
 *   0 = WAITING, as it does upstream.
 * - assignprocessmsg with an empty availablecpu/availablemem means "unlimited" upstream
 *   (not 0 as in a spec's conditions); quantities themselves: see quantity.ts.
 * - Upstream accepts a spec with no executortype when executornames is set (CLI `function
 *   exec --targetid`), but such a process can never match; we require executortype.
 * - Upstream lets a cron's workflowspec name another colony than the cron itself (it then
 *   submits there); we require them equal.
 * - Files and snapshots (messages/files.ts): `removeallsnapshotmsg` is singular upstream;
 *   a file's `ref.protocol` is "s3" or colonynet's own "colonynet".
 * Not implemented here (no COLONYOS.md need): locations, nodes, cluster,
 * reportallocationmsg.
 */
import { ValidationError } from './errors.js'
import { BLUEPRINT_PARSERS, type BlueprintMessage } from './messages/blueprints.js'
import { CHANNEL_PARSERS, type ChannelMessage } from './messages/channels.js'
import { expectObject, getField } from './json.js'
import { functionSpecToJson, workflowSpecToJson } from './spec.js'
import { DASHBOARD_PARSERS, type DashboardMessage } from './messages/dashboard.js'
import { FILE_PARSERS, type FileMessage } from './messages/files.js'
import { MEMBERSHIP_PARSERS, type MembershipMessage, SITE_PARSERS, type SiteMessage } from './messages/membership.js'
import { PROCESS_PARSERS, type ProcessMessage, SUBSCRIPTION_PARSERS, type SubscriptionMessage } from './messages/processes.js'
import { type Obj, type ParsersOf, ROOT } from './messages/readers.js'
import { WORKFLOW_PARSERS, type WorkflowMessage } from './messages/workflows.js'

export type * from './messages/blueprints.js'
export type * from './messages/channels.js'
export type * from './messages/dashboard.js'
export type * from './messages/files.js'
export type * from './messages/membership.js'
export type * from './messages/processes.js'
export type * from './messages/workflows.js'
export { MAX_BULK_SPECS } from './messages/processes.js'
export { BLOB_CHECKSUM_ALG, EMPTY_S3OBJECT, FILE_PROTOCOLS, MAX_FILE_TEXT } from './messages/files.js'
export {
  MAX_COUNT, MAX_DAYS, MAX_LOG_COUNT, MAX_PAGE_COUNT, MAX_THROUGHPUT_BUCKETS, MAX_THROUGHPUT_SECONDS
} from './messages/readers.js'

export type Message = MembershipMessage | SiteMessage | DashboardMessage | ProcessMessage | WorkflowMessage | SubscriptionMessage |
  FileMessage | BlueprintMessage | ChannelMessage

export type MsgType = Message['msgtype']
export type MessageOf<T extends MsgType> = Extract<Message, { msgtype: T }>

const PARSERS: ParsersOf<Message> = {
  ...MEMBERSHIP_PARSERS,
  ...PROCESS_PARSERS,
  ...WORKFLOW_PARSERS,
  ...SITE_PARSERS,
  ...DASHBOARD_PARSERS,
  ...SUBSCRIPTION_PARSERS,
  ...FILE_PARSERS,
  ...BLUEPRINT_PARSERS,
  ...CHANNEL_PARSERS
}

/** Every msgtype parseMessage understands. */
export const MSGTYPES: readonly MsgType[] = Object.freeze(Object.keys(PARSERS) as MsgType[])

/** The msgtypes that change state, i.e. go into the ledger. */
export const MUTATIONS: ReadonlySet<string> = new Set<MsgType>([
  'addsitemsg', 'removesitemsg',
  'addcolonymsg', 'removecolonymsg', 'changecolonyidmsg',
  'addexecutormsg', 'approveexecutormsg', 'rejectexecutormsg', 'removeexecutormsg', 'updateexecutormsg', 'changeexecutoridmsg',
  'addusermsg', 'removeusermsg', 'changeuseridmsg',
  'changeserveridmsg',
  'submitfuncspecmsg', 'assignprocessmsg', 'closesuccessfulmsg', 'closefailedmsg', 'closeandassignmsg', 'setoutputmsg', 'cancelprocessmsg',
  'submitfuncspecsmsg',
  'removeprocessmsg', 'removeallprocessesmsg', 'pauseassignmentsmsg', 'resumeassignmentsmsg',
  'addattributemsg',
  'addlogmsg', 'addexecutorlogmsg',
  'addfunctionmsg', 'removefunctionmsg',
  'submitworkflowspecmsg', 'removeprocessgraphmsg', 'removeallprocessgraphsmsg', 'cancelprocessgraphmsg', 'addchildmsg',
  'addcronmsg', 'runcronmsg', 'removecronmsg',
  'addgeneratormsg', 'packgeneratormsg', 'removegeneratormsg',
  'addfilemsg', 'removefilemsg', 'createsnapshotmsg', 'removesnapshotmsg', 'removeallsnapshotmsg',
  'addblueprintdefinitionmsg', 'removeblueprintdefinitionmsg',
  'addblueprintmsg', 'updateblueprintmsg', 'removeblueprintmsg', 'updateblueprintstatusmsg', 'reconcileblueprintmsg',
  'channelappendmsg'
])

/** The messages by which the assigned executor closes its process (closeandassignmsg is colonynet's). */
export const CLOSES: ReadonlySet<string> = new Set<MsgType>(['closesuccessfulmsg', 'closefailedmsg', 'closeandassignmsg'])

/** Answered without a valid signature upstream. */
export const UNSIGNED: ReadonlySet<string> = new Set<MsgType>(['versionmsg', 'getserverinfomsg'])

/** Carried over the WebSocket at /pubsub rather than POST /api. */
export const SUBSCRIPTIONS: ReadonlySet<string> = new Set<MsgType>(['subscribeprocessmsg', 'subscribeprocessesmsg', 'subscribecolonymsg', 'subscribechannelmsg'])

/**
 * Validates a decoded payload and returns the typed message: only known fields, Go zero
 * values for missing ones. Throws ValidationError naming the field, and nothing else.
 */
export function parseMessage (json: Record<string, unknown>): Message {
  const o = expectObject(json, ROOT)
  const t = getField(o, 'msgtype')
  if (t === undefined) throw new ValidationError('msgtype', 'is required')
  if (typeof t !== 'string') throw new ValidationError('msgtype', 'must be a string')
  // hasOwn: "constructor" or "__proto__" must not reach Object.prototype
  if (!Object.hasOwn(PARSERS, t)) throw new ValidationError('msgtype', `unknown message type "${t.slice(0, 60)}"`)
  const parse = PARSERS[t as MsgType] as (o: Obj) => object
  return { msgtype: t, ...parse(o) } as Message
}

/**
 * The message as wire JSON. Only specs need work (upstream omits their empty
 * `locationname` and `channels`); everything else is already its own JSON.
 */
export function encodeMessage (msg: Message): Record<string, unknown> {
  switch (msg.msgtype) {
    case 'submitfuncspecmsg':
    case 'addchildmsg':
      return { ...msg, spec: functionSpecToJson(msg.spec) }
    case 'submitfuncspecsmsg':
      return { ...msg, specs: msg.specs.map(functionSpecToJson) }
    case 'submitworkflowspecmsg':
      return { ...msg, spec: workflowSpecToJson(msg.spec) }
    default:
      return { ...msg }
  }
}
