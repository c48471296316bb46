/**
 * The fold of process channels (channel-fold.ts): who may append, what one entry is, and
 * that a channel's entries are a function of its record set: every order, chunking and
 * duplication of a history (appends from both parties, claims, requeues, a close, a
 * workflow node's channels) gives the same entries in the same order and one state hash.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { MAX_CHANNEL_BYTES } from '../../src/protocol/channel-fold.js'
import type { FoldEntry } from '../../src/protocol/entry.js'
import { foldRecords, LedgerFold } from '../../src/protocol/fold.js'
import { parseMessage } from '../../src/protocol/messages.js'
import { MAX_CHANNEL_PAYLOAD_BYTES } from '../../src/protocol/messages/channels.js'
import type { RefusalCode } from '../../src/protocol/refusal.js'
import { type Key, newKey, shuffle, World } from '../helpers/world.js'

const text = (s: string): string => Buffer.from(s, 'utf8').toString('base64')

function append (w: World, pid: string, by: Key, sequence: number, payload: string, opts: { name?: string, at?: number, origin?: string, inreplyto?: number, type?: string } = {}): FoldEntry {
  return w.env({
    msgtype: 'channelappendmsg',
    processid: pid,
    name: opts.name ?? 'chat',
    sequence,
    inreplyto: opts.inreplyto ?? 0,
    payload: [...Buffer.from(payload, 'utf8')],
    payloadtype: opts.type ?? ''
  }, by, opts)
}

/** A world with user u1, executor e1, and a process of u1 declaring channel "chat", claimed by e1. */
function running (): { w: World, base: FoldEntry[], pid: string, u1: Key, e1: Key } {
  const w = new World()
  const base = w.setup()
  const submit = w.submit({ channels: ['chat'] })
  base.push(submit, w.claim(submit.id, 'e1'))
  return { w, base, pid: submit.id, u1: w.user('u1'), e1: w.exec('e1') }
}

function payloads (f: LedgerFold, pid: string, name = 'chat'): string[] {
  return f.channelEntries(pid, name).map(c => Buffer.from(c.payload ?? '', 'base64').toString('utf8'))
}

function refused (f: LedgerFold, e: FoldEntry, code: RefusalCode, why: RegExp): void {
  const r = f.refusal(e.id)
  if (r === undefined) assert.unreachable('expected a refusal')
  assert.is(r?.code, code, r?.reason)
  assert.match(r?.reason ?? '', why)
  if (code === 'forbidden') assert.ok(r?.reason.startsWith('Access denied, '), r?.reason)
}

test('the submitter and the assigned executor append; entries keep sender, sequence, reply and type', () => {
  const { w, base, pid, u1, e1 } = running()
  const a = append(w, pid, u1, 1, 'hello')
  const b = append(w, pid, e1, 1, 'hi there', { inreplyto: 1 })
  const c = append(w, pid, e1, 2, '', { type: 'end' })
  const f = foldRecords([...base, a, b, c])
  const entries = f.channelEntries(pid, 'chat')
  assert.equal(entries.map(x => [x.senderid, x.sequence, x.inreplyto, x.type]), [[u1.id, 1, 0, 'data'], [e1.id, 1, 1, 'data'], [e1.id, 2, 0, 'end']])
  assert.equal(payloads(f, pid), ['hello', 'hi there', ''])
  assert.is(entries[0]?.at, a.rec.t.w, 'the timestamp is the record\'s clock: the same at every site')
})

test('a member who is neither submitter nor assigned executor is refused, and changes nothing', () => {
  const { w, base, pid } = running()
  const other = [w.addUser('u2')]
  const e = append(w, pid, w.user('u2'), 1, 'let me in')
  const before = foldRecords([...base, ...other])
  const f = foldRecords([...base, ...other, e])
  refused(f, e, 'forbidden', /not authorized to write to channel "chat"/)
  assert.equal(f.channelEntries(pid, 'chat'), [])
  assert.is(f.process(pid)?.state, before.process(pid)?.state)
})

test('a stranger is refused as not a member of the colony', () => {
  const { w, base, pid } = running()
  const e = append(w, pid, newKey(), 1, 'spam')
  refused(foldRecords([...base, e]), e, 'forbidden', /not a member of colony/)
})

test('before assignment only the submitter writes; the executor may once it holds the process', () => {
  const w = new World()
  const base = w.setup()
  const submit = w.submit({ channels: ['chat'] })
  const early = append(w, submit.id, w.exec('e1'), 1, 'too early')
  const mine = append(w, submit.id, w.user('u1'), 1, 'queued question')
  const claim = w.claim(submit.id, 'e1')
  const later = append(w, submit.id, w.exec('e1'), 2, 'answer')
  const f = foldRecords([...base, submit, early, mine, claim, later])
  refused(f, early, 'forbidden', /not authorized/)
  assert.equal(payloads(f, submit.id), ['queued question', 'answer'])
})

