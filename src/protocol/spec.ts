/**
 * ColonyOS function and workflow specs (pkg/core/function_spec.go, workerflow_spec.go),
 * validated at the boundary, plus the wire shapes upstream returns for processes,
 * executors, colonies, users, attributes, logs, functions, statistics, process graphs,
 * crons and generators. Field names are upstream's JSON names.
 *
 * Decoding follows Go's encoding/json where that is harmless: unknown fields are ignored
 * (and dropped), `null` or a missing field means the Go zero value. It is stricter where
 * Go would let nonsense through: wrong types, out-of-range numbers, bad quantities.
 * Two Go quirks are not copied: Go matches JSON keys case-insensitively ("ProcessID"
 * would work upstream; here only the exact lowercase names do), and Go ints are 64-bit
 * (here integers must be JS-safe, |n| ≤ 2^53-1).
 *
 * Defaults found upstream:
 * - CreateEmptyFunctionSpec: maxexectime -1, maxretries -1, empty args/kwargs/env.
 * - ConvertJSONToFunctionSpec (CLI `function submit --spec`): maxwaittime and maxexectime
 *   0 or missing → -1; maxretries missing → 0. The workflow path also turns maxexectime 0
 *   into -1. On the raw RPC a missing field is simply 0.
 * We apply: maxwaittime/maxexectime missing or 0 → -1 (0 means "no limit" everywhere
 * upstream except one bug where maxexectime 0 times a process out at once), maxretries
 * missing → 0 (what a spec file without it gets upstream: no retries), everything else
 * the Go zero value.
 */
import { ValidationError } from './errors.js'
import { parseCpu, parseMemory } from './quantity.js'

// ---------------------------------------------------------------------------------------
// JSON values and field readers (shared with messages.ts)
// ---------------------------------------------------------------------------------------

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }
type Obj = Record<string, unknown>

/** Deeper than this is refused (as a ValidationError) so hostile input cannot blow the stack. */
export const MAX_JSON_DEPTH = 64

export const MIN_PRIORITY = -50000
export const MAX_PRIORITY = 50000

