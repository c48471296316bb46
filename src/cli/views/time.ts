/**
 * Times as people read them in a table: Go's RFC 3339 wire text → "2026-11-29 04:05:06"
 * in UTC; Go's zero time (never) → "-". Durations in seconds → "1.2s", "3m04s".
 */
import { GO_ZERO_TIME } from '../../protocol/wire-types.js'

export function formatTime (goTime: string | undefined): string {
  if (goTime === undefined || goTime === '' || goTime === GO_ZERO_TIME || goTime.startsWith('0001-')) return '-'
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(goTime)
  return m === null ? goTime : `${m[1]} ${m[2]}`
}

export function formatSeconds (sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '-'
  if (sec < 60) return `${sec < 10 ? sec.toFixed(2) : sec.toFixed(1)}s`
  const m = Math.floor(sec / 60)
  const s = Math.round(sec - m * 60)
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/** Seconds between two Go times, or undefined when either is unset. */
export function secondsBetween (from: string, to: string): number | undefined {
  if (formatTime(from) === '-' || formatTime(to) === '-') return undefined
  const ms = Date.parse(to) - Date.parse(from)
  return Number.isFinite(ms) ? ms / 1000 : undefined
}
