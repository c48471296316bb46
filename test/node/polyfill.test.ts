/**
 * src/node/polyfills.ts gives Node 20 what libp2p 3 expects of Node 22: Promise.withResolvers
 * and a global WebSocket. Whatever Node runs the tests, each case takes the globals away (or
 * puts stand-ins in their place) and evaluates the module afresh, so the polyfill itself is
 * what is checked, not the Node that happens to run it.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { WebSocket as WsWebSocket } from 'ws'

type WithResolvers = <T>() => { promise: Promise<T>, resolve: (v: T) => void, reject: (e?: unknown) => void }
const P = Promise as unknown as { withResolvers?: WithResolvers }
const G = globalThis as { WebSocket?: unknown }
const root = join(dirname(fileURLToPath(import.meta.url)), '../..')

let fresh = 0
/** evaluates polyfills.ts again (a new URL is a new module) with the globals as `set` leaves them */
async function loadPolyfills (set: () => void): Promise<{ withResolvers: unknown, WebSocket: unknown }> {
  const saved = { withResolvers: P.withResolvers, WebSocket: G.WebSocket }
  try {
    set()
    const url = new URL('../../src/node/polyfills.ts', import.meta.url)
    url.search = `?fresh=${++fresh}`
    await import(url.href)
    return { withResolvers: P.withResolvers, WebSocket: G.WebSocket }
  } finally {
    P.withResolvers = saved.withResolvers
    G.WebSocket = saved.WebSocket
  }
}

test('without Promise.withResolvers (Node 20), the polyfill provides one that resolves and rejects its promise', async () => {
  const got = await loadPolyfills(() => { delete P.withResolvers })
  assert.type(got.withResolvers, 'function')
  const withResolvers = got.withResolvers as WithResolvers
  const ok = withResolvers.call(Promise) as ReturnType<WithResolvers>
  assert.instance(ok.promise, Promise)
  ok.resolve(7)
  ok.reject(new Error('too late'))
  assert.is(await ok.promise, 7, 'resolves with the value, once')
  const bad = withResolvers.call(Promise) as ReturnType<WithResolvers>
  bad.reject(new Error('no'))
  bad.resolve(1)
  await bad.promise.then(() => assert.unreachable('resolved after reject'), (err: Error) => assert.is(err.message, 'no'))
  // each call its own promise
  assert.is.not(withResolvers.call(Promise).promise, ok.promise)
})

test('without a global WebSocket (Node 20), the polyfill installs ws\'s client', async () => {
  const got = await loadPolyfills(() => { delete G.WebSocket })
  assert.is(got.WebSocket, WsWebSocket)
})

test('where Node has them (22+), the polyfill leaves Promise.withResolvers and WebSocket as they are', async () => {
  const own = (): never => { throw new Error('a stand-in') }
  class OwnWebSocket {}
  const got = await loadPolyfills(() => {
    P.withResolvers = own as unknown as WithResolvers
    G.WebSocket = OwnWebSocket
  })
  assert.is(got.withResolvers, own)
  assert.is(got.WebSocket, OwnWebSocket)
})

test('the p2p host, where libp2p loads, loads the polyfills before libp2p needs them', () => {
  // a fresh process without the globals, as on Node 20, whatever Node runs the tests
  const script = 'delete Promise.withResolvers; delete globalThis.WebSocket; ' +
    "await import('./src/node/p2p/host.ts'); console.log(typeof Promise.withResolvers, typeof globalThis.WebSocket)"
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  assert.is(r.status, 0, r.stderr)
  assert.is(r.stdout.trim(), 'function function', 'host.ts installs both')
})

test.run()