export function joinPath (path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function isPlainObject (v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** A JSON object at `path`; `null`/missing is refused unless `orEmpty` (Go: null leaves the zero value). */
export function expectObject (v: unknown, path: string, orEmpty = false): Obj {
  if ((v === undefined || v === null) && orEmpty) return {}
  if (!isPlainObject(v)) throw new ValidationError(path, 'must be an object')
  return v
}

/** An own field, with `null` read as absent (Go leaves the zero value for null). */
export function getField (o: Obj, key: string): unknown {
  if (!Object.hasOwn(o, key)) return undefined
  const v = o[key]
  return v === null ? undefined : v
}

export function readString (o: Obj, key: string, path: string): string {
  const v = getField(o, key)
  if (v === undefined) return ''
  if (typeof v !== 'string') throw new ValidationError(joinPath(path, key), 'must be a string')
  return v
}

export function readNonEmptyString (o: Obj, key: string, path: string): string {
  const v = readString(o, key, path)
  if (v === '') throw new ValidationError(joinPath(path, key), 'is required')
  return v
}

export function readBool (o: Obj, key: string, path: string): boolean {
  const v = getField(o, key)
  if (v === undefined) return false
  if (typeof v !== 'boolean') throw new ValidationError(joinPath(path, key), 'must be a boolean')
  return v
}

export function readInt (o: Obj, key: string, path: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER, dflt = 0): number {
  const v = getField(o, key)
  if (v === undefined) return dflt
  const field = joinPath(path, key)
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ValidationError(field, 'must be an integer')
  if (v < min || v > max) {
    throw new ValidationError(field, max === Number.MAX_SAFE_INTEGER ? `must be ≥ ${min}` : `must be in [${min}, ${max}]`)
  }
  return v
}

const HEX_ID = /^[0-9a-fA-F]{64}$/

/** A 64-hex-char id, lower-cased; `optional` lets "" through (meaning "none"). */
export function readId (o: Obj, key: string, path: string, optional = false): string {
  const v = readString(o, key, path)
  if (v === '' && optional) return ''
  if (!HEX_ID.test(v)) throw new ValidationError(joinPath(path, key), v === '' ? 'is required' : 'must be a 64-character hex id')
  return v.toLowerCase()
}

export function readStringArray (o: Obj, key: string, path: string, nonEmptyItems = false): string[] {
  const v = getField(o, key)
  if (v === undefined) return []
  const field = joinPath(path, key)
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be an array of strings')
  return v.map((item, i) => {
    if (typeof item !== 'string') throw new ValidationError(`${field}[${i}]`, 'must be a string')
    if (nonEmptyItems && item === '') throw new ValidationError(`${field}[${i}]`, 'must not be empty')
    return item
  })
}

/**
 * A deep copy of a JSON value, refusing anything JSON cannot carry (undefined, NaN,
 * functions, class instances) and nesting deeper than MAX_JSON_DEPTH. Objects are built
 * with Object.fromEntries so a "__proto__" key stays a plain key.
 */
export function toJsonValue (v: unknown, path: string, depth = 0): JsonValue {
  if (depth > MAX_JSON_DEPTH) throw new ValidationError(path, `nested deeper than ${MAX_JSON_DEPTH} levels`)
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ValidationError(path, 'must be a finite number')
    return v
  }
  if (Array.isArray(v)) return v.map((x, i) => toJsonValue(x, `${path}[${i}]`, depth + 1))
  if (isPlainObject(v)) {
    return Object.fromEntries(Object.keys(v).map(k => [k, toJsonValue(v[k], joinPath(path, k), depth + 1)]))
  }
  throw new ValidationError(path, 'must be a JSON value')
}

export function readJsonArray (o: Obj, key: string, path: string): JsonValue[] {
  const v = getField(o, key)
  if (v === undefined) return []
  const field = joinPath(path, key)
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be an array')
  return v.map((x, i) => toJsonValue(x, `${field}[${i}]`, 1))
}

export function readJsonObject (o: Obj, key: string, path: string): JsonObject {
  const v = getField(o, key)
  if (v === undefined) return {}
  const field = joinPath(path, key)
  if (!isPlainObject(v)) throw new ValidationError(field, 'must be an object')
  return toJsonValue(v, field) as JsonObject
}

export function readStringMap (o: Obj, key: string, path: string): Record<string, string> {
  const v = getField(o, key)
  if (v === undefined) return {}
  const field = joinPath(path, key)
  if (!isPlainObject(v)) throw new ValidationError(field, 'must be an object of strings')
  return Object.fromEntries(Object.keys(v).map(k => {
    const s = v[k]
    if (typeof s !== 'string') throw new ValidationError(joinPath(field, k), 'must be a string')
    return [k, s]
  }))
}

/** An array of objects, each handed to `parse` with its indexed path. */
export function readObjectArray<T> (o: Obj, key: string, path: string, parse: (item: Obj, itemPath: string) => T): T[] {
  const v = getField(o, key)
  if (v === undefined) return []
  const field = joinPath(path, key)
  if (!Array.isArray(v)) throw new ValidationError(field, 'must be an array')
  return v.map((item, i) => parse(expectObject(item, `${field}[${i}]`), `${field}[${i}]`))
}

function readCpu (o: Obj, key: string, path: string): string {
  const s = readString(o, key, path)
  parseCpu(s, joinPath(path, key))
  return s
}

function readMemory (o: Obj, key: string, path: string): string {
  const s = readString(o, key, path)
  parseMemory(s, joinPath(path, key))
  return s
}

/** Reads a quantity field and checks it parses; the wire keeps the text. */
export const readQuantity = { cpu: readCpu, memory: readMemory }

// ---------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------

/** Process (and process graph) states, pkg/core/process.go. */
export const ProcessState = { WAITING: 0, RUNNING: 1, SUCCESS: 2, FAILED: 3, CANCELLED: 4 } as const
export type ProcessStateValue = typeof ProcessState[keyof typeof ProcessState]
/** Upstream's NOTSET (-1): "any state" in removeall messages. */
export const STATE_NOTSET = -1

/** Executor states, pkg/core/executor.go. */
export const ExecutorState = { PENDING: 0, APPROVED: 1, REJECTED: 2, UNREGISTERED: 3 } as const
export type ExecutorStateValue = typeof ExecutorState[keyof typeof ExecutorState]

/** Attribute types, pkg/core/attribute.go. */
export const AttributeType = { IN: 0, OUT: 1, ERR: 2, ENV: 3 } as const
export type AttributeTypeValue = typeof AttributeType[keyof typeof AttributeType]

/** Go's zero time.Time as encoding/json writes it; upstream sends it for "never". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

/**
 * A time as Go's encoding/json writes time.Time (RFC 3339 with up to nanosecond digits,
 * trailing zeros dropped); null/undefined → GO_ZERO_TIME. Input: ms since epoch or a Date.
 */
export function formatGoTime (t: number | Date | null | undefined): string {
  if (t === null || t === undefined) return GO_ZERO_TIME
  const iso = (typeof t === 'number' ? new Date(t) : t).toISOString() // always ".mmmZ"
  return iso.replace(/\.?0+Z$/, 'Z')
}

// ---------------------------------------------------------------------------------------
// FunctionSpec / WorkflowSpec
// ---------------------------------------------------------------------------------------

export interface GPU {
  name: string
  /** memory quantity, e.g. "80Gi" */
  mem: string
  count: number
  nodecount: number
}

export interface Conditions {
  colonyname: string
  /** empty, or containing "*", means any executor of the type */
  executornames: string[]
  executortype: string
  /** "" = anywhere; upstream omits the field when empty */
  locationname: string
  /** workflow only: nodenames of the parents */
  dependencies: string[]
  nodes: number
  /** CPU quantity, e.g. "1000m" */
  cpu: string
  processes: number
  processespernode: number
  /** memory quantity, e.g. "4Gi" */
  mem: string
  storage: string
  gpu: GPU
  /** seconds */
  walltime: number
}

export interface SnapshotMount {
  snapshotid: string
  label: string
  dir: string
  keepfiles: boolean
  keepsnapshot: boolean
}

export interface SyncDirMount {
  label: string
  dir: string
  keepfiles: boolean
  onconflicts: { onstart: { keeplocal: boolean }, onclose: { keeplocal: boolean } }
}

export interface Filesystem {
  mount: string
  snapshots: SnapshotMount[]
  dirs: SyncDirMount[]
}

export interface FunctionSpec {
  nodename: string
  funcname: string
  args: JsonValue[]
  kwargs: JsonObject
  /** [-50000, 50000]; higher runs sooner */
  priority: number
  /** seconds; -1 = no limit (0 is normalised to -1) */
  maxwaittime: number
  /** seconds; -1 = no limit (0 is normalised to -1) */
  maxexectime: number
  /** -1 = unlimited, 0 = none */
  maxretries: number
  conditions: Conditions
  label: string
  fs: Filesystem
  env: Record<string, string>
  /** upstream omits the field when empty */
  channels: string[]
}

/** A spec as it travels in replies: the omitempty fields may be absent. */
export type FunctionSpecJson = Omit<FunctionSpec, 'channels' | 'conditions'> & {
  channels?: string[]
  conditions: Omit<Conditions, 'locationname'> & { locationname?: string }
}

export interface WorkflowSpec {
  colonyname: string
  functionspecs: FunctionSpec[]
}

function parseGpu (o: Obj, path: string): GPU {
  return {
    name: readString(o, 'name', path),
    mem: readMemory(o, 'mem', path),
    count: readInt(o, 'count', path, 0),
    nodecount: readInt(o, 'nodecount', path, 0)
  }
}

function parseConditions (o: Obj, path: string): Conditions {
  return {
    colonyname: readString(o, 'colonyname', path),
    executornames: readStringArray(o, 'executornames', path, true),
    // A process with no executor type can never be assigned: refuse it up front (the CLI does too).
    executortype: readNonEmptyString(o, 'executortype', path),
    locationname: readString(o, 'locationname', path),
    dependencies: readStringArray(o, 'dependencies', path, true),
    nodes: readInt(o, 'nodes', path, 0),
    cpu: readCpu(o, 'cpu', path),
    processes: readInt(o, 'processes', path, 0),
    processespernode: readInt(o, 'processespernode', path, 0),
    mem: readMemory(o, 'mem', path),
    // upstream parses storage and gpu.mem with the memory parser when it stores the process
    storage: readMemory(o, 'storage', path),
    gpu: parseGpu(expectObject(getField(o, 'gpu'), joinPath(path, 'gpu'), true), joinPath(path, 'gpu')),
    walltime: readInt(o, 'walltime', path, 0)
  }
}

function parseKeepLocal (o: Obj, key: string, path: string): { keeplocal: boolean } {
  const p = joinPath(path, key)
  return { keeplocal: readBool(expectObject(getField(o, key), p, true), 'keeplocal', p) }
}

function parseFilesystem (o: Obj, path: string): Filesystem {
  return {
    mount: readString(o, 'mount', path),
    snapshots: readObjectArray(o, 'snapshots', path, (s, p) => ({
      snapshotid: readString(s, 'snapshotid', p),
      label: readString(s, 'label', p),
      dir: readString(s, 'dir', p),
      keepfiles: readBool(s, 'keepfiles', p),
      keepsnapshot: readBool(s, 'keepsnapshot', p)
    })),
    dirs: readObjectArray(o, 'dirs', path, (d, p) => {
      const cp = joinPath(p, 'onconflicts')
      const c = expectObject(getField(d, 'onconflicts'), cp, true)
      return {
        label: readString(d, 'label', p),
        dir: readString(d, 'dir', p),
        keepfiles: readBool(d, 'keepfiles', p),
        onconflicts: { onstart: parseKeepLocal(c, 'onstart', cp), onclose: parseKeepLocal(c, 'onclose', cp) }
      }
    })
  }
}

/** The longest wait or execution time: 100 years, in seconds (a deadline must stay a date). */
export const MAX_TIME_LIMIT_S = 100 * 365 * 86_400

/** A time limit: integer ≥ -1, with missing and 0 both meaning "no limit" (-1). */
function readLimit (o: Obj, key: string, path: string): number {
  const v = readInt(o, key, path, -1, MAX_TIME_LIMIT_S, -1)
  return v === 0 ? -1 : v
}

/**
 * Validates and normalises a function spec: every field present, unknown fields dropped,
 * errors name the dotted path (`spec.conditions.executortype: is required`).
 */
export function parseFunctionSpec (json: unknown, path = 'spec'): FunctionSpec {
  const o = expectObject(json, path)
  return {
    nodename: readString(o, 'nodename', path),
    funcname: readString(o, 'funcname', path),
    args: readJsonArray(o, 'args', path),
    kwargs: readJsonObject(o, 'kwargs', path),
    priority: readInt(o, 'priority', path, MIN_PRIORITY, MAX_PRIORITY),
    maxwaittime: readLimit(o, 'maxwaittime', path),
    maxexectime: readLimit(o, 'maxexectime', path),
    maxretries: readInt(o, 'maxretries', path, -1),
    conditions: parseConditions(expectObject(getField(o, 'conditions'), joinPath(path, 'conditions'), true), joinPath(path, 'conditions')),
    label: readString(o, 'label', path),
    fs: parseFilesystem(expectObject(getField(o, 'fs'), joinPath(path, 'fs'), true), joinPath(path, 'fs')),
    env: readStringMap(o, 'env', path),
    channels: readStringArray(o, 'channels', path, true)
  }
}

/**
 * Validates a workflow: colonyname required, at least one function spec, every node named
 * and unique, dependencies naming existing nodes, no cycles. As upstream does, each node's
 * conditions.colonyname is set to the workflow's colonyname.
 */
export function parseWorkflowSpec (json: unknown, path = 'spec'): WorkflowSpec {
  const o = expectObject(json, path)
  const colonyname = readNonEmptyString(o, 'colonyname', path)
  const functionspecs = readObjectArray(o, 'functionspecs', path, (item, p) => parseFunctionSpec(item, p))
  const listPath = joinPath(path, 'functionspecs')
  if (functionspecs.length === 0) throw new ValidationError(listPath, 'must contain at least one function spec')

  const index = new Map<string, number>()
  functionspecs.forEach((fs, i) => {
    fs.conditions.colonyname = colonyname
    const p = `${listPath}[${i}].nodename`
    if (fs.nodename === '') throw new ValidationError(p, 'is required in a workflow')
    if (index.has(fs.nodename)) throw new ValidationError(p, `duplicate nodename "${fs.nodename}"`)
    index.set(fs.nodename, i)
  })
  functionspecs.forEach((fs, i) => {
    fs.conditions.dependencies.forEach((dep, j) => {
      if (!index.has(dep)) throw new ValidationError(`${listPath}[${i}].conditions.dependencies[${j}]`, `unknown nodename "${dep}"`)
    })
  })

  // Kahn's algorithm: whatever is left unsorted lies on (or behind) a cycle.
  const indegree = functionspecs.map(fs => new Set(fs.conditions.dependencies).size)
  const children = functionspecs.map(() => [] as number[])
  functionspecs.forEach((fs, i) => { for (const dep of new Set(fs.conditions.dependencies)) children[index.get(dep) as number]?.push(i) })
  const ready = indegree.flatMap((d, i) => d === 0 ? [i] : [])
  let seen = 0
  while (ready.length > 0) {
    const i = ready.pop() as number
    seen++
    for (const c of children[i] ?? []) {
      indegree[c] = (indegree[c] ?? 0) - 1
      if (indegree[c] === 0) ready.push(c)
    }
  }
  if (seen < functionspecs.length) {
    // Walk parent links among the unsorted nodes until one repeats: that is a real cycle
    // (a node merely downstream of a cycle is unsorted too, but never repeats).
    let i = indegree.findIndex(d => d > 0)
    const path: number[] = []
    const at = new Map<number, number>()
    while (!at.has(i)) {
      at.set(i, path.length)
      path.push(i)
      const deps = functionspecs[i]?.conditions.dependencies ?? []
      i = index.get(deps.find(d => (indegree[index.get(d) as number] ?? 0) > 0) as string) as number
    }
    const loop = path.slice(at.get(i)).reverse()
    // start from the node that comes first in the file
    const first = loop.indexOf(Math.min(...loop))
    const cycle = [...loop.slice(first), ...loop.slice(0, first)]
    const names = [...cycle, cycle[0] as number].map(j => `"${functionspecs[j]?.nodename ?? ''}"`).join(' -> ')
    throw new ValidationError(`${listPath}[${cycle[0] as number}].conditions.dependencies`, `dependency cycle ${names}`)
  }
  return { colonyname, functionspecs }
}

/** Parses the JSON text of a workflow spec (cron and generator carry it as a string). */
export function parseWorkflowSpecText (text: string, path: string): WorkflowSpec {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ValidationError(path, 'must be a JSON workflow spec')
  }
  return parseWorkflowSpec(json, path)
}

