/**
 * The fold's state in ColonyOS's JSON shapes (pkg/core), so replies from a node are
 * indistinguishable from a ColonyOS server's: times as Go's RFC 3339 text (zero time
 * when unset), priority time and log timestamps in nanoseconds.
 */
import {
  type Attribute, type Colony, type ColonyFunction, type Executor, formatGoTime, functionSpecToJson,
  GO_ZERO_TIME, type JsonValue, type Log, type Process, type User
} from './spec.js'
import type { AttributeInfo, ColonyInfo, ExecutorInfo, FunctionInfo, LogEntry, ProcessInfo, UserInfo } from './state.js'
import { ProcessState } from './state.js'

const time = (ms: number): string => ms > 0 ? formatGoTime(ms) : GO_ZERO_TIME

export function attributeToWire (a: AttributeInfo): Attribute {
  return {
    attributeid: a.attributeid,
    targetid: a.targetid,
    targetcolonyname: a.targetcolonyname,
    targetprocessgraphid: a.targetprocessgraphid,
    state: 0,
    attributetype: a.attributetype,
    key: a.key,
    value: a.value
  }
}

export function processToWire (p: ProcessInfo): Process {
  return {
    processid: p.processid,
    initiatorid: p.initiatorid,
    initiatorname: p.initiatorname,
    assignedexecutorid: p.assignedexecutorid,
    isassigned: p.isassigned,
    state: p.state,
    prioritytime: p.prioritytime * 1e6,
    submissiontime: time(p.submissiontime),
    starttime: time(p.starttime),
    endtime: time(p.endtime),
    waitdeadline: time(p.waitdeadline),
    execdeadline: time(p.execdeadline),
    retries: p.retries,
    attributes: p.attributes.map(attributeToWire),
    spec: functionSpecToJson(p.spec),
    waitforparents: p.waitforparents,
    parents: p.parents,
    children: p.children,
    processgraphid: p.processgraphid,
    in: p.in as JsonValue[],
    out: p.out as JsonValue[],
    errors: p.errors
  }
}

export function executorToWire (x: ExecutorInfo, lastHeardMs = 0): Executor {
  const out: Executor = {
    executorid: x.executorid,
    executortype: x.executortype,
    executorname: x.executorname,
    colonyname: x.colonyname,
    state: x.state,
    requirefuncreg: x.requirefuncreg,
    commissiontime: time(x.commissiontime),
    lastheardfromtime: time(lastHeardMs),
    capabilities: (x.capabilities as Executor['capabilities'] | undefined) ?? { hardware: [], software: [] },
    allocations: { projects: {} }
  }
  if (x.locationname !== '') out.locationname = x.locationname
  return out
}

export function colonyToWire (c: ColonyInfo): Colony {
  return { colonyid: c.colonyid, name: c.name }
}

export function userToWire (u: UserInfo): User {
  return { colonyname: u.colonyname, userid: u.userid, name: u.name, email: u.email, phone: u.phone }
}

export function logToWire (l: LogEntry): Log {
  return { processid: l.processid, colonyname: l.colonyname, executorname: l.executorname, message: l.message, timestamp: l.timestamp * 1e6 }
}

/** Per-function counters: completed runs of `funcname` in the colony, wait and exec times in seconds. */
export function functionToWire (f: FunctionInfo, processes: Iterable<ProcessInfo>): ColonyFunction {
  let n = 0
  let waitSum = 0
  let execSum = 0
  let minWait = Infinity
  let maxWait = 0
  let minExec = Infinity
  let maxExec = 0
  for (const p of processes) {
    if (p.state !== ProcessState.SUCCESS || p.spec.funcname !== f.funcname || p.spec.conditions.executortype !== f.executortype) continue
    const wait = (p.starttime - p.submissiontime) / 1000
    const exec = (p.endtime - p.starttime) / 1000
    n++
    waitSum += wait
    execSum += exec
    minWait = Math.min(minWait, wait)
    maxWait = Math.max(maxWait, wait)
    minExec = Math.min(minExec, exec)
    maxExec = Math.max(maxExec, exec)
  }
  const out: ColonyFunction = {
    functionid: f.functionid,
    executorname: f.executorname,
    executortype: f.executortype,
    colonyname: f.colonyname,
    funcname: f.funcname,
    counter: n,
    minwaittime: n === 0 ? 0 : minWait,
    maxwaittime: maxWait,
    minexectime: n === 0 ? 0 : minExec,
    maxexectime: maxExec,
    avgwaittime: n === 0 ? 0 : waitSum / n,
    avgexectime: n === 0 ? 0 : execSum / n
  }
  if (f.description !== '') out.description = f.description
  return out
}
