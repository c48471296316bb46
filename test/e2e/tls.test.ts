/**
 * The seed example over TLS with the real CLI in child processes: `colonies node start`
 * with a certificate the test makes (COLONIES_TLS, COLONIES_TLSCERT, COLONIES_TLSKEY), a
 * `colonies executor start --shell` attached over HTTPS, and `colonies function submit
 * --wait` (which waits on a WSS subscription) with COLONIES_SERVER_TLS=true, trusting the
 * certificate through Node's NODE_EXTRA_CA_CERTS. Then `colonies dev --tlscert/--tlskey`,
 * whose printed variables work as they are; the mismatches; a bad certificate file; and
 * the warning of a node that serves plain HTTP beyond loopback.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cli, CliProcess, type Env, parseExports } from '../helpers/cli.js'
import { generatePrivateKey, idFromPrivateKey } from '../../src/protocol/crypto.js'
import { makeCert, noOpenssl, type TestCert } from '../helpers/tls-cert.js'

if (noOpenssl !== undefined) {
  console.log(noOpenssl)
} else {
  let dir: string
  let cert: TestCert

  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'colonynet-tls-e2e-'))
    cert = await makeCert(dir)
  })
  test.after(async () => { await rm(dir, { recursive: true, force: true }) })

  test('sayhello over TLS: node start with a certificate, executor start --shell, function submit --wait', async () => {
    const operator = generatePrivateKey()
    const colony = generatePrivateKey()
    const user = generatePrivateKey()
    const node = new CliProcess(['node', 'start', '--data', join(dir, 'node'), '--port', '0'],
      { COLONIES_TLS: 'true', COLONIES_TLSCERT: cert.certFile, COLONIES_TLSKEY: cert.keyFile, COLONIES_SERVER_PRVKEY: operator })
    try {
      const port = (await node.waitFor(/URL\s+https:\/\/127\.0\.0\.1:(\d+)/))[1] as string
      await node.waitFor(/Press Ctrl-C/)
      assert.not.match(node.output, /warning: the API/, 'no plain-HTTP warning on loopback with TLS')
      const env: Env = {
        COLONIES_SERVER_HOST: 'localhost',
        COLONIES_SERVER_PORT: port,
        COLONIES_SERVER_TLS: 'true',
        NODE_EXTRA_CA_CERTS: cert.certFile,
        COLONIES_SERVER_PRVKEY: operator,
        COLONIES_COLONY_NAME: 'dev',
        COLONIES_COLONY_PRVKEY: colony,
        COLONIES_PRVKEY: user
      }
      const add = await cli(['colony', 'add', '--name', 'dev', '--colonyid', idFromPrivateKey(colony)], env)
      assert.is(add.code, 0, add.stderr)
      const addUser = await cli(['user', 'add', '--name', 'me', '--userid', idFromPrivateKey(user)], env)
      assert.is(addUser.code, 0, addUser.stderr)
      // the executor registers itself with the colony key and long-polls over HTTPS
      const executor = new CliProcess(['executor', 'start', '--shell', '--name', 'tls-x'], { ...env, COLONIES_PRVKEY: '' })
      try {
        await executor.waitFor(/tls-x/)
        const r = await cli(['function', 'submit', '--spec', 'examples/sayhello.json', '--wait'], env)
        assert.is(r.code, 0, r.stderr)
        assert.match(r.stdout, /^sayhello$/m)
        await executor.waitFor(/^sayhello$/m)
      } finally {
        assert.is(await executor.stop('SIGINT'), 0, executor.output)
      }

      // the same shell without COLONIES_SERVER_TLS: one line saying what to set, exit 3
      const plain = await cli(['colony', 'ls'], { ...env, COLONIES_SERVER_TLS: 'false' })
      assert.is(plain.code, 3, plain.stderr)
      assert.match(plain.stderr, /^Error: TLS mismatch\? The node at http:\/\/localhost:\d+ serves HTTPS \(TLS\), not plain HTTP\. Export COLONIES_SERVER_TLS=true/)
      // without the certificate trusted
      const untrusted = await cli(['colony', 'ls'], { ...env, NODE_EXTRA_CA_CERTS: '' })
      assert.is(untrusted.code, 3, untrusted.stderr)
      assert.match(untrusted.stderr, /does not accept \(self-signed certificate.*NODE_EXTRA_CA_CERTS=<its cert\.pem>/)
      for (const out of [plain.stderr, untrusted.stderr]) assert.not.match(out, /\n\s+at /, 'no stack trace')
    } finally {
      assert.is(await node.stop('SIGINT'), 0, node.output)
    }
  })

  test('colonies dev --tlscert/--tlskey prints variables that work over TLS as they are', async () => {
    const data = join(dir, 'dev')
    const dev = new CliProcess(['dev', '--data', data, '--port', '0', '--tlscert', cert.certFile, '--tlskey', cert.keyFile])
    try {
      await dev.waitFor(/Press Ctrl-C/)
      assert.match(dev.output, /API\s+https:\/\/127\.0\.0\.1:\d+/)
      const text = await readFile(join(data, 'dev.env'), 'utf8')
      const env = parseExports(text)
      assert.is(env.COLONIES_SERVER_TLS, 'true')
      const ca = /^export NODE_EXTRA_CA_CERTS=(.*)$/m.exec(text)?.[1]
      assert.is(ca, cert.certFile)
      const r = await cli(['function', 'submit', '--spec', 'examples/sayhello.json', '--wait'], { ...env, NODE_EXTRA_CA_CERTS: ca as string })
      assert.is(r.code, 0, r.stderr)
      assert.match(r.stdout, /^sayhello$/m)
      await dev.waitFor(/^sayhello$/m)
    } finally {
      assert.is(await dev.stop('SIGINT'), 0, dev.output)
    }
    // TLS from a client on the plain dev node: the mismatch line
    const plainDev = new CliProcess(['dev', '--data', data, '--port', '0', '--no-executor'])
    try {
      await plainDev.waitFor(/Press Ctrl-C/)
      const env = parseExports(await readFile(join(data, 'dev.env'), 'utf8'))
      assert.is(env.COLONIES_SERVER_TLS, 'false')
      const r = await cli(['process', 'ps'], { ...env, COLONIES_SERVER_TLS: 'true' })
      assert.is(r.code, 3, r.stderr)
      assert.match(r.stderr, /^Error: TLS mismatch\? The node at https:\/\/127\.0\.0\.1:\d+ answers, but not with TLS \(TLS handshake failed \(EPROTO\)\): it serves plain HTTP\./)
    } finally {
      assert.is(await plainDev.stop('SIGINT'), 0, plainDev.output)
    }
  })

  test('a bad certificate or key file stops node start with one line naming it, exit 2', async () => {
    const missing = join(dir, 'missing.pem')
    const cases: Array<[string[], RegExp]> = [
      [['--tlscert', missing, '--tlskey', cert.keyFile], new RegExp(`^Error: --tlscert ${missing}: no such file`)],
      [['--tlscert', cert.keyFile, '--tlskey', cert.keyFile], /^Error: --tlscert \S+: not a PEM certificate/],
      [['--tls'], /^Error: --tls needs a PEM certificate and its key/]
    ]
    for (const [args, re] of cases) {
      const r = await cli(['node', 'start', '--data', join(dir, 'bad'), '--port', '0', ...args])
      assert.is(r.code, 2, r.stderr)
      assert.match(r.stderr, re)
      assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`)
    }
    const other = await makeCert(dir, 'other')
    const r = await cli(['node', 'start', '--data', join(dir, 'bad'), '--port', '0'], { COLONIES_TLS: 'true', COLONIES_TLSCERT: cert.certFile, COLONIES_TLSKEY: other.keyFile })
    assert.is(r.code, 2, r.stderr)
    assert.match(r.stderr, new RegExp(`^Error: COLONIES_TLSKEY ${other.keyFile} is not the key of the certificate COLONIES_TLSCERT ${cert.certFile}`))
  })

  test('a node listening beyond loopback without TLS says so at start, once', async () => {
    const node = new CliProcess(['node', 'start', '--data', join(dir, 'open'), '--port', '0', '--host', '0.0.0.0'])
    try {
      await node.waitFor(/Press Ctrl-C/)
      const lines = node.output.split('\n').filter(l => l.startsWith('warning: the API'))
      assert.is(lines.length, 1, node.output)
      assert.match(lines[0] as string, /^warning: the API on 0\.0\.0\.0:\d+ is plain HTTP beyond this machine: .* turn TLS on with --tlscert FILE --tlskey FILE/)
    } finally {
      assert.is(await node.stop('SIGINT'), 0, node.output)
    }
  })
}

test.run()
