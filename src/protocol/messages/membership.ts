/**
 * Who takes part: colonies, their executors and users, the server, and (colonynet's
 * extension) the sites of a colony. Nested payloads that clients send leave out the fields
 * the server assigns (state, times): upstream overwrites them, we drop them.
 */
import {
  expectObject, getField, joinPath, readBool, readId, readInt, readNonEmptyString, readObjectArray, readQuantity, readString,
  readStringArray
} from '../json.js'
import type { Capabilities, Colony, Hardware, Software, User } from '../wire-types.js'
import { child, id, name, type Obj, type ParsersOf, ROOT, str } from './readers.js'

export interface ExecutorInput {
  executorid: string
  executortype: string
  executorname: string
  colonyname: string
  locationname: string
  requirefuncreg: boolean
  capabilities: Capabilities
}

// colonies
export interface AddColonyMsg { msgtype: 'addcolonymsg', colony: Colony }
export interface RemoveColonyMsg { msgtype: 'removecolonymsg', colonyname: string }
export interface GetColoniesMsg { msgtype: 'getcoloniesmsg' }
export interface GetColonyMsg { msgtype: 'getcolonymsg', colonyname: string }
export interface GetColonyStatisticsMsg { msgtype: 'getcolonystatsmsg', colonyname: string }
export interface ChangeColonyIdMsg { msgtype: 'changecolonyidmsg', colonyname: string, colonyid: string }

// executors
export interface AddExecutorMsg { msgtype: 'addexecutormsg', executor: ExecutorInput }
export interface ApproveExecutorMsg { msgtype: 'approveexecutormsg', colonyname: string, executorname: string }
export interface RejectExecutorMsg { msgtype: 'rejectexecutormsg', colonyname: string, executorname: string }
export interface RemoveExecutorMsg { msgtype: 'removeexecutormsg', colonyname: string, executorname: string }
export interface GetExecutorsMsg { msgtype: 'getexecutorsmsg', colonyname: string }
export interface GetExecutorMsg { msgtype: 'getexecutormsg', colonyname: string, executorname: string }
export interface GetExecutorByIdMsg { msgtype: 'getexecutorbyidmsg', colonyname: string, executorid: string }
export interface UpdateExecutorMsg { msgtype: 'updateexecutormsg', colonyname: string, executorname: string, capabilities: Capabilities }
export interface ChangeExecutorIdMsg { msgtype: 'changeexecutoridmsg', colonyname: string, executorid: string }

// users
export interface AddUserMsg { msgtype: 'addusermsg', user: User }
export interface RemoveUserMsg { msgtype: 'removeusermsg', colonyname: string, name: string }
export interface GetUsersMsg { msgtype: 'getusersmsg', colonyname: string }
export interface GetUserMsg { msgtype: 'getusermsg', colonyname: string, name: string }
export interface GetUserByIdMsg { msgtype: 'getuserbyidmsg', colonyname: string, userid: string }
export interface ChangeUserIdMsg { msgtype: 'changeuseridmsg', colonyname: string, userid: string }

// server
export interface VersionMsg { msgtype: 'versionmsg', buildversion: string, buildtime: string }
export interface GetServerInfoMsg { msgtype: 'getserverinfomsg' }
export interface GetStatisticsMsg { msgtype: 'getstatisticsmsg' }
export interface ChangeServerIdMsg { msgtype: 'changeserveridmsg', serverid: string }

// sites: colonynet's extension (ColonyOS has one server; a colony here has several sites)
/** The colony owner admits a node (by its node id) as a site of the colony. */
export interface AddSiteMsg { msgtype: 'addsitemsg', colonyname: string, nodeid: string, name: string }
/** The colony owner revokes a site: its later records are refused and it is no longer served. */
export interface RemoveSiteMsg { msgtype: 'removesitemsg', colonyname: string, nodeid: string }
export interface GetSitesMsg { msgtype: 'getsitesmsg', colonyname: string }

export type MembershipMessage =
  | AddColonyMsg | RemoveColonyMsg | GetColoniesMsg | GetColonyMsg | GetColonyStatisticsMsg | ChangeColonyIdMsg
  | AddExecutorMsg | ApproveExecutorMsg | RejectExecutorMsg | RemoveExecutorMsg | GetExecutorsMsg | GetExecutorMsg
  | GetExecutorByIdMsg | UpdateExecutorMsg | ChangeExecutorIdMsg | AddUserMsg | RemoveUserMsg | GetUsersMsg
  | GetUserMsg | GetUserByIdMsg | ChangeUserIdMsg | VersionMsg | GetServerInfoMsg | GetStatisticsMsg
  | ChangeServerIdMsg

export type SiteMessage =
  | AddSiteMsg | RemoveSiteMsg | GetSitesMsg

