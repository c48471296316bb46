/** How the views show states, times and ids. */

export const PROCESS_STATES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const
export const EXECUTOR_STATES = ['PENDING', 'APPROVED', 'REJECTED', 'UNREGISTERED'] as const

export const processState = (s: number): string => PROCESS_STATES[s] ?? (s === -1 ? 'REMOVED' : `STATE ${s}`)
export const executorState = (s: number): string => EXECUTOR_STATES[s] ?? `STATE ${s}`

const GO_ZERO = '0001-01-01T00:00:00Z'

/** ms since the epoch from Go's RFC 3339 text (0 for Go's zero time) or from ms. */
export function toMs (t: string | number): number {
  if (typeof t === 'number') return t
  if (t === '' || t === GO_ZERO) return 0
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? 0 : ms
}

/** Local date and time; "—" for never. */
export function when (t: string | number): string {
  const ms = toMs(t)
  if (ms <= 0) return '—'
  const d = new Date(ms)
  const today = new Date().toDateString() === d.toDateString()
  return today ? d.toLocaleTimeString() : d.toLocaleString()
}

/** "3 s ago", "5 min ago"; "never" for 0. */
export function ago (t: string | number, now = Date.now()): string {
  const ms = toMs(t)
  if (ms <= 0) return 'never'
  const s = Math.round((now - ms) / 1000)
  if (s < 2) return 'just now'
  if (s < 90) return `${s} s ago`
  if (s < 5400) return `${Math.round(s / 60)} min ago`
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86_400)} days ago`
}

/** A duration in ms as "1.2 s", "340 ms", "3 min". */
export function duration (ms: number): string {
  const a = Math.abs(ms)
  if (a < 1000) return `${Math.round(ms)} ms`
  if (a < 120_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.round(ms / 60_000)} min`
}

export const shortId = (id: string): string => id === '' ? '—' : `${id.slice(0, 10)}…`

export const count = (n: number): string => n.toLocaleString('en-US')

/** Bytes as "812 KiB", "3.4 MiB", "250 MiB", "1.2 GiB". */
export function bytes (n: number): string {
  if (n < 2 ** 20) return `${Math.round(n / 1024)} KiB`
  if (n < 2 ** 30) return n < 10 * 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${Math.round(n / 2 ** 20)} MiB`
  return `${(n / 2 ** 30).toFixed(1)} GiB`
}

/** A span of seconds in its largest whole unit: "7 days", "1 h", "30 min", "45 s". */
export function seconds (s: number): string {
  if (s >= 86_400 && s % 86_400 === 0) return `${s / 86_400} day${s === 86_400 ? '' : 's'}`
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`
  return `${s} s`
}

export function json (v: unknown): string {
  return JSON.stringify(v, null, 2)
}

/** Longest arguments text shown in a list (the whole of it is the cell's title). */
const ARGS_SHOWN = 80

/**
 * A process's arguments as one line: each positional one as JSON ("hello", 3, [1,2]), then
 * the keyword ones as name=JSON; "" when it has none. Cut to ARGS_SHOWN characters.
 */
export function argsText (args: readonly unknown[] | undefined, kwargs?: Readonly<Record<string, unknown>>): { short: string, full: string } {
  const parts = (args ?? []).map(a => JSON.stringify(a) ?? String(a))
  for (const [k, v] of Object.entries(kwargs ?? {})) parts.push(`${k}=${JSON.stringify(v) ?? String(v)}`)
  const full = parts.join(' ')
  return { short: full.length > ARGS_SHOWN ? `${full.slice(0, ARGS_SHOWN - 1)}…` : full, full }
}
