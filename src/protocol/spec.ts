/**
 * ColonyOS function and workflow specs (pkg/core/function_spec.go, workerflow_spec.go),
 * validated at the boundary with the readers of json.ts (Go's encoding/json rules, stricter
 * on types), and written back as upstream writes them. Field names are upstream's JSON names.
 *
 * Defaults found upstream:
 * - CreateEmptyFunctionSpec: maxexectime -1, maxretries -1, empty args/kwargs/env.
 * - ConvertJSONToFunctionSpec (CLI `function submit --spec`): maxwaittime and maxexectime
 *   0 or missing → -1; maxretries missing → 0. The workflow path also turns maxexectime 0
 *   into -1. On the raw RPC a missing field is simply 0.
 * We apply: maxwaittime/maxexectime missing or 0 → -1 (0 means "no limit" everywhere
 * upstream except one bug where maxexectime 0 times a process out at once), maxretries
 * missing → DEFAULT_MAXRETRIES = 0 (what a spec file without it gets upstream: no retries;
 * the CLI's flags and the dashboard's form use the same default), everything else the Go
 * zero value.
 */
import { DEFAULT_MAXRETRIES } from './defaults.js'
import { ValidationError } from './errors.js'
import {
  expectObject, getField, joinPath, type JsonObject, type JsonValue, readBool, readInt, readJsonArray, readJsonObject,
  readNonEmptyString, readObjectArray, readQuantity, readString, readStringArray, readStringMap, toJsonValue
} from './json.js'

type Obj = Record<string, unknown>
const { cpu: readCpu, memory: readMemory } = readQuantity

export const MIN_PRIORITY = -50000
export const MAX_PRIORITY = 50000

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
    maxretries: readInt(o, 'maxretries', path, -1, Number.MAX_SAFE_INTEGER, DEFAULT_MAXRETRIES),
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
