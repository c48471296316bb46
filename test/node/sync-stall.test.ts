/**
 * A pull never waits without end on a peer that stopped answering: the wait for each sync
 * frame is bounded (the stream is reset and the pull fails, so the repairs queued behind it
 * run), and opening a stream on a connection that stalled gives up when asked to (the
 * federation bounds it; libp2p's own negotiation would wait ~10 s). Real libp2p hosts on
 * 127.0.0.1; the stall is a TCP relay in between that stops forwarding.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { within } from '../helpers/deadline.js'
import { P2PHost } from '../../src/node/p2p/host.js'
import { pull, SYNC_PROTOCOL, SyncStalledError } from '../../src/node/p2p/sync-protocol.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { Ledger } from '../../src/store/ledger.js'

const TCP = '/ip4/127.0.0.1/tcp/0'
const hosts: P2PHost[] = []
const dirs: string[] = []
const ledgers: Ledger[] = []

async function startHost (): Promise<P2PHost> {
  const h = await P2PHost.start({ nodeKey: generatePrivateKey(), listen: [TCP] })
  hosts.push(h)
  return h
}

async function openLedger (): Promise<Ledger> {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-stall-'))
  dirs.push(dir)
  const l = await Ledger.open({ dir, nodeKey: generatePrivateKey() })
  ledgers.push(l)
  return l
}

/** A TCP relay to `port` that forwards until `stall()`, then holds every byte (as a dead link does). */
async function relay (port: number): Promise<{ port: number, stall: () => void, close: () => Promise<void> }> {
  const sockets: Socket[] = []
  let stalled = false
  const server: Server = createServer(inbound => {
    const outbound = createConnection({ host: '127.0.0.1', port })
    sockets.push(inbound, outbound)
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]] as const) {
      from.on('data', chunk => { if (!stalled) to.write(chunk) })
      from.on('error', () => {})
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the relay has no port')
  return {
    port: address.port,
    stall: () => { stalled = true },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

test.after(async () => {
  for (const h of hosts) await h.stop()
  for (const l of ledgers) await l.close()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

test('a pull whose server goes silent fails after the frame timeout and resets the stream', async () => {
  const [a, b] = [await startHost(), await startHost()]
  let release = (): void => {}
  const held = new Promise<void>(resolve => { release = resolve })
  await b.handle(SYNC_PROTOCOL, async (stream) => {
    await stream.read() // the hello; then nothing, as a stalled peer does
    await held
  })
  await a.dial(b.addresses()[0] as string)
  const ledger = await openLedger()
  const stream = await a.open(b.peerId, SYNC_PROTOCOL)
  const t0 = Date.now()
  const err = await within(10_000, 'the pull to give up', pull(stream, ledger, { frameTimeoutMs: 400 }).then(() => undefined, (e: unknown) => e))
  const took = Date.now() - t0
  release()
  // its own frame timer gave up (the message names it), and not before it was due
  assert.instance(err, SyncStalledError)
  assert.match((err as Error).message, /no sync frame from the peer in 400 ms/)
  assert.ok(took >= 380, `gave up after ${took} ms, before the frame timeout`)
  // the puller reset its stream: reading it again fails at once instead of waiting on
  const after = await stream.read().then(() => 'read', (e: unknown) => e)
  assert.instance(after, Error, 'the stream was left open')
  assert.is(ledger.versionVector().size, 0, 'nothing was stored')
})

test('opening a stream over a connection that stalled gives up when its signal says so', async () => {
  const [a, b] = [await startHost(), await startHost()]
  await b.handle(SYNC_PROTOCOL, async (stream) => { await stream.close() })
  const bPort = Number(/\/tcp\/(\d+)/.exec(b.addresses()[0] as string)?.[1])
  const r = await relay(bPort)
  try {
    await a.dial(`/ip4/127.0.0.1/tcp/${r.port}/p2p/${b.peerId}`)
    // the link works: a stream opens and B answers by closing it
    const ok = await a.open(b.peerId, SYNC_PROTOCOL, AbortSignal.timeout(3000))
    assert.is(await ok.read(), undefined)
    r.stall()
    // our signal, not libp2p's own timeout, ends the open: it rejects with our reason
    const giveUp = new AbortController()
    const reason = new Error('gave up on the stalled link')
    const timer = setTimeout(() => { giveUp.abort(reason) }, 500)
    const err = await within(10_000, 'the open to give up', a.open(b.peerId, SYNC_PROTOCOL, giveUp.signal).then(() => undefined, (e: unknown) => e))
    clearTimeout(timer)
    assert.ok(giveUp.signal.aborted, 'the open failed before it was asked to give up')
    assert.is(err, reason, 'the open over a stalled link ended with our reason')
  } finally {
    await r.close()
  }
})

test.run()
