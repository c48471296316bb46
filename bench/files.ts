/**
 * The file fold's cost (`node --import tsx bench/files.ts [--quick]`): file records folded
 * one per add in order (a site's own appends) and from two sites interleaved (the other
 * site's records late, in batches, as gossip brings them), per record at two sizes, so a
 * ratio near 1 says the cost does not grow with the colony's files; then the reads the
 * RPC and the blob plane make. Records are built without signatures: the fold takes them
 * verified.
 */
import { makeEntry, type FoldEntry } from '../src/protocol/entry.js'
import { LedgerFold } from '../src/protocol/fold.js'
import { parseMessage } from '../src/protocol/messages.js'
import { World } from '../test/helpers/world.js'

const quick = process.argv.includes('--quick')
const sizes = quick ? [5_000, 50_000] : [20_000, 200_000]

function history (n: number): { setup: FoldEntry[], files: FoldEntry[], site: string, author: string, colony: string, t: number } {
  const w = new World()
  const { sites, entries: setup } = w.twoSites()
  const author = w.user('u1').id
  const t = w.t + 10
  const files = Array.from({ length: n }, (_, i) => {
    const msg = parseMessage({
      msgtype: 'addfilemsg',
      file: { colonyname: w.colony, label: `/l${i % 50}`, name: `f${i % (n / 10)}`, size: i, checksum: i.toString(16).padStart(64, '0'), checksumalg: 'SHA256', ref: { protocol: 'colonynet', s3object: {} } }
    })
    return makeEntry({ o: sites[i % 2] as string, t: { w: t + i, l: i % 2 }, b: { k: 'env', env: { signature: `s${i}`, payloadtype: 'addfilemsg', payload: '' } } }, author, msg)
  })
  return { setup, files, site: sites[0] as string, author, colony: w.colony, t: t + n }
}

function fold (setup: FoldEntry[], batches: FoldEntry[][]): { f: LedgerFold, ms: number } {
  const f = new LedgerFold()
  f.add(setup)
  const t0 = performance.now()
  for (const b of batches) f.add(b)
  return { f, ms: performance.now() - t0 }
}

const perRecord: Record<string, number[]> = { 'in order': [], interleaved: [] }
for (const n of sizes) {
  const h = history(n)
  const inOrder = fold(h.setup, h.files.map(e => [e]))
  // site 0's records one by one; site 1's arrive 100 records late, 50 at a time
  const mine = h.files.filter((_, i) => i % 2 === 0)
  const theirs = h.files.filter((_, i) => i % 2 === 1)
  const batches: FoldEntry[][] = []
  for (let i = 0; i < mine.length; i += 50) {
    for (const e of mine.slice(i, i + 50)) batches.push([e])
    if (i >= 100) batches.push(theirs.slice(i - 100, i - 50))
  }
  batches.push(theirs.slice(Math.max(0, mine.length - 100)))
  const inter = fold(h.setup, batches)
  if (inter.f.stateHash() !== inOrder.f.stateHash()) throw new Error('the two orders gave different states')
  perRecord['in order']?.push(inOrder.ms * 1000 / n)
  perRecord.interleaved?.push(inter.ms * 1000 / n)
  console.log(`${n} file records: in order ${(inOrder.ms * 1000 / n).toFixed(2)} µs/record, two sites interleaved ${(inter.ms * 1000 / n).toFixed(2)} µs/record`)
  if (n !== sizes[sizes.length - 1]) continue
  const f = inOrder.f
  const time = (what: string, fn: () => unknown): void => {
    const t0 = performance.now()
    const r = fn()
    console.log(`  ${what}: ${(performance.now() - t0).toFixed(2)} ms (${Array.isArray(r) ? `${r.length} items` : String(r)})`)
  }
  time('labels() of every label', () => f.files.labels(h.colony))
  time('filesIn() of one label', () => f.files.filesIn(h.colony, '/l7'))
  f.add([makeEntry({ o: h.site, t: { w: h.t + 1, l: 0 }, b: { k: 'env', env: { signature: 'snap', payloadtype: 'createsnapshotmsg', payload: '' } } },
    h.author, parseMessage({ msgtype: 'createsnapshotmsg', colonyname: h.colony, label: '/', name: 'all' }))])
  time('a snapshot of every label, read', () => f.files.snapshotByName(h.colony, 'all')?.fileids.length)
  time('isChecksumLive()', () => f.files.isChecksumLive(h.colony, (5).toString(16).padStart(64, '0')))
  time('checksumsUnder() one label', () => f.files.checksumsUnder(h.colony, '/l7'))
  time('stateHash()', () => f.stateHash().slice(0, 8))
}
for (const [k, v] of Object.entries(perRecord)) console.log(`${k}: cost ratio ${sizes[1]}/${sizes[0]} = ${((v[1] ?? NaN) / (v[0] ?? NaN)).toFixed(2)}`)
