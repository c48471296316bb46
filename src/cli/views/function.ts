/**
 * Functions for people (`function ls`): as upstream, one row per (executor type,
 * funcname), summed over the executors that offer it.
 */
import type { ColonyFunction } from '../../protocol/wire-types.js'
import { renderTable } from '../table.js'
import { formatSeconds } from './time.js'

export interface FunctionSummary {
  funcname: string
  executortype: string
  executors: number
  calls: number
  minwaittime: number
  maxwaittime: number
  avgwaittime: number
  minexectime: number
  maxexectime: number
  avgexectime: number
}

export function summarizeFunctions (functions: readonly ColonyFunction[]): FunctionSummary[] {
  const byKey = new Map<string, FunctionSummary>()
  for (const f of functions) {
    const key = `${f.executortype}\u0000${f.funcname}`
    const s = byKey.get(key)
    if (s === undefined) {
      byKey.set(key, {
        funcname: f.funcname,
        executortype: f.executortype,
        executors: 1,
        calls: f.counter,
        minwaittime: f.minwaittime,
        maxwaittime: f.maxwaittime,
        avgwaittime: f.avgwaittime,
        minexectime: f.minexectime,
        maxexectime: f.maxexectime,
        avgexectime: f.avgexectime
      })
      continue
    }
    const calls = s.calls + f.counter
    // averages weighted by calls (upstream halves pairwise, which skews with more than two)
    const avg = (a: number, b: number): number => calls === 0 ? 0 : (a * s.calls + b * f.counter) / calls
    s.avgwaittime = avg(s.avgwaittime, f.avgwaittime)
    s.avgexectime = avg(s.avgexectime, f.avgexectime)
    s.minwaittime = Math.min(s.minwaittime, f.minwaittime)
    s.maxwaittime = Math.max(s.maxwaittime, f.maxwaittime)
    s.minexectime = Math.min(s.minexectime, f.minexectime)
    s.maxexectime = Math.max(s.maxexectime, f.maxexectime)
    s.executors++
    s.calls = calls
  }
  return [...byKey.values()].sort((a, b) => a.executortype.localeCompare(b.executortype) || a.funcname.localeCompare(b.funcname))
}

export function functionsTable (summaries: readonly FunctionSummary[], colonyname: string): string {
  return renderTable([
    { header: 'FUNCNAME', value: s => s.funcname },
    { header: 'EXECUTOR TYPE', value: s => s.executortype },
    { header: 'EXECUTORS', value: s => String(s.executors), align: 'right' },
    { header: 'CALLS', value: s => String(s.calls), align: 'right' },
    { header: 'AVG WAIT', value: s => formatSeconds(s.avgwaittime), align: 'right' },
    { header: 'AVG EXEC', value: s => formatSeconds(s.avgexectime), align: 'right' }
  ], summaries, `No functions found in colony ${colonyname}`)
}