test('an undeclared channel, and a process that ended, are "Channel not found"', () => {
  const { w, base, pid, u1 } = running()
  const undeclared = append(w, pid, u1, 1, 'x', { name: 'other' })
  const close = w.close(pid, 'e1')
  const after = append(w, pid, u1, 2, 'too late')
  const f = foldRecords([...base, undeclared, close, after])
  refused(f, undeclared, 'not-found', /^Channel not found/)
  refused(f, after, 'not-found', /^Channel not found.*ended/)
})

test('an append ordered before the close stands; one after it is refused, whichever arrives first', () => {
  const { w, base, pid, u1, e1 } = running()
  const T = w.t
  const close = w.close(pid, 'e1', [], { at: T + 10 })
  const before = append(w, pid, u1, 1, 'in time', { at: T + 5 })
  const after = append(w, pid, u1, 2, 'after the close', { at: T + 20 })
  const last = append(w, pid, e1, 1, 'my last words', { at: T + 8 })
  for (const order of [[before, after, last, close], [close, after, before, last], [after, close, last, before]]) {
    const f = new LedgerFold()
    f.add(base)
    for (const e of order) f.add([e])
    assert.equal(payloads(f, pid), ['in time', 'my last words'])
    refused(f, after, 'not-found', /ended/)
  }
})

test('one entry per sender and sequence: a re-sent append is one entry, a different one is refused', () => {
  const { w, base, pid, u1 } = running()
  const a = append(w, pid, u1, 7, 'same')
  // the same message sent again (through another node, say): another record, the same content
  const again = append(w, pid, u1, 7, 'same')
  const other = append(w, pid, u1, 7, 'different')
  const f = foldRecords([...base, a, again, other])
  assert.equal(payloads(f, pid), ['same'])
  refused(f, again, 'conflict', /already appended/)
  refused(f, other, 'conflict', /already used/)
  // the executor's sequence 7 is another entry
  const g = foldRecords([...base, a, append(w, pid, w.exec('e1'), 7, 'mine')])
  assert.equal(payloads(g, pid), ['same', 'mine'])
})

test('a requeued process: the old executor is refused until it holds a new attempt', () => {
  const w = new World()
  const base = w.setup()
  const T = w.t
  const submit = w.submit({ channels: ['chat'], maxexectime: 1, maxretries: 3 }, undefined, { at: T })
  const claim = w.claim(submit.id, 'e1', 1, { at: T + 1 })
  const during = append(w, submit.id, w.exec('e1'), 1, 'working', { at: T + 100 })
  const expire = w.expire(submit.id, 'exec', 1, { at: T + 2000 })
  const stale = append(w, submit.id, w.exec('e1'), 2, 'still here?', { at: T + 2100 })
  const again = w.claim(submit.id, 'e1', 2, { at: T + 2200 })
  const resumed = append(w, submit.id, w.exec('e1'), 3, 'back', { at: T + 2300 })
  const all = [...base, submit, claim, during, expire, stale, again, resumed]
  const f = foldRecords(all)
  assert.equal(payloads(f, submit.id), ['working', 'back'])
  refused(f, stale, 'forbidden', /not authorized/)
  // the expiry arriving last re-judges the append after it
  const g = new LedgerFold()
  g.add(all.filter(e => e !== expire))
  assert.equal(payloads(g, submit.id), ['working', 'still here?', 'back'])
  g.add([expire])
  assert.equal(payloads(g, submit.id), ['working', 'back'])
  assert.is(g.stateHash(), f.stateHash())
})

test('an append that arrives before its process waits, and is accepted when the process comes', () => {
  const { w, base, pid, u1 } = running()
  const submitAndClaim = base.slice(-2)
  const e = append(w, pid, u1, 1, 'early bird')
  const f = new LedgerFold()
  f.add(base.slice(0, -2))
  f.add([e])
  assert.ok(f.refusal(e.id) !== undefined, 'refused while its process is unknown')
  f.add(submitAndClaim)
  assert.equal(payloads(f, pid), ['early bird'])
  assert.is(f.refusal(e.id), undefined)
})

