/** Colonies and statistics for people: `colony ls`, `colony stats`, `node status`. */
import type { Colony, Statistics } from '../../protocol/wire-types.js'
import { renderFields, renderTable } from '../table.js'

export function coloniesTable (colonies: readonly Colony[]): string {
  return renderTable([
    { header: 'NAME', value: c => c.name },
    { header: 'COLONYID', value: c => c.colonyid }
  ], colonies, 'No colonies found')
}

export function statisticsFields (s: Statistics, first: Array<[string, string]> = []): string {
  return renderFields([
    ...first,
    ['Executors', String(s.executors)],
    ['Active executors', String(s.activeexecutors)],
    ['Unregistered executors', String(s.unregisteredexecutors)],
    ['Waiting processes', String(s.waitingprocesses)],
    ['Running processes', String(s.runningprocesses)],
    ['Successful processes', String(s.successfulprocesses)],
    ['Failed processes', String(s.failedprocesses)],
    ['Cancelled processes', String(s.cancelledprocesses)],
    ['Waiting workflows', String(s.waitingworkflows)],
    ['Running workflows', String(s.runningworkflows)],
    ['Successful workflows', String(s.successfulworkflows)],
    ['Failed workflows', String(s.failedworkflows)],
    ['Cancelled workflows', String(s.cancelledworkflows)]
  ])
}
