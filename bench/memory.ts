/**
 * Heap per settled process in a ledger: a Ledger in a temporary directory ingests `n`
 * completed processes of another site (submit, claim, close; every signature checked, as
 * a sync delivers them), and the heap in use after a full collection is compared with the
 * same after the first 5,000. Settled processes leave memory for the store (DESIGN
 * decision 11): what is left per process is what memory still holds of it (the target
 * is under 100 bytes). Two kinds of spec: the benches' small ones, and ones with an
 * environment, kwargs and limits (a base64 payload of ~700 bytes).
 * `node --import tsx bench/memory.ts [n]`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { installCryptoBackend } from '../src/crypto/index.js'
import { generatePrivateKey } from '../src/protocol/crypto.js'
import { signEnvelope } from '../src/protocol/envelope.js'
import { type Batch, type LedgerRecord, recordId, signBatch } from '../src/protocol/records.js'
import { ProcessState } from '../src/protocol/state.js'
import { Ledger } from '../src/store/ledger.js'
import { World } from '../test/helpers/world.js'

// signs and verifies here, without a node to pick the backend
installCryptoBackend()

const BASE = 5000
const CHUNK = 5000

// a full collection before each reading
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** The heap in use once the ledger's writes are done (waiting longer changed nothing). */
async function heapAfterGc (ledger: Ledger): Promise<number> {
  await ledger.flushProjections()
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

async function heapPerProcess (n: number, large: boolean): Promise<number> {
  if (n <= BASE || n % CHUNK !== 0) throw new Error(`n must be a multiple of ${CHUNK} above ${BASE}`)
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-memory-'))
  const ledger = await Ledger.open({ dir, nodeKey: generatePrivateKey() })
  try {
    const w = new World('memory')
    const setup = w.setup().map(e => e.record)
    const user = w.user('u1')
    const executor = w.executors.get('e1') as { prv: string, id: string }
    let t = w.t // after the setup's records
    let seq = 0
    const rec = (b: LedgerRecord['b']): LedgerRecord => ({ o: w.node.id, t: { w: ++t, l: 0 }, b })
    const extra = large
      ? {
          env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/user', DATASET: 's3://bucket/path/to/dataset/v1', MODEL: 'resnet50', EPOCHS: '10', BATCH: '64' },
          maxexectime: 600,
          maxretries: 3,
          label: 'train-job'
        }
      : {}
    let base = 0
    for (let done = 0; done < n; done += CHUNK) {
      const recs: LedgerRecord[] = done === 0 ? setup : []
      for (let i = done; i < Math.min(n, done + CHUNK); i++) {
        const spec = {
          funcname: 'echo',
          args: [String(i)],
          ...(large ? { kwargs: { input: `data-${i}`, mode: 'train' } } : {}),
          conditions: { colonyname: w.colony, executortype: 'cli', ...(large ? { cpu: '1000m', mem: '1000Mi', walltime: 600 } : {}) },
          ...extra
        }
        const submit = rec({ k: 'env', env: signEnvelope({ msgtype: 'submitfuncspecmsg', spec }, user.prv) })
        const processid = recordId(submit)
        recs.push(submit,
          rec({ k: 'claim', processid, attempt: 1, executorid: executor.id }),
          rec({ k: 'env', env: signEnvelope({ msgtype: 'closesuccessfulmsg', processid, out: [String(i)] }, executor.prv) }))
      }
      const batches: Batch[] = []
      for (let i = 0; i < recs.length; i += 3) batches.push(signBatch(w.node.id, ++seq, recs.slice(i, i + 3), w.node.prv))
      await ledger.ingest(batches)
      if (done + CHUNK === BASE) base = await heapAfterGc(ledger)
    }
    const used = await heapAfterGc(ledger)
    // every process folded to its end (a refused setup would leave only refused records),
    // and none of them left in memory
    const completed = ledger.reads.counts(w.colony).processes[ProcessState.SUCCESS] ?? 0
    if (completed !== n) throw new Error(`${completed} of ${n} processes completed`)
    const resident = ledger.fold.resident().processes
    if (resident !== 0) throw new Error(`${resident} settled processes still in memory`)
    return (used - base) / (n - BASE)
  } finally {
    await ledger.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export async function benchMemory (n = 25_000, log = console.log): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const large of [false, true]) {
    log(`  ${n} completed processes, ${large ? 'larger specs (env, kwargs, limits)' : 'small specs'} …`)
    out[`heap bytes per settled process, ${large ? 'larger' : 'small'} specs`] = Math.round(await heapPerProcess(n, large))
  }
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await benchMemory(Number(process.argv[2] ?? 25_000)))
}
