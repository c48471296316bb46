/**
 * Why a node could not start, in words a user can act on: the port is taken, or another
 * node already holds the data directory. Anything else passes through unchanged.
 */
import { UsageError } from './errors.js'

function codes (err: unknown): string[] {
  const out: string[] = []
  let e = err as { code?: unknown, cause?: unknown } | undefined
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e.code === 'string') out.push(e.code)
    e = e.cause as typeof e
  }
  return out
}

export function explainNodeStartError (err: unknown, where: { dataDir: string, host: string, port: number }): unknown {
  const c = codes(err)
  if (c.includes('EADDRINUSE')) {
    return new UsageError(`port ${where.port} on ${where.host} is already in use (another node running?): stop it or pass --port`)
  }
  if (c.includes('EADDRNOTAVAIL')) {
    return new UsageError(`cannot listen on ${where.host}: no such local address; pass --host 127.0.0.1 or 0.0.0.0`)
  }
  if (c.includes('LEVEL_LOCKED')) {
    return new UsageError(`the data directory ${where.dataDir} is in use by a running node: stop that node first, or pass another --data`)
  }
  if (c.includes('EACCES')) {
    return new UsageError(`permission denied starting a node on ${where.host}:${where.port} with data in ${where.dataDir}`)
  }
  return err
}
