/**
 * Fuzzing what other sites send: gossip frames (decodeGossip), sync frames
 * (decodeSyncFrame) and the batches inside them, through to Ledger.ingest on a real
 * store. Random and mutated frames raise ValidationError and nothing else; a mutated
 * batch is refused as a whole (its signature no longer covers it) and leaves the ledger,
 * its version vector and the fold's state exactly as they were.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canonicalJson } from '../../src/protocol/canonical.js'
import { ColonyError, ValidationError } from '../../src/protocol/errors.js'
import { type Batch, type LedgerRecord, parseBatch, signBatch } from '../../src/protocol/records.js'
import { batchesOf, decodeGossip, encodeBatchFrame, encodeGossip, MAX_ADVERT_ADDRS, MAX_ADVERT_ORIGINS, MAX_MORE_BATCHES, peerOfAddrs } from '../../src/node/p2p/gossip.js'
import { peerIdOfNodeKey } from '../../src/node/p2p/peer-identity.js'
import { decodeSyncFrame, pull, type SyncStream, SyncRefusedError } from '../../src/node/p2p/sync-protocol.js'
import { Ledger } from '../../src/store/ledger.js'
import { newKey, World } from '../helpers/world.js'
import { fcOptions } from './fuzz-config.js'
import { applyByteEdits, applyEdits, byteEditArb, editsArb, highS, hostileValue, shown, thrown } from './hostile.js'

const enc = new TextEncoder()
const bytes = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v))

// A site S of colony "dev" with its history in batch 1, and batch 2 of further records.
const w = new World()
const site = w.node
const setup = w.setup()
const submit = w.submit()
const claimRec = w.record({ k: 'claim', processid: submit.id, attempt: 1, executorid: w.exec('e1').id })
const batch1 = signBatch(site.id, 1, [...setup.map(e => e.record), submit.record, claimRec], site.prv)
const logRec = w.env({ msgtype: 'addlogmsg', processid: submit.id, message: 'line' }, w.exec('e1'), { att: 1 }).record
const closeRec = w.env({ msgtype: 'closesuccessfulmsg', processid: submit.id, out: ['done'] }, w.exec('e1'), { att: 1 }).record
const expireRec = w.record({ k: 'expire', processid: submit.id, attempt: 1, what: 'exec' })
const fireRec = w.record({ k: 'fire', colonyname: 'dev', cronid: 'c'.repeat(64), at: 1_700_000_100_000, in: [] })
const genRec = w.record({ k: 'genfire', colonyname: 'dev', generatorid: 'd'.repeat(64), packs: ['e'.repeat(64)], args: ['x'] })
const siteRec = w.record({ k: 'site', operatorid: w.operator.id, name: 'renamed' })
const reconcileRec = w.record({ k: 'reconcile', colonyname: 'dev', record: 'f'.repeat(64) })
const batch2 = signBatch(site.id, 2, [logRec, closeRec, expireRec, fireRec, genRec, siteRec, reconcileRec], site.prv)

const sitePeer = peerIdOfNodeKey(site.prv)
const otherPeer = peerIdOfNodeKey(newKey().prv)

const validGossip = [
  { k: 'batch', batch: batch1 },
  { k: 'batch', batch: batch2 },
  { k: 'batch', batch: batch1, more: [batch2] },
  { k: 'idle', site: site.id, colony: 'dev', types: { cli: 2, gpu: 0 }, t: 1_700_000_000_000 },
  { k: 'idle', site: site.id, colony: 'dev', types: {}, t: 1_700_000_000_000, seq: 2, addrs: [`/ip4/127.0.0.1/tcp/4001/p2p/${sitePeer}`, `/dns4/site.example/tcp/443/wss/p2p/${sitePeer}`] },
  { k: 'idle', site: site.id, colony: 'dev', types: {}, t: 1_700_000_000_000, seq: 2, vv: [[site.id, 2], ['0'.repeat(64), 0]] }
]
const vv = [[site.id, 2], ['0'.repeat(64), 0]]

test('advert version vector: distinct 64-hex origins with sequences ≥ 0, at most MAX_ADVERT_ORIGINS', () => {
  const advert = (v: unknown): Uint8Array => bytes({ k: 'idle', site: site.id, colony: 'dev', types: {}, t: 1, vv: v })
  const f = decodeGossip(advert(vv))
  assert.equal(f.k === 'idle' ? f.vv : undefined, vv)
  const refused = (v: unknown, why: RegExp): void => {
    const err = thrown(() => decodeGossip(advert(v)))
    assert.instance(err, ValidationError, JSON.stringify(v).slice(0, 80))
    assert.match((err as Error).message, why)
  }
  refused({}, /gossip\.vv.*array/)
  refused(Array.from({ length: MAX_ADVERT_ORIGINS + 1 }, (_, i) => [i.toString(16).padStart(64, '0'), 1]), /at most/)
  refused([[site.id]], /gossip\.vv\[0\].*pair/)
  refused([[site.id, 1, 2]], /gossip\.vv\[0\].*pair/)
  refused([['A'.repeat(64), 1]], /gossip\.vv\[0\]\[0\].*64-hex/)
  refused([[site.id, -1]], /gossip\.vv\[0\]\[1\]/)
  refused([[site.id, 1.5]], /gossip\.vv\[0\]\[1\]/)
  refused([[site.id, 1], [site.id, 2]], /gossip\.vv\[1\]\[0\].*twice/)
  // sync frames' vectors go through the same parser
  const sync = thrown(() => decodeSyncFrame(bytes({ type: 'hello', vv: [[site.id, 1], [site.id, 2]] })))
  assert.instance(sync, ValidationError)
  assert.match((sync as Error).message, /sync\.vv\[1\]\[0\].*twice/)
})
test('advert addresses: multiaddrs of one peer, each naming it, at most MAX_ADVERT_ADDRS', () => {
  const advert = (addrs: unknown): Uint8Array => bytes({ k: 'idle', site: site.id, colony: 'dev', types: {}, t: 1, addrs })
  const a = `/ip4/127.0.0.1/tcp/4001/p2p/${sitePeer}`
  const f = decodeGossip(advert([a]))
  assert.equal(f.k === 'idle' ? f.addrs : undefined, [a])
  assert.is(peerOfAddrs([a]), sitePeer)
  const refused = (addrs: unknown, why: RegExp): void => {
    const err = thrown(() => decodeGossip(advert(addrs)))
    assert.instance(err, ValidationError, JSON.stringify(addrs).slice(0, 80))
    assert.match((err as Error).message, why)
  }
  refused('x', /gossip\.addrs.*array/)
  refused(Array.from({ length: MAX_ADVERT_ADDRS + 1 }, () => a), /at most/)
  refused([a, 5], /gossip\.addrs\[1\]/)
  refused(['/ip4/127.0.0.1/tcp/4001'], /name its peer/)
  refused(['not a multiaddr'], /not a multiaddr/)
  refused([a, `/ip4/127.0.0.1/tcp/4002/p2p/${otherPeer}`], /another peer/)
  refused([`${a}/${'x'.repeat(600)}`], /at most/)
})

test('batch frames carrying more: one origin, in log order, at most MAX_MORE_BATCHES more; built from encoded batches byte for byte', () => {
  const json = [batch1, batch2].map(b => JSON.stringify(b))
  assert.equal(encodeBatchFrame(json.slice(0, 1)), encodeGossip({ k: 'batch', batch: batch1 }))
  assert.equal(encodeBatchFrame(json), encodeGossip({ k: 'batch', batch: batch1, more: [batch2] }))
  const f = decodeGossip(encodeBatchFrame(json))
  assert.equal(f.k === 'batch' ? batchesOf(f) : [], [batch1, batch2])
  assert.throws(() => encodeBatchFrame([]), /at least one/)
  assert.throws(() => encodeBatchFrame(Array.from({ length: MAX_MORE_BATCHES + 2 }, () => json[0] as string)), /at most/)
  const other = newKey()
  const foreign = signBatch(other.id, 2, batch2.records.map(r => ({ ...r, o: other.id })), other.prv)
  const refused = (more: unknown, why: RegExp): void => {
    const err = thrown(() => decodeGossip(bytes({ k: 'batch', batch: batch1, more })))
    assert.instance(err, ValidationError, JSON.stringify(more).slice(0, 80))
    assert.match((err as Error).message, why)
  }
  refused(batch2, /gossip\.more.*array/)
  refused([], /gossip\.more.*array of 1 to/)
  refused(Array.from({ length: MAX_MORE_BATCHES + 1 }, (_, i) => ({ ...batch2, seq: i + 2 })), /gossip\.more.*array of 1 to/)
  refused([foreign], /gossip\.more\[0\]\.origin/)
  refused([batch1], /gossip\.more\[0\]\.seq.*log order/)
  refused([batch2, batch2], /gossip\.more\[1\]\.seq/)
  refused([{ ...batch2, records: 'x' }], /gossip\.more\[0\]: .*records/)
})

const validSync = [
  { type: 'hello', vv },
  { type: 'batches', batches: [batch1, batch2] },
  { type: 'done', vv },
  { type: 'refused', reason: 'not a site' }
]

/** Only ValidationError may escape a decoder; a decoded frame survives re-encoding. */
function onlyValidation (fn: () => unknown, what: string): unknown {
  let out: unknown
  const err = thrown(() => { out = fn() })
  if (err !== undefined) {
    assert.instance(err, ValidationError, `${what}: threw ${String(err)}`)
    assert.ok((err as ValidationError).message.length > 0, what)
    return undefined
  }
  return out
}

