/**
 * Key layout of the level store. Keys sort as text, so numbers are zero-padded and
 * parts are joined with NUL (names never contain it: the boundary refuses control
 * characters).
 */
export const SEP = '\x00'
/** An upper bound for a prefix range: sorts after every key that starts with the prefix + SEP. */
export const END = '\x01'

export function pad (n: number, width: number): string {
  return Math.trunc(n).toString().padStart(width, '0')
}

export function batchKey (origin: string, seq: number): string {
  return origin + SEP + pad(seq, 12)
}

/** The origin and sequence a batchKey() names. */
export function splitBatchKey (key: string): { origin: string, seq: number } {
  const at = key.lastIndexOf(SEP)
  return { origin: key.slice(0, at), seq: Number(key.slice(at + 1)) }
}

/** Priority times may be negative (priority up to 50,000 days): shift them into 0…2·10¹⁴. */
export function priorityPart (prioritytime: number): string {
  return pad(prioritytime + 1e14, 15)
}

export function queueKey (colony: string, executortype: string, prioritytime: number, submitkey: string): string {
  return colony + SEP + executortype + SEP + priorityPart(prioritytime) + SEP + submitkey
}

export function queuePrefix (colony: string, executortype: string): string {
  return colony + SEP + executortype + SEP
}

/**
 * Processes by state: waiting and running ones by submission time, settled ones by end
 * time (lists show the latest to end first).
 */
export function stateKey (colony: string, state: number, time: number, processid: string): string {
  return colony + SEP + state + SEP + pad(time, 15) + SEP + processid
}

/** Processes of any state by submission time. */
export function submitKey (colony: string, submissiontime: number, processid: string): string {
  return colony + SEP + pad(submissiontime, 15) + SEP + processid
}

export function statePrefix (colony: string, state: number): string {
  return colony + SEP + state + SEP
}

export function logKey (processid: string, timestamp: number, id: string): string {
  return processid + SEP + pad(timestamp, 15) + SEP + id
}

/** Units away from memory by colony and last record: the ones a colony-level record may reach. */
export function unitLastKey (colony: string, lastKey: string, unitid: string): string {
  return colony + SEP + lastKey + SEP + unitid
}

export function unitLastPrefix (colony: string): string {
  return colony + SEP
}

export function graphStateKey (colony: string, state: number, submissiontime: number, graphid: string): string {
  return colony + SEP + state + SEP + pad(submissiontime, 15) + SEP + graphid
}

/** Removed units by colony and removal time (ms). */
export function removedKey (colony: string, removedat: number, unitid: string): string {
  return colony + SEP + pad(removedat, 15) + SEP + unitid
}
