/**
 * ColonyOS's matching of a process to an executor: executor type equal, executornames
 * empty, "*" or naming it, location empty or equal (case-insensitive). Resource requests
 * (cpu, mem) are compared with what the executor offers when it asks for work.
 */
import type { Conditions } from './spec.js'
import { parseCpu, parseMemory } from './quantity.js'

export interface MatchableExecutor {
  readonly executortype: string
  readonly executorname: string
  readonly locationname: string
}

export function executorMatches (c: Conditions, x: MatchableExecutor): boolean {
  if (c.executortype !== x.executortype) return false
  if (c.executornames.length > 0 && !c.executornames.includes('*') && !c.executornames.includes(x.executorname)) return false
  if (c.locationname !== '' && c.locationname.toLowerCase() !== x.locationname.toLowerCase()) return false
  return true
}

/** Offered resources, parsed once per assign request: millicores and bytes, 0 = not stated. */
export interface Offer {
  readonly cpu: number
  readonly mem: number
}

export function parseOffer (availablecpu: string, availablemem: string): Offer {
  return { cpu: parseCpu(availablecpu, 'availablecpu'), mem: parseMemory(availablemem, 'availablemem') }
}

/** A request fits when nothing is asked or the offer is unstated or large enough. */
export function resourcesFit (c: Conditions, offer: Offer): boolean {
  const cpu = c.cpu === '' ? 0 : parseCpu(c.cpu, 'conditions.cpu')
  const mem = c.mem === '' ? 0 : parseMemory(c.mem, 'conditions.mem')
  if (cpu > 0 && offer.cpu > 0 && cpu > offer.cpu) return false
  if (mem > 0 && offer.mem > 0 && mem > offer.mem) return false
  return true
}
