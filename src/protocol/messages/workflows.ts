/**
 * Workflows (process graphs) and what starts them on a schedule: crons and generators,
 * which carry a workflow spec as JSON text.
 */
import { parseCronExpression } from '../cron.js'
import { ValidationError } from '../errors.js'
import { getField, joinPath, readBool, readId, readInt, readNonEmptyString, readString } from '../json.js'
import { type FunctionSpec, parseWorkflowSpec, parseWorkflowSpecText, type WorkflowSpec } from '../spec.js'
import { bool, child, count, id, MAX_COUNT, name, type Obj, type ParsersOf, removeAllState, ROOT, standaloneSpec, state, str } from './readers.js'

export interface CronInput {
  colonyname: string
  name: string
  cronexpression: string
  /** seconds > 0, or -1 to use cronexpression */
  interval: number
  random: boolean
  /** JSON text of a WorkflowSpec (validated) */
  workflowspec: string
  waitforprevprocessgraph: boolean
}

export interface GeneratorInput {
  colonyname: string
  name: string
  /** JSON text of a WorkflowSpec (validated) */
  workflowspec: string
  trigger: number
  /** seconds; ≤ 0 = never fire on timeout */
  timeout: number
}

// workflows
export interface SubmitWorkflowSpecMsg { msgtype: 'submitworkflowspecmsg', spec: WorkflowSpec }
export interface GetProcessGraphMsg { msgtype: 'getprocessgraphmsg', processgraphid: string }
export interface GetProcessGraphsMsg { msgtype: 'getprocessgraphsmsg', colonyname: string, count: number, state: number }
export interface RemoveProcessGraphMsg { msgtype: 'removeprocessgraphmsg', processgraphid: string, all: boolean }
export interface RemoveAllProcessGraphsMsg { msgtype: 'removeallprocessgraphsmsg', colonyname: string, state: number }
export interface CancelProcessGraphMsg { msgtype: 'cancelprocessgraphmsg', processgraphid: string }
export interface AddChildMsg {
  msgtype: 'addchildmsg'
  processgraphid: string
  parentprocessid: string
  /** "" = none; with insert false the new process becomes a parent of this one too */
  childprocessid: string
  spec: FunctionSpec
  /** true: the new node goes between the parent and its children; false: appended */
  insert: boolean
}

// cron
export interface AddCronMsg { msgtype: 'addcronmsg', cron: CronInput }
export interface GetCronMsg { msgtype: 'getcronmsg', cronid: string }
export interface GetCronsMsg { msgtype: 'getcronsmsg', colonyname: string, count: number }
export interface RunCronMsg { msgtype: 'runcronmsg', cronid: string }
export interface RemoveCronMsg { msgtype: 'removecronmsg', cronid: string, all: boolean }

// generators
export interface AddGeneratorMsg { msgtype: 'addgeneratormsg', generator: GeneratorInput }
export interface GetGeneratorMsg { msgtype: 'getgeneratormsg', generatorid: string }
export interface GetGeneratorsMsg { msgtype: 'getgeneratorsmsg', colonyname: string, count: number }
export interface ResolveGeneratorMsg { msgtype: 'resolvegeneratormsg', colonyname: string, generatorname: string }
export interface PackGeneratorMsg { msgtype: 'packgeneratormsg', generatorid: string, arg: string }
export interface RemoveGeneratorMsg { msgtype: 'removegeneratormsg', generatorid: string, all: boolean }

export type WorkflowMessage =
  | SubmitWorkflowSpecMsg | GetProcessGraphMsg | GetProcessGraphsMsg | RemoveProcessGraphMsg
  | RemoveAllProcessGraphsMsg | CancelProcessGraphMsg | AddChildMsg | AddCronMsg | GetCronMsg | GetCronsMsg
  | RunCronMsg | RemoveCronMsg | AddGeneratorMsg | GetGeneratorMsg | GetGeneratorsMsg | ResolveGeneratorMsg
  | PackGeneratorMsg | RemoveGeneratorMsg

