/**
 * What `/health` (and so `colonies node status` and the dashboard) says of duplicate
 * executions: processes that ran more than once because both sides of a partition
 * claimed them (protocol/duplicates.ts), counted from the fold's records.
 */

/** How many process ids `/health` lists; `colonies process get` shows each one's runs. */
export const DUPLICATES_LISTED = 20

export interface DuplicatesHealth {
  /** processes that ran more than once */
  readonly processes: number
  /** executions beyond the one that won each attempt */
  readonly executions: number
  /** the first DUPLICATES_LISTED such processes, by id */
  readonly listed: string[]
}

export function duplicatesHealth (list: ReadonlyArray<{ processid: string, n: number }>): DuplicatesHealth {
  let executions = 0
  for (const d of list) executions += d.n
  return {
    processes: list.length,
    executions,
    listed: list.map(d => d.processid).sort().slice(0, DUPLICATES_LISTED)
  }
}
