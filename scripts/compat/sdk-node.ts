/**
 * What a suite runs against: a fresh colonynet node (a lone site, as `colonies node start`
 * runs by default, in a new temporary data directory, its operator key the SDKs' server
 * key), and an S3-compatible server for the file tests when one is installed.
 */
import '../../src/node/polyfills.js'
import { appendFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ColonyNode } from '../../src/node/index.js'
import { SDK, type S3Endpoint } from './sdk-env.js'

export const HOST = '127.0.0.1'

export interface SdkNode {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  /** the node's log lines */
  readonly logFile: string
  /** with --tls: the certificate the node presents (the suites trust it) */
  readonly certFile?: string
  stop: (keep: boolean) => Promise<void>
}

function addressInUse (err: unknown): boolean {
  for (let e = err as { code?: unknown, cause?: unknown } | undefined, i = 0; e != null && i < 5; e = e.cause as typeof e, i++) {
    if (e.code === 'EADDRINUSE') return true
  }
  return false
}

/** A fresh node on `port` (0: a free one); throws saying so when the port is taken. */
export async function startSdkNode (port: number, label: string, tls?: { certFile: string, cert: string, key: string }): Promise<SdkNode> {
  const dataDir = await mkdtemp(join(tmpdir(), `colonynet-compat-${label}-`))
  const logFile = join(dataDir, 'node.log')
  const node = await ColonyNode.start({
    dataDir: join(dataDir, 'node'),
    host: HOST,
    port,
    operatorPrvkey: SDK.serverPrvkey,
    dashboard: false,
    ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
    log: line => appendFileSync(logFile, line + '\n')
  }).catch(async err => {
    await rm(dataDir, { recursive: true, force: true })
    if (addressInUse(err)) throw new Error(`port ${port} on ${HOST} is in use: stop what listens there (a node from \`colonies dev\`?) and run again`)
    throw err
  })
  return {
    url: node.url,
    port: node.port,
    dataDir,
    logFile,
    ...(tls === undefined ? {} : { certFile: tls.certFile }),
    stop: async keep => {
      await node.stop()
      if (!keep) await rm(dataDir, { recursive: true, force: true })
    }
  }
}

export interface S3Server extends S3Endpoint { stop: () => Promise<void> }

/** The name pycolonies' CI gives its bucket (AWS_S3_BUCKET). */
const BUCKET = 'test'

/**
 * s3rver (an npm package) on a free port with the bucket pycolonies' tests use, when it is
 * installed beside colonynet; otherwise the reason there is none.
 */
export async function startS3 (root: string): Promise<S3Server | { reason: string }> {
  let path: string
  try {
    path = createRequire(join(root, 'package.json')).resolve('s3rver')
  } catch {
    return { reason: 'no S3-compatible server: the npm package s3rver is not installed in node_modules' }
  }
  const { default: S3rver } = await import(pathToFileURL(path).href) as { default: new (o: object) => { run: () => Promise<{ port: number }>, close: () => Promise<void> } }
  const directory = await mkdtemp(join(tmpdir(), 'colonynet-compat-s3-'))
  const s3 = new S3rver({ address: HOST, port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] })
  const { port } = await s3.run()
  return {
    endpoint: `${HOST}:${port}`,
    // s3rver's fixed credentials
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    bucket: BUCKET,
    stop: async () => {
      await s3.close()
      await rm(directory, { recursive: true, force: true })
    }
  }
}