function parseHardware (o: Obj, p: string): Hardware {
  const gp = joinPath(p, 'gpu')
  const g = expectObject(getField(o, 'gpu'), gp, true)
  return {
    model: readString(o, 'model', p),
    nodes: readInt(o, 'nodes', p, 0),
    cpu: readQuantity.cpu(o, 'cpu', p),
    cores: readInt(o, 'cores', p, 0),
    mem: readQuantity.memory(o, 'mem', p),
    storage: readQuantity.memory(o, 'storage', p),
    gpu: { name: readString(g, 'name', gp), mem: readQuantity.memory(g, 'mem', gp), count: readInt(g, 'count', gp, 0), nodecount: readInt(g, 'nodecount', gp, 0) },
    platform: readString(o, 'platform', p),
    architecture: readString(o, 'architecture', p),
    network: readStringArray(o, 'network', p)
  }
}

function parseSoftware (o: Obj, p: string): Software {
  return { name: readString(o, 'name', p), type: readString(o, 'type', p), version: readString(o, 'version', p) }
}

/** v1.9.0 clients send hardware/software as one object, v1.9.12 as arrays: take both, keep arrays. */
function readOneOrMany<T> (o: Obj, key: string, path: string, parse: (item: Obj, itemPath: string) => T): T[] {
  const v = getField(o, key)
  if (v !== undefined && !Array.isArray(v)) return [parse(expectObject(v, joinPath(path, key)), joinPath(path, key))]
  return readObjectArray(o, key, path, parse)
}

function parseCapabilities (parent: Obj, path: string): Capabilities {
  const p = joinPath(path, 'capabilities')
  const o = expectObject(getField(parent, 'capabilities'), p, true)
  return { hardware: readOneOrMany(o, 'hardware', p, parseHardware), software: readOneOrMany(o, 'software', p, parseSoftware) }
}

export const MEMBERSHIP_PARSERS: ParsersOf<MembershipMessage> = {
  // colonies
  addcolonymsg: o => {
    const c = child(o, 'colony')
    return { colony: { colonyid: readId(c, 'colonyid', 'colony'), name: readNonEmptyString(c, 'name', 'colony') } }
  },
  removecolonymsg: o => ({ colonyname: name(o, 'colonyname') }),
  getcoloniesmsg: () => ({}),
  getcolonymsg: o => ({ colonyname: name(o, 'colonyname') }),
  getcolonystatsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  changecolonyidmsg: o => ({ colonyname: name(o, 'colonyname'), colonyid: id(o, 'colonyid') }),
  // executors
  addexecutormsg: o => {
    const e = child(o, 'executor')
    const p = 'executor'
    return {
      executor: {
        executorid: readId(e, 'executorid', p),
        executortype: readNonEmptyString(e, 'executortype', p),
        executorname: readNonEmptyString(e, 'executorname', p),
        colonyname: readNonEmptyString(e, 'colonyname', p),
        locationname: readString(e, 'locationname', p),
        requirefuncreg: readBool(e, 'requirefuncreg', p),
        capabilities: parseCapabilities(e, p)
      }
    }
  },
  approveexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  rejectexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  removeexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  getexecutorsmsg: o => ({ colonyname: name(o, 'colonyname') }),
  getexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname') }),
  getexecutorbyidmsg: o => ({ colonyname: name(o, 'colonyname'), executorid: id(o, 'executorid') }),
  updateexecutormsg: o => ({ colonyname: name(o, 'colonyname'), executorname: name(o, 'executorname'), capabilities: parseCapabilities(o, ROOT) }),
  changeexecutoridmsg: o => ({ colonyname: name(o, 'colonyname'), executorid: id(o, 'executorid') }),
  // users
  addusermsg: o => {
    const u = child(o, 'user')
    const p = 'user'
    return {
      user: {
        colonyname: readNonEmptyString(u, 'colonyname', p),
        userid: readId(u, 'userid', p),
        name: readNonEmptyString(u, 'name', p),
        email: readString(u, 'email', p),
        phone: readString(u, 'phone', p)
      }
    }
  },
  removeusermsg: o => ({ colonyname: name(o, 'colonyname'), name: name(o, 'name') }),
  getusersmsg: o => ({ colonyname: name(o, 'colonyname') }),
  getusermsg: o => ({ colonyname: name(o, 'colonyname'), name: name(o, 'name') }),
  getuserbyidmsg: o => ({ colonyname: name(o, 'colonyname'), userid: id(o, 'userid') }),
  changeuseridmsg: o => ({ colonyname: name(o, 'colonyname'), userid: id(o, 'userid') }),
  // server
  versionmsg: o => ({ buildversion: str(o, 'buildversion'), buildtime: str(o, 'buildtime') }),
  getserverinfomsg: () => ({}),
  getstatisticsmsg: () => ({}),
  changeserveridmsg: o => ({ serverid: id(o, 'serverid') })
}

export const SITE_PARSERS: ParsersOf<SiteMessage> = {
  // sites
  addsitemsg: o => ({ colonyname: name(o, 'colonyname'), nodeid: id(o, 'nodeid'), name: str(o, 'name') }),
  removesitemsg: o => ({ colonyname: name(o, 'colonyname'), nodeid: id(o, 'nodeid') }),
  getsitesmsg: o => ({ colonyname: name(o, 'colonyname') })
}
