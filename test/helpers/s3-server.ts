/**
 * A real S3-compatible server for tests: s3rver on 127.0.0.1 (ephemeral port, objects in a
 * temporary directory). It serves PutObject, GetObject, HeadObject, CreateBucket and the
 * rest over HTTP as S3 does; it accepts any Signature V4 without checking it (its V4 check
 * is unimplemented), so the signing itself is pinned by AWS's published example instead
 * (test/client/s3.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'

export interface TestS3 {
  readonly endpoint: string
  readonly host: string
  readonly port: number
  /** s3rver's built-in credentials */
  readonly accessKey: string
  readonly secretKey: string
  stop: () => Promise<void>
}

export async function startS3 (): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-s3-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir })
  const { port } = await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    stop: async () => {
      await server.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
