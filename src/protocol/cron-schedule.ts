/**
 * A cron record's schedule (cron.ts) with the record's own anchor and seed: the cron's
 * creation time anchors interval and `@every` ticks, its id seeds the random jitter, so
 * every site computes the same firing times for it.
 */
import { type CronSchedule, firesAt, latestDue, nextAfter, scheduleOfCron } from './cron.js'
import type { CronInfo } from './state.js'

const cache = new Map<string, CronSchedule>()

function scheduleOf (cron: CronInfo): CronSchedule {
  let s = cache.get(cron.cronid)
  if (s === undefined) {
    s = scheduleOfCron(cron)
    if (cache.size > 10_000) cache.clear()
    cache.set(cron.cronid, s)
  }
  return s
}

/** Whether `atMs` is one of the cron's scheduled firing times. */
export function isCronTick (cron: CronInfo, atMs: number): boolean {
  return atMs > cron.created && firesAt(scheduleOf(cron), atMs, cron.created, cron.cronid)
}

/** The cron's first firing time after `afterMs` (undefined: never, e.g. `0 0 0 30 2 *`). */
export function nextCronRun (cron: CronInfo, afterMs: number): number | undefined {
  return nextAfter(scheduleOf(cron), Math.max(Math.floor(afterMs / 1000) * 1000, Math.floor(cron.created / 1000) * 1000), cron.created, cron.cronid)
}

/**
 * The firing a site should write now: the latest scheduled time after `lastMs` (the last
 * firing it knows of) that is due at `nowMs`. Firing times missed while a site was down
 * are skipped; only the most recent one runs.
 */
export function dueCronRun (cron: CronInfo, lastMs: number, nowMs: number): number | undefined {
  const after = Math.max(Math.floor(lastMs / 1000) * 1000, Math.floor(cron.created / 1000) * 1000)
  const t = latestDue(scheduleOf(cron), after, Math.floor(nowMs / 1000) * 1000, cron.created, cron.cronid)
  return t !== undefined && t > cron.created ? t : undefined
}
