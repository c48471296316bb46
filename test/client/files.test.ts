/**
 * The client's file and snapshot calls against a real node: each sends what upstream's Go
 * client sends and reads the reply into the wire types; refusals come back typed.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash } from 'node:crypto'
import { ColoniesClient } from '../../src/client/rpc-client.js'
import { BadRequestError, ForbiddenError, NotFoundError } from '../../src/client/errors.js'
import { ValidationError } from '../../src/protocol/errors.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { startColony, type TestColony } from '../helpers/colony-node.js'
import { rejects } from '../helpers/rejects.js'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

let tc: TestColony
let client: ColoniesClient

test.before(async () => {
  tc = await startColony()
  client = new ColoniesClient({ url: tc.node.url, prvkey: tc.user.prv })
})
test.after(async () => { await tc.stop() })

test('addFile (colonynet by default, or an s3 ref), the three getFile* and getFileData', async () => {
  const c = tc.colony
  const one = await client.addFile({ colonyname: c, label: '/in', name: 'x.csv', size: 3, checksum: sha('1,2') })
  assert.is(one.ref.protocol, 'colonynet')
  assert.is(one.checksumalg, 'SHA256')
  const two = await client.addFile({
    colonyname: c, label: '/in', name: 'x.csv', size: 5, checksum: sha('1,2,3'),
    ref: { protocol: 's3', s3object: { server: 'localhost', port: 9000, object: 'obj-2', bucket: 'bucket' } }
  })
  assert.equal(two.ref.s3object, { server: 'localhost', port: 9000, tls: false, accesskey: '', secretkey: '', region: '', encryptionkey: '', encryptionalg: '', object: 'obj-2', bucket: 'bucket' })
  assert.equal(await client.getFileById(c, one.fileid), [one])
  assert.equal(await client.getFileByName(c, '/in', 'x.csv'), [two, one])
  assert.equal(await client.getLatestFileByName(c, '/in', 'x.csv'), [two])
  assert.equal(await client.getFileData(c, '/in'), [{ name: 'x.csv', checksum: sha('1,2,3'), size: 5, s3filename: 'obj-2' }])
  assert.equal(await client.getFileData(c, '/nothing'), [])
})

test('labels, snapshots and removals; refusals as typed errors', async () => {
  const c = tc.colony
  await client.addFile({ colonyname: c, label: '/in/deep', name: 'y', size: 1, checksum: sha('y') })
  assert.equal(await client.getFileLabels(c), [{ name: '/in', files: 2 }, { name: '/in/deep', files: 1 }])
  assert.equal(await client.getFileLabelsByName(c, '/in/deep', true), [{ name: '/in/deep', files: 1 }])
  const s = await client.createSnapshot(c, '/in', 'snap')
  assert.is(s.fileids.length, 2)
  assert.equal(await client.getSnapshotByName(c, 'snap'), s)
  assert.equal(await client.getSnapshotById(c, s.snapshotid), s)
  assert.equal(await client.getSnapshots(c), [s])
  assert.ok(await rejects(client.createSnapshot(c, '/in', 'snap')) instanceof BadRequestError)
  await client.removeSnapshotById(c, s.snapshotid)
  assert.ok(await rejects(client.getSnapshotByName(c, 'snap')) instanceof NotFoundError)
  await client.createSnapshot(c, '/in', 'again')
  await client.removeSnapshotByName(c, 'again')
  await client.createSnapshot(c, '/in', 'third')
  await client.removeAllSnapshots(c)
  assert.equal(await client.getSnapshots(c), [])
  const [latest] = await client.getLatestFileByName(c, '/in', 'x.csv')
  await client.removeFileById(c, latest?.fileid as string)
  assert.is((await client.getFileByName(c, '/in', 'x.csv')).length, 1)
  await client.removeFileByName(c, '/in', 'x.csv')
  assert.ok(await rejects(client.getFileByName(c, '/in', 'x.csv')) instanceof NotFoundError)
  const stranger = new ColoniesClient({ url: tc.node.url, prvkey: generatePrivateKey() })
  const denied = await rejects(stranger.getFileLabels(c))
  assert.ok(denied instanceof ForbiddenError)
  assert.match(denied.message, /^Access denied/)
  // a bad argument fails before anything is sent, naming the field
  const bad = await rejects(client.addFile({ colonyname: c, label: '/in', name: 'z', size: 1, checksum: 'not-hex' }))
  assert.ok(bad instanceof ValidationError)
  assert.is((bad as ValidationError).field, 'file.checksum')
})

test.run()