/**
 * The spec as upstream's encoding/json writes it: same field order as the Go struct,
 * `conditions.locationname` and `channels` omitted when empty (omitempty). Empty lists are
 * written as [] where Go might write null; Go clients decode both alike.
 */
export function functionSpecToJson (spec: FunctionSpec): FunctionSpecJson {
  const c = spec.conditions
  const conditions: Record<string, unknown> = {
    colonyname: c.colonyname,
    executornames: [...c.executornames],
    executortype: c.executortype
  }
  if (c.locationname !== '') conditions.locationname = c.locationname
  Object.assign(conditions, {
    dependencies: [...c.dependencies],
    nodes: c.nodes,
    cpu: c.cpu,
    processes: c.processes,
    processespernode: c.processespernode,
    mem: c.mem,
    storage: c.storage,
    gpu: { name: c.gpu.name, mem: c.gpu.mem, count: c.gpu.count, nodecount: c.gpu.nodecount },
    walltime: c.walltime
  })
  const out: FunctionSpecJson = {
    nodename: spec.nodename,
    funcname: spec.funcname,
    args: toJsonValue(spec.args, 'args') as JsonValue[],
    kwargs: toJsonValue(spec.kwargs, 'kwargs') as JsonObject,
    priority: spec.priority,
    maxwaittime: spec.maxwaittime,
    maxexectime: spec.maxexectime,
    maxretries: spec.maxretries,
    conditions: conditions as FunctionSpecJson['conditions'],
    label: spec.label,
    fs: {
      mount: spec.fs.mount,
      snapshots: spec.fs.snapshots.map(s => ({ ...s })),
      dirs: spec.fs.dirs.map(d => ({
        label: d.label,
        dir: d.dir,
        keepfiles: d.keepfiles,
        onconflicts: { onstart: { ...d.onconflicts.onstart }, onclose: { ...d.onconflicts.onclose } }
      }))
    },
    env: { ...spec.env }
  }
  if (spec.channels.length > 0) out.channels = [...spec.channels]
  return out
}