const frame = (kind: string, data: Uint8Array): { kind: string, data: Uint8Array } => shown({ kind, data }, data, `${kind}: `)

const frameArb = (valid: unknown[]): fc.Arbitrary<{ kind: string, data: Uint8Array }> => fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map(data => frame('random bytes', data)),
  hostileValue.map(v => frame('random JSON', bytes(v))),
  fc.tuple(fc.constantFrom(...valid), editsArb).map(([f, edits]) => frame('field-edited', bytes(applyEdits(f as any, edits)))),
  fc.tuple(fc.constantFrom(...valid), fc.array(byteEditArb, { minLength: 1, maxLength: 3 })).map(([f, edits]) => frame('byte-edited', applyByteEdits(bytes(f), edits)))
)

test('gossip frames: random and mutated bytes decode or raise ValidationError, nothing else', () => {
  for (const f of validGossip) assert.ok(decodeGossip(bytes(f)))
  fc.assert(fc.property(frameArb(validGossip), ({ kind, data }) => {
    const f = onlyValidation(() => decodeGossip(data), kind)
    // what decodes is well-typed: encoding it again decodes to the same frame
    if (f !== undefined) assert.equal(decodeGossip(encodeGossip(f as any)), f)
  }), fcOptions(1500))
})

test('sync frames: random and mutated bytes decode or raise ValidationError, nothing else', () => {
  for (const f of validSync) assert.ok(decodeSyncFrame(bytes(f)))
  fc.assert(fc.property(frameArb(validSync), ({ kind, data }) => {
    const f = onlyValidation(() => decodeSyncFrame(data), kind)
    if (f !== undefined) assert.equal(decodeSyncFrame(bytes(f)), f)
  }), fcOptions(1500))
})

