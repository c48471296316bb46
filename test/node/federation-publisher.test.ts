/**
 * The publisher on its own, with a manual clock: a batch of nothing but closes waits for
 * the next batch (up to the hold) and travels in the same gossip message, in log order;
 * anything else goes at once, on every topic; the clock of what went out is kept.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CLOSE_HOLD_MS, Publisher } from '../../src/node/federation/publisher.js'
import { MAX_MORE_BATCHES } from '../../src/node/p2p/gossip.js'
import type { Batch } from '../../src/protocol/records.js'
import { ManualClock } from '../helpers/manual-clock.js'

const ORIGIN = 'a'.repeat(64)
let seq = 0

function batch (kind: 'close' | 'claim', w = 1000 + seq): Batch {
  const b = kind === 'close'
    ? { k: 'env', env: { payloadtype: 'closesuccessfulmsg', payload: '', signature: '' } }
    : { k: 'claim', processid: 'p'.repeat(64), attempt: 1, executorid: 'e'.repeat(64) }
  return { origin: ORIGIN, seq: ++seq, sig: '', records: [{ o: ORIGIN, t: { w, l: 0 }, b }] } as unknown as Batch
}

interface Sent { topic: string, seqs: number[] }

function rig (closeHoldMs?: number): { publisher: Publisher, clock: ManualClock, sent: Sent[] } {
  const clock = new ManualClock()
  const sent: Sent[] = []
  const publisher = new Publisher({
    host: {
      publish: async (topic, data) => {
        const f = JSON.parse(new TextDecoder().decode(data)) as { batch: Batch, more?: Batch[] }
        sent.push({ topic, seqs: [f.batch, ...(f.more ?? [])].map(b => b.seq) })
      }
    },
    topics: () => ['t1', 't2'],
    clock,
    log: () => {}
  }, closeHoldMs === undefined ? {} : { closeHoldMs })
  return { publisher, clock, sent }
}

test('a close waits for the next batch and goes with it, first, in one message per topic', async () => {
  const { publisher, sent } = rig()
  const close = batch('close')
  publisher.publish(close)
  assert.is(sent.length, 0)
  assert.is(publisher.heldCount, 1)
  assert.is(publisher.firstHeldSeq(), close.seq)
  const claim = batch('claim')
  publisher.publish(claim)
  assert.equal(sent, [{ topic: 't1', seqs: [close.seq, claim.seq] }, { topic: 't2', seqs: [close.seq, claim.seq] }])
  assert.is(publisher.heldCount, 0)
  assert.equal(publisher.stats(), { messages: 1 })
  assert.equal(publisher.publishedClock(), claim.records[0]?.t)
})

test('a close with nothing after it goes when the hold ends', async () => {
  const { publisher, clock, sent } = rig()
  const close = batch('close')
  publisher.publish(close)
  await clock.advance(CLOSE_HOLD_MS - 1)
  assert.is(sent.length, 0)
  await clock.advance(1)
  assert.equal(sent.map(s => s.seqs), [[close.seq], [close.seq]])
  assert.is(clock.pending, 0)
})

test('a full hold goes at once; flush and stop send what is held', async () => {
  const { publisher, clock, sent } = rig(60_000)
  // a message carries at most MAX_MORE_BATCHES + 1 batches: the one that fills it sends them
  for (let i = 0; i < MAX_MORE_BATCHES; i++) publisher.publish(batch('close'))
  assert.is(sent.length, 0)
  publisher.publish(batch('close'))
  assert.is(sent.length, 2, 'one message per topic')
  assert.is(sent[0]?.seqs.length, MAX_MORE_BATCHES + 1)
  assert.is(clock.pending, 0, 'the hold timer went with them')
  publisher.publish(batch('close'))
  publisher.flush()
  assert.is(sent.length, 4)
  publisher.publish(batch('close'))
  publisher.stop()
  assert.is(sent.length, 6)
  assert.is(publisher.heldCount, 0)
})

test('with no hold every batch goes at once', async () => {
  const { publisher, sent } = rig(0)
  publisher.publish(batch('close'))
  assert.is(sent.length, 2)
  assert.is(publisher.heldCount, 0)
})

test.run()
