/**
 * `npm run compat` without the SDK checkouts: its readers of vitest's and unittest's
 * reports, how it tells a failure's family, which pycolonies tests it cannot run here, and
 * the whole path of each suite (env, node, runner, report) on stand-in checkouts whose
 * "tests" call the node it started.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makefileTestFiles, runPySuite, skipsFor, testMethods } from '../../scripts/compat/py-suite.js'
import { lacking } from '../../scripts/compat/python.js'
import { countsOf, familyOf, firstLine, formatSuite, type SuiteResult } from '../../scripts/compat/results.js'
import { startSdkNode } from '../../scripts/compat/sdk-node.js'
import { parseVitestReport, runTsSuite } from '../../scripts/compat/ts-suite.js'
import { makeCompatCert, pyTlsEnv } from '../../scripts/compat/tls.js'

test('a failure belongs to the family its test names, else to the one its unknown msgtype names', () => {
  assert.is(familyOf({ name: 'TestColonies.test_create_snapshot', message: '' }), 'snapshots')
  assert.is(familyOf({ name: 'Channel Operations (Executor Key) > should handle UTF-8 messages correctly', message: '' }), 'channels')
  assert.is(familyOf({ name: 'TestBlueprints.test_blueprint_filter_by_kind', message: '' }), 'blueprints')
  assert.is(familyOf({ name: 'File Operations (Executor Key) > should get file labels (may be empty)', message: '' }), 'files')
  assert.is(familyOf({ name: 'TestAPIEndpoints.test_get_file_labels', message: '' }), 'files')
  assert.is(familyOf({ name: 'TestColonies.test_upload_data', message: '' }), 'files')
  assert.is(familyOf({ name: 'should do a thing', message: 'msgtype: unknown message type "channelappendmsg"' }), 'channels')
  assert.is(familyOf({ name: 'TestColonies.test_get_add_logs', message: 'since: must be an integer ≥ 0' }), 'other')
  assert.is(familyOf({ name: 'Process Operations > should remove a process', message: 'expected 403' }), 'other')
})

test('vitest JSON: outcomes by test with their describe path; a file that did not load is one failure', () => {
  const report = {
    numTotalTests: 3,
    testResults: [{
      name: '/sdk/src/client.integration.test.ts',
      status: 'failed',
      message: '',
      assertionResults: [
        { ancestorTitles: ['', 'ColoniesClient Integration Tests', 'Crypto Integration'], title: 'should sign data consistently', status: 'passed', failureMessages: [] },
        { ancestorTitles: ['', 'ColoniesClient Integration Tests', 'File Operations (Executor Key)'], title: 'should get file labels (may be empty)', status: 'failed', failureMessages: ['msgtype: unknown message type "getfilelabelsmsg"\n    at x'] },
        { ancestorTitles: ['', 'S'], title: 'later', status: 'skipped', failureMessages: [] }
      ]
    }, { name: '/sdk/src/broken.test.ts', status: 'failed', message: 'SyntaxError: Unexpected token\nmore', assertionResults: [] }]
  }
  const tests = parseVitestReport(report)
  assert.equal(tests.map(t => [t.name, t.outcome, t.message]), [
    ['ColoniesClient Integration Tests > Crypto Integration > should sign data consistently', 'passed', ''],
    ['ColoniesClient Integration Tests > File Operations (Executor Key) > should get file labels (may be empty)', 'failed', 'msgtype: unknown message type "getfilelabelsmsg"'],
    ['S > later', 'skipped', 'skipped in the suite itself'],
    ['/sdk/src/broken.test.ts (the file)', 'failed', 'SyntaxError: Unexpected token']
  ])
  assert.throws(() => parseVitestReport({ nope: 1 }), /testResults/)
})

test('pycolonies: the Makefile github_test order without the setup script; methods and what they need', () => {
  const makefile = 'all: build\n\n.PHONY: github_test\ngithub_test:\n\t@pip3 install -r requirements.txt\n\t@python3 ./test/setup_test_env.py\n\t@python3 ./test/crypto_test.py\n\t@python3 ./test/colonies_test.py\n\n.PHONY: install\ninstall:\n\t@python3 ./test/other_test.py\n'
  assert.equal(makefileTestFiles(makefile), ['test/crypto_test.py', 'test/colonies_test.py'])
  assert.equal(makefileTestFiles(''), ['test/crypto_test.py', 'test/colonies_test.py', 'test/channel_test.py', 'test/blueprint_test.py', 'test/api_test.py'])
  const source = [
    'class T(unittest.TestCase):',
    '    def test_sync(self):',
    '        self.colonies.sync(d, "/test", False, c, k)',
    '    def test_upload_data(self):',
    '        self.colonies.upload_data(c, k, filename="data", label="/x", data=b"x")',
    '    def test_download_file_raise_value_error(self):',
    '        self.colonies.download_file("test", "prvkey", fileid="1", filename="f")',
    '    def test_plain(self):',
    '        pass',
    ''
  ].join('\n')
  assert.equal([...testMethods(source).keys()], ['test_sync', 'test_upload_data', 'test_download_file_raise_value_error', 'test_plain'])
  assert.equal(skipsFor(source, { cfslib: 'no cfslib', s3: 'no s3' }), { test_sync: 'no cfslib', test_upload_data: 'no s3' })
  assert.equal(skipsFor(source, {}), {})
  // with --tls: a file that connects with tls=False whatever the environment cannot run at all
  const plain = source.replace('class T(unittest.TestCase):', 'class T(unittest.TestCase):\n    def setUp(self):\n        self.colonies = Colonies(host, 50080, tls=False, native_crypto=False)')
  assert.equal(skipsFor(plain, { plainOnly: 'tls=False' }), { test_sync: 'tls=False', test_upload_data: 'tls=False', test_download_file_raise_value_error: 'tls=False', test_plain: 'tls=False' })
  assert.equal(skipsFor(source.replace('class T(unittest.TestCase):', 'class T(unittest.TestCase):\n    def setUp(self):\n        self.colonies = Colonies(host, port, tls=self.tls)'), { plainOnly: 'tls=False' }), {})
})

test('a Python lacks pydantic when it has only pydantic 1', () => {
  assert.equal(lacking({ requests: '2.28', websocket: '1.2.3', pydantic: '1.10.4', boto3: '1.26' }), ['pydantic'])
  assert.equal(lacking({ requests: '2.28', websocket: null, pydantic: '2.13.4', boto3: '1.26' }), ['websocket'])
  assert.equal(lacking({ requests: '2', websocket: '1', pydantic: '10.0', boto3: '1' }), [])
})

test('the report: per suite "N passed, N failed, N skipped", failures with their family, skips with the reason', () => {
  const r: SuiteResult = {
    suite: 'pycolonies',
    url: 'http://127.0.0.1:50080',
    tests: [
      { name: 'T.test_a', outcome: 'passed', message: '', file: 'f' },
      { name: 'T.test_create_snapshot', outcome: 'failed', message: 'unknown message type "createsnapshotmsg"', file: 'f' },
      { name: 'T.test_sync', outcome: 'skipped', message: 'needs libcfslib.so', file: 'f' }
    ]
  }
  assert.equal(countsOf(r.tests), { passed: 1, failed: 1, skipped: 1 })
  assert.equal(formatSuite(r), [
    'pycolonies: 1 passed, 1 failed, 1 skipped',
    '  failed [snapshots] T.test_create_snapshot: unknown message type "createsnapshotmsg"',
    '  skipped T.test_sync: needs libcfslib.so'
  ])
  assert.equal(formatSuite({ suite: 'colonies-ts', url: '', tests: [], error: 'no vitest' }), ['colonies-ts: did not run: no vitest'])
  assert.is(firstLine('\n  Error: x\n  at y'), 'Error: x')
})

/** A stand-in colonies-ts checkout whose vitest checks the env points at the node and writes a report. */
async function fakeTsCheckout (dir: string): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true })
  await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true })
  await writeFile(join(dir, 'src', 'client.integration.test.ts'), '')
  const vitest = join(dir, 'node_modules', '.bin', 'vitest')
  await writeFile(vitest, `#!${process.execPath}
const out = process.argv.find(a => a.startsWith('--outputFile.json=')).slice('--outputFile.json='.length)
const url = (process.env.COLONIES_SERVER_TLS === 'true' ? 'https://' : 'http://') + process.env.COLONIES_SERVER_HOST + ':' + process.env.COLONIES_SERVER_PORT + '/health'
fetch(url).then(r => {
  const ok = r.status === 200 && process.env.COLONIES_COLONY_NAME === 'test' && process.env.COLONIES_SERVER_HTTP_PORT === undefined
  const t = (title, status, failureMessages) => ({ ancestorTitles: ['', 'Suite'], title, status, failureMessages })
  require('fs').writeFileSync(out, JSON.stringify({ testResults: [{ name: 'x', status: 'failed', assertionResults: [
    t('reaches the node', ok ? 'passed' : 'failed', ok ? [] : ['wrong env']),
    t('should add a blueprint', 'failed', ['msgtype: unknown message type "addblueprintdefinitionmsg"'])
  ] }] }))
  process.exit(1)
})
`)
  await chmod(vitest, 0o755)
}

