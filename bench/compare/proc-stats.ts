/**
 * What a running process has used, from /proc (Linux): resident memory now and at its
 * peak (high-water mark), and CPU time so far (user + system).
 */
import { readFileSync } from 'node:fs'

function statusField (pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? undefined : Number(m[1]) / 1024
  } catch {
    return undefined
  }
}

/** Peak resident set of `pid` so far, MiB (VmHWM); undefined once it is gone. */
export const peakRssMiB = (pid: number): number | undefined => statusField(pid, 'VmHWM')

/** Resident set of `pid` now, MiB (VmRSS). */
export const rssMiB = (pid: number): number | undefined => statusField(pid, 'VmRSS')

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream build). */
const TICKS_PER_SECOND = 100

/** CPU seconds `pid` has used so far, user + system (all its threads); undefined once it is gone. */
export function cpuSeconds (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // fields after the command name, which may itself hold spaces and parentheses
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}
