/**
 * Why a node could not start, in words a user can act on: the port is taken or needs
 * privileges, another node already holds the data directory, the data directory is a
 * file or cannot be written (naming the path the system refused). Anything else passes
 * through unchanged.
 */
import { UsageError } from './errors.js'

interface SystemError { code?: unknown, path?: unknown, syscall?: unknown, cause?: unknown }

/** The error and its causes, outermost first. */
function chain (err: unknown): SystemError[] {
  const out: SystemError[] = []
  let e = err as SystemError | undefined
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    out.push(e)
    e = e.cause as SystemError | undefined
  }
  return out
}

export function explainNodeStartError (err: unknown, where: { dataDir: string, host: string, port: number }): unknown {
  const errors = chain(err)
  // the node would have changed operator: the message says which setting to change
  if ((err as Error | undefined)?.name === 'OperatorChangeError') return new UsageError((err as Error).message)
  const find = (...codes: string[]): SystemError | undefined => errors.find(e => typeof e.code === 'string' && codes.includes(e.code))
  if (find('EADDRINUSE') !== undefined) {
    return new UsageError(`port ${where.port} on ${where.host} is already in use (another node running?): stop it or pass --port`)
  }
  if (find('EADDRNOTAVAIL') !== undefined) {
    return new UsageError(`cannot listen on ${where.host}: no such local address; pass --host 127.0.0.1 or 0.0.0.0`)
  }
  if (find('LEVEL_LOCKED') !== undefined) {
    return new UsageError(`the data directory ${where.dataDir} is in use by a running node: stop that node first, or pass another --data`)
  }
  const notDir = find('EEXIST', 'ENOTDIR')
  if (notDir !== undefined) {
    const path = typeof notDir.path === 'string' ? notDir.path : where.dataDir
    return new UsageError(`--data ${where.dataDir} cannot be a data directory: ${path} is a file. Pass --data with a directory (it is created if missing)`)
  }
  const denied = find('EACCES', 'EPERM')
  if (denied !== undefined) {
    if (denied.syscall === 'listen' || denied.syscall === 'bind') {
      return new UsageError(`permission denied listening on ${where.host}:${where.port} (ports below 1024 need privileges): pass --port 1024 or higher`)
    }
    const path = typeof denied.path === 'string' ? denied.path : where.dataDir
    const op = typeof denied.syscall === 'string' ? ` (${denied.syscall})` : ''
    return new UsageError(`permission denied on ${path}${op}: this user cannot write the data directory ${where.dataDir}; ` +
      'fix its permissions or pass another --data')
  }
  return err
}
