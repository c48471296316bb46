/**
 * The file and snapshot messages at the boundary (messages/files.ts): upstream's Go client
 * and pycolonies' shapes parse (nulls, port -1, server-assigned fields ignored), a
 * colonynet ref is normalised (one spelling of the checksum, no S3 fields), and every bad
 * field is refused by name.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseMessage } from '../../src/protocol/messages.js'

const SUM = 'AB'.repeat(32)
const s3object = { server: 'minio:9000', port: -1, tls: false, accesskey: 'k', secretkey: 's', region: '', encryptionkey: '', encryptionalg: '', object: 'obj', bucket: 'b' }

function refused (json: Record<string, unknown>, field: string): void {
  try {
    parseMessage(json)
  } catch (err) {
    const e = err as { name: string, field: string, message: string }
    assert.is(e.name, 'ValidationError', e.message)
    assert.is(e.field, field, e.message)
    return
  }
  assert.unreachable(`expected a ValidationError on ${field}`)
}

test('addfilemsg as pycolonies sends it (added null, sequencenr 1, fileid "") keeps what the node records', () => {
  const m = parseMessage({
    msgtype: 'addfilemsg',
    file: { fileid: '', colonyname: 'dev', label: '/t', name: 'data', size: 8, sequencenr: 1, checksum: 'c', checksumalg: 'SHA256', ref: { protocol: 's3', s3object }, added: null }
  })
  assert.equal(m, { msgtype: 'addfilemsg', file: { colonyname: 'dev', label: '/t', name: 'data', size: 8, checksum: 'c', checksumalg: 'SHA256', ref: { protocol: 's3', s3object } } })
})

test('a colonynet file: the checksum lower-cased, the S3 fields emptied', () => {
  const m = parseMessage({ msgtype: 'addfilemsg', file: { colonyname: 'dev', label: '/t', name: 'n', size: 0, checksum: SUM, checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object } } })
  assert.ok(m.msgtype === 'addfilemsg')
  assert.is(m.file.checksum, SUM.toLowerCase())
  assert.equal(m.file.ref.s3object, { server: '', port: 0, tls: false, accesskey: '', secretkey: '', region: '', encryptionkey: '', encryptionalg: '', object: '', bucket: '' })
})

test('bad fields are refused by name', () => {
  const file = { colonyname: 'dev', label: '/t', name: 'n', size: 1, checksum: SUM, checksumalg: 'SHA256', ref: { protocol: 'colonynet' } }
  refused({ msgtype: 'addfilemsg' }, 'file')
  refused({ msgtype: 'addfilemsg', file: { ...file, colonyname: '' } }, 'file.colonyname')
  refused({ msgtype: 'addfilemsg', file: { ...file, name: 'x'.repeat(1025) } }, 'file.name')
  refused({ msgtype: 'addfilemsg', file: { ...file, size: 1.5 } }, 'file.size')
  refused({ msgtype: 'addfilemsg', file: { ...file, ref: { protocol: 'S3', s3object } } }, 'file.ref.protocol')
  refused({ msgtype: 'addfilemsg', file: { ...file, ref: { protocol: 's3', s3object: { ...s3object, port: 70000 } } } }, 'file.ref.s3object.port')
  refused({ msgtype: 'addfilemsg', file: { ...file, ref: { protocol: 's3', s3object: { ...s3object, tls: 'yes' } } } }, 'file.ref.s3object.tls')
  refused({ msgtype: 'addfilemsg', file: { ...file, ref: { protocol: 's3', s3object: { ...s3object, bucket: '' } } } }, 'file.ref.s3object.bucket')
  refused({ msgtype: 'addfilemsg', file: { ...file, ref: 'colonynet' } }, 'file.ref')
  refused({ msgtype: 'getfilemsg', colonyname: 'dev', fileid: 'nothex' }, 'fileid')
  refused({ msgtype: 'getfilemsg', colonyname: 'dev', name: 'n' }, 'fileid')
  refused({ msgtype: 'removefilemsg', colonyname: 'dev', label: '/t' }, 'fileid')
  refused({ msgtype: 'getfilelabelsmsg', colonyname: 'dev', exact: 'true' }, 'exact')
  refused({ msgtype: 'createsnapshotmsg', colonyname: 'dev', label: '/t' }, 'name')
  refused({ msgtype: 'getsnapshotmsg', colonyname: 'dev', snapshotid: '', name: '' }, 'snapshotid')
  refused({ msgtype: 'removeallsnapshotmsg' }, 'colonyname')
})

test('reads as the SDKs send them: pycolonies\' nulls, colonies-ts\' fields left out', () => {
  assert.equal(parseMessage({ msgtype: 'getfilemsg', colonyname: 'dev', fileid: null, label: '/t', name: 'n', latest: true }),
    { msgtype: 'getfilemsg', colonyname: 'dev', fileid: '', label: '/t', name: 'n', latest: true })
  assert.equal(parseMessage({ msgtype: 'getfilemsg', colonyname: 'dev', fileid: SUM }),
    { msgtype: 'getfilemsg', colonyname: 'dev', fileid: SUM.toLowerCase(), label: '', name: '', latest: false })
  assert.equal(parseMessage({ msgtype: 'getfilelabelsmsg', colonyname: 'dev' }), { msgtype: 'getfilelabelsmsg', colonyname: 'dev', name: '', exact: false })
  assert.equal(parseMessage({ msgtype: 'getsnapshotmsg', colonyname: 'dev', snapshotid: '', name: 's' }), { msgtype: 'getsnapshotmsg', colonyname: 'dev', snapshotid: '', name: 's' })
})

test.run()
