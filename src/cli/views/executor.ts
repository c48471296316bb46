/** Executors for people: `executor ls` and `executor get`. */
import type { Executor } from '../../protocol/wire-types.js'
import { renderFields, renderTable } from '../table.js'
import { formatTime } from './time.js'

const EXECUTOR_STATES = ['Pending', 'Approved', 'Rejected', 'Unregistered']

export function executorStateName (state: number): string {
  return EXECUTOR_STATES[state] ?? `Unknown (${state})`
}

export function executorsTable (executors: readonly Executor[], colonyname: string): string {
  return renderTable([
    { header: 'NAME', value: e => e.executorname },
    { header: 'TYPE', value: e => e.executortype },
    { header: 'LOCATION', value: e => e.locationname ?? '' },
    { header: 'STATE', value: e => executorStateName(e.state) },
    { header: 'LAST HEARD FROM', value: e => formatTime(e.lastheardfromtime) },
    { header: 'ID', value: e => e.executorid }
  ], executors, `No executors found in colony ${colonyname}`)
}

export function executorDetail (e: Executor): string {
  const hw = e.capabilities?.hardware ?? []
  const sw = e.capabilities?.software ?? []
  return renderFields([
    ['Name', e.executorname],
    ['Id', e.executorid],
    ['Type', e.executortype],
    ['Colony', e.colonyname],
    ['State', executorStateName(e.state)],
    ['Location', (e.locationname ?? '') || '-'],
    ['Requires function registration', e.requirefuncreg ? 'yes' : 'no'],
    ['Commissioned', formatTime(e.commissiontime)],
    ['Last heard from', formatTime(e.lastheardfromtime)],
    ['Hardware', hw.map(h => [h.model, h.cpu, h.mem, h.gpu?.count > 0 ? `${h.gpu.count}x ${h.gpu.name}` : ''].filter(x => x !== '' && x !== undefined).join(' ')).join('; ') || '-'],
    ['Software', sw.map(s => `${s.name} ${s.version}`.trim()).join('; ') || '-']
  ], 'Executor')
}
