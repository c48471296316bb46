/**
 * A node killed with SIGKILL in the middle of writing loses nothing it acknowledged, and
 * reopens to consistent projections (an unclean stop triggers a rebuild from the batches).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { Ledger } from '../../src/store/ledger.js'

const writer = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'writer.ts')

/** Runs the writer until it has acknowledged `n` records, then kills it with SIGKILL. */
async function killAfter (dir: string, nodeKey: string, colony: string, n: number, deadlineMs = 60_000): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, nodeKey, colony], { stdio: ['ignore', 'pipe', 'pipe'] })
  const acked: string[] = []
  let partial = ''
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`writer acknowledged only ${acked.length} records in ${deadlineMs} ms: ${stderr}`))
    }, deadlineMs)
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n')
      partial = lines.pop() ?? ''
      acked.push(...lines.filter(x => x.length === 64))
      if (acked.length >= n && child.exitCode === null && !child.killed) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve(acked)
      else reject(new Error(`writer exited on its own (code ${code}): ${stderr}`))
    })
  })
}

test('a writer killed mid-write loses no acknowledged record, twice over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-crash-'))
  const nodeKey = generatePrivateKey()
  try {
    const first = await killAfter(dir, nodeKey, 'first', 400)
    let l = await Ledger.open({ dir, nodeKey })
    for (const id of first) assert.ok(l.fold.process(id), `acknowledged process ${id} lost`)
    const projected = await l.projectionHash()
    assert.is((await l.rebuildProjections()).hash, projected, 'projections after the crash differ from a rebuild')
    const seq = l.versionVector().get(l.nodeId) ?? 0
    await l.close()

    // The restarted writer continues the sequence and is killed again.
    const second = await killAfter(dir, nodeKey, 'second', 400)
    l = await Ledger.open({ dir, nodeKey })
    for (const id of [...first, ...second]) assert.ok(l.fold.process(id), `acknowledged process ${id} lost`)
    assert.ok((l.versionVector().get(l.nodeId) ?? 0) > seq)
    assert.is((await l.rebuildProjections()).hash, await l.projectionHash())
    await l.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
