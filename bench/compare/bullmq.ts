/** The central-queue baseline: BullMQ on one Redis, workers and client in their own processes. */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Children } from './children.js'
import { assertLoopback } from './loopback.js'
import type { System } from './workload.js'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

export interface RedisAddress {
  readonly host: string
  readonly port: number
  /** the server's pid when this machine started it (for its peak RSS) */
  readonly pid?: number
  stop: () => Promise<void>
}

export const BULLMQ = 'BullMQ, one Redis'

export function bullmqSystem (children: Children, redis: RedisAddress, nodeArgs: (role: string) => string[] = () => []): System {
  assertLoopback('Redis', redis.host)
  const queue = `compare-${process.pid}-${Date.now()}`
  const conn = { host: redis.host, port: redis.port, queue }
  return {
    label: BULLMQ,
    servers: redis.pid === undefined ? [] : [{ role: 'redis-server', pid: redis.pid }],
    latencyWorker: 0,
    workers: (indices, mode, name) =>
      children.fixture(`BullMQ ${name}`, join(fixtures, 'bullmq-worker.ts'), { ...conn, workers: indices.length, mode }, nodeArgs(`${BULLMQ} ${name}`)),
    client: name => children.fixture(`BullMQ ${name}`, join(fixtures, 'bullmq-client.ts'), conn, nodeArgs(`${BULLMQ} ${name}`)),
    stop: redis.stop
  }
}
