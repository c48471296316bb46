/**
 * Runs uvu suites under test/ in one process and ends with the line CI reads:
 * `N passed, N failed, N skipped`.
 *
 *   test/run.ts [--unit] [regex]
 *
 * `--unit` keeps the fast unit tests only (UNIT below); a regex keeps the test files whose
 * path, from the repository root (`test/node/p2p-host.test.ts`) or from test/
 * (`node/p2p-host.test.ts`), it matches. A selection that matches no file is an error.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join, relative, sep } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const testDir = join(root, 'test')

/**
 * `--unit`: the protocol, crypto and store tests, and the node's and command line's pure
 * parts; no network (about 30 s on 2 cores). Everything else needs hosts, nodes or browsers.
 */
const UNIT = /^test\/(protocol|crypto|store)\/|^test\/node\/(lp-decoder|polyfill)\.test\.ts$|^test\/cli\/(config|env-file|failure|helpers|spec-file|table)\.test\.ts$/

function usage (problem: string): never {
  console.error(`test/run.ts: ${problem}\nusage: test/run.ts [--unit] [regex]`)
  process.exit(2)
}

const args = process.argv.slice(2)
const unit = args.includes('--unit')
const rest = args.filter(a => a !== '--unit')
if (rest.length > 1 || rest.some(a => a.startsWith('-'))) usage(`unexpected arguments: ${rest.join(' ')}`)
let pattern: RegExp | undefined
if (rest[0] !== undefined) {
  try { pattern = new RegExp(rest[0], 'i') } catch (err) { usage((err as Error).message) }
}

/** every *.test.ts under test/, as a path from the root with forward slashes */
function testFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return testFiles(path)
    return e.name.endsWith('.test.ts') ? [relative(root, path).split(sep).join('/')] : []
  })
}

const files = testFiles(testDir).filter(f =>
  (!unit || UNIT.test(f)) && (pattern === undefined || pattern.test(f) || pattern.test(f.slice('test/'.length))))
if (files.length === 0) usage(`no test file matches ${[unit ? '--unit' : '', rest[0] ?? ''].filter(Boolean).join(' ')}`)

// uvu matches its pattern against paths from test/: name exactly the files chosen
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const only = `^(?:${files.map(f => escape(f.slice('test/'.length))).join('|')})$`
// every suite signs and verifies with the backend a node would choose (src/crypto)
const preload = pathToFileURL(join(root, 'test/helpers/crypto-backend.mjs')).href
const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, join(root, 'node_modules/uvu/bin.js'), 'test', only], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit']
})
let out = ''
/** when each file's header appeared: the time until the next one is that file's */
const started: Array<{ file: string, at: number }> = []
child.stdout.on('data', (d: Buffer) => {
  process.stdout.write(d)
  const text = d.toString()
  for (const m of text.replace(/\x1b\[[0-9;]*m/g, '').matchAll(/^(\S.*\.test\.ts)$/gm)) started.push({ file: m[1] as string, at: Date.now() })
  out += text
})

/** The slowest files, so that whoever keeps `npm test` within its bound knows where to look. */
function slowest (end: number, n = 8): string {
  const spans = started.map((s, i) => ({ file: s.file, ms: (started[i + 1]?.at ?? end) - s.at })).sort((a, b) => b.ms - a.ms).slice(0, n)
  return spans.map(s => `${(s.ms / 1000).toFixed(1).padStart(6)} s  ${s.file}`).join('\n')
}
child.on('close', (code) => {
  // uvu's own summary; strip colours before reading it.
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '')
  const num = (label: string): number => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0)
  // uvu's Total counts the tests that ran (test.skip ones are not among them)
  const total = num('Total')
  const passed = num('Passed')
  const skipped = num('Skipped')
  let failed = total - passed
  if (code !== 0 && failed === 0) failed = 1 // a suite crashed before uvu could count it
  // uvu prints each failure after its file, far above the end of a long run: repeat them
  // here, so that whoever reads only the tail of the output (CI) sees what failed.
  const failures = failureBlocks(plain)
  if (started.length > 1) console.log(`\nslowest files:\n${slowest(Date.now())}`)
  if (failures.length > 0) console.log(`\nfailures, repeated from above:\n${failures.join('\n')}`)
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`)
  process.exit(code ?? 1)
})

/** Each `FAIL  suite  "test"` block uvu printed, cut to its first lines (the assertion and where). */
function failureBlocks (plain: string): string[] {
  const lines = plain.split('\n')
  const blocks: string[] = []
  let file = ''
  lines.forEach((line, i) => {
    if (/^\S.*\.test\.ts$/.test(line)) file = line
    if (!line.includes(' FAIL ')) return
    const block: string[] = [file]
    for (const l of lines.slice(i, i + 16)) {
      if (block.length > 1 && (l.includes(' FAIL ') || /^\S.*\.test\.ts$/.test(l))) break
      block.push(l)
    }
    blocks.push(block.join('\n').trimEnd())
  })
  return blocks
}