export function workflowSpecToJson (spec: WorkflowSpec): { colonyname: string, functionspecs: FunctionSpecJson[] } {
  return { colonyname: spec.colonyname, functionspecs: spec.functionspecs.map(functionSpecToJson) }
}

// ---------------------------------------------------------------------------------------
// Wire shapes of upstream replies. Times are Go time.Time: RFC 3339 strings with up to
// nanosecond digits ("2024-05-01T12:00:00.123456Z"), GO_ZERO_TIME for "never".
// ---------------------------------------------------------------------------------------

/** A date-time as Go writes it; see formatGoTime. */
export type GoTime = string

export interface Attribute {
  attributeid: string
  targetid: string
  targetcolonyname: string
  targetprocessgraphid: string
  state: number
  attributetype: AttributeTypeValue | number
  key: string
  value: string
}

export interface Process {
  processid: string
  initiatorid: string
  initiatorname: string
  assignedexecutorid: string
  isassigned: boolean
  state: ProcessStateValue | number
  /** submission time in ns minus priority days (upstream: int64 ns); lowest is assigned first */
  prioritytime: number
  submissiontime: GoTime
  starttime: GoTime
  endtime: GoTime
  waitdeadline: GoTime
  execdeadline: GoTime
  retries: number
  attributes: Attribute[]
  spec: FunctionSpecJson
  waitforparents: boolean
  parents: string[]
  children: string[]
  processgraphid: string
  in: JsonValue[]
  out: JsonValue[]
  errors: string[]
}