test('colonies-ts path: its vitest runs in the checkout with the CI env aimed at a fresh node; the report is read back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-compat-fakets-'))
  const before = process.env.COLONIES_SERVER_HTTP_PORT
  process.env.COLONIES_SERVER_HTTP_PORT = '1' // colonies-ts prefers it: it must not reach the suite
  const node = await startSdkNode(0, 'test-ts')
  try {
    await fakeTsCheckout(dir)
    const r = await runTsSuite(dir, node, false)
    assert.is(r.error, undefined)
    assert.equal(r.tests.map(t => [t.name, t.outcome]), [['Suite > reaches the node', 'passed'], ['Suite > should add a blueprint', 'failed']])
    assert.match((await runTsSuite(join(dir, 'src'), node, false)).error ?? '', /not a colonies-ts checkout/)
  } finally {
    if (before === undefined) delete process.env.COLONIES_SERVER_HTTP_PORT
    else process.env.COLONIES_SERVER_HTTP_PORT = before
    await node.stop(false)
    await rm(dir, { recursive: true, force: true })
  }
})

test('colonies-ts path with --tls: the node serves HTTPS and the suite connects with TLS on, trusting the run\'s certificate', async () => {
  let cert: Awaited<ReturnType<typeof makeCompatCert>>
  try {
    cert = await makeCompatCert()
  } catch (err) {
    console.log(`skipped: ${(err as Error).message}`)
    return
  }
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-compat-fakets-'))
  const node = await startSdkNode(0, 'test-ts-tls', cert)
  try {
    assert.match(node.url, /^https:/)
    await fakeTsCheckout(dir)
    const r = await runTsSuite(dir, node, false)
    assert.is(r.error, undefined)
    assert.equal(r.tests.map(t => [t.name, t.outcome]), [['Suite > reaches the node', 'passed'], ['Suite > should add a blueprint', 'failed']])
    assert.equal(pyTlsEnv(cert.certFile), {
      COLONIES_TLS: 'true', COLONIES_SERVER_TLS: 'true', REQUESTS_CA_BUNDLE: cert.certFile, WEBSOCKET_CLIENT_CA_BUNDLE: cert.certFile, SSL_CERT_FILE: cert.certFile
    })
  } finally {
    await node.stop(false)
    await rm(dir, { recursive: true, force: true })
    await cert.remove()
  }
})

