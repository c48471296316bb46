/** Generators for people: `generator ls` and `generator get`. */
import type { Generator } from '../../protocol/wire-types.js'
import { renderFields, renderTable } from '../table.js'
import { formatTime } from './time.js'
import { workflowSpecSection } from './workflow.js'

function timeoutText (g: Generator): string {
  return g.timeout > 0 ? `${g.timeout}s` : 'none'
}

export function generatorsTable (generators: readonly Generator[], colonyname: string): string {
  return renderTable([
    { header: 'ID', value: g => g.generatorid },
    { header: 'NAME', value: g => g.name },
    { header: 'TRIGGER', value: g => String(g.trigger), align: 'right' },
    { header: 'TIMEOUT', value: timeoutText, align: 'right' },
    { header: 'QUEUE', value: g => String(g.queuesize), align: 'right' },
    { header: 'LAST RUN', value: g => formatTime(g.lastrun) },
    { header: 'INITIATOR', value: g => g.initiatorname }
  ], generators, `No generators found in colony ${colonyname}`)
}

export function generatorDetail (g: Generator): string {
  return [
    renderFields([
      ['Id', g.generatorid],
      ['Name', g.name],
      ['Colony', g.colonyname],
      ['Initiator', `${g.initiatorname} (${g.initiatorid})`],
      ['Trigger', `${g.trigger} pack${g.trigger === 1 ? '' : 's'}`],
      ['Timeout', timeoutText(g)],
      ['Queue size', String(g.queuesize)],
      ['First pack', formatTime(g.firstpack)],
      ['Last run', formatTime(g.lastrun)],
      ['Checker period', g.checkerperiod > 0 ? `${g.checkerperiod} ms` : '-']
    ], 'Generator'),
    workflowSpecSection(g.workflowspec)
  ].join('\n\n')
}