export interface Hardware {
  model: string
  nodes: number
  cpu: string
  cores: number
  mem: string
  storage: string
  gpu: GPU
  platform: string
  architecture: string
  network: string[]
}

export interface Software {
  name: string
  type: string
  version: string
}

export interface Capabilities {
  hardware: Hardware[]
  software: Software[]
}

export interface Project {
  allocatedcpu: number
  usedcpu: number
  allocatedgpu: number
  usedgpu: number
  allocatedstorage: number
  usedstorage: number
}

export interface Executor {
  executorid: string
  executortype: string
  executorname: string
  colonyname: string
  state: ExecutorStateValue | number
  requirefuncreg: boolean
  commissiontime: GoTime
  lastheardfromtime: GoTime
  /** omitted when empty */
  locationname?: string
  capabilities: Capabilities
  allocations: { projects: Record<string, Project> }
  /** omitted when empty */
  blueprintid?: string
  /** omitted when 0 */
  blueprintgen?: number
}

export interface Colony {
  colonyid: string
  name: string
}

export interface User {
  colonyname: string
  userid: string
  name: string
  email: string
  phone: string
}

export interface Log {
  processid: string
  colonyname: string
  executorname: string
  message: string
  /** Unix time in nanoseconds (upstream UnixNano; exceeds 2^53, so JS numbers lose the last bits) */
  timestamp: number
}

