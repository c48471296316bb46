/**
 * colonynet patches three dependencies at run time (src/node/p2p: yamux-window.ts,
 * lp-decoder.ts, gossip-relay.ts). Those packages are pinned to exact versions, and each
 * patch must be in force on a host's live connections: a version whose internals moved
 * would otherwise fall back to the library's behaviour without a word. The probe runs in a
 * fresh process, where no other test file has installed a patch before the host does.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')

/** the patched packages, and the file that patches each */
const PATCHED = {
  '@chainsafe/libp2p-yamux': 'src/node/p2p/yamux-window.ts',
  '@libp2p/utils': 'src/node/p2p/lp-decoder.ts',
  '@libp2p/gossipsub': 'src/node/p2p/gossip-relay.ts'
}

interface Probe {
  yamux: { replaced: boolean, streamIsYamux: boolean, frames: number, received: number, windowUpdates: number }
  lpDecoder: { replaced: boolean, decodersOnConnection: number, allCheap: boolean, emptyIsRangeError: boolean, emptyErrorPreallocated: boolean }
  gossip: { installed: boolean, ownOffered: number, relayedOffered: number, backToSender: number }
}

const PROBE_DEADLINE_MS = 60_000

async function runProbe (): Promise<Probe> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/helpers/patch-probe.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const timer = setTimeout(() => { child.kill() }, PROBE_DEADLINE_MS)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  if (code !== 0) throw new Error(`the patch probe exited with ${String(code)}: ${err}`)
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as Probe
}

let probe: Probe
test.before(async () => {
  probe = await runProbe()
})

test('the patched packages are pinned to exact versions, and those versions are installed', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  for (const [name, file] of Object.entries(PATCHED)) {
    const spec = pkg.dependencies[name] ?? ''
    assert.match(spec, /^\d+\.\d+\.\d+$/, `${name} is patched by ${file}: pin it to an exact version (is "${spec}")`)
    const installed = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
    assert.is(installed, spec, `${name}: installed ${installed}, pinned ${spec}`)
  }
})

test('yamux: a host\'s streams answer small frames with no window update each', () => {
  const y = probe.yamux
  assert.ok(y.replaced, 'YamuxStream.prototype.sendWindowUpdate is the patched one')
  assert.ok(y.streamIsYamux, 'the stream a handler gets is a YamuxStream (the class patched)')
  assert.is(y.received, y.frames * 1024, 'every byte arrived')
  assert.is(y.windowUpdates, 0, `${y.frames} frames of 1 KiB (under half a window): no window update, got ${y.windowUpdates}`)
})

test('lp decoder: the decoders reading a host\'s connection throw one preallocated error on an empty buffer', () => {
  const d = probe.lpDecoder
  assert.ok(d.replaced, 'LengthPrefixedDecoder.prototype.decode is the patched one')
  assert.ok(d.decodersOnConnection > 0, 'noise reads the connection with the LengthPrefixedDecoder patched (not another copy of @libp2p/utils)')
  assert.ok(d.allCheap, 'every such decoder has its length decoder wrapped')
  assert.ok(d.emptyIsRangeError, 'an empty buffer still throws a RangeError (the decoder\'s loop stops on it)')
  assert.ok(d.emptyErrorPreallocated, 'the same error each time, not a new one per chunk')
})

test('gossipsub: a host\'s heartbeat gossip offers only what it relays', () => {
  const g = probe.gossip
  assert.ok(g.installed, 'installRelayOnlyGossip found gossipsub\'s internals on both hosts')
  assert.is(g.ownOffered, 0, 'the publisher offers its own message to nobody')
  assert.is(g.relayedOffered, 1, 'a relay offers the message it got to a third peer')
  assert.is(g.backToSender, 0, 'and not to the peer it got it from')
})

test.run()
