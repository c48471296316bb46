/**
 * colonies-ts's integration suite (src/client.integration.test.ts), run unchanged with the
 * checkout's own vitest as its CI runs `npm run test:integration`, read back from vitest's
 * JSON reporter.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runChild } from './child.js'
import { firstLine, type SuiteResult, type TestResult } from './results.js'
import { tsEnv } from './sdk-env.js'
import { tsTlsEnv } from './tls.js'
import { HOST, type SdkNode } from './sdk-node.js'

export const TS_SUITE = 'colonies-ts'
export const TS_TEST_FILE = 'src/client.integration.test.ts'
const TIMEOUT_MS = 10 * 60_000

interface VitestAssertion { ancestorTitles?: string[], title?: string, fullName?: string, status?: string, failureMessages?: string[] }
interface VitestFile { name?: string, status?: string, message?: string, assertionResults?: VitestAssertion[] }

/** Outcomes from vitest's (jest-shaped) JSON report; a file that failed to load counts as one failure. */
export function parseVitestReport (json: unknown): TestResult[] {
  const files = (json as { testResults?: VitestFile[] } | null)?.testResults
  if (!Array.isArray(files)) throw new Error('not a vitest JSON report: no testResults')
  const out: TestResult[] = []
  for (const f of files) {
    const file = f.name ?? ''
    const tests = f.assertionResults ?? []
    for (const a of tests) {
      const name = [...(a.ancestorTitles ?? []), a.title ?? ''].filter(Boolean).join(' > ') || (a.fullName ?? '')
      if (a.status === 'passed') out.push({ name, outcome: 'passed', message: '', file })
      else if (a.status === 'failed') out.push({ name, outcome: 'failed', message: firstLine(a.failureMessages?.join('\n') ?? ''), file })
      else out.push({ name, outcome: 'skipped', message: `${a.status ?? 'not run'} in the suite itself`, file })
    }
    if (tests.length === 0 && f.status === 'failed') out.push({ name: `${file} (the file)`, outcome: 'failed', message: firstLine(f.message ?? 'failed to run'), file })
  }
  return out
}

export async function runTsSuite (dir: string, node: SdkNode, verbose: boolean): Promise<SuiteResult> {
  const base = { suite: TS_SUITE, url: node.url }
  const vitest = join(dir, 'node_modules', '.bin', 'vitest')
  if (!existsSync(join(dir, TS_TEST_FILE))) return { ...base, tests: [], error: `${dir} is not a colonies-ts checkout: no ${TS_TEST_FILE}` }
  if (!existsSync(vitest)) return { ...base, tests: [], error: `no vitest in ${dir}/node_modules: run \`npm install\` there first` }
  const out = await mkdtemp(join(tmpdir(), 'colonynet-compat-vitest-'))
  try {
    const report = join(out, 'report.json')
    const run = await runChild(vitest, ['run', TS_TEST_FILE, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
      cwd: dir,
      env: { ...tsEnv(HOST, node.port), ...(node.certFile === undefined ? {} : tsTlsEnv(node.certFile)) },
      timeoutMs: TIMEOUT_MS,
      ...(verbose ? { prefix: '  [colonies-ts] ' } : {})
    })
    if (!existsSync(report)) {
      const why = run.timedOut ? `timed out after ${TIMEOUT_MS / 60_000} min` : `exited ${String(run.code)} without a report: ${firstLine(run.stderr)}`
      return { ...base, tests: [], error: `vitest ${why}` }
    }
    return { ...base, tests: parseVitestReport(JSON.parse(await readFile(report, 'utf8'))) }
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}
