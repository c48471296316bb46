/**
 * `colonies fs sync --driver s3` against a real S3-compatible server (s3rver on loopback)
 * and a real node: content goes to the bucket, files are recorded with ref "s3" as
 * upstream's CLI records them (endpoint host:port, port -1, no keys in the ledger), and a
 * sync into an empty directory brings the bytes back from S3. With AWS_S3_ENDPOINT set, S3
 * is the default and --driver colonynet overrides it; an object changed behind the
 * colony's back fails its checksum and is not written.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ColoniesClient } from '../../src/client/index.js'
import { S3Client } from '../../src/client/s3.js'
import { cli, colonyEnv, type Env } from '../helpers/cli.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'
import { startS3, type TestS3 } from '../helpers/s3-server.js'

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')
const BUCKET = 'colonies-test'

let tc: TestColony
let s3: TestS3
let env: Env
let user: ColoniesClient
let tmp: string

test.before(async () => {
  s3 = await startS3()
  tc = await startColony({ executors: 0 })
  env = colonyEnv(tc, {
    AWS_S3_ENDPOINT: `${s3.host}:${s3.port}`,
    AWS_S3_ACCESSKEY: s3.accessKey,
    AWS_S3_SECRETKEY: s3.secretKey,
    AWS_S3_REGION: '',
    AWS_S3_TLS: 'false',
    AWS_S3_BUCKET: BUCKET
  })
  user = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
  tmp = await mkdtemp(join(tmpdir(), 'colonynet-fs-s3-'))
})
test.after(async () => {
  await tc.stop()
  await s3.stop()
  await rm(tmp, { recursive: true, force: true })
})

test('fs sync --driver s3: objects in the bucket, files recorded with ref s3, synced back from S3 byte for byte', async () => {
  const src = join(tmp, 'src')
  const big = randomBytes(700_000)
  await mkdir(join(src, 'raw'), { recursive: true })
  await writeFile(join(src, 'table.csv'), 'a,b\n1,2\n')
  await writeFile(join(src, 'raw', 'blob.bin'), big)
  await writeFile(join(src, 'empty'), '')
  const up = await cli(['fs', 'sync', '-l', '/s3data', '-d', src, '--driver', 's3', '--yes'], env, 60_000)
  assert.is(up.code, 0, up.stderr)
  assert.match(up.stdout, /uploaded 3 files/)

  const [blob] = await user.getLatestFileByName(tc.colony, '/s3data/raw', 'blob.bin')
  assert.ok(blob !== undefined)
  assert.is(blob.ref.protocol, 's3')
  assert.is(blob.checksum, sha(big))
  const o = blob.ref.s3object
  assert.equal([o.server, o.port, o.tls, o.bucket, o.accesskey, o.secretkey], [`${s3.host}:${s3.port}`, -1, false, BUCKET, '', ''])
  assert.match(o.object, /^[0-9a-f]{64}$/)
  const direct = new S3Client({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey })
  assert.ok(Buffer.from(await direct.getObject(BUCKET, o.object)).equals(big), 'the object holds the content')
  assert.is(tc.node.blobs.stats().blobs, 0, 'nothing went to the blob store')

  const dst = join(tmp, 'dst')
  const down = await cli(['fs', 'sync', '-l', '/s3data', '-d', dst, '--yes', '--json'], env, 60_000)
  assert.is(down.code, 0, down.stderr)
  assert.is((JSON.parse(down.stdout) as { downloaded: unknown[] }).downloaded.length, 3)
  assert.ok((await readFile(join(dst, 'raw', 'blob.bin'))).equals(big))
  assert.is(await readFile(join(dst, 'table.csv'), 'utf8'), 'a,b\n1,2\n')
  assert.is(await readFile(join(dst, 'empty'), 'utf8'), '')

  const got = await cli(['fs', 'get', '-l', '/s3data/raw', '-n', 'blob.bin', '-d', join(tmp, 'got')], env)
  assert.is(got.code, 0, got.stderr)
  assert.ok((await readFile(join(tmp, 'got', 'blob.bin'))).equals(big))
})

test('with AWS_S3_ENDPOINT set S3 is the default; --driver colonynet keeps content in the blob store', async () => {
  const d = join(tmp, 'mixed')
  await mkdir(d)
  await writeFile(join(d, 'one.txt'), 'to s3\n')
  assert.is((await cli(['fs', 'sync', '-l', '/mixed', '-d', d, '--yes'], env)).code, 0)
  await writeFile(join(d, 'two.txt'), 'to the sites\n')
  assert.is((await cli(['fs', 'sync', '-l', '/mixed', '-d', d, '--driver', 'colonynet', '--yes'], env)).code, 0)
  const refs = await Promise.all(['one.txt', 'two.txt'].map(async n => (await user.getLatestFileByName(tc.colony, '/mixed', n))[0]?.ref.protocol))
  assert.equal(refs, ['s3', 'colonynet'])
  // one sync brings both back, each from where it is
  const back = join(tmp, 'mixed-back')
  const r = await cli(['fs', 'sync', '-l', '/mixed', '-d', back, '--yes'], env)
  assert.is(r.code, 0, r.stderr)
  assert.equal((await readdir(back)).sort(), ['.cfs', 'one.txt', 'two.txt'])
  assert.is(await readFile(join(back, 'two.txt'), 'utf8'), 'to the sites\n')

  const noBucket = await cli(['fs', 'sync', '-l', '/mixed', '-d', join(tmp, 'src'), '--yes'], { ...env, AWS_S3_BUCKET: '' })
  assert.is(noBucket.code, 2, noBucket.stderr)
  assert.match(noBucket.stderr, /^Error: AWS_S3_BUCKET is not set: export AWS_S3_BUCKET=<bucket> to upload to S3, or pass --driver colonynet/)
})

test('an S3 object changed behind the colony\'s back fails its checksum and is not written', async () => {
  const [file] = await user.getLatestFileByName(tc.colony, '/s3data', 'table.csv')
  const direct = new S3Client({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey })
  await direct.putObject(BUCKET, file?.ref.s3object.object as string, new TextEncoder().encode('tampered\n'))
  const into = join(tmp, 'tampered')
  const r = await cli(['fs', 'get', '-l', '/s3data', '-n', 'table.csv', '-d', into], env)
  assert.is(r.code, 1, r.stderr)
  assert.match(r.stderr, new RegExp(`^Error: table\\.csv: the S3 object ${BUCKET}/[0-9a-f]{64} hashes to ${sha('tampered\n')}, not to the recorded ${file?.checksum as string}\n$`))
  assert.equal(await readdir(into), [])
})

test.run()
