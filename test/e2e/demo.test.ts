/**
 * The README's first command, `npm run demo`, as a child process: three sites, a Unix
 * executor, a partition and a heal; it must exit 0 having seen every process finish at
 * every site and the sites' state hashes agree.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

test('npm run demo: every process finishes at every site, and the sites agree', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'examples', 'demo.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const deadline = setTimeout(() => child.kill('SIGKILL'), 180_000)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(deadline)
  assert.is(code, 0, out)
  assert.match(out, /All sites agree\./)
  // the table lists all 26 processes, each SUCCESS, those submitted while B was cut off at B
  const rows = out.split('\n').filter(l => /^ {2}[0-9a-f]{12} {2}/.test(l))
  assert.is(rows.length, 26, out)
  assert.ok(rows.every(r => r.includes('SUCCESS')), out)
  assert.is(rows.filter(r => /^ {2}[0-9a-f]{12} {2}B /.test(r)).length, 5, out)
})

test.run()
