/**
 * Runs every uvu suite under test/ in one process and ends with the line CI reads:
 * `N passed, N failed, N skipped`. Optional argument: a regex to select test files.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pattern = process.argv[2] ?? '\\.test\\.ts$'
const preload = pathToFileURL(join(root, 'test/helpers/crypto-backend.mjs')).href
const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, join(root, 'node_modules/uvu/bin.js'), 'test', pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit']
})
let out = ''
child.stdout.on('data', (d: Buffer) => {
  process.stdout.write(d)
  out += d.toString()
})
child.on('close', (code) => {
  // uvu's own summary; strip colours before reading it.
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '')
  const num = (label: string): number => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0)
  const total = num('Total')
  const passed = num('Passed')
  const skipped = num('Skipped')
  let failed = total - passed - skipped
  if (code !== 0 && failed === 0) failed = 1 // a suite crashed before uvu could count it
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`)
  process.exit(code ?? 1)
})
