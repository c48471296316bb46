/**
 * A generator's firing is kept with the colony level (its queue needs it at open) and in
 * its workflow's records. A restart must bring the workflow back as it was: settled ones
 * stay settled and out of memory, a running one keeps its claim, and a firing written
 * after the last checkpoint (a crash) starts its workflow once.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { signBatch } from '../../src/protocol/records.js'
import { ProcessState } from '../../src/protocol/state.js'
import { Ledger } from '../../src/store/ledger.js'
import { newKey, type WorldEntry } from '../helpers/world.js'
import { generatorHistory } from './fixtures/gen-history.js'

const writer = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'gen-writer.ts')

/** Opens the ledger; `ingest` continues the world node's batch sequence from what the ledger holds. */
async function opened (dir: string, nodeKey: string): Promise<{ l: Ledger, ingest: (es: WorldEntry[]) => Promise<void> }> {
  const l = await Ledger.open({ dir, nodeKey })
  const h = generatorHistory()
  let seq = l.versionVector().get(h.w.node.id) ?? 0
  return { l, ingest: async es => { await l.ingest([signBatch(h.w.node.id, ++seq, es.map(e => e.record), h.w.node.prv)]) } }
}

test('a generator workflow that finished stays finished and away from memory after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-genrestart-'))
  const nodeKey = newKey().prv
  const h = generatorHistory()
  let { l, ingest } = await opened(dir, nodeKey)
  for (const step of h.steps) await ingest(step)
  assert.is(l.fold.process(h.pid)?.state, ProcessState.RUNNING)
  await ingest([h.close()])
  await l.settled()
  assert.is((await l.reads.process(h.pid))?.state, ProcessState.SUCCESS)
  const hash = l.fold.stateHash()
  const resident = l.fold.resident().processes
  await l.close()
  for (let i = 0; i < 2; i++) {
    l = await Ledger.open({ dir, nodeKey })
    assert.is(l.fold.process(h.pid), undefined, 'the settled workflow is not back in memory')
    assert.is(l.fold.resident().processes, resident)
    assert.is((await l.reads.process(h.pid))?.state, ProcessState.SUCCESS)
    assert.is(l.fold.stateHash(), hash, 'the state hash changed across a restart')
    await l.close()
  }
  ;({ l, ingest } = await opened(dir, nodeKey))
  // a late record of the settled workflow brings it back whole: its firing is its creator
  await ingest([h.w.env({ msgtype: 'addlogmsg', processid: h.pid, message: 'late' }, h.w.executors.get('e1') ?? h.w.owner)])
  assert.is(l.versionVector().get(h.w.node.id), h.steps.length + 2, 'the late record was not taken')
  assert.is((await l.reads.process(h.pid))?.state, ProcessState.SUCCESS)
  await l.close()
})

test('a running generator workflow keeps its claim across a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-genrestart-'))
  const nodeKey = newKey().prv
  const h = generatorHistory()
  let { l, ingest } = await opened(dir, nodeKey)
  for (const step of h.steps) await ingest(step)
  const hash = l.fold.stateHash()
  await l.close()
  ;({ l, ingest } = await opened(dir, nodeKey))
  const p = l.fold.process(h.pid)
  assert.is(p?.state, ProcessState.RUNNING, 'the claimed node came back waiting')
  assert.is(p?.assignedexecutorid, h.w.executors.get('e1')?.id)
  assert.is(l.fold.stateHash(), hash)
  await ingest([h.close()])
  assert.is(l.fold.process(h.pid)?.state ?? (await l.reads.process(h.pid))?.state, ProcessState.SUCCESS)
  await l.close()
})

test('a firing written after the last checkpoint starts its workflow once after a crash', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-genrestart-'))
  const nodeKey = newKey().prv
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, nodeKey], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const pid = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`writer printed nothing in 60 s: ${err}`)) }, 60_000)
    child.stdout.on('data', (d: Buffer) => {
      const line = d.toString().trim()
      if (/^[0-9a-f]{64}$/.test(line)) { clearTimeout(timer); resolve(line) }
    })
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`writer exited (code ${code}): ${err}`)) })
  })
  child.removeAllListeners('exit')
  const gone = new Promise(resolve => child.on('exit', resolve))
  child.kill('SIGKILL')
  await gone
  const l = await Ledger.open({ dir, nodeKey })
  const p = l.fold.process(pid)
  assert.is(p?.state, ProcessState.RUNNING, 'the firing after the checkpoint lost its workflow or its claim')
  assert.is([...l.fold.processesRaw()].filter(x => x.processid === pid).length, 1)
  await l.close()
})

test.run()
