/** Crons for people: `cron ls` and `cron get`. */
import type { Cron } from '../../protocol/wire-types.js'
import { renderFields, renderTable } from '../table.js'
import { formatTime } from './time.js'
import { workflowSpecSection } from './workflow.js'

/** "0 0 * * * *", "every 60s" or "every 60s (random)" */
export function scheduleText (c: Cron): string {
  if (c.cronexpression !== '') return c.cronexpression
  if (c.interval > 0) return `every ${c.interval}s${c.random ? ' (random)' : ''}`
  return '-'
}

export function cronsTable (crons: readonly Cron[], colonyname: string): string {
  return renderTable([
    { header: 'ID', value: c => c.cronid },
    { header: 'NAME', value: c => c.name },
    { header: 'SCHEDULE', value: scheduleText },
    { header: 'NEXT RUN', value: c => formatTime(c.nextrun) },
    { header: 'LAST RUN', value: c => formatTime(c.lastrun) },
    { header: 'INITIATOR', value: c => c.initiatorname }
  ], crons, `No crons found in colony ${colonyname}`)
}

/** `prevState`: the state name of the cron's last workflow, when it could be read. */
export function cronDetail (c: Cron, prevState?: string): string {
  const prev = c.prevprocessgraphid === '' ? '-' : `${c.prevprocessgraphid}${prevState === undefined ? '' : ` (${prevState})`}`
  return [
    renderFields([
      ['Id', c.cronid],
      ['Name', c.name],
      ['Colony', c.colonyname],
      ['Initiator', `${c.initiatorname} (${c.initiatorid})`],
      ['Cron expression', c.cronexpression || '-'],
      ['Interval', c.interval > 0 ? `${c.interval}s` : '-'],
      ['Random', c.random ? 'yes' : 'no'],
      ['Wait for previous', c.waitforprevprocessgraph ? 'yes' : 'no'],
      ['Next run', formatTime(c.nextrun)],
      ['Last run', formatTime(c.lastrun)],
      ['Previous workflow', prev],
      ['Checker period', c.checkerperiod > 0 ? `${c.checkerperiod} ms` : '-']
    ], 'Cron'),
    workflowSpecSection(c.workflowspec)
  ].join('\n\n')
}