/** A cron's or generator's workflow text, which must target the owner's colony. */
function embeddedWorkflow (o: Obj, path: string, colonyname: string): string {
  const text = readString(o, 'workflowspec', path)
  const field = joinPath(path, 'workflowspec')
  if (text === '') throw new ValidationError(field, 'is required')
  const wf = parseWorkflowSpecText(text, field)
  if (wf.colonyname !== colonyname) throw new ValidationError(joinPath(field, 'colonyname'), `must equal ${path}.colonyname`)
  return text
}

export const WORKFLOW_PARSERS: ParsersOf<WorkflowMessage> = {
  // workflows
  submitworkflowspecmsg: o => ({ spec: parseWorkflowSpec(getField(o, 'spec'), 'spec') }),
  getprocessgraphmsg: o => ({ processgraphid: id(o, 'processgraphid') }),
  getprocessgraphsmsg: o => ({ colonyname: name(o, 'colonyname'), count: count(o, MAX_COUNT), state: state(o) }),
  removeprocessgraphmsg: o => ({ processgraphid: id(o, 'processgraphid'), all: bool(o, 'all') }),
  removeallprocessgraphsmsg: o => ({ colonyname: name(o, 'colonyname'), state: removeAllState(o) }),
  cancelprocessgraphmsg: o => ({ processgraphid: id(o, 'processgraphid') }),
  addchildmsg: o => ({
    processgraphid: id(o, 'processgraphid'),
    parentprocessid: id(o, 'parentprocessid'),
    childprocessid: readId(o, 'childprocessid', ROOT, true),
    spec: standaloneSpec(o),
    insert: bool(o, 'insert')
  }),
  // cron
  addcronmsg: o => {
    const c = child(o, 'cron')
    const p = 'cron'
    const colonyname = readNonEmptyString(c, 'colonyname', p)
    const interval = readInt(c, 'interval', p, -1)
    if (interval === 0) throw new ValidationError('cron.interval', 'must be -1 (use cronexpression) or > 0 seconds')
    const cronexpression = readString(c, 'cronexpression', p)
    const random = readBool(c, 'random', p)
    if (interval === -1 && cronexpression === '') throw new ValidationError('cron.cronexpression', 'is required when interval is -1')
    if (interval === -1 && random) throw new ValidationError('cron.random', 'only works with an interval')
    // the schedule must be readable before the cron enters the ledger (cron.ts names the bad field)
    if (interval === -1) parseCronExpression(cronexpression)
    return {
      cron: {
        colonyname,
        name: readNonEmptyString(c, 'name', p),
        cronexpression,
        interval,
        random,
        workflowspec: embeddedWorkflow(c, p, colonyname),
        waitforprevprocessgraph: readBool(c, 'waitforprevprocessgraph', p)
      }
    }
  },
  getcronmsg: o => ({ cronid: id(o, 'cronid') }),
  getcronsmsg: o => ({ colonyname: name(o, 'colonyname'), count: count(o, MAX_COUNT) }),
  runcronmsg: o => ({ cronid: id(o, 'cronid') }),
  removecronmsg: o => ({ cronid: id(o, 'cronid'), all: bool(o, 'all') }),
  // generators
  addgeneratormsg: o => {
    const g = child(o, 'generator')
    const p = 'generator'
    const colonyname = readNonEmptyString(g, 'colonyname', p)
    return {
      generator: {
        colonyname,
        name: readNonEmptyString(g, 'name', p),
        workflowspec: embeddedWorkflow(g, p, colonyname),
        // upstream divides by trigger: 0 would never (or always) fire
        trigger: readInt(g, 'trigger', p, 1, Number.MAX_SAFE_INTEGER, 0),
        timeout: readInt(g, 'timeout', p, -1)
      }
    }
  },
  getgeneratormsg: o => ({ generatorid: id(o, 'generatorid') }),
  getgeneratorsmsg: o => ({ colonyname: name(o, 'colonyname'), count: count(o, MAX_COUNT) }),
  resolvegeneratormsg: o => ({ colonyname: name(o, 'colonyname'), generatorname: name(o, 'generatorname') }),
  packgeneratormsg: o => ({ generatorid: id(o, 'generatorid'), arg: str(o, 'arg') }),
  removegeneratormsg: o => ({ generatorid: id(o, 'generatorid'), all: bool(o, 'all') })
}
