/**
 * The progress people see on stderr during `fs sync | get | snapshot download`: a line per
 * file with files and bytes so far; on a terminal also a status line redrawn in place, at
 * most every 100 ms, and cleared before any other line; nothing when quiet.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { TransferProgress } from '../../src/cli/transfer-progress.js'

function run (tty: boolean, quiet = false): { out: string[], p: TransferProgress, at: (ms: number) => void } {
  const out: string[] = []
  let now = 0
  const p = new TransferProgress({ write: t => out.push(t), tty, quiet, files: 2, bytes: 3 * 1024 * 1024, now: () => now })
  return { out, p, at: ms => { now = ms } }
}

test('not a terminal: one line per file moved, with the counts so far; resumed bytes are said', () => {
  const { out, p } = run(false)
  p.event({ type: 'start', op: 'upload', label: '/data', name: 'a.bin', size: 1024 * 1024 })
  p.event({ type: 'bytes', op: 'upload', label: '/data', name: 'a.bin', done: 512 * 1024, total: 1024 * 1024 })
  p.event({ type: 'done', op: 'upload', label: '/data', name: 'a.bin', size: 1024 * 1024, resumed: 0 })
  p.event({ type: 'start', op: 'download', label: '/', name: 'b.bin', size: 2 * 1024 * 1024 })
  p.event({ type: 'done', op: 'download', label: '/', name: 'b.bin', size: 2 * 1024 * 1024, resumed: 1024 * 1024 })
  p.end()
  assert.equal(out, [
    'uploaded /data/a.bin (1.0 MiB)  [1/2 files, 1.0 MiB of 3.0 MiB]\n',
    'downloaded /b.bin (2.0 MiB, resumed at 1.0 MiB)  [2/2 files, 3.0 MiB of 3.0 MiB]\n'
  ])
})

test('a terminal: a status line redrawn at most every 100 ms, cleared before a file\'s line and at the end', () => {
  const { out, p, at } = run(true)
  p.event({ type: 'start', op: 'download', label: '/d', name: 'x', size: 3 * 1024 * 1024 })
  assert.equal(out, ['0/2 files, 0 B of 3.0 MiB (0%)'])
  at(50)
  p.event({ type: 'bytes', op: 'download', label: '/d', name: 'x', done: 1024 * 1024, total: 3 * 1024 * 1024 })
  assert.is(out.length, 1, 'not redrawn within 100 ms')
  at(150)
  p.event({ type: 'bytes', op: 'download', label: '/d', name: 'x', done: 1536 * 1024, total: 3 * 1024 * 1024 })
  assert.equal(out.slice(1), ['\r\x1b[K', '0/2 files, 1.5 MiB of 3.0 MiB (50%)'])
  p.event({ type: 'done', op: 'download', label: '/d', name: 'x', size: 3 * 1024 * 1024, resumed: 0 })
  assert.equal(out.slice(3), ['\r\x1b[K', 'downloaded /d/x (3.0 MiB)  [1/2 files, 3.0 MiB of 3.0 MiB]\n', '1/2 files, 3.0 MiB of 3.0 MiB (100%)'])
  p.end()
  assert.is(out.at(-1), '\r\x1b[K')
})

test('quiet: nothing', () => {
  const { out, p } = run(true, true)
  p.event({ type: 'start', op: 'upload', label: '/d', name: 'x', size: 1 })
  p.event({ type: 'done', op: 'upload', label: '/d', name: 'x', size: 1, resumed: 0 })
  p.end()
  assert.equal(out, [])
})

test('a file name with control characters is printed escaped', () => {
  const { out, p } = run(false)
  p.event({ type: 'start', op: 'download', label: '/d', name: '\u001b[2Jx\u0000', size: 1 })
  p.event({ type: 'done', op: 'download', label: '/d', name: '\u001b[2Jx\u0000', size: 1, resumed: 0 })
  assert.match(out[0] ?? '', /^downloaded \/d\/\\x1b\[2Jx\\x00 \(/)
})

test.run()
