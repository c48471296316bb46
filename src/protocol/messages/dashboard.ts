/**
 * colonynet's reads for a live web view, beyond ColonyOS's messages: pages of processes,
 * a process's history, throughput, where executors work, and a colony's change stream.
 */
import { ValidationError } from '../errors.js'
import { readInt } from '../json.js'
import { STATE_NOTSET } from '../state.js'
import {
  count, id, MAX_PAGE_COUNT, MAX_THROUGHPUT_BUCKETS, MAX_THROUGHPUT_SECONDS, name, type ParsersOf, ROOT, str
} from './readers.js'

// dashboard reads: colonynet's extension (what a live web view needs beyond ColonyOS's messages)
/** One page of a colony's processes, any state or one, with the total that match. */
export interface GetProcessPageMsg {
  msgtype: 'getprocesspagemsg'
  colonyname: string
  /** -1 = every state */
  state: number
  /** filters; "" = any */
  executortype: string
  label: string
  initiator: string
  /** processes to skip, in the listing's order */
  offset: number
  /** at most MAX_PAGE_COUNT; 0 = MAX_COUNT */
  count: number
}
/** A process's state changes: which site and executor held each attempt, and when. */
export interface GetProcessHistoryMsg { msgtype: 'getprocesshistorymsg', processid: string }
/** Processes submitted and ended per `bucket` seconds over the last `seconds`. */
export interface GetThroughputMsg { msgtype: 'getthroughputmsg', colonyname: string, seconds: number, bucket: number }
/** Where each executor of a colony was last seen working: its site and when. */
export interface GetExecutorSitesMsg { msgtype: 'getexecutorsitesmsg', colonyname: string }
/** WebSocket /pubsub: every change to the colony's processes (and colony-level changes), coalesced. */
export interface SubscribeColonyMsg {
  msgtype: 'subscribecolonymsg'
  colonyname: string
  /** seconds; ≤ 0 = until the socket closes */
  timeout: number
}

export type DashboardMessage =
  | GetProcessPageMsg | GetProcessHistoryMsg | GetThroughputMsg | GetExecutorSitesMsg | SubscribeColonyMsg

export const DASHBOARD_PARSERS: ParsersOf<DashboardMessage> = {
  // dashboard reads (colonynet)
  getprocesspagemsg: o => ({
    colonyname: name(o, 'colonyname'),
    state: readInt(o, 'state', ROOT, STATE_NOTSET, 4),
    executortype: str(o, 'executortype'),
    label: str(o, 'label'),
    initiator: str(o, 'initiator'),
    offset: readInt(o, 'offset', ROOT, 0),
    count: count(o, MAX_PAGE_COUNT)
  }),
  getprocesshistorymsg: o => ({ processid: id(o, 'processid') }),
  getthroughputmsg: o => {
    const seconds = readInt(o, 'seconds', ROOT, 1, MAX_THROUGHPUT_SECONDS, 600)
    const bucket = readInt(o, 'bucket', ROOT, 1, MAX_THROUGHPUT_SECONDS, 10)
    if (seconds / bucket > MAX_THROUGHPUT_BUCKETS) throw new ValidationError('bucket', `must be at least seconds / ${MAX_THROUGHPUT_BUCKETS}`)
    return { colonyname: name(o, 'colonyname'), seconds, bucket }
  },
  getexecutorsitesmsg: o => ({ colonyname: name(o, 'colonyname') }),
  subscribecolonymsg: o => ({ colonyname: name(o, 'colonyname'), timeout: readInt(o, 'timeout', ROOT) })
}
