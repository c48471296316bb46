/**
 * pycolonies' suite, run unchanged as its Makefile's `github_test` runs it: the setup script
 * (test/setup_test_env.py adds the colony and executor the tests assume), then each test
 * file in the Makefile's order, each in its own interpreter (through unittest_json.py,
 * which runs the file's unittest cases verbosely and records each outcome).
 *
 * Tests that need what this machine may lack are reported as skipped with the reason
 * rather than run: the prebuilt lib/libcfslib.so (`sync`), and an S3 server (uploads, and
 * the downloads that follow them).
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runChild } from './child.js'
import { firstLine, type SuiteResult, type TestResult } from './results.js'
import { pyEnv, type S3Endpoint } from './sdk-env.js'
import { pyTlsEnv } from './tls.js'
import { HOST, type SdkNode } from './sdk-node.js'
import { type Python } from './python.js'

export const PY_SUITE = 'pycolonies'
const SETUP = 'test/setup_test_env.py'
/** The Makefile's github_test order, if its Makefile cannot be read. */
const DEFAULT_FILES = ['test/crypto_test.py', 'test/colonies_test.py', 'test/channel_test.py', 'test/blueprint_test.py', 'test/api_test.py']
const FILE_TIMEOUT_MS = 5 * 60_000
const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'unittest_json.py')

/** The test files `make github_test` runs, in its order, without the setup script. */
export function makefileTestFiles (makefile: string): string[] {
  const target = /^github_test:.*\n((?:\t.*\n?)*)/m.exec(makefile)?.[1] ?? ''
  const files = [...target.matchAll(/python3\s+\.?\/?(test\/\w+\.py)/g)].map(m => m[1] as string).filter(f => f !== SETUP)
  return files.length > 0 ? files : DEFAULT_FILES
}

/** Each test method of a unittest file by name, with the text of its body. */
export function testMethods (source: string): Map<string, string> {
  const out = new Map<string, string>()
  const parts = source.split(/^(?=[ \t]+def test_\w+\s*\()/m)
  for (const part of parts.slice(1)) {
    const name = /def (test_\w+)/.exec(part)?.[1]
    if (name !== undefined) out.set(name, part)
  }
  return out
}

/** What this machine lacks for some tests; undefined where it has it. */
export interface Lacks {
  readonly cfslib?: string
  readonly s3?: string
  /** with --tls: why a file that connects with a hardcoded tls=False cannot run */
  readonly plainOnly?: string
}

/** The tests of a file that cannot run here, by name, with the reason. */
export function skipsFor (source: string, lacks: Lacks): Record<string, string> {
  const skips: Record<string, string> = {}
  // test/colonies_test.py: Colonies(test_colony_host, 50080, tls=False, …) whatever the environment
  const plainOnly = lacks.plainOnly !== undefined && /Colonies\([^)]*tls\s*=\s*False/.test(source)
  for (const [name, body] of testMethods(source)) {
    if (plainOnly) skips[name] = lacks.plainOnly as string
    else if (lacks.cfslib !== undefined && /\.sync\(/.test(body)) skips[name] = lacks.cfslib
    else if (lacks.s3 !== undefined && /\.upload_(file|data)\(/.test(body)) skips[name] = lacks.s3
  }
  return skips
}

export interface PyOptions {
  readonly python: Python
  readonly s3: S3Endpoint | { reason: string }
  readonly verbose: boolean
}

export async function runPySuite (dir: string, node: SdkNode, opts: PyOptions): Promise<SuiteResult> {
  const base = { suite: PY_SUITE, url: node.url }
  if (!existsSync(join(dir, 'pycolonies.py')) || !existsSync(join(dir, SETUP))) return { ...base, tests: [], error: `${dir} is not a pycolonies checkout: no pycolonies.py or ${SETUP}` }
  const cfslib = join(dir, 'lib', 'libcfslib.so')
  const cryptolib = join(dir, 'lib', 'libcryptolib.so')
  const s3 = 'reason' in opts.s3 ? undefined : opts.s3
  const lacks: Lacks = {
    ...(existsSync(cfslib) ? {} : { cfslib: 'needs the prebuilt lib/libcfslib.so (a Go library, missing from this checkout)' }),
    ...(s3 === undefined ? { s3: (opts.s3 as { reason: string }).reason } : {}),
    ...(node.certFile === undefined ? {} : { plainOnly: 'connects with a hardcoded tls=False (its setUp), so it cannot run against a TLS node' })
  }
  const env = {
    ...pyEnv(HOST, node.port, {
      ...(existsSync(cryptolib) ? { cryptolib } : {}),
      ...(existsSync(cfslib) ? { cfslib } : {}),
      ...(s3 === undefined ? {} : { s3 }),
      ...(opts.python.pythonpath === undefined ? {} : { pythonpath: opts.python.pythonpath })
    }),
    ...(node.certFile === undefined ? {} : pyTlsEnv(node.certFile))
  }
  const prefix = opts.verbose ? '  [pycolonies] ' : undefined
  const setup = await runChild(opts.python.bin, [SETUP], { cwd: dir, env, timeoutMs: FILE_TIMEOUT_MS, ...(prefix === undefined ? {} : { prefix }) })
  if (setup.code !== 0) return { ...base, tests: [], error: `${SETUP} failed (exit ${String(setup.code)}): ${firstLine(setup.stderr)}` }

  const makefile = join(dir, 'Makefile')
  const files = makefileTestFiles(existsSync(makefile) ? readFileSync(makefile, 'utf8') : '')
  const work = await mkdtemp(join(tmpdir(), 'colonynet-compat-py-'))
  const tests: TestResult[] = []
  try {
    for (const file of files) {
      const report = join(work, `${file.replace(/\W/g, '_')}.json`)
      const skipsFile = join(work, 'skips.json')
      await writeFile(skipsFile, JSON.stringify(skipsFor(await readFile(join(dir, file), 'utf8'), lacks)))
      const run = await runChild(opts.python.bin, [RUNNER, file, report, skipsFile], { cwd: dir, env, timeoutMs: FILE_TIMEOUT_MS, ...(prefix === undefined ? {} : { prefix }) })
      if (!existsSync(report)) {
        const why = run.timedOut ? `timed out after ${FILE_TIMEOUT_MS / 60_000} min` : `exited ${String(run.code)} without a report: ${firstLine(run.stderr.split('\n').filter(l => /Error|Exception/.test(l)).pop() ?? run.stderr)}`
        tests.push({ name: `${file} (the file)`, outcome: 'failed', message: why, file })
        continue
      }
      const outcomes = JSON.parse(await readFile(report, 'utf8')) as Array<{ name: string, outcome: TestResult['outcome'], message: string }>
      for (const o of outcomes) tests.push({ name: o.name, outcome: o.outcome, message: firstLine(o.message), file })
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  return { ...base, tests }
}
