/**
 * What the node adds for the dashboard: the static page at `/` (or a page saying how to
 * build it), colonynet's read messages (paged listing, history with sites and executors,
 * throughput, executor sites) and the colony-wide change stream on /pubsub.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import WebSocket from 'ws'
import { ColonyNode } from '../../src/node/index.js'
import { DashboardAssets } from '../../src/node/dashboard-assets.js'
import { generatePrivateKey } from '../../src/protocol/crypto.js'
import { parseReply } from '../../src/protocol/envelope.js'
import { assignMsg, eventually, startColony, submit, type TestColony } from '../helpers/colony-node.js'
import { assertError, call, envelope } from '../helpers/raw-rpc.js'

let tc: TestColony

test.before(async () => {
  tc = await startColony({ executors: 1 })
})

test.after(async () => {
  await tc.stop()
})

test('the node serves the dashboard at / with a strict content policy; the API is unchanged', async () => {
  const res = await fetch(`${tc.node.url}/`)
  const html = await res.text()
  // the bundle is built by `npm ci` (prepare); a missing one gets the how-to-build page
  if (res.status === 200) {
    assert.match(html, /<div id="app">/)
    const js = await fetch(`${tc.node.url}/app.js`)
    assert.is(js.status, 200)
    assert.match(js.headers.get('content-type') ?? '', /javascript/)
    const again = await fetch(`${tc.node.url}/app.js`, { headers: { 'if-none-match': js.headers.get('etag') ?? '' } })
    assert.is(again.status, 304)
  } else {
    assert.is(res.status, 503)
    assert.match(html, /npm run build:dashboard/)
  }
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/)
  assert.is((await fetch(`${tc.node.url}/../../package.json`)).status, 404)
  assert.is((await fetch(`${tc.node.url}/nope/app.js`)).status, 404)
  assert.is((await fetch(`${tc.node.url}/health`)).status, 200)
  assert.is((await fetch(`${tc.node.url}/api`)).status, 405)
})

test('a missing bundle gets a page that says how to build it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-dist-'))
  const assets = new DashboardAssets(dir)
  const { createServer } = await import('node:http')
  const server = createServer((req, res) => {
    void assets.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname).then(done => { if (!done) { res.writeHead(404); res.end() } })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`)
    assert.is(res.status, 503)
    assert.match(await res.text(), /npm run build:dashboard/)
    await writeFile(join(dir, 'index.html'), '<p>built</p>')
    const built = await fetch(`http://127.0.0.1:${port}/`)
    assert.is(built.status, 200)
    assert.is(await built.text(), '<p>built</p>')
    assert.is((await fetch(`http://127.0.0.1:${port}/app.js`)).status, 404)
  } finally {
    server.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('--no-dashboard: the node answers / with the API\'s 404', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'colonynet-nodash-'))
  const node = await ColonyNode.start({ dataDir: dir, port: 0, dashboard: false })
  try {
    const res = await fetch(`${node.url}/`)
    assert.is(res.status, 404)
    assert.is(res.headers.get('content-type'), 'application/json')
  } finally {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
})

test('getprocesspagemsg pages through every state with the total, in the listing order', async () => {
  const ids: string[] = []
  for (let i = 0; i < 7; i++) ids.push((await submit(tc, { funcname: `f${i}`, label: i % 2 === 0 ? 'even' : 'odd' })).processid)
  const page = async (extra: Record<string, unknown>): Promise<any> => {
    const r = await call(tc.node.url, { msgtype: 'getprocesspagemsg', colonyname: tc.colony, ...extra }, tc.user.prv)
    assert.is(r.status, 200, JSON.stringify(r.value))
    return r.value
  }
  const all = await page({ state: -1, count: 3 })
  assert.is(all.total, 7)
  assert.is(all.processes.length, 3)
  // any state: newest first
  assert.equal(all.processes.map((p: any) => p.processid), ids.slice(-3).reverse())
  assert.is(all.processes[0].site, '')
  const last = await page({ state: -1, count: 3, offset: 6 })
  assert.equal(last.processes.map((p: any) => p.processid), [ids[0]])
  const waiting = await page({ state: 0, count: 100 })
  // waiting: the order they will run in
  assert.equal(waiting.processes.map((p: any) => p.processid), ids)
  assert.is((await page({ state: 0, label: 'odd' })).total, 3)
  assert.is((await page({ state: 2 })).total, 0)
  assertError(await call(tc.node.url, { msgtype: 'getprocesspagemsg', colonyname: tc.colony, count: 501 }, tc.user.prv), 400, /count/)
  assertError(await call(tc.node.url, { msgtype: 'getprocesspagemsg', colonyname: tc.colony }, generatePrivateKey()), 403, /not a member/)
})

test('getprocesshistorymsg names the site and executor of each attempt; throughput and executor sites count what ran', async () => {
  const p = await submit(tc, { funcname: 'hist' })
  const x = tc.executors[0]!
  // run everything waiting, oldest first, until our process has run
  for (;;) {
    const a = await call(tc.node.url, assignMsg(tc.colony, -1), x.prv)
    assert.is(a.status, 200)
    const c = await call(tc.node.url, { msgtype: 'closesuccessfulmsg', processid: a.value.processid, out: ['ok'] }, x.prv)
    assert.is(c.status, 200)
    if (a.value.processid === p.processid) break
  }
  const h = await call(tc.node.url, { msgtype: 'getprocesshistorymsg', processid: p.processid }, tc.user.prv)
  assert.is(h.status, 200)
  assert.is(h.value.submitsite, tc.node.nodeId)
  assert.equal(h.value.steps.map((s: any) => s.state), [0, 1, 2])
  assert.is(h.value.steps[0].site, tc.node.nodeId)
  assert.is(h.value.steps[1].site, tc.node.nodeId)
  assert.is(h.value.steps[1].executorid, x.id)
  assert.is(h.value.steps[1].executorname, 'x0')
  assert.is(h.value.steps[2].attempt, 1)

  const t = await call(tc.node.url, { msgtype: 'getthroughputmsg', colonyname: tc.colony, seconds: 120, bucket: 10 }, tc.user.prv)
  assert.is(t.status, 200)
  assert.is(t.value.buckets.length, 12)
  const sum = (k: string): number => t.value.buckets.reduce((a: number, b: any) => a + (b[k] as number), 0)
  assert.is(sum('submitted'), 8)
  assert.is(sum('succeeded'), 8)
  assertError(await call(tc.node.url, { msgtype: 'getthroughputmsg', colonyname: tc.colony, seconds: 86_400, bucket: 1 }, tc.user.prv), 400, /bucket/)

  const xs = await call(tc.node.url, { msgtype: 'getexecutorsitesmsg', colonyname: tc.colony }, tc.user.prv)
  assert.is(xs.status, 200)
  assert.is(xs.value.length, 1)
  assert.is(xs.value[0].executorid, x.id)
  assert.is(xs.value[0].site, tc.node.nodeId)
  assert.ok(xs.value[0].lastseen > Date.now() - 60_000)
})

interface Frame { processes: Array<{ processid: string, state: number }>, colonylevel: boolean, reset: boolean }

function openStream (prv: string): { ws: WebSocket, frames: Frame[], errors: string[], closed: Promise<void> } {
  const ws = new WebSocket(`${tc.node.url.replace('http', 'ws')}/pubsub`)
  const frames: Frame[] = []
  const errors: string[] = []
  ws.on('open', () => ws.send(envelope({ msgtype: 'subscribecolonymsg', colonyname: tc.colony, timeout: 0 }, prv)))
  ws.on('message', data => {
    const r = parseReply(data.toString())
    if (r.ok) frames.push(r.value as Frame)
    else errors.push(r.message)
  })
  const closed = new Promise<void>(resolve => ws.on('close', () => resolve()))
  return { ws, frames, errors, closed }
}

test('subscribecolonymsg streams every change of the colony\'s processes, coalesced, to members only', async () => {
  const s = openStream(tc.user.prv)
  await eventually(() => s.frames.length > 0 ? true : undefined, 'the first, empty frame')
  assert.equal(s.frames[0], { processes: [], colonylevel: false, reset: false })
  const p = await submit(tc, { funcname: 'streamed' })
  await eventually(() => s.frames.some(f => f.processes.some(x => x.processid === p.processid && x.state === 0)) ? true : undefined, 'the submit in the stream')
  await call(tc.node.url, { msgtype: 'cancelprocessmsg', processid: p.processid }, tc.user.prv)
  await eventually(() => s.frames.some(f => f.processes.some(x => x.processid === p.processid && x.state === 4)) ? true : undefined, 'the cancel in the stream')
  await call(tc.node.url, { msgtype: 'removeprocessmsg', processid: p.processid, all: false }, tc.user.prv)
  await eventually(() => s.frames.some(f => f.processes.some(x => x.processid === p.processid && x.state === -1)) ? true : undefined, 'the removal in the stream')
  await call(tc.node.url, { msgtype: 'addexecutormsg', executor: { executorid: 'a'.repeat(64), executortype: 'cli', executorname: 'late', colonyname: tc.colony } }, tc.owner.prv)
  await eventually(() => s.frames.some(f => f.colonylevel) ? true : undefined, 'a colony-level change')
  s.ws.close()
  await s.closed

  const stranger = openStream(generatePrivateKey())
  await stranger.closed
  assert.equal(stranger.frames, [])
  assert.match(stranger.errors[0] ?? '', /not a member of colony "test"/)
})

test('a burst larger than one frame becomes a reset, not an unbounded frame', async () => {
  const s = openStream(tc.user.prv)
  await eventually(() => s.frames.length > 0 ? true : undefined, 'the first frame')
  const specs = Array.from({ length: 520 }, (_, i) => ({ funcname: `burst${i}` }))
  // one request each, as fast as the node takes them; within one flush period most coalesce
  await Promise.all(specs.map(async spec => await submit(tc, spec)))
  await eventually(() => s.frames.reduce((a, f) => a + f.processes.length, 0) >= 520 || s.frames.some(f => f.reset) ? true : undefined, 'the burst to arrive')
  for (const f of s.frames) assert.ok(f.processes.length <= 500)
  s.ws.close()
  await s.closed
})

test.run()
