/**
 * `npm run compat -- [--ts DIR] [--py DIR]`: the official ColonyOS SDKs' own test suites,
 * unchanged, against a fresh colonynet node each.
 *
 *   --ts DIR       a colonies-ts checkout with its node_modules installed: runs
 *                  src/client.integration.test.ts with its vitest (node on a free port)
 *   --py DIR       a pycolonies checkout: runs test/setup_test_env.py, then the test files
 *                  of its Makefile's github_test (node on port 50080, which
 *                  test/colonies_test.py hardcodes)
 *   --python BIN   the interpreter for --py (default: the first of /usr/bin/python3 and
 *                  python3 that has pycolonies' requirements; see python.ts)
 *   --tls          the nodes serve HTTPS and WSS with a self-signed certificate made for
 *                  the run (openssl); each SDK connects with its TLS switch on and trusts
 *                  it (tls.ts)
 *   --verbose      pass the runners' output through
 *   --keep         keep each node's data directory and log (printed at the end)
 *   --json         print the results as JSON instead of lines
 *
 * Fetches nothing: the checkouts and their dependencies are prepared beforehand (README,
 * "SDK compatibility"). Prints per suite `<suite>: N passed, N failed, N skipped` and the
 * failed tests with the message family each belongs to; exits 0 only if every suite ran
 * and none failed.
 */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { choosePython } from './python.js'
import { runPySuite, PY_SUITE } from './py-suite.js'
import { countsOf, formatSuite, type SuiteResult } from './results.js'
import { PYCOLONIES_PORT } from './sdk-env.js'
import { startS3, startSdkNode, type SdkNode } from './sdk-node.js'
import { makeCompatCert } from './tls.js'
import { runTsSuite, TS_SUITE } from './ts-suite.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function usage (problem: string): never {
  process.stderr.write(`npm run compat: ${problem}\nusage: npm run compat -- [--ts DIR] [--py DIR] [--python BIN] [--tls] [--verbose] [--keep] [--json]\n`)
  process.exit(2)
}

let args: { ts?: string, py?: string, python?: string, tls?: boolean, verbose?: boolean, keep?: boolean, json?: boolean }
try {
  args = parseArgs({
    options: {
      ts: { type: 'string' },
      py: { type: 'string' },
      python: { type: 'string' },
      tls: { type: 'boolean' },
      verbose: { type: 'boolean' },
      keep: { type: 'boolean' },
      json: { type: 'boolean' }
    }
  }).values
} catch (err) {
  usage((err as Error).message)
}
if (args.ts === undefined && args.py === undefined) usage('name at least one SDK checkout: --ts DIR (colonies-ts) or --py DIR (pycolonies)')

const say = (line: string): void => { if (args.json !== true) process.stdout.write(line + '\n') }
const keep = args.keep === true
const verbose = args.verbose === true
const results: SuiteResult[] = []
const kept: string[] = []
const cert = args.tls === true ? await makeCompatCert().catch((err: Error) => usage(err.message)) : undefined

async function withNode (suite: string, port: number, run: (node: SdkNode) => Promise<SuiteResult>): Promise<SuiteResult> {
  let node: SdkNode
  try {
    node = await startSdkNode(port, suite, cert)
  } catch (err) {
    return { suite, url: '', tests: [], error: (err as Error).message }
  }
  say(`${suite}: running its suite against a fresh node at ${node.url}`)
  try {
    return await run(node)
  } finally {
    await node.stop(keep)
    if (keep) kept.push(`${suite}: data and node log in ${node.dataDir}`)
  }
}

if (args.ts !== undefined) {
  const dir = resolve(args.ts)
  results.push(await withNode(TS_SUITE, 0, async node => await runTsSuite(dir, node, verbose)))
}

if (args.py !== undefined) {
  const dir = resolve(args.py)
  const python = await choosePython(args.python)
  if ('reason' in python) {
    results.push({ suite: PY_SUITE, url: '', tests: [], error: python.reason })
  } else {
    say(`${PY_SUITE}: Python ${python.note}`)
    const s3 = await startS3(root)
    say(`${PY_SUITE}: ${'reason' in s3 ? `${s3.reason}; the upload tests (and the downloads after them) are skipped` : `S3 server (s3rver) at ${s3.endpoint}, bucket ${s3.bucket}`}`)
    try {
      results.push(await withNode(PY_SUITE, PYCOLONIES_PORT, async node => await runPySuite(dir, node, { python, s3, verbose })))
    } finally {
      if (!('reason' in s3)) await s3.stop()
      await python.cleanup()
    }
  }
}

if (args.json === true) {
  process.stdout.write(JSON.stringify(results.map(r => ({ ...r, ...countsOf(r.tests) })), null, 2) + '\n')
} else {
  say('')
  for (const r of results) for (const line of formatSuite(r)) say(line)
  for (const line of kept) say(line)
}
await cert?.remove()
process.exit(results.every(r => r.error === undefined && countsOf(r.tests).failed === 0) ? 0 : 1)
