/**
 * A channel across sites: the client at site A, the executor at site C, three real nodes
 * over TCP on 127.0.0.1. Messages flow both ways through each side's WebSocket
 * subscription, each sender's in its order; then C is cut off, both sides keep talking,
 * and after the heal every entry reaches both subscribers once, and every site reads the
 * channel in the same order.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { addExecutor, assignMsg, eventually, type Identity } from '../helpers/colony-node.js'
import { converged, cutOff, healCut, ok, type Site, startFederation, type Federation } from '../helpers/federation.js'
import { call, envelope } from '../helpers/raw-rpc.js'

let fed: Federation

test.before(async () => { fed = await startFederation(3) })
test.after(async () => { await fed.stop() })

interface Entry { sequence: number, inreplyto?: number, senderid: string, payload: string, type?: string }

/** A subscription to the channel at `site`, collecting every entry it is sent. */
async function subscribe (site: Site, pid: string, prv: string): Promise<{ entries: Entry[], ws: WebSocket }> {
  const ws = new WebSocket(`${site.node.url.replace('http', 'ws')}/pubsub`)
  const entries: Entry[] = []
  ws.on('message', d => {
    const reply = JSON.parse(d.toString()) as { payload: string, error: boolean }
    const value = JSON.parse(Buffer.from(reply.payload, 'base64').toString('utf8'))
    if (reply.error) throw new Error(`subscription refused: ${JSON.stringify(value)}`)
    entries.push(...(value as Entry[]))
  })
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
  ws.send(envelope({ msgtype: 'subscribechannelmsg', processid: pid, name: 'chat', afterseq: 0, timeout: 120 }, prv))
  await eventually(() => site.node.subscriptions() > 0 ? true : undefined, `the subscription at ${site.name}`)
  return { entries, ws }
}

const say = async (site: Site, pid: string, prv: string, sequence: number, words: string, inreplyto = 0): Promise<void> => {
  await ok(site.node.url, { msgtype: 'channelappendmsg', processid: pid, name: 'chat', sequence, inreplyto, payload: [...Buffer.from(words)] }, prv)
}

const text = (e: Entry): string => Buffer.from(e.payload, 'base64').toString('utf8')

/** Each sender's entries in the order received: its sequences, which must rise. */
function assertSendersInOrder (entries: Entry[], what: string): void {
  const last = new Map<string, number>()
  for (const e of entries) {
    assert.ok(e.sequence > (last.get(e.senderid) ?? 0), `${what}: ${e.senderid.slice(0, 8)}'s ${e.sequence} after ${String(last.get(e.senderid))}`)
    last.set(e.senderid, e.sequence)
  }
}

const keys = (entries: Entry[]): string[] => entries.map(e => `${e.senderid}/${e.sequence}`)

test('client at A, executor at C: both ways in order, through a partition and its heal, none lost or doubled', async () => {
  const [a, b, c] = fed.sites as [Site, Site, Site]
  const x: Identity = await addExecutor(a.node.url, fed.colony, fed.owner, 'xc')
  await eventually(() => c.node.ledger.fold.executor(fed.colony, x.id)?.state === 1 ? true : undefined, 'C to know its executor')

  // submitted at A, run at C
  const parked = call(c.node.url, assignMsg(fed.colony, 20), x.prv)
  const p = await ok(a.node.url, { msgtype: 'submitfuncspecmsg', spec: { funcname: 'chat', maxexectime: -1, channels: ['chat'], conditions: { colonyname: fed.colony, executortype: 'cli' } } }, fed.user.prv)
  const got = await parked
  assert.is(got.status, 200)
  assert.is(got.value.processid, p.processid)
  const pid = p.processid as string
  await eventually(() => a.node.ledger.fold.process(pid)?.assignedexecutorid === x.id ? true : undefined, 'A to see the process running at C')

  const atA = await subscribe(a, pid, fed.user.prv)
  const atC = await subscribe(c, pid, x.prv)

  // a conversation: the client asks at A, the executor answers at C once it has read the question
  for (let i = 1; i <= 5; i++) {
    await say(a, pid, fed.user.prv, i, `question ${i}`)
    await eventually(() => atC.entries.some(e => e.senderid === fed.user.id && e.sequence === i) ? true : undefined, `C's subscriber to hear question ${i}`)
    await say(c, pid, x.prv, i, `answer ${i}`, i)
  }
  await eventually(() => atA.entries.length === 10 ? true : undefined, () => `A's subscriber to hear all ten (has ${atA.entries.length})`)
  assert.equal(atA.entries.map(text), [1, 2, 3, 4, 5].flatMap(i => [`question ${i}`, `answer ${i}`]), 'at A, each answer after its question')
  assert.equal(atC.entries.map(text), atA.entries.map(text), 'at C, the same conversation')
  assert.equal(atA.entries.filter(e => e.senderid === x.id).map(e => e.inreplyto), [1, 2, 3, 4, 5])

  // C cut off: both sides go on talking
  await cutOff(fed, 2)()
  for (let i = 6; i <= 10; i++) {
    await say(a, pid, fed.user.prv, i, `cut question ${i}`)
    await say(c, pid, x.prv, i, `cut answer ${i}`)
  }
  await eventually(() => atA.entries.length === 15 && atC.entries.length === 15 ? true : undefined, 'each side to hear its own')
  assert.not.ok(atA.entries.some(e => text(e).startsWith('cut answer')), 'A cannot hear C while cut off')
  // the same message sent again through B during the cut: still one entry
  await say(b, pid, fed.user.prv, 6, 'cut question 6')

  healCut(fed, 2)
  await eventually(() => atA.entries.length >= 20 && atC.entries.length >= 20 ? true : undefined, () => `both subscribers to hear all twenty (A ${atA.entries.length}, C ${atC.entries.length})`, 30_000)
  await converged(fed.sites, 30_000)
  for (const [where, s] of [['A', atA], ['C', atC]] as const) {
    assert.is(s.entries.length, 20, `${where}: nothing twice`)
    assert.is(new Set(keys(s.entries)).size, 20, `${where}: twenty distinct entries`)
    assertSendersInOrder(s.entries, where)
  }
  // every site reads the whole channel in one order: the ledger's
  const reads = await Promise.all(fed.sites.map(async s => await ok(s.node.url, { msgtype: 'channelreadmsg', processid: pid, name: 'chat', afterseq: 0, limit: 0 }, fed.user.prv) as Entry[]))
  assert.is(reads[0]?.length, 20)
  for (const r of reads) assert.equal(keys(r), keys(reads[0] as Entry[]))
  assertSendersInOrder(reads[0] as Entry[], 'the ledger\'s order')
  // a poller at C that had read the first fifteen gets exactly the five it lacks
  const rest = await ok(c.node.url, { msgtype: 'channelreadmsg', processid: pid, name: 'chat', afterseq: 15, limit: 0 }, x.prv) as Entry[]
  assert.equal(rest.map(text).sort(), [6, 7, 8, 9, 10].map(i => `cut question ${i}`).sort())

  atA.ws.close()
  atC.ws.close()
  await ok(c.node.url, { msgtype: 'closesuccessfulmsg', processid: pid, out: [] }, x.prv)
})

test.run()
