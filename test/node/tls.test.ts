/**
 * The API port with TLS on (ColonyOS's COLONIES_TLS): RPC, long-poll assign, a WSS
 * subscription, blobs, /health and the dashboard over HTTPS with a certificate the test
 * makes, trusted through the SDK's `ca` option; and the two mismatches (plain client on
 * a TLS node, TLS client on a plain node, an untrusted certificate) each turned into the
 * CLI's one clear line.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { get as httpsGet } from 'node:https'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import { ColoniesClient, subscribeProcess } from '../../src/client/index.js'
import { describeFailure, ExitCode } from '../../src/cli/failure.js'
import { ColonyNode } from '../../src/node/index.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { makeCert, noOpenssl, type TestCert } from '../helpers/tls-cert.js'

async function failureOf (p: Promise<unknown>): Promise<{ err: unknown, line: string, code: number }> {
  try {
    await p
  } catch (err) {
    const f = describeFailure(err)
    return { err, line: f.message, code: f.code }
  }
  throw new Error('expected a failure')
}

async function httpsText (url: string, ca: string): Promise<{ status: number, text: string }> {
  return await new Promise((resolve, reject) => {
    httpsGet(url, { ca }, res => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    }).on('error', reject)
  })
}

if (noOpenssl !== undefined) {
  console.log(noOpenssl)
} else {
  let dir: string
  let cert: TestCert
  let node: ColonyNode
  const operator = generatePrivateKey()
  const owner = generatePrivateKey()
  const user = generatePrivateKey()
  const executor = generatePrivateKey()

  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'colonynet-tls-node-'))
    cert = await makeCert(dir)
    node = await ColonyNode.start({ dataDir: join(dir, 'data'), port: 0, operatorPrvkey: operator, tls: { cert: cert.cert, key: cert.key } })
    const op = new ColoniesClient({ url: node.url, prvkey: operator, ca: cert.cert })
    await op.addColony('tls', idFromPrivateKey(owner))
    const own = op.withKey(owner)
    await own.addUser({ colonyname: 'tls', userid: idFromPrivateKey(user), name: 'user' })
    await own.addExecutor({ colonyname: 'tls', executorid: idFromPrivateKey(executor), executorname: 'x', executortype: 'cli' })
    await own.approveExecutor('tls', 'x')
  })

  test.after(async () => {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  })

  test('the node serves https:// and says so in getserverinfo', async () => {
    assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    const c = new ColoniesClient({ url: node.url, prvkey: user, ca: cert.cert })
    const info = await c.getServerInfo()
    assert.equal(info.backends, [{ type: 'http', port: node.port, tls: true }])
    const health = await httpsText(`${node.url}/health`, cert.cert)
    assert.is(health.status, 200)
    assert.is(JSON.parse(health.text).status, 'ok')
    const page = await httpsText(`${node.url}/`, cert.cert)
    assert.is(page.status, 200)
    assert.match(page.text, /<html/i, 'the dashboard is served over HTTPS')
  })

  test('submit, a long-polling assign, close and a WSS subscription over TLS', async () => {
    const u = new ColoniesClient({ url: node.url, prvkey: user, ca: cert.cert })
    const x = u.withKey(executor)
    // the executor waits first: its long-poll is answered when the process arrives
    const assigned = x.assign('tls', 10)
    const proc = await u.submitFunctionSpec({ funcname: 'echo', args: ['over tls'], conditions: { colonyname: 'tls', executortype: 'cli' } })
    const sub = subscribeProcess(u, { colonyname: 'tls', processid: proc.processid, state: 2, timeoutSec: 10 })
    await sub.opened
    const got = await assigned
    assert.is(got.processid, proc.processid)
    await x.closeSuccessful(got.processid, ['done'])
    for await (const p of sub) {
      assert.is(p.processid, proc.processid)
      assert.is(p.state, 2)
      break
    }
    sub.close()
  })

  test('blobs go up and come back over HTTPS', async () => {
    const { BlobClient } = await import('../../src/client/blobs.js')
    const b = new BlobClient({ url: node.url, prvkey: user, ca: cert.cert })
    const src = join(dir, 'blob.txt')
    await writeFile(src, 'secret bytes '.repeat(1000))
    const up = await b.uploadBlob('tls', src)
    const dest = join(dir, 'back.txt')
    await b.downloadBlob('tls', up.checksum, dest)
    assert.is(await readFile(dest, 'utf8'), 'secret bytes '.repeat(1000))
  })

  test('a plain-HTTP client on the TLS port is told it serves HTTPS (RPC, WebSocket, raw bytes)', async () => {
    const plain = new ColoniesClient({ url: node.url.replace('https:', 'http:'), prvkey: user })
    const f = await failureOf(plain.getColonies())
    assert.is((f.err as Error).name, 'NodeUnreachableError')
    assert.is(f.code, ExitCode.UNREACHABLE)
    assert.match(f.line, /^TLS mismatch\? The node at http:\/\/127\.0\.0\.1:\d+ serves HTTPS \(TLS\), not plain HTTP\. Export COLONIES_SERVER_TLS=true/)
    const ws = subscribeProcess(plain, { colonyname: 'tls', processid: '0'.repeat(64), state: 2, timeoutSec: 5 })
    const wsFail = await failureOf(ws.opened)
    assert.match(String((wsFail.err as Error).message), /400/, 'the WebSocket upgrade is refused with 400, not left hanging')
    // a connection that closes before its first byte is simply closed
    await new Promise<void>((resolve, reject) => {
      const s = connect(node.port, '127.0.0.1', () => s.end())
      s.on('close', () => resolve())
      s.on('error', reject)
    })
    // and the node still serves
    assert.is((await new ColoniesClient({ url: node.url, prvkey: user, ca: cert.cert }).getColony('tls')).name, 'tls')
  })

  test('a client that does not trust the certificate is told to (NODE_EXTRA_CA_CERTS)', async () => {
    const f = await failureOf(new ColoniesClient({ url: node.url, prvkey: user }).getColonies())
    assert.is(f.code, ExitCode.UNREACHABLE)
    assert.match(f.line, /serves TLS with a certificate this machine does not accept \(self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)\)\. .*NODE_EXTRA_CA_CERTS=<its cert\.pem>/)
  })

  test('a TLS client on a plain node is told it serves plain HTTP', async () => {
    const plainNode = await ColonyNode.start({ dataDir: join(dir, 'plain'), port: 0 })
    try {
      assert.match(plainNode.url, /^http:/)
      const f = await failureOf(new ColoniesClient({ url: plainNode.url.replace('http:', 'https:'), prvkey: user, ca: cert.cert }).getColonies())
      assert.is(f.code, ExitCode.UNREACHABLE)
      assert.match(f.line, /^TLS mismatch\? The node at https:\/\/127\.0\.0\.1:\d+ answers, but not with TLS \(TLS handshake failed \(EPROTO\)\): it serves plain HTTP\./)
    } finally {
      await plainNode.stop()
    }
  })
}

test.run()
