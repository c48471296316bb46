/**
 * A node killed with SIGKILL in the middle of writing loses nothing it acknowledged, and
 * reopens to consistent projections (an unclean stop triggers a rebuild from the batches).
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { killWhen } from '../helpers/kill-child.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { Ledger } from '../../src/store/ledger.js'

const writer = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'writer.ts')

/** Runs the writer until it has acknowledged `n` records, then kills it with SIGKILL. */
async function killAfter (dir: string, nodeKey: string, colony: string, n: number, deadlineMs = 60_000): Promise<string[]> {
  const acked = (lines: readonly string[]): string[] => lines.filter(x => x.length === 64)
  return acked(await killWhen(writer, [dir, nodeKey, colony], lines => acked(lines).length >= n, `${n} acknowledged records`, deadlineMs))
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