export interface FunctionArg {
  name: string
  type: string
  description?: string
  required?: boolean
  enum?: string[]
}

/** upstream core.Function; named so it does not shadow the global `Function` type */
export interface ColonyFunction {
  functionid: string
  executorname: string
  executortype: string
  colonyname: string
  funcname: string
  description?: string
  args?: FunctionArg[]
  counter: number
  /** seconds (float) */
  minwaittime: number
  maxwaittime: number
  minexectime: number
  maxexectime: number
  avgwaittime: number
  avgexectime: number
  locationname?: string
}

/** Reply of getstatisticsmsg (server-wide) and getcolonystatsmsg (one colony; upstream sets colonies to 1). */
export interface Statistics {
  colonies: number
  executors: number
  activeexecutors: number
  unregisteredexecutors: number
  waitingprocesses: number
  runningprocesses: number
  successfulprocesses: number
  failedprocesses: number
  cancelledprocesses: number
  waitingworkflows: number
  runningworkflows: number
  successfulworkflows: number
  failedworkflows: number
  cancelledworkflows: number
}
export type ColonyStatistics = Statistics

/** One site of a colony, as `getsitesmsg` reports it (a colonynet message). */
export interface SiteInfo {
  nodeid: string
  name: string
  self: boolean
  connected: boolean
  /** ms since the epoch (0 = never) */
  lastseen: number
  /** per origin node: records this site lacked when it last told the answering node (heartbeat advert or sync) */
  behind: Record<string, number>
  /** ms its clock is ahead of the answering node's (estimated; null = not heard yet; absent on a lone node) */
  clockskew?: number | null
  /** executors attached there per executor type, as it last advertised (absent on a lone node) */
  executors?: Record<string, number>
}

