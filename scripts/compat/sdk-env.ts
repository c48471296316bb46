/**
 * The identities and environment the official SDKs' suites expect, as their own CI sets
 * them (colonies-ts .github/workflows/node.yml, pycolonies .github/workflows/python.yml):
 * a server owner key, a colony "test" with its owner key, and an executor "test-executor"
 * of type "cli". These keys are the SDKs' published test keys, not secrets.
 */

export const SDK = {
  serverPrvkey: 'fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d',
  colonyName: 'test',
  colonyId: '4787a5071856a4acf702b2ffcea422e3237a679c681314113d86139461290cf4',
  colonyPrvkey: 'ba949fa134981372d6da62b6a56f336ab4d843b22c02a4257dcf7d0d73097514',
  executorId: '3fc05cf3df4b494e95d6a3d297a34f19938f7daa7422ab0d4f794454133341ac',
  executorPrvkey: 'ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05',
  executorName: 'test-executor',
  executorType: 'cli'
} as const

/**
 * pycolonies' test/colonies_test.py connects to port 50080 whatever its environment says
 * (`Colonies(test_colony_host, 50080, …)`), so its node listens there; colonies-ts reads
 * COLONIES_SERVER_PORT, so its node takes a free port.
 */
export const PYCOLONIES_PORT = 50080

/** An S3-compatible server for pycolonies' upload and download tests, as its CI's minio. */
export interface S3Endpoint { readonly endpoint: string, readonly accessKey: string, readonly secretKey: string, readonly bucket: string }

/**
 * Our environment without anything that would point a suite elsewhere: every COLONIES_*,
 * TEST_COLONY_* and AWS_* variable (colonies-ts prefers COLONIES_SERVER_HTTP_PORT and the
 * like over the ones set here).
 */
function baseEnv (): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(COLONIES_|TEST_COLONY_|AWS_)/.test(k)))
}

/** What both SDKs' CIs give their suites: the node, and the colony and executor the setup makes. */
function sdkEnv (host: string, port: number): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    COLONIES_SERVER_HOST: host,
    COLONIES_SERVER_PORT: String(port),
    COLONIES_SERVER_PRVKEY: SDK.serverPrvkey,
    COLONIES_COLONY_NAME: SDK.colonyName,
    COLONIES_COLONY_ID: SDK.colonyId,
    COLONIES_COLONY_PRVKEY: SDK.colonyPrvkey,
    COLONIES_EXECUTOR_ID: SDK.executorId,
    COLONIES_PRVKEY: SDK.executorPrvkey,
    COLONIES_EXECUTOR_TYPE: SDK.executorType
  }
}

/** The environment colonies-ts's CI gives `npm run test:integration`. */
export function tsEnv (host: string, port: number): NodeJS.ProcessEnv {
  return { ...sdkEnv(host, port), COLONIES_SERVER_TLS: 'false' }
}

/**
 * The environment pycolonies' CI gives its setup script and tests, plus TEST_COLONY_HOST
 * (colonies_test.py's host). CFSLIB only when the prebuilt library is there; the AWS_S3_*
 * variables only with an S3 server.
 */
export function pyEnv (host: string, port: number, opts: { cryptolib?: string, cfslib?: string, s3?: S3Endpoint, pythonpath?: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...sdkEnv(host, port),
    COLONIES_TLS: 'false',
    COLONIES_EXECUTOR_NAME: SDK.executorName,
    TEST_COLONY_HOST: host,
    TEST_COLONY_PRVKEY: SDK.serverPrvkey,
    PYTHONDONTWRITEBYTECODE: '1'
  }
  if (opts.cryptolib !== undefined) env.CRYPTOLIB = opts.cryptolib
  if (opts.cfslib !== undefined) env.CFSLIB = opts.cfslib
  if (opts.pythonpath !== undefined) env.PYTHONPATH = [opts.pythonpath, process.env.PYTHONPATH].filter(Boolean).join(':')
  if (opts.s3 !== undefined) {
    Object.assign(env, {
      AWS_S3_ENDPOINT: opts.s3.endpoint,
      AWS_S3_ACCESSKEY: opts.s3.accessKey,
      AWS_S3_SECRETKEY: opts.s3.secretKey,
      AWS_S3_TLS: 'false',
      AWS_S3_SKIPVERIFY: 'false',
      AWS_S3_BUCKET: opts.s3.bucket
    })
  }
  return env
}
