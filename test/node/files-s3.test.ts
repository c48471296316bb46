/**
 * An S3 reference across two sites, end to end: a client at site A uploads content to a
 * real S3-compatible server (s3rver on loopback) and records the file with an "s3" ref,
 * as upstream's clients do; a client at site B reads the metadata from its own node,
 * downloads the object the ref names, and the content's SHA-256 is the file's checksum.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { randomBytes } from 'node:crypto'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { contentChecksum, S3Client, s3ForObject } from '../../src/client/s3.js'
import { addExecutor, eventually } from '../helpers/colony-node.js'
import { type Federation, startFederation, type Site } from '../helpers/federation.js'
import { startS3, type TestS3 } from '../helpers/s3-server.js'

let fed: Federation
let s3: TestS3
const site = (i: number): Site => fed.sites[i] as Site

test.before(async () => {
  s3 = await startS3()
  fed = await startFederation(2)
})
test.after(async () => {
  await fed.stop()
  await s3.stop()
})

test('uploaded to S3 and recorded at A, read at B from its own node and downloaded with the ref: the checksum matches', async () => {
  const writer = await addExecutor(site(0).node.url, fed.colony, fed.owner, 'uploader')
  const atA = new ColoniesClient({ url: site(0).node.url, prvkey: writer.prv })
  const atB = new ColoniesClient({ url: site(1).node.url, prvkey: fed.user.prv })

  // client A: the upload, then the metadata (pycolonies' upload_data: a random object name, no keys in the ref)
  const content = randomBytes(200_000)
  const object = randomBytes(32).toString('hex')
  const upload = new S3Client({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey })
  await upload.ensureBucket('colonies-files')
  await upload.putObject('colonies-files', object, content)
  const added = await atA.addFile({
    colonyname: fed.colony,
    label: '/datasets',
    name: 'sample.bin',
    size: content.length,
    checksum: contentChecksum(content),
    ref: { protocol: 's3', s3object: { server: s3.host, port: s3.port, tls: false, region: '', object, bucket: 'colonies-files' } }
  })
  assert.is(added.ref.protocol, 's3')

  // client B, at the other site
  const [file] = await eventually(async () => {
    const found = await atB.getLatestFileByName(fed.colony, '/datasets', 'sample.bin').catch(() => [])
    return found.length === 1 ? found : undefined
  }, 'site B to hold the file')
  assert.ok(file !== undefined)
  assert.is(file.fileid, added.fileid)
  const { client, bucket, key } = s3ForObject(file.ref.s3object, { accessKey: s3.accessKey, secretKey: s3.secretKey })
  const downloaded = await client.getObject(bucket, key)
  assert.is(downloaded.length, file.size)
  assert.is(contentChecksum(downloaded), file.checksum)
  assert.ok(Buffer.from(downloaded).equals(content))
})

test.run()