let ledger: Ledger
let dir: string

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'colonynet-fuzz-ledger-'))
  ledger = await Ledger.open({ dir, nodeKey: newKey().prv, verifyThreads: 0 })
  const r = await ledger.ingest([batch1])
  assert.is(r.stored, 1)
  assert.is(ledger.fold.process(submit.id)?.state, 1, 'the base history folds: the process runs')
})

test.after(async () => {
  await ledger.close()
  await rm(dir, { recursive: true, force: true })
})

interface Snapshot { hash: string, size: number, vv: string, held: number }
const snapshot = (): Snapshot => ({
  hash: ledger.fold.stateHash(),
  size: ledger.fold.size,
  vv: JSON.stringify([...ledger.versionVector()]),
  held: ledger.heldCount()
})

/** Well-typed changes to a batch: each still passes parseBatch, none keeps the signature valid. */
const batchMutationArb: fc.Arbitrary<{ kind: string, batch: unknown }> = fc.oneof(
  editsArb.map(edits => ({ kind: `edits ${JSON.stringify(edits).slice(0, 200)}`, batch: applyEdits(JSON.parse(JSON.stringify(batch2)), edits) })),
  fc.integer({ min: 1, max: 2 ** 40 }).map(seq => ({ kind: `seq ${seq}`, batch: { ...batch2, seq } })),
  fc.constantFrom(...batch2.records.keys()).map(i => ({ kind: `record ${i} dropped`, batch: { ...batch2, records: batch2.records.filter((_, j) => j !== i) } })),
  fc.constantFrom(...batch2.records.keys()).map(i => ({ kind: `record ${i} doubled`, batch: { ...batch2, records: [...batch2.records, batch2.records[i]] } })),
  fc.constant({ kind: 'records reversed', batch: { ...batch2, records: [...batch2.records].reverse() } }),
  fc.tuple(fc.constantFrom(...batch2.records.keys()), fc.nat(), fc.nat(3)).map(([i, w, l]) => ({
    kind: `record ${i} clock`, batch: { ...batch2, records: batch2.records.map((r, j) => j === i ? { ...r, t: { w, l } } : r) }
  })),
  fc.constant({ kind: 'signature of batch 1', batch: { ...batch2, sig: batch1.sig } }),
  fc.constant({ kind: 'records of batch 1 under the signature of batch 2', batch: { ...batch2, records: batch1.records } }),
  fc.constant({ kind: 'signed by another key', batch: signBatch(site.id, 2, batch2.records, newKey().prv) }),
  fc.constant({ kind: 'high-S twin of the signature', batch: { ...batch2, sig: highS(batch2.sig) } })
)

