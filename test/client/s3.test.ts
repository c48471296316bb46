/**
 * The small S3 client (src/client/s3.ts): its Signature V4 against AWS's published example,
 * the endpoint a file's S3 reference names, and buckets and objects on a real
 * S3-compatible server (s3rver on loopback).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { S3Client, S3Error, s3Endpoint, s3ForObject, signV4, contentChecksum } from '../../src/client/s3.js'
import { startS3, type TestS3 } from '../helpers/s3-server.js'

let s3: TestS3

test.before(async () => { s3 = await startS3() })
test.after(async () => { await s3.stop() })

test('Signature V4 of AWS\'s example "GET Object" (S3 API reference, sig-v4-header-based-auth)', () => {
  const empty = contentChecksum('')
  const signed = signV4({
    method: 'GET',
    path: '/test.txt',
    headers: { Host: 'examplebucket.s3.amazonaws.com', Range: 'bytes=0-9', 'x-amz-content-sha256': empty, 'x-amz-date': '20130524T000000Z' },
    payloadHash: empty,
    amzDate: '20130524T000000Z',
    region: 'us-east-1',
    accessKey: 'AKIAIOSFODNN7EXAMPLE',
    secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
  })
  assert.is(signed.signedHeaders, 'host;range;x-amz-content-sha256;x-amz-date')
  assert.is(signed.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41')
  assert.is(signed.authorization, 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41')
})

test('the endpoint of an S3 reference: "host:port" with port -1 (Go client), host and port (pycolonies), a URL, TLS', () => {
  const o = { server: 'minio.local:9000', port: -1, tls: false }
  assert.is(s3Endpoint(o), 'http://minio.local:9000')
  assert.is(s3Endpoint({ server: 'minio.local', port: 9000, tls: true }), 'https://minio.local:9000')
  assert.is(s3Endpoint({ server: 'https://s3.example.com', port: 0, tls: true }), 'https://s3.example.com')
  assert.is(s3Endpoint({ server: 's3.example.com', port: 0, tls: true }), 'https://s3.example.com')
})

test('buckets and objects on a real S3 server: ensure (twice), put, head, get, delete; a missing object is a 404 S3Error', async () => {
  const c = new S3Client({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey })
  assert.not.ok(await c.bucketExists('colonynet-test'))
  await c.ensureBucket('colonynet-test')
  await c.ensureBucket('colonynet-test')
  assert.ok(await c.bucketExists('colonynet-test'))
  const key = 'dir/a file (1)+ü.bin'
  const data = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff)
  const etag = await c.putObject('colonynet-test', key, data)
  assert.match(etag, /^"[0-9a-f]{32}"$/)
  assert.equal(await c.headObject('colonynet-test', key), { size: data.length, etag, contentType: 'application/octet-stream' })
  assert.equal(await c.getObject('colonynet-test', key), data)
  const missing = await c.getObject('colonynet-test', 'nope').then(() => undefined, (err: unknown) => err)
  assert.ok(missing instanceof S3Error)
  assert.is(missing.status, 404)
  assert.is(missing.code, 'NoSuchKey')
  assert.is(await c.headObject('colonynet-test', 'nope'), undefined)
  await c.deleteObject('colonynet-test', key)
  assert.is(await c.headObject('colonynet-test', key), undefined)
  // an object named by a file's reference, with the keys of the reader's own
  const ref = { server: `${s3.host}:${s3.port}`, port: -1, tls: false, accesskey: '', secretkey: '', region: '', encryptionkey: '', encryptionalg: '', object: 'by-ref', bucket: 'colonynet-test' }
  await c.putObject('colonynet-test', 'by-ref', new TextEncoder().encode('via ref'))
  const { client, bucket, key: object } = s3ForObject(ref, { accessKey: s3.accessKey, secretKey: s3.secretKey })
  assert.is(new TextDecoder().decode(await client.getObject(bucket, object)), 'via ref')
})

test('no server at the endpoint: an S3Error with status 0 naming the cause', async () => {
  // a port nothing listens on: bind, read the port, close
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const { port } = srv.address() as AddressInfo
  await new Promise<void>(resolve => srv.close(() => resolve()))
  const c = new S3Client({ endpoint: `http://127.0.0.1:${port}`, accessKey: 'a', secretKey: 'b', timeoutMs: 2000 })
  const err = await c.getObject('bucket', 'key').then(() => undefined, (e: unknown) => e)
  assert.ok(err instanceof S3Error)
  assert.is(err.status, 0)
  assert.is(err.code, 'ECONNREFUSED')
  assert.match(err.message, /ECONNREFUSED/)
})

test.run()