test('a workflow node\'s channels: its submitter and its executor talk', () => {
  const w = new World()
  const base = w.setup()
  const wf = w.env({
    msgtype: 'submitworkflowspecmsg',
    spec: {
      colonyname: w.colony,
      functionspecs: [
        { nodename: 'a', funcname: 'a', conditions: { colonyname: w.colony, executortype: 'cli' }, channels: ['out'] },
        { nodename: 'b', funcname: 'b', conditions: { colonyname: w.colony, executortype: 'cli', dependencies: ['a'] } }
      ]
    }
  }, w.user('u1'))
  const f0 = foldRecords([...base, wf])
  const graph = f0.graph(wf.id)
  const [a, b] = graph?.graph.processids ?? []
  if (a === undefined || b === undefined) assert.unreachable('the workflow has two nodes')
  const claim = w.claim(a as string, 'e1')
  const m1 = append(w, a as string, w.exec('e1'), 1, 'progress 50%', { name: 'out' })
  const m2 = append(w, a as string, w.user('u1'), 1, 'thanks', { name: 'out' })
  const onB = append(w, b as string, w.user('u1'), 2, 'b has none', { name: 'out' })
  const all = [...base, wf, claim, m1, m2, onB]
  const f = foldRecords(all)
  assert.equal(payloads(f, a as string, 'out'), ['progress 50%', 'thanks'])
  refused(f, onB, 'not-found', /^Channel not found/)
  for (let seed = 1; seed <= 20; seed++) assert.is(foldRecords(shuffle(all, seed)).stateHash(), f.stateHash(), `seed ${seed}`)
})

test('a process\'s channels hold at most MAX_CHANNEL_BYTES of payload', () => {
  const { w, base, pid, e1 } = running()
  const big = 'x'.repeat(MAX_CHANNEL_PAYLOAD_BYTES)
  const n = Math.floor(MAX_CHANNEL_BYTES / MAX_CHANNEL_PAYLOAD_BYTES)
  const fits = Array.from({ length: n }, (_, i) => w.env({ msgtype: 'channelappendmsg', processid: pid, name: 'chat', sequence: i + 1, payload: text(big) }, e1))
  const over = w.env({ msgtype: 'channelappendmsg', processid: pid, name: 'chat', sequence: n + 1, payload: text('y') }, e1)
  const f = foldRecords([...base, ...fits, over])
  assert.is(f.channelEntries(pid, 'chat').length, n)
  refused(f, over, 'conflict', /bytes of payload/)
})

test('payloads: byte arrays and base64 text are one canonical form; bad ones name the field', () => {
  const m = (payload: unknown): unknown => (parseMessage({ msgtype: 'channelappendmsg', processid: 'a'.repeat(64), name: 'c', payload }) as { payload: unknown }).payload
  assert.is(m([104, 105]), text('hi'))
  assert.is(m(text('hi')), text('hi'))
  assert.is(m(null), null)
  assert.is(m([]), '')
  assert.throws(() => m([256]), /payload\[0\]: must be a byte value/)
  assert.throws(() => m([1.5]), /payload\[0\]/)
  assert.throws(() => m('not base64!'), /payload: must be base64 text or an array/)
  assert.throws(() => m({}), /payload: must be base64/)
  assert.throws(() => m(new Array(MAX_CHANNEL_PAYLOAD_BYTES + 1).fill(0)), /payload: is larger than/)
  assert.throws(() => parseMessage({ msgtype: 'channelappendmsg', processid: 'a'.repeat(64), name: '' }), /name: is required/)
  assert.throws(() => parseMessage({ msgtype: 'channelreadmsg', processid: 'x', name: 'c' }), /processid/)
})

// ---- every order gives the same channel ------------------------------------------------------

type Op =
  | { k: 'say', who: 0 | 1 | 2, dt: number, seq: number, site: number }
  | { k: 'claim', e: number, attempt: number, dt: number }
  | { k: 'expire', attempt: number, dt: number }
  | { k: 'close', dt: number }
  | { k: 'removeexec', dt: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('say' as const), who: fc.constantFrom(0 as const, 1 as const, 2 as const), dt: fc.integer({ min: -3, max: 5 }), seq: fc.integer({ min: 1, max: 6 }), site: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('claim' as const), e: fc.nat(1), attempt: fc.integer({ min: 1, max: 2 }), dt: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('expire' as const), attempt: fc.integer({ min: 1, max: 2 }), dt: fc.constantFrom(0, 1500) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('close' as const), dt: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeexec' as const), dt: fc.integer({ min: 0, max: 3 }) }) }
)