test('a mutated batch is refused whole (boundary or signature) and the ledger is unchanged', async () => {
  const original = canonicalJson(batch2)
  let reached = 0
  await fc.assert(fc.asyncProperty(batchMutationArb, async ({ kind, batch }) => {
    let parsed: Batch
    try {
      parsed = parseBatch(batch)
    } catch (err) {
      assert.instance(err, ValidationError, `${kind}: parseBatch threw ${String(err)}`)
      return
    }
    // an edit only of what parseBatch drops (an unknown field) leaves the very batch: not a mutation
    fc.pre(canonicalJson(parsed) !== original)
    reached++
    const before = snapshot()
    let err: unknown
    let stored = 0
    try {
      stored = (await ledger.ingest([parsed])).stored
    } catch (e) {
      err = e
    }
    // a batch under a sequence already held (here: 1) is skipped unread: that is a refusal too
    if (err === undefined) assert.is(stored, 0, `${kind}: a mutated batch was stored`)
    else assert.instance(err, ColonyError, `${kind}: refused with an unclear error: ${String(err)}`)
    assert.equal(snapshot(), before, `${kind}: the ledger changed`)
  }), fcOptions(300))
  assert.ok(reached > 50, `only ${reached} mutated batches reached ingest`)
})

/** A sync stream whose server side is scripted: it answers our hello with `frames`. */
function scriptedStream (frames: readonly Uint8Array[]): SyncStream {
  return {
    send: async () => {},
    closeWrite: async () => {},
    close: async () => {},
    async * [Symbol.asyncIterator] () { yield * frames }
  }
}

