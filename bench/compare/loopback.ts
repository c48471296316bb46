/**
 * The comparison floods whatever it is pointed at with jobs and measures this machine:
 * it refuses any address that is not this machine's loopback.
 */
import { isIP } from 'node:net'

export class NotLoopbackError extends Error {
  constructor (what: string, host: string) {
    super(`${what} is at ${host}, not on loopback: the comparison runs only against 127.0.0.0/8 or ::1 on this machine`)
    this.name = 'NotLoopbackError'
  }
}

export function isLoopback (host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.')
  return false
}

/** Throws NotLoopbackError unless `url` (or a bare host) names a loopback address. */
export function assertLoopback (what: string, url: string): void {
  const host = url.includes('://') ? new URL(url).hostname : url
  if (!isLoopback(host)) throw new NotLoopbackError(what, host)
}