export interface GraphNode {
  id: string
  data: { label: string }
  position: { x: number, y: number }
  type: string
  style: { color: string, background: string }
}

export interface Edge {
  id: string
  source: string
  target: string
  animated: boolean
}

export interface ProcessGraph {
  processgraphid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  rootprocessids: string[]
  state: ProcessStateValue | number
  submissiontime: GoTime
  starttime: GoTime
  endtime: GoTime
  processids: string[]
  nodes: GraphNode[]
  edges: Edge[]
}

export interface Cron {
  cronid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  name: string
  cronexpression: string
  /** seconds; -1 = use cronexpression */
  interval: number
  random: boolean
  nextrun: GoTime
  lastrun: GoTime
  /** the workflow spec as JSON text */
  workflowspec: string
  prevprocessgraphid: string
  waitforprevprocessgraph: boolean
  checkerperiod: number
}

export interface Generator {
  generatorid: string
  initiatorid: string
  initiatorname: string
  colonyname: string
  name: string
  /** the workflow spec as JSON text */
  workflowspec: string
  trigger: number
  /** seconds; ≤ 0 = never fire on timeout */
  timeout: number
  firstpack: GoTime
  lastrun: GoTime
  queuesize: number
  checkerperiod: number
}

export interface ServerInfo {
  buildversion: string
  buildtime: string
  backends: Array<{ type: string, port: number, host?: string, tls?: boolean, insecure?: boolean }>
}

/** Error reply payload. */
export interface Failure {
  status: number
  message: string
}