const HEALTH = `
import os, unittest, urllib.request
def health():
    url = 'http://%s:%s/health' % (os.environ['COLONIES_SERVER_HOST'], os.environ['COLONIES_SERVER_PORT'])
    return urllib.request.urlopen(url).status
`

/** A stand-in pycolonies checkout: setup script, Makefile and tests calling the node. */
async function fakePyCheckout (dir: string): Promise<void> {
  await mkdir(join(dir, 'test'), { recursive: true })
  await writeFile(join(dir, 'pycolonies.py'), '')
  await writeFile(join(dir, 'Makefile'), 'github_test:\n\t@python3 ./test/setup_test_env.py\n\t@python3 ./test/a_test.py\n\t@python3 ./test/c_test.py\n')
  await writeFile(join(dir, 'test', 'setup_test_env.py'), `${HEALTH}\nassert health() == 200\nopen(os.path.join(os.path.dirname(__file__), 'setup-ran'), 'w').write('yes')\n`)
  await writeFile(join(dir, 'test', 'a_test.py'), `${HEALTH}
class TestA(unittest.TestCase):
    def test_reaches_node(self):
        self.assertEqual(health(), 200)
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(__file__), 'setup-ran')))
    def test_fails(self):
        self.assertEqual(1, 2)
    def test_errors(self):
        raise RuntimeError('msgtype: unknown message type "createsnapshotmsg"')
    def test_skips_itself(self):
        self.skipTest('Access denied here')
    def test_sync(self):
        self.colonies.sync('/tmp/x', '/test', False, 'c', 'k')
    def test_upload_file(self):
        self.colonies.upload_file('c', 'k', filepath='/tmp/x', label='/test')

if __name__ == '__main__':
    unittest.main()
`)
  await writeFile(join(dir, 'test', 'b_test.py'), 'raise SystemExit("not in the Makefile: never run")\n')
  await writeFile(join(dir, 'test', 'c_test.py'), `import unittest
class TestC(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise unittest.SkipTest('Colonies server not available')
    def test_never(self):
        pass
`)
}

const python = spawnSync('python3', ['--version']).status === 0
// without python3 the runner cannot be exercised at all (CI installs it)
const pyTest = python ? test : test.skip

pyTest('pycolonies path: setup, then each Makefile file in its own interpreter; libcfslib and S3 tests skipped with the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-compat-fakepy-'))
  const node = await startSdkNode(0, 'test-py')
  try {
    await fakePyCheckout(dir)
    const r = await runPySuite(dir, node, { python: { bin: 'python3', note: '', cleanup: async () => {} }, s3: { reason: 'no S3 server' }, verbose: false })
    assert.is(r.error, undefined)
    const got = Object.fromEntries(r.tests.map(t => [t.name, [t.outcome, t.message]]))
    assert.equal(got['TestA.test_reaches_node'], ['passed', ''])
    assert.equal(got['TestA.test_fails'], ['failed', 'AssertionError: 1 != 2'])
    assert.equal(got['TestA.test_errors'], ['failed', 'RuntimeError: msgtype: unknown message type "createsnapshotmsg"'])
    assert.equal(got['TestA.test_skips_itself'], ['skipped', 'Access denied here'])
    assert.equal(got['TestA.test_sync'], ['skipped', 'needs the prebuilt lib/libcfslib.so (a Go library, missing from this checkout)'])
    assert.equal(got['TestA.test_upload_file'], ['skipped', 'no S3 server'])
    assert.is(got['setUpClass (sdk_test_module.TestC)']?.[0], 'skipped')
    assert.is(r.tests.length, 7, JSON.stringify(r.tests))
  } finally {
    await node.stop(false)
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