/** Two sites; a process of u1 with channels, talked to by u1, e0/e1 and a bystander, while it is claimed, requeued, closed. */
function history (ops: Op[]): { entries: FoldEntry[], pid: string } {
  const w = new World()
  const two = w.twoSites()
  const sites = two.sites
  const entries: FoldEntry[] = two.entries
  const T = w.t + 10
  const submit = w.submit({ channels: ['chat', 'ctl'], maxexectime: 1, maxretries: 2 }, w.user('u1'), { at: T })
  entries.push(submit)
  const pid = submit.id
  let t = T
  for (const op of ops) {
    t += 1
    const at = t + op.dt
    switch (op.k) {
      case 'say': {
        const who = op.who === 0 ? w.user('u1') : op.who === 1 ? w.exec(`e${op.seq % 2}`) : w.exec('e2')
        entries.push(append(w, pid, who, op.seq, `m${op.seq}`, { at, origin: sites[op.site], name: op.seq % 3 === 0 ? 'ctl' : 'chat' }))
        break
      }
      case 'claim': entries.push(w.claim(pid, `e${op.e}`, op.attempt, { at, origin: sites[op.e] })); break
      case 'expire': entries.push(w.expire(pid, 'exec', op.attempt, { at: at + op.dt })); break
      case 'close': entries.push(w.close(pid, 'e0', [], { at }), w.close(pid, 'e1', [], { at: at + 1 })); break
      case 'removeexec': entries.push(w.removeExecutor('e1'), w.addExecutor('e1'), w.approve('e1')); break
    }
  }
  return { entries, pid }
}

const channelsOf = (f: LedgerFold, pid: string): unknown => ['chat', 'ctl'].map(n => f.channelEntries(pid, n).map(c => c.id))

test('property: every order, chunking and duplication gives the same entries in the same order', () => {
  let talked = 0
  let refusedSome = 0
  fc.assert(fc.property(fc.array(opArb, { minLength: 4, maxLength: 24 }), fc.integer({ min: 1, max: 1e6 }), (ops, seed) => {
    const { entries, pid } = history(ops)
    const whole = foldRecords(entries)
    const expected = channelsOf(whole, pid)
    const hash = whole.stateHash()
    const shuffled = shuffle(entries, seed)
    const once = foldRecords(shuffled)
    assert.equal(channelsOf(once, pid), expected, 'shuffled')
    assert.is(once.stateHash(), hash, 'shuffled: state hash')
    const chunked = new LedgerFold()
    const dup = [...shuffled, ...shuffle(entries, seed + 1).slice(0, entries.length >> 1)]
    for (let i = 0; i < dup.length; i += 1 + (seed % 4)) chunked.add(dup.slice(i, i + 1 + (seed % 4)))
    assert.equal(channelsOf(chunked, pid), expected, 'in chunks, with duplicates')
    assert.is(chunked.stateHash(), hash, 'in chunks: state hash')
    if ((expected as string[][]).flat().length > 1) talked++
    if (entries.some(e => e.msg?.msgtype === 'channelappendmsg' && whole.refusal(e.id) !== undefined)) refusedSome++
  }), { numRuns: 400 })
  // the histories are not vacuous: most hold conversations, many hold refused appends
  assert.ok(talked > 100, `conversations in ${talked} of 400 runs`)
  assert.ok(refusedSome > 130, `refused appends in ${refusedSome} of 400 runs`)
})

test('property: a conversation alone (no claim or close meanwhile) arriving in any order and chunking gives the same entries', () => {
  // sequences mostly new (a resend now and then): late arrivals are placed without judging the rest again
  const sayArb = fc.record({ k: fc.constant('say' as const), who: fc.constantFrom(0 as const, 1 as const, 2 as const), dt: fc.integer({ min: -3, max: 5 }), seq: fc.integer({ min: 1, max: 60 }), site: fc.nat(1) })
  fc.assert(fc.property(fc.array(sayArb, { minLength: 2, maxLength: 30 }), fc.integer({ min: 1, max: 1e6 }), (says, seed) => {
    const { entries, pid } = history([{ k: 'claim', e: 1, attempt: 1, dt: 0 }, ...says])
    const whole = foldRecords(entries)
    const chunked = new LedgerFold()
    const list = shuffle(entries, seed)
    for (let i = 0; i < list.length; i += 1 + (seed % 3)) chunked.add(list.slice(i, i + 1 + (seed % 3)))
    assert.equal(channelsOf(chunked, pid), channelsOf(whole, pid))
    assert.is(chunked.stateHash(), whole.stateHash())
  }), { numRuns: 300 })
})

test('property: a settled process away from memory and back keeps its hash; a late append is judged the same', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 1e6 }), (ops, seed) => {
    const { entries, pid } = history([...ops, { k: 'close', dt: 0 }])
    const late = entries.splice(Math.floor(entries.length * 0.6) + (seed % 3), 1)
    const full = foldRecords([...entries, ...late])
    const f = foldRecords(entries)
    const out = f.evict(pid)
    if (out !== undefined) {
      f.restore({ id: out.id, graph: out.graph, entries: out.entries, hash: out.hash })
    }
    f.add(late)
    assert.is(f.stateHash(), full.stateHash())
    assert.equal(channelsOf(f, pid), channelsOf(full, pid))
  }), { numRuns: 60 })
})

test.run()
