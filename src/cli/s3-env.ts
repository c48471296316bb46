/**
 * Upstream's S3 settings (pkg/fs/s3.go): AWS_S3_ENDPOINT ("host:port"), AWS_S3_ACCESSKEY,
 * AWS_S3_SECRETKEY, AWS_S3_REGION, AWS_S3_TLS and AWS_S3_SKIPVERIFY ("true" or not),
 * AWS_S3_BUCKET. With an endpoint set, `fs sync` uploads to S3 unless told `--driver
 * colonynet`; S3 downloads use these keys over the ones a file's ref may hold.
 */
import type { S3Settings } from '../client/fs/index.js'
import type { Driver } from '../client/fs/index.js'
import { InvalidSettingError, UsageError } from './errors.js'

type Env = Record<string, string | undefined>

function flag (env: Env, name: string): boolean {
  const v = (env[name] ?? '').trim().toLowerCase()
  if (v === '' || v === 'false') return false
  if (v === 'true') return true
  throw new InvalidSettingError(name, `must be true or false, not ${JSON.stringify(env[name])}`)
}

/** The S3 settings, or undefined when AWS_S3_ENDPOINT is not set. */
export function s3FromEnv (env: Env): (S3Settings & { skipVerify: boolean }) | undefined {
  const endpoint = (env.AWS_S3_ENDPOINT ?? '').trim()
  if (endpoint === '') return undefined
  return {
    endpoint,
    accessKey: (env.AWS_S3_ACCESSKEY ?? '').trim(),
    secretKey: (env.AWS_S3_SECRETKEY ?? '').trim(),
    region: (env.AWS_S3_REGION ?? '').trim(),
    tls: flag(env, 'AWS_S3_TLS'),
    skipVerify: flag(env, 'AWS_S3_SKIPVERIFY'),
    bucket: (env.AWS_S3_BUCKET ?? '').trim()
  }
}

/** Where uploads go: --driver, else s3 when an endpoint is configured, else the sites' blob stores. */
export function uploadDriver (env: Env, flagValue: string | undefined): Driver {
  if (flagValue === 'colonynet' || flagValue === 's3') return flagValue
  return s3FromEnv(env) === undefined ? 'colonynet' : 's3'
}

/** The settings an upload to S3 needs, each missing one named. */
export function requireS3Upload (env: Env): S3Settings {
  const missing = (variable: string, what: string): UsageError => new UsageError(`${variable} is not set: export ${variable}=<${what}> to upload to S3, ` +
    'or pass --driver colonynet to keep the content in the sites\' blob stores')
  const s = s3FromEnv(env)
  if (s === undefined) throw missing('AWS_S3_ENDPOINT', 'host:port')
  if (s.bucket === '') throw missing('AWS_S3_BUCKET', 'bucket')
  if (s.accessKey === '') throw missing('AWS_S3_ACCESSKEY', 'access key')
  if (s.secretKey === '') throw missing('AWS_S3_SECRETKEY', 'secret key')
  return s
}
