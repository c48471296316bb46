/**
 * Channel latency across sites, beside the cross-site claim latency measured the same way
 * in the same run (bench/federation.ts): three sites, each its own process, on loopback.
 * - claim: submit at A → the executor parked at C has the process;
 * - channel: append at A (from before the request) → the executor's subscription at C has
 *   the entry, one append at a time.
 * And what the fold spends on an append (in this process): 5,000 appends to one process
 * folded one at a time, in order and with pairs arriving swapped (as concurrent appends
 * from two sites do).
 * Usage: bench/channels.ts [--n N] (default 200 of each; `npm run bench` runs 100).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { subscribeChannel } from '../src/client/channel-subscribe.js'
import { ColoniesClient } from '../src/client/rpc-client.js'
import { generatePrivateKey, idFromPrivateKey } from '../src/protocol/crypto.js'
import type { FoldEntry } from '../src/protocol/entry.js'
import { LedgerFold } from '../src/protocol/fold.js'
import { ExecutorState } from '../src/protocol/state.js'
import { eventually } from '../test/helpers/colony-node.js'
import { World } from '../test/helpers/world.js'
import { type Site, startColonyOfThree, stopSite } from './federation.js'
import { percentile } from './percentile.js'

const round = (ms: number): number => Number(ms.toFixed(1))

/** µs of fold CPU per append: 5,000 appends by both parties, one `add` each, every `swap`-th pair arriving swapped (0: in order). */
export function foldPerAppend (swaps: readonly number[], appends = 5000): Record<string, number> {
  const w = new World()
  const base: FoldEntry[] = w.setup()
  const s = w.submit({ channels: ['chat'] })
  base.push(s, w.claim(s.id, 'e1'))
  const all: FoldEntry[] = []
  for (let i = 1; i <= appends; i++) {
    all.push(w.env({ msgtype: 'channelappendmsg', processid: s.id, name: 'chat', sequence: i, payload: [i % 256] }, i % 2 === 0 ? w.user('u1') : w.exec('e1')))
  }
  const out: Record<string, number> = {}
  for (const swap of swaps) {
    const list = all.slice()
    if (swap > 0) for (let i = 0; i + 1 < list.length; i += swap) [list[i], list[i + 1]] = [list[i + 1] as FoldEntry, list[i] as FoldEntry]
    let best = Infinity
    for (let r = 0; r < 7; r++) {
      const f = new LedgerFold()
      f.add(base)
      const c0 = process.cpuUsage()
      for (const e of list) f.add([e])
      const c = process.cpuUsage(c0)
      if (f.channelEntries(s.id, 'chat').length !== appends) throw new Error('the fold lost appends')
      best = Math.min(best, (c.user + c.system) / appends)
    }
    out[swap === 0 ? 'fold µs per append, in order' : `fold µs per append, every ${swap === 2 ? '' : `${swap}th `}pair swapped`] = Number(best.toFixed(2))
  }
  return out
}

export async function benchChannels (opts: { n?: number } = {}, log = console.log): Promise<Record<string, number>> {
  const n = opts.n ?? 200
  // in this process, before the sites start: nothing else runs beside it
  log('  the fold\'s cost of an append …')
  const fold = foldPerAppend([0, 10, 2])
  const root = await mkdtemp(join(tmpdir(), 'colonynet-bench-chan-'))
  const operator = generatePrivateKey()
  const ownerKey = generatePrivateKey()
  const userKey = generatePrivateKey()
  const colony = 'bench'
  const sites: Site[] = []
  try {
    const { a, b, c, owner } = await startColonyOfThree(root, { operator, ownerKey, userKey, colony }, sites)
    const atC = new ColoniesClient({ url: c.url, prvkey: generatePrivateKey() })
    await owner.addExecutor({ colonyname: colony, executorid: atC.id, executorname: 'xc', executortype: 'noop' })
    await owner.approveExecutor(colony, 'xc')
    // approved at C, not only known there: an assign before the approval arrives is refused
    await eventually(async () => {
      try { return (await atC.getExecutorById(colony, atC.id)).state === ExecutorState.APPROVED ? true : undefined } catch { return undefined }
    }, 'the executor\'s approval to reach C', 60_000)
    const userA = new ColoniesClient({ url: a.url, prvkey: userKey })
    let nth = 0
    const spec = (channels: string[] = []): { funcname: string, args: string[], maxexectime: number, channels: string[], conditions: { colonyname: string, executortype: string } } =>
      ({ funcname: 'noop', args: [String(nth++)], maxexectime: -1, channels, conditions: { colonyname: colony, executortype: 'noop' } })

    // the claim path, as bench/federation.ts measures it
    const claims = async (count: number): Promise<number[]> => {
      const lat: number[] = []
      for (let i = 0; i < count; i++) {
        const parked = atC.assign(colony, 10)
        await new Promise(resolve => setTimeout(resolve, 5))
        const t0 = performance.now()
        await userA.submitFunctionSpec(spec())
        const p = await parked
        lat.push(performance.now() - t0)
        await atC.closeSuccessful(p.processid)
      }
      return lat.sort((x, y) => x - y)
    }

    // the channel path: one process submitted at A, run at C, its channel subscribed to at C
    const parked = atC.assign(colony, 10)
    await new Promise(resolve => setTimeout(resolve, 5))
    const { processid } = await userA.submitFunctionSpec(spec(['chat']))
    if ((await parked).processid !== processid) throw new Error('the executor at C got another process')
    const waiting = new Map<number, () => void>()
    const sub = subscribeChannel(atC, { processid, name: 'chat', timeoutSec: 3600 }, entries => {
      for (const e of entries) waiting.get(e.sequence)?.()
    })
    await sub.opened
    let seq = 0
    const appends = async (count: number): Promise<number[]> => {
      const lat: number[] = []
      for (let i = 0; i < count; i++) {
        const s = ++seq
        const heard = new Promise<void>(resolve => waiting.set(s, resolve))
        const t0 = performance.now()
        await userA.channelAppend(processid, 'chat', s, 0, `message ${s}`)
        await heard
        lat.push(performance.now() - t0)
        waiting.delete(s)
      }
      return lat.sort((x, y) => x - y)
    }

    log(`  warming up (${Math.ceil(n / 4)} of each) …`)
    await claims(Math.ceil(n / 4))
    await appends(Math.ceil(n / 4))
    log(`  ${n} claims and ${n} appends, alternating in tens …`)
    const claimLat: number[] = []
    const chanLat: number[] = []
    for (let done = 0; done < n; done += 10) {
      claimLat.push(...await claims(Math.min(10, n - done)))
      chanLat.push(...await appends(Math.min(10, n - done)))
    }
    claimLat.sort((x, y) => x - y)
    chanLat.sort((x, y) => x - y)
    sub.close()
    await atC.closeSuccessful(processid)
    return {
      ...fold,
      'cross-site submit→start p50 ms (A → executor at C)': round(percentile(claimLat, 0.5)),
      'cross-site submit→start p99 ms': round(percentile(claimLat, 0.99)),
      'channel append→subscriber p50 ms (A → subscriber at C)': round(percentile(chanLat, 0.5)),
      'channel append→subscriber p99 ms': round(percentile(chanLat, 0.99))
    }
  } finally {
    for (const s of sites) await stopSite(s)
    await rm(root, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--n')
  console.table(await benchChannels(at > 0 ? { n: Number(process.argv[at + 1]) } : {}))
}