test('a pull answered with malformed or mutated frames fails clearly and stores nothing', async () => {
  const vvDone = { type: 'done', vv: [[site.id, 1]] }
  const answers = [{ type: 'batches', batches: [batch1] }, vvDone, { type: 'refused', reason: 'no' }, { type: 'hello', vv: [] }]
  const answer: fc.Arbitrary<{ kind: string, data: Uint8Array }> = fc.oneof(
    frameArb(answers),
    // (an edit of only what parseBatch drops leaves batch 2 itself, valid and new: not a mutation)
    batchMutationArb.filter(m => thrown(() => parseBatch(m.batch)) !== undefined || canonicalJson(parseBatch(m.batch)) !== canonicalJson(batch2))
      .map(m => frame(`batches frame, ${m.kind}`, bytes({ type: 'batches', batches: [m.batch] })))
  )
  await fc.assert(fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 3 }), fc.boolean(), async (frames, finish) => {
    const before = snapshot()
    const script = [...frames.map(f => f.data), ...(finish ? [bytes(vvDone)] : [])]
    let err: unknown
    let stored = 0
    try {
      stored = (await pull(scriptedStream(script), ledger)).stored
    } catch (e) {
      err = e
    }
    if (err === undefined) assert.is(stored, 0, 'a pull stored a batch')
    else assert.ok(err instanceof ColonyError || err instanceof SyncRefusedError, `the pull failed with an unclear error: ${String(err)}`)
    assert.equal(snapshot(), before, 'the ledger changed')
  }), fcOptions(200))
})

test('a batch re-signed by its origin with mutated records: stored, but the fold judges each record', async () => {
  // A site may write anything into its own log; what protects the colony is the fold.
  // Each case goes to a fresh sequence number, so earlier cases never shadow later ones.
  let seq = 10
  const recs: LedgerRecord[] = [logRec, closeRec, expireRec, fireRec, genRec, siteRec, reconcileRec]
  await fc.assert(fc.asyncProperty(fc.constantFrom(...recs.keys()), editsArb, async (i, edits) => {
    const rec = applyEdits(JSON.parse(JSON.stringify(recs[i])), edits) as any
    let parsed: Batch
    try {
      parsed = parseBatch({ origin: site.id, seq: 1, records: [rec], sig: '' })
    } catch (err) {
      assert.instance(err, ValidationError, `parseBatch threw ${String(err)}`)
      return
    }
    const batch = signBatch(site.id, ++seq, parsed.records, site.prv)
    let err: unknown
    try {
      await ledger.ingest([batch])
    } catch (e) {
      err = e
    }
    // a well-signed batch of a site is taken; only an unreadable one may be refused, clearly
    if (err !== undefined) assert.instance(err, ColonyError, `refused with an unclear error: ${String(err)}`)
    // a record from the far future is held back, anything else is judged: the fold never breaks
    assert.ok(ledger.fold.size > 0)
    ledger.fold.stateHash()
  }), fcOptions(150))
  // (that the submitted process survives such records is fold-hostile.test.ts's business)
})

test('a batch whose record nests 100,000 levels deep (200 KB of brackets) is refused with a clear error, not a stack overflow', async () => {
  const depth = 100_000
  // node-supplied `in` arrays are not depth-checked at the boundary: build the frame as text
  const text = JSON.stringify({ k: 'batch', batch: { origin: site.id, seq: 3, sig: batch2.sig, records: [{ ...fireRec, b: { ...fireRec.b, in: ['__DEEP__'] } }] } })
    .replace('"__DEEP__"', '['.repeat(depth) + ']'.repeat(depth))
  const before = snapshot()
  let decoded: unknown
  const err = thrown(() => { decoded = decodeGossip(enc.encode(text)) })
  if (err !== undefined) {
    assert.instance(err, ValidationError, `decodeGossip: ${String(err)}`)
    return
  }
  let ingestErr: unknown
  try {
    await ledger.ingest([(decoded as { batch: Batch }).batch])
  } catch (e) {
    ingestErr = e
  }
  assert.ok(ingestErr !== undefined, 'a deep batch with a forged signature was stored')
  assert.instance(ingestErr, ColonyError, `refused with ${String(ingestErr)}`)
  assert.equal(snapshot(), before)
})

test('a batch replayed (gossip and sync both deliver it) is stored once', async () => {
  const before = snapshot()
  const again = await ledger.ingest([batch1, batch1, JSON.parse(JSON.stringify(batch1)) as Batch])
  assert.equal(again, { stored: 0, applied: 0, held: 0 })
  assert.equal(snapshot(), before)
})

test.run()
