/**
 * What a run of an SDK's suite came to, whichever runner produced it: one outcome per test,
 * the family of each failure (so a failure in a family still being built is told from one
 * that is not), and the lines `npm run compat` prints.
 */

export type Outcome = 'passed' | 'failed' | 'skipped'

export interface TestResult {
  /** as the runner names it: "Describe > it" (vitest), "Class.test_name" (unittest) */
  readonly name: string
  readonly outcome: Outcome
  /** the first line of the failure, or the reason for a skip */
  readonly message: string
  /** where the suite's tests live (the SDK's file) */
  readonly file: string
}

export interface SuiteResult {
  readonly suite: string
  /** the node the suite ran against */
  readonly url: string
  readonly tests: readonly TestResult[]
  /** the suite could not run at all (missing checkout, busy port, no interpreter): why */
  readonly error?: string
}

/**
 * The message families a failure can belong to. Files, snapshots, channels and blueprints
 * are served by parts of colonynet still being built; a failure outside them is a bug here.
 */
export type Family = 'files' | 'snapshots' | 'channels' | 'blueprints' | 'other'

const FAMILIES: ReadonlyArray<[Family, RegExp]> = [
  ['snapshots', /snapshot/i],
  ['channels', /channel/i],
  ['blueprints', /blueprint/i],
  ['files', /\bfiles?\b|file_|_file|filelabel|upload|download|\bsync\b|test_sync|cfslib|s3/i]
]

/** The family a failed test belongs to, by its name or else by the message type its error names. */
export function familyOf (t: Pick<TestResult, 'name' | 'message'>): Family {
  for (const [family, re] of FAMILIES) if (re.test(t.name)) return family
  const msgtype = /unknown message type "(\w+)"/.exec(t.message)?.[1]
  if (msgtype !== undefined) for (const [family, re] of FAMILIES) if (re.test(msgtype)) return family
  return 'other'
}

export interface Counts { passed: number, failed: number, skipped: number }

export function countsOf (tests: readonly TestResult[]): Counts {
  const c: Counts = { passed: 0, failed: 0, skipped: 0 }
  for (const t of tests) c[t.outcome]++
  return c
}

/** The first non-empty line of an error text, trimmed and at most `max` characters. */
export function firstLine (text: string, max = 200): string {
  const line = text.split('\n').map(l => l.trim()).find(l => l !== '') ?? ''
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

/**
 * The report of one suite: `<suite>: N passed, N failed, N skipped`, then one line per
 * failed test with its family, and one per test skipped with the reason.
 */
export function formatSuite (r: SuiteResult): string[] {
  if (r.error !== undefined) return [`${r.suite}: did not run: ${r.error}`]
  const c = countsOf(r.tests)
  const lines = [`${r.suite}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`]
  for (const t of r.tests) {
    if (t.outcome === 'failed') lines.push(`  failed [${familyOf(t)}] ${t.name}: ${t.message}`)
  }
  for (const t of r.tests) {
    if (t.outcome === 'skipped') lines.push(`  skipped ${t.name}: ${t.message}`)
  }
  return lines
}
